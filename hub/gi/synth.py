"""Valid synthetic GI messages as nested specs (written by hub/gi/build.py), and their parts.

`spec("GI001")` gives a fresh spec that is XSD-valid and passes every GI rule. The defaults tell the story of
the iJw defaults (hub.synth.berichten): the same child, gemeente 0200 (Apeldoorn) and aanbieder 12345678; the GI
is AGB 87654321, the Verwijzer of the default JW315, which asks for the product the default bepaling names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hub.gi import build
from hub.gi.build import to_tree, to_xml
from hub.gi.catalog import GI_BERICHTEN
from hub.gi.codes import NIEUW, STATUS_TOEWIJZING_AFGEGEVEN
from hub.synth.berichten import (
    DEFAULT_DAGTEKENING,
    SPECIFIEK,
    builder_for,
    default_identificatie,
    default_persoon,
    omvang,
    product,
    verkorte_naam,
    volgende_maand,
)
from hub.synth.build import Spec
from hub.synth.persons import Persoon

GI_AGB = "87654321"  # the default GI (the Verwijzer of the default JW315)
GEMEENTE = "0200"  # Apeldoorn
JEUGDREGIO = "Midden IJssel-Oost Veluwe"  # Apeldoorn's jeugdregio in the shipped gemeente list
AANBIEDER = "12345678"
GI_BERICHTEN_MET_SPEC = ("GI001", "GI002", "GI003", "GI102")
BEPALING_ID = "B-2026-0001"
MAATREGEL_ID = "M-2026-0001"
OTS = "02"


def header(
    bericht: str, *, dagtekening: date, identificatie: str, gi: str = GI_AGB, gemeente: str = GEMEENTE
) -> Spec:
    """The GI header with the default GI and gemeente."""
    return build.header(
        bericht, dagtekening=dagtekening, identificatie=identificatie, gi=gi, gemeente=gemeente
    )


def client(p: Persoon, **inhoud: Spec) -> Spec:
    """Bsn, Geboortedatum and Naam (CDT_VerkorteNaam), followed by the message's content (Bepalingen, ...)."""
    return {"Bsn": p.bsn, "Geboortedatum": {"Datum": p.geboortedatum}, "Naam": verkorte_naam(p), **inhoud}


def maatregel_ref(maatregel_id: str = MAATREGEL_ID, maatregel_type: str = OTS) -> Spec:
    """CDT_Maatregel: the measure a bepaling falls under."""
    return {"MaatregelId": maatregel_id, "MaatregelType": maatregel_type}


def bepaling(
    bepaling_id: str = BEPALING_ID,
    *,
    datum_bepaling: date,
    gewenste_ingangsdatum: date,
    categorie: str = SPECIFIEK[1],
    code: str | None = SPECIFIEK[2],
    omvang_spec: Spec | None = None,
    maatregel: Spec | None = None,
    urgentie: str = "3",
    voorkeur_aanbieder: str | None = None,
    toelichting: str | None = None,
    status: str = NIEUW,
) -> Spec:
    """A GI001 Bepaling; StatusAanlevering 1 (new) or 3 (withdrawal)."""
    return {
        "BepalingId": bepaling_id,
        "Maatregel": maatregel if maatregel is not None else maatregel_ref(),
        "DatumBepaling": datum_bepaling,
        "Product": product(categorie, code),
        "Omvang": omvang_spec,
        "GewensteIngangsdatum": gewenste_ingangsdatum,
        "Urgentie": urgentie,
        "VoorkeurAanbieder": voorkeur_aanbieder,
        "Toelichting": toelichting,
        "StatusAanlevering": status,
    }


def maatregel(
    maatregel_id: str = MAATREGEL_ID,
    *,
    maatregel_type: str = OTS,
    uitspraak: date | None = None,
    vaste_jeugdbeschermer: date | None = None,
    gedragen_koers: date | None = None,
    einddatum: date | None = None,
) -> Spec:
    """A GI002 Maatregel; every date is optional and may come in a later message."""
    return {
        "MaatregelId": maatregel_id,
        "MaatregelType": maatregel_type,
        "DatumUitspraak": uitspraak,
        "DatumVasteJeugdbeschermer": vaste_jeugdbeschermer,
        "DatumGedragenKoers": gedragen_koers,
        "Einddatum": einddatum,
    }


def capaciteit(
    jeugdregio: str = JEUGDREGIO,
    *,
    peildatum: date,
    jeugdbeschermers: Decimal | str = Decimal("42.50"),
    caseload: int = 610,
    beschikbare_plaatsen: int = 12,
    wachtlijst: int = 8,
) -> Spec:
    """A GI003 Capaciteit of one jeugdregio on one peildatum."""
    return {
        "Jeugdregio": jeugdregio,
        "Peildatum": peildatum,
        "Jeugdbeschermers": jeugdbeschermers,
        "Caseload": caseload,
        "BeschikbarePlaatsen": beschikbare_plaatsen,
        "Wachtlijst": wachtlijst,
    }


def statusmelding(
    bepaling_id: str = BEPALING_ID,
    *,
    status: str,
    status_datum: date,
    toewijzing_nummer: int | None = None,
    aanbieder: str | None = None,
    categorie: str | None = None,
    code: str | None = None,
    begindatum: date | None = None,
    toelichting: str | None = None,
) -> Spec:
    """A GI102 Statusmelding about one bepaling."""
    return {
        "BepalingId": bepaling_id,
        "Status": status,
        "StatusDatum": status_datum,
        "ToewijzingNummer": toewijzing_nummer,
        "Aanbieder": aanbieder,
        "Product": product(categorie, code) if categorie is not None else None,
        "Begindatum": begindatum,
        "Toelichting": toelichting,
    }


# ---- default messages ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ctx:
    bericht: str
    dagtekening: date
    persoon: Persoon
    identificatie: str
    gi: str
    gemeente: str

    def header(self) -> Spec:
        return header(
            self.bericht,
            dagtekening=self.dagtekening,
            identificatie=self.identificatie,
            gi=self.gi,
            gemeente=self.gemeente,
        )

    @property
    def uitspraak(self) -> date:
        """The judge's decision behind the default measure: four weeks before the Dagtekening."""
        return self.dagtekening - timedelta(weeks=4)


def _gi001(c: _Ctx) -> Spec:
    b = bepaling(
        datum_bepaling=c.dagtekening - timedelta(days=3),
        gewenste_ingangsdatum=volgende_maand(c.dagtekening),  # the ingangsdatum of the default JW315
        omvang_spec=omvang(4),
        voorkeur_aanbieder=AANBIEDER,
        toelichting="Ambulante hulp thuis, twee keer per week.",
    )
    return {"Header": c.header(), "Client": client(c.persoon, Bepalingen={"Bepaling": [b]})}


def _gi002(c: _Ctx) -> Spec:
    m = maatregel(
        uitspraak=c.uitspraak,
        vaste_jeugdbeschermer=c.uitspraak + timedelta(days=3),
        gedragen_koers=c.uitspraak + timedelta(weeks=3),
        einddatum=c.uitspraak.replace(year=c.uitspraak.year + 1) - timedelta(days=1),
    )
    return {"Header": c.header(), "Client": client(c.persoon, Maatregelen={"Maatregel": [m]})}


def _gi003(c: _Ctx) -> Spec:
    return {"Header": c.header(), "Capaciteiten": {"Capaciteit": [capaciteit(peildatum=c.dagtekening)]}}


def _gi102(c: _Ctx) -> Spec:
    melding = statusmelding(
        status=STATUS_TOEWIJZING_AFGEGEVEN,
        status_datum=c.dagtekening,
        toewijzing_nummer=300201,
        aanbieder=AANBIEDER,
        categorie=SPECIFIEK[1],
        code=SPECIFIEK[2],
    )
    return {"Header": c.header(), "Statusmelding": melding}


_BUILDERS: dict[str, Callable[[_Ctx], Spec]] = {
    "GI001": _gi001,
    "GI002": _gi002,
    "GI003": _gi003,
    "GI102": _gi102,
}


def spec(
    bericht: str,
    *,
    dagtekening: date = DEFAULT_DAGTEKENING,
    persoon: Persoon | None = None,
    identificatie: str | None = None,
    gi: str = GI_AGB,
    gemeente: str = GEMEENTE,
) -> Spec:
    """A new valid spec for GI001, GI002, GI003 or GI102 that passes every GI rule."""
    builder = builder_for(_BUILDERS, bericht)
    ctx = _Ctx(
        bericht=bericht,
        dagtekening=dagtekening,
        persoon=persoon if persoon is not None else default_persoon(dagtekening),
        identificatie=identificatie or default_identificatie(bericht, dagtekening),
        gi=gi,
        gemeente=gemeente,
    )
    return builder(ctx)


def xml(bericht: str, **kwargs: Any) -> bytes:
    """The default message as bytes: to_xml(bericht, spec(bericht, **kwargs))."""
    return to_xml(bericht, spec(bericht, **kwargs))


# ---- examples/gi ----------------------------------------------------------------------------------------

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples" / "gi"


def examples() -> dict[str, bytes]:
    """File name -> content of examples/gi: each default message, and the GI101 accepting the GI001."""
    from hub.gi.ack import build_ontvangstbevestiging  # only here: the examples need the whole validator
    from hub.ijw.doc import Doc
    from hub.validate import Verdict

    files = {f"{b}.xml": xml(b) for b in GI_BERICHTEN_MET_SPEC}
    gi001 = to_tree("GI001", spec("GI001"))
    ack = build_ontvangstbevestiging(
        Verdict(GI_BERICHTEN["GI001"], (), Doc(gi001, GI_BERICHTEN["GI001"])), DEFAULT_DAGTEKENING
    )
    assert ack is not None
    files["GI101.xml"] = ack
    return dict(sorted(files.items()))


def write_examples(out: Path = EXAMPLES_DIR) -> list[Path]:
    """Rewrite examples/gi from the builders (run after changing them; a test checks they are current)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in examples().items():
        (out / name).write_bytes(data)
        written.append(out / name)
    return written
