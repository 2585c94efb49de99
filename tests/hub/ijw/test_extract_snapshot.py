"""extract() gives the very models it gave before its restructuring, for messages of all 14 iJw types.

data/extract_snapshot.json holds messages with the model_dump() that extract() made of each when it was
written: the builders' default heenberichten, on other days and for other persons and with every optional
element filled; retourberichten built from them with RetourCodes on every kind of class; and simulated
traffic with deliberate errors, each message followed by the intake's retour. The XML is stored, not rebuilt,
so a change to the builders or the retour cannot move it. Rewrite it only when the models change:
`.venv/bin/python -m tests.hub.ijw.test_extract_snapshot`.
"""

from __future__ import annotations

import itertools
import json
import random
import tempfile
from collections.abc import Iterator
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from hub.ijw.catalog import BERICHTEN
from hub.ijw.extract import extract
from hub.synth.build import Spec
from hub.validate import Validator

SNAPSHOT = Path(__file__).parent / "data" / "extract_snapshot.json"
TODAY = date(2026, 11, 23)
MIN_PER_TYPE, MAX_PER_TYPE = 3, 8  # messages kept per type (see write())


@cache
def _validator() -> Validator:
    return Validator(clock=lambda: TODAY)


def _dump(data: bytes) -> dict[str, Any] | None:
    """The model of an XSD-valid message as JSON values; None for a message that is not XSD-valid."""
    doc = _validator().validate(data).doc
    return None if doc is None else extract(doc).model_dump(mode="json")


@cache
def _snapshot() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    return loaded


def test_snapshot_covers_every_ijw_message_type() -> None:
    assert {m["bericht"] for m in _snapshot()} == set(BERICHTEN)


@pytest.mark.parametrize("entry", _snapshot(), ids=lambda e: str(e["bericht"]))
def test_extract_matches_the_snapshot(entry: dict[str, Any]) -> None:
    assert _dump(entry["xml"].encode()) == entry["model"]


# ---- writing the snapshot ------------------------------------------------------------------------------


def _filled(node: Any, path: str = "") -> Iterator[str]:
    """The paths of the values a dump fills (not None, not an empty tuple), list positions left out."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _filled(value, f"{path}/{key}")
    elif isinstance(node, list):
        if node:
            yield path
        for item in node:
            yield from _filled(item, path)
    elif node is not None:
        yield path


def _valid(bericht: str, spec: Spec) -> bytes:
    """The message as bytes; the corpus's hand-made variants must all be XSD-valid."""
    from hub.synth.build import to_xml

    data = to_xml(bericht, spec)
    if _validator().validate(data).doc is None:
        raise AssertionError(f"{bericht} variant is not XSD-valid: {_validator().validate(data).errors}")
    return data


def _edited(spec: Spec, edits: dict[str, Any]) -> Spec:
    from hub.synth.build import edit

    for path, value in edits.items():
        spec = edit(spec, path, value)
    return spec


HUIS = {"Huisnummer": "0005", "Huisletter": "a", "HuisnummerToevoeging": "bis", "AanduidingWoonadres": "TO"}
TELEFOONS = {
    "Telefoon01": {"Telefoonnummer": "0551234567", "Landnummer": "0031"},
    "Telefoon02": {"Telefoonnummer": "0612345678", "Landnummer": "0031"},
}
VOLLE_CONTACT = {
    "Soort": "02",
    "Adres": {
        "Huis": HUIS,
        "Postcode": "7311AB",
        "Straatnaam": "Proefstraat",
        "Plaatsnaam": "Apeldoorn",
        "LandCode": "NL",
    },
    "Organisatie": "Proef  &  Zoon",
    "Telefoon": TELEFOONS,
    "Emailadres": "proef@example.org",
    "Periode": {"Begindatum": "2026-01-01", "Einddatum": "2026-12-31"},
}
PARTNERNAAM = {"Achternaam": "Nepstra", "Voorvoegsel": "de"}


def _full_edits(bericht: str) -> dict[str, Any]:
    """Edits that fill the optional elements the default spec leaves out, and values the XSD lets vary."""
    client = {"Client/Geboortedatum/DatumGebruik": "2"}
    if bericht == "JW301":
        product = "Client/ToegewezenProducten/ToegewezenProduct"
        relatie = "Client/Relaties/Relatie"
        return {
            **client,
            "Client/Naam/Partnernaam": PARTNERNAAM,
            "Client/Naam/NaamGebruik": "2",
            "Client/Communicatie": {"Vorm": "2", "Taal": "Fries"},
            "Client/JuridischeStatus": "01",
            "Client/WettelijkeVertegenwoordiging": "06",
            "Client/Commentaar": "  twee\n   regels ",
            f"{relatie}[1]/Geboortedatum/DatumGebruik": "1",
            f"{relatie}[1]/Naam/Partnernaam": PARTNERNAAM,
            f"{relatie}[1]/Contact": VOLLE_CONTACT,
            f"{relatie}[2]": {
                "Nummer": "2",
                "Soort": "11",
                "Naam": {"Geslachtsnaam": {"Achternaam": "X"}, "NaamGebruik": "1"},
                "Contact": {"Soort": "01", "Telefoon": TELEFOONS},
            },
            "Client/Contactgegevens/Contact[2]": VOLLE_CONTACT,
            f"{product}[1]/ReferentieAanbieder": "VOT-1",
            f"{product}[1]/Einddatum": " 2027-03-31\n",
            f"{product}[1]/Toewijzingstijd": "24:00:00",
            f"{product}[1]/Commentaar": "met\tcommentaar",
            f"{product}[2]/Budget": "0025000",
            f"{product}[2]/RedenWijziging": "01",
            f"{product}[2]/Toewijzingstijd": "23:59:30.25",
            f"{product}[2]/ToewijzingNummer": "+000042",
            f"{product}[3]": {
                "ToewijzingNummer": 7,
                "Toewijzingsdatum": "2026-11-02",
                "Toewijzingstijd": "10:00:00",
                "Ingangsdatum": "2026-11-01",
                "Budget": 100,
            },
        }
    if bericht in ("JW305", "JW307"):
        klasse = (
            "Client/StartProducten/StartProduct" if bericht == "JW305" else "Client/StopProducten/StopProduct"
        )
        return {**client, f"{klasse}[1]/ToewijzingNummer": None, f"{klasse}[1]/ToewijzingIngangsdatum": None}
    if bericht == "JW315":
        product = "Client/AangevraagdeProducten/AangevraagdProduct"
        return {
            **client,
            "Client/Commentaar": "graag snel",
            f"{product}[1]/Raamcontract": "2",
            f"{product}[1]/Commentaar": "spoed",
            f"{product}[1]/Product": None,
            f"{product}[2]/Verwijzer": {"Type": "01"},
        }
    if bericht == "JW317":
        verzoek = "Client/Verzoek"
        return {
            f"{verzoek}/TeWijzigenProducten/TeWijzigenProduct[1]/Budget": 5000,
            f"{verzoek}/TeWijzigenProducten/TeWijzigenProduct[1]/Omvang": None,
            f"{verzoek}/TeWijzigenProducten/TeWijzigenProduct[1]/Einddatum": None,
            f"{verzoek}/NieuweProducten/NieuwProduct[1]/Product": None,
            f"{verzoek}/NieuweProducten/NieuwProduct[1]/Budget": 7000,
            f"{verzoek}/NieuweProducten/NieuwProduct[2]": {
                "GewensteIngangsdatum": "2026-12-01",
                "Omvang": {"Volume": "007", "Eenheid": "01", "Frequentie": "4"},
            },
        }
    if bericht == "JW319":
        return {"Antwoord/RedenAfwijzingVerzoek": "8", "Antwoord/Woonplaatsbeginsel": {"Gemeente": "0014"}}
    if bericht == "JW323":
        prestatie = "Declaratie/Clienten/Client[1]/Prestaties/Prestatie"
        return {
            f"{prestatie}[1]/ProductReferentie/VorigReferentieNummer": "P0",
            f"{prestatie}[1]/IngediendBedrag/DebetCredit": "C",
            f"{prestatie}[2]/Eenheid": "83",
            f"{prestatie}[2]/ProductTarief": None,
            "Declaratie/Clienten/Client[2]": {"Bsn": "999990019", "Prestaties": {"Prestatie": []}},
        }
    return {}


def _variants() -> Iterator[bytes]:
    """The default heenberichten for other persons and days, and each with every optional part filled."""
    from hub.synth import berichten
    from hub.synth.persons import persoon

    rng = random.Random(11)
    for bericht in berichten.HEENBERICHTEN:
        yield berichten.xml(bericht)
        for dag in (date(2026, 12, 31), date(2028, 2, 29)):
            yield berichten.xml(bericht, dagtekening=dag, persoon=persoon(rng, dag))
        full = _edited(berichten.spec(bericht), _full_edits(bericht))
        if bericht == "JW323":  # the second client declares the first one's prestaties again
            prestaties = full["Declaratie"]["Clienten"]["Client"][0]["Prestaties"]["Prestatie"]
            full["Declaratie"]["Clienten"]["Client"][1]["Prestaties"]["Prestatie"] = prestaties
        yield _valid(bericht, full)


def _retouren(data: bytes) -> Iterator[bytes]:
    """Retouren of a heenbericht: RetourCodes on every other class, on the deepest only, on the Header."""
    from hub.ijw.catalog import RETOUR_KLASSEN
    from hub.retour.build import build_retour
    from hub.rules.registry import Level, Violation
    from hub.validate import Verdict

    verdict = _validator().validate(data)
    doc, info = verdict.doc, verdict.info
    if doc is None or info is None or info.retour is None:
        return
    if info.retour == "JW325":
        klassen: tuple[str, ...] = (
            "Declaratie",
            "Declaratie/Clienten/Client",
            "Declaratie/Clienten/Client/Prestaties/Prestatie",
        )
        marked = [klassen[2:], klassen[1:2], klassen[:1]]
    else:
        klassen = RETOUR_KLASSEN[info.retour]
        marked = [klassen, klassen[-1:]]
    codes = itertools.cycle(("9019", "9063", "9307", "8848", "9411"))
    verdicts: list[Verdict] = []
    for paths in marked:
        elements = [el for path in paths for i, el in enumerate(doc.all(path)) if i % 2 == 0]
        if not elements:  # e.g. a JW319 without Woonplaatsbeginsel
            continue
        errors = [Violation("TR", next(codes), None, "", Level.STATEFUL, klasse=el) for el in elements]
        errors.append(Violation("TR", next(codes), None, "", Level.STATEFUL, klasse=elements[0]))
        verdicts.append(Verdict(info, tuple(errors), doc))
    verdicts.append(Verdict(info, (Violation("TR", "8848", None, "", Level.EXTERNAL),), doc))
    verdicts.append(Verdict(info, (Violation("TR", "8001", None, "", Level.XSLT),), doc))
    for verdict in verdicts:
        retour = build_retour(verdict, dagtekening=TODAY)
        assert retour is not None and _dump(retour) is not None, retour
        yield retour


def _traffic() -> Iterator[bytes]:
    """Simulated traffic with deliberate errors, each message followed by the intake's retour (fresh SQLite)."""
    from hub.store.db import make_engine, upgrade
    from hub.synth.simulate import simulate
    from tests.hub.intake_helpers import new_intake

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/hub.sqlite"
        upgrade(url)
        engine = make_engine(url)
        intake = new_intake(engine, TODAY)
        for m in simulate(seed=7, clienten=120, aanbieders=6, error_rate=0.3, gi=False, tot=TODAY):
            yield m.xml
            result = intake.verwerk(m.xml)
            if result.retour is not None:
                yield result.retour
        engine.dispose()


def _corpus() -> Iterator[bytes]:
    for data in _variants():
        yield data
        yield from _retouren(data)
    yield from _traffic()


def write() -> None:
    """Keep, per type, the first MIN_PER_TYPE messages and then those that fill fields the kept ones left empty."""
    kept: dict[str, list[dict[str, Any]]] = {b: [] for b in BERICHTEN}
    seen: dict[str, set[str]] = {b: set() for b in BERICHTEN}
    for data in _corpus():
        model = _dump(data)
        if model is None:
            continue
        bericht = model["bericht"]
        new = set(_filled(model)) - seen[bericht]
        if (new or len(kept[bericht]) < MIN_PER_TYPE) and len(kept[bericht]) < MAX_PER_TYPE:
            seen[bericht] |= new
            kept[bericht].append({"bericht": bericht, "xml": data.decode(), "model": model})
    entries = [e for b in sorted(kept) for e in kept[b]]
    SNAPSHOT.parent.mkdir(exist_ok=True)
    SNAPSHOT.write_text(json.dumps(entries, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(entries)} messages: " + ", ".join(f"{b} {len(kept[b])}" for b in sorted(kept)))


if __name__ == "__main__":
    write()
