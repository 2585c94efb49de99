"""Dates against the Dagtekening (rules.md 4.3: TR134, TR380), on XSD-valid messages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import hub.rules.dates  # noqa: F401  (registers the rules under test)
from hub.synth.berichten import DEFAULT_DAGTEKENING, spec
from hub.synth.build import Spec
from tests.hub.rules.level2 import edited, jw325_met_afwijzing, loc, locations, violations

MORGEN = DEFAULT_DAGTEKENING + timedelta(days=1)
GISTEREN = DEFAULT_DAGTEKENING - timedelta(days=1)
PRESTATIE = "Declaratie/Clienten/Client/Prestaties/Prestatie"


def morgen(bericht: str, path: str, id: str) -> pytest.ParameterSet:
    """A TR134 break: the date at `path` of the default `bericht` lies after the Dagtekening, reported there."""
    return pytest.param(bericht, edited(bericht, (path, MORGEN)), [loc(path)], id=f"{bericht}-{id}")


def gedateerd(bericht: str, path: str, datum: date, id: str) -> pytest.ParameterSet:
    """A TR134 pass: the date at `path` of the default `bericht` set to `datum`."""
    return pytest.param(bericht, edited(bericht, (path, datum)), id=f"{bericht}-{id}")


def jw325_met_begindatum(begindatum: date) -> Spec:
    """A JW325 returning the first Prestatie of the default JW323 rejected, with this ProductPeriode/Begindatum."""
    return jw325_met_afwijzing(edited("JW323", (f"{PRESTATIE}[1]/ProductPeriode/Begindatum", begindatum)))


TR134_BREAKS = [
    morgen("JW301", "Client/Geboortedatum/Datum", "geboortedatum"),
    morgen("JW301", "Client/Relaties/Relatie/Geboortedatum/Datum", "relatie-geboortedatum"),
    morgen("JW301", "Client/ToegewezenProducten/ToegewezenProduct[1]/Toewijzingsdatum", "toewijzingsdatum"),
    morgen("JW305", "Client/Geboortedatum/Datum", "geboortedatum"),
    morgen("JW305", "Client/StartProducten/StartProduct[2]/Begindatum", "begindatum"),
    morgen("JW307", "Client/Geboortedatum/Datum", "geboortedatum"),
    morgen("JW307", "Client/StopProducten/StopProduct/Einddatum", "einddatum"),
    morgen("JW315", "Client/Geboortedatum/Datum", "geboortedatum"),
    morgen("JW323", "Declaratie/DeclaratiePeriode/Begindatum", "declaratieperiode"),
    morgen("JW323", f"{PRESTATIE}[2]/ProductPeriode/Begindatum", "productperiode"),
    pytest.param(
        "JW325",
        jw325_met_begindatum(MORGEN),
        ["/Bericht/DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie/ProductPeriode/Begindatum"],
        id="JW325-productperiode",
    ),
]

TR134_PASSES = [
    *[pytest.param(b, spec(b), id=f"{b}-default") for b in ("JW301", "JW305", "JW307", "JW315", "JW323")],
    pytest.param("JW325", jw325_met_begindatum(GISTEREN), id="JW325-productperiode-gisteren"),
    # Equal to the Dagtekening passes (a start reported on its first day).
    gedateerd(
        "JW305", "Client/StartProducten/StartProduct[1]/Begindatum", DEFAULT_DAGTEKENING, "begindatum-gelijk"
    ),
    gedateerd(
        "JW301",
        "Client/ToegewezenProducten/ToegewezenProduct[1]/Toewijzingsdatum",
        DEFAULT_DAGTEKENING,
        "toewijzingsdatum-gelijk",
    ),
    # Not in the TR134 table: a toewijzing may start in the future; a stop's Begindatum is not checked.
    gedateerd(
        "JW301",
        "Client/ToegewezenProducten/ToegewezenProduct[1]/Ingangsdatum",
        date(2027, 1, 1),
        "ingangsdatum-in-toekomst",
    ),
    gedateerd("JW307", "Client/StopProducten/StopProduct/Begindatum", MORGEN, "begindatum-niet-getoetst"),
    gedateerd("JW323", "Declaratie/DeclaratiePeriode/Einddatum", MORGEN, "einddatum-niet-getoetst"),
]


@pytest.mark.parametrize(("bericht", "bericht_spec", "expected"), TR134_BREAKS)
def test_tr134_breaks(bericht: str, bericht_spec: Spec, expected: list[str]) -> None:
    assert locations(bericht, bericht_spec, "TR134") == expected


@pytest.mark.parametrize(("bericht", "bericht_spec"), TR134_PASSES)
def test_tr134_passes(bericht: str, bericht_spec: Spec) -> None:
    assert locations(bericht, bericht_spec, "TR134") == []


def test_tr134_does_not_apply_to_jw317_and_jw319() -> None:
    for bericht in ("JW317", "JW319"):
        assert locations(bericht, spec(bericht), "TR134") == []


def test_tr134_message_hides_birth_date() -> None:
    found = violations("JW305", edited("JW305", ("Client/Geboortedatum/Datum", MORGEN)), "TR134")
    assert len(found) == 1
    assert MORGEN.isoformat() not in found[0].message


NIEUW = "Client/Verzoek/NieuweProducten/NieuwProduct"
TE_WIJZIGEN = "Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct"

TR380_CASES = [
    pytest.param(
        edited("JW317", (f"{NIEUW}/GewensteIngangsdatum", DEFAULT_DAGTEKENING)),
        [f"/Bericht/{NIEUW}/GewensteIngangsdatum"],
        id="gelijk-aan-dagtekening",
    ),
    pytest.param(
        edited("JW317", (f"{NIEUW}/GewensteIngangsdatum", GISTEREN)),
        [f"/Bericht/{NIEUW}/GewensteIngangsdatum"],
        id="verleden",
    ),
    pytest.param(
        edited(
            "JW317",
            (f"{NIEUW}[2]", {**spec("JW317")["Client"]["Verzoek"]["NieuweProducten"]["NieuwProduct"][0]}),
            (f"{NIEUW}[2]/GewensteIngangsdatum", GISTEREN),
        ),
        [f"/Bericht/{NIEUW}[2]/GewensteIngangsdatum"],
        id="tweede-nieuw-product",
    ),
    pytest.param(edited("JW317", (f"{NIEUW}/GewensteIngangsdatum", MORGEN)), [], id="dag-na-dagtekening-ok"),
    pytest.param(spec("JW317"), [], id="default-ok"),
    pytest.param(
        edited("JW317", (f"{TE_WIJZIGEN}/GewensteIngangsdatum", GISTEREN)), [], id="te-wijzigen-niet-getoetst"
    ),
]


@pytest.mark.parametrize(("bericht_spec", "expected"), TR380_CASES)
def test_tr380(bericht_spec: Spec, expected: list[str]) -> None:
    assert locations("JW317", bericht_spec, "TR380") == expected
