"""Declaratie rules (hub/rules/declaratie.py): behaviour the mutation pass found unpinned by test_declaratie.py."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import hub.rules.declaratie  # noqa: F401  (importing registers the rules)
from tests.hub.prestaties import specifieke_prestatie
from tests.hub.rules.level2 import Edits, Scenario, assert_breaks, edited, loc, violations
from tests.hub.rules.test_declaratie import (
    AW,
    AW_PR,
    DP,
    EERDER,
    PR,
    REF2,
    als_credit,
    antwoord_met_afwijzing,
    periode,
)

BREAKS = [
    Scenario(
        "CS325 JW325 TotaalIngediendBedrag 0 credit",
        "JW325",
        ((f"{AW}/TotaalIngediendBedrag", {"TotaalBedrag": 0, "DebetCredit": "C"}),),
        (loc(f"{AW}/TotaalIngediendBedrag/TotaalBedrag"),),
    ),
    Scenario(
        "CS325 JW325 returned Prestatie IngediendBedrag 0 credit",
        "JW325",
        ((f"{AW_PR}/IngediendBedrag", {"Bedrag": 0, "DebetCredit": "C"}),),
        (loc(f"{AW_PR}/IngediendBedrag/Bedrag"),),
        antwoord_met_afwijzing,
    ),
]


@pytest.mark.parametrize("s", BREAKS, ids=lambda s: s.name)
def test_rule_breaks(s: Scenario) -> None:
    assert_breaks(s)


def test_cs340_finding_quotes_the_whole_period() -> None:
    message = edited("JW323", *periode(DP, date(2026, 9, 1), date(2026, 10, 31)))
    [found] = violations("JW323", message, "CS340")
    assert found.message == "DeclaratiePeriode 2026-09-01 to 2026-10-31 is not exactly one calendar month."


def test_tr335_finding_names_the_date_60_months_back() -> None:
    message = edited("JW323", *periode(f"{PR}[1]/ProductPeriode", date(2021, 11, 1), date(2021, 11, 1)))
    [found] = violations("JW323", message, "TR335")
    assert found.message.endswith(
        "ProductPeriode Einddatum 2021-11-01 is before 2021-11-02 (60 months back)."
    )


def test_tr335_finding_from_a_far_declaratiedagtekening_names_that_dagtekening() -> None:
    message = edited("JW323", ("Declaratie/DeclaratieDagtekening", "12026-11-01"))
    found = violations("JW323", message, "TR335")
    assert len(found) == 2
    assert all(
        v.message.endswith("is more than 60 months before DeclaratieDagtekening 12026-11-01.") for v in found
    )


@pytest.mark.parametrize(
    ("edits", "wat"),
    [
        (((f"{PR}[1]/ProductTarief", None),), "with Eenheid 04 has no ProductTarief."),
        (((f"{PR}[2]/Eenheid", "83"),), "with Eenheid 83 has a ProductTarief."),
    ],
)
def test_cd087_finding_says_whether_the_tarief_is_there(edits: Edits, wat: str) -> None:
    [found] = violations("JW323", edited("JW323", *edits), "CD087")
    assert found.message.endswith(wat)


@pytest.mark.parametrize(
    ("edits", "wat"),
    [
        (
            ((f"{PR}[1]/ProductReferentie/VorigReferentieNummer", EERDER),),
            "with DebetCredit D has a VorigReferentieNummer.",
        ),
        (
            ((f"{PR}[1]/IngediendBedrag/DebetCredit", "C"),),
            "with DebetCredit C has no VorigReferentieNummer.",
        ),
    ],
)
def test_cd060_finding_names_debetcredit_and_whether_vorig_is_there(edits: Edits, wat: str) -> None:
    [found] = violations("JW323", edited("JW323", *edits), "CD060")
    assert found.message.endswith(wat)


def test_tr316_findings_of_one_line_follow_the_earlier_lines_order() -> None:
    """rules.md TR316 (a) and (b) run per earlier line in document order: (b) on line 1 before (a) on line 2."""
    later = "P300203202610"
    s = Scenario(
        "TR316 one line matching two earlier lines",
        "JW323",
        (
            *als_credit(f"{PR}[1]", later),
            (f"{PR}[3]", specifieke_prestatie(later, vorig_referentie_nummer=REF2)),
        ),
        (
            loc(f"{PR}[1]/ProductReferentie/VorigReferentieNummer"),
            loc(f"{PR}[2]/ProductReferentie/ReferentieNummer"),
        ),
    )
    assert_breaks(s)


@pytest.mark.parametrize(
    "anders",
    [
        {"begindatum": date(2026, 10, 2)},
        {"einddatum": date(2026, 10, 30)},
        {"categorie": "46"},
        {"code": "45A54"},
        {"toewijzing_nummer": 300299},
    ],
    ids=["Begindatum", "Einddatum", "ProductCategorie", "ProductCode", "ToewijzingNummer"],
)
def test_tr416_debet_lines_differing_in_one_key_element_are_not_repeats(anders: dict[str, Any]) -> None:
    """rules.md TR416: a repeat has the same Begindatum, Einddatum, ProductCategorie, ProductCode and ToewijzingNummer."""
    s = Scenario(
        "TR416 one key element differs",
        "JW323",
        ((f"{PR}[2]", specifieke_prestatie("P300201202610B", **anders)),),
    )
    assert s.findings() == []
