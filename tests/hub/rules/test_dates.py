"""Dates against the Dagtekening (rules.md 4.3: TR134, TR380), on XSD-valid messages."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

import hub.rules.dates  # noqa: F401  (registers the rules under test)
from hub.synth.berichten import DEFAULT_DAGTEKENING, declaratie_antwoord, spec
from hub.synth.build import Spec, edit
from tests.hub.rules.level2 import locations, violations

MORGEN = DEFAULT_DAGTEKENING + timedelta(days=1)
GISTEREN = DEFAULT_DAGTEKENING - timedelta(days=1)
PRESTATIE = "Declaratie/Clienten/Client/Prestaties/Prestatie"


def edited(bericht: str, *edits: tuple[str, Any]) -> Spec:
    """The default spec of `bericht` with these (path, value) edits applied in order."""
    s = spec(bericht)
    for path, value in edits:
        s = edit(s, path, value)
    return s


def jw325_met_begindatum(begindatum: date) -> Spec:
    """A JW325 returning the first Prestatie of the default JW323 rejected, with this ProductPeriode/Begindatum."""
    jw323 = edited("JW323", (f"{PRESTATIE}[1]/ProductPeriode/Begindatum", begindatum))
    referentie = jw323["Declaratie"]["Clienten"]["Client"][0]["Prestaties"]["Prestatie"][0][
        "ProductReferentie"
    ]
    return declaratie_antwoord(
        jw323,
        dagtekening=DEFAULT_DAGTEKENING,
        identificatie="JW325A",
        afgewezen={referentie["ReferentieNummer"]: "9338"},
    )


TR134_BREAKS = [
    pytest.param(
        "JW301",
        edited("JW301", ("Client/Geboortedatum/Datum", MORGEN)),
        ["/Bericht/Client/Geboortedatum/Datum"],
        id="JW301-geboortedatum",
    ),
    pytest.param(
        "JW301",
        edited("JW301", ("Client/Relaties/Relatie/Geboortedatum/Datum", MORGEN)),
        ["/Bericht/Client/Relaties/Relatie/Geboortedatum/Datum"],
        id="JW301-relatie-geboortedatum",
    ),
    pytest.param(
        "JW301",
        edited("JW301", ("Client/ToegewezenProducten/ToegewezenProduct[1]/Toewijzingsdatum", MORGEN)),
        ["/Bericht/Client/ToegewezenProducten/ToegewezenProduct[1]/Toewijzingsdatum"],
        id="JW301-toewijzingsdatum",
    ),
    pytest.param(
        "JW305",
        edited("JW305", ("Client/Geboortedatum/Datum", MORGEN)),
        ["/Bericht/Client/Geboortedatum/Datum"],
        id="JW305-geboortedatum",
    ),
    pytest.param(
        "JW305",
        edited("JW305", ("Client/StartProducten/StartProduct[2]/Begindatum", MORGEN)),
        ["/Bericht/Client/StartProducten/StartProduct[2]/Begindatum"],
        id="JW305-begindatum",
    ),
    pytest.param(
        "JW307",
        edited("JW307", ("Client/Geboortedatum/Datum", MORGEN)),
        ["/Bericht/Client/Geboortedatum/Datum"],
        id="JW307-geboortedatum",
    ),
    pytest.param(
        "JW307",
        edited("JW307", ("Client/StopProducten/StopProduct/Einddatum", MORGEN)),
        ["/Bericht/Client/StopProducten/StopProduct/Einddatum"],
        id="JW307-einddatum",
    ),
    pytest.param(
        "JW315",
        edited("JW315", ("Client/Geboortedatum/Datum", MORGEN)),
        ["/Bericht/Client/Geboortedatum/Datum"],
        id="JW315-geboortedatum",
    ),
    pytest.param(
        "JW323",
        edited("JW323", ("Declaratie/DeclaratiePeriode/Begindatum", MORGEN)),
        ["/Bericht/Declaratie/DeclaratiePeriode/Begindatum"],
        id="JW323-declaratieperiode",
    ),
    pytest.param(
        "JW323",
        edited("JW323", (f"{PRESTATIE}[2]/ProductPeriode/Begindatum", MORGEN)),
        [f"/Bericht/{PRESTATIE}[2]/ProductPeriode/Begindatum"],
        id="JW323-productperiode",
    ),
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
    pytest.param(
        "JW305",
        edited("JW305", ("Client/StartProducten/StartProduct[1]/Begindatum", DEFAULT_DAGTEKENING)),
        id="JW305-begindatum-gelijk",
    ),
    pytest.param(
        "JW301",
        edited(
            "JW301", ("Client/ToegewezenProducten/ToegewezenProduct[1]/Toewijzingsdatum", DEFAULT_DAGTEKENING)
        ),
        id="JW301-toewijzingsdatum-gelijk",
    ),
    # Not in the TR134 table: a toewijzing may start in the future; a stop's Begindatum is not checked.
    pytest.param(
        "JW301",
        edited("JW301", ("Client/ToegewezenProducten/ToegewezenProduct[1]/Ingangsdatum", date(2027, 1, 1))),
        id="JW301-ingangsdatum-in-toekomst",
    ),
    pytest.param(
        "JW307",
        edited("JW307", ("Client/StopProducten/StopProduct/Begindatum", MORGEN)),
        id="JW307-begindatum-niet-getoetst",
    ),
    pytest.param(
        "JW323",
        edited("JW323", ("Declaratie/DeclaratiePeriode/Einddatum", MORGEN)),
        id="JW323-einddatum-niet-getoetst",
    ),
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
