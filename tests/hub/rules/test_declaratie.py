"""Level-2 declaratie rules (hub/rules/declaratie.py): per rule XSD-valid messages that break it and that pass it."""

from __future__ import annotations

from datetime import date

import pytest

import hub.rules.declaratie  # noqa: F401  (importing registers the rules)
from hub.synth.berichten import spec
from hub.synth.build import Spec
from tests.hub.prestaties import specifieke_prestatie
from tests.hub.rules.level2 import (
    Edits,
    Scenario,
    assert_breaks,
    assert_scenarios_cover,
    default_findings,
    jw325_met_afwijzing,
    loc,
)

CODES = frozenset(
    {"CS100", "CS340", "CS337", "TR137", "TR319", "TR335", "CD087", "CS339", "CD060", "CS325"}
    | {"TR358", "TR315", "TR316", "TR416", "TR342"}
)

# The default JW323 (Dagtekening and DeclaratieDagtekening 2026-11-02) declares October 2026 for one client:
# Prestatie[1] P300201202610 (45/45A53, 16 hours x 8000 = 128000 D), Prestatie[2] P300202202610 (43/43A12,
# 31 etmalen x 15000 = 465000 D), TotaalIngediendBedrag 593000 D. The default JW325 grants it all (8001).
DP = "Declaratie/DeclaratiePeriode"
PR = "Declaratie/Clienten/Client/Prestaties/Prestatie"
AW = "DeclaratieAntwoord"
AW_PR = "DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie"
REF1, REF2 = "P300201202610", "P300202202610"
EERDER = "P300201202609"  # a debet line of an earlier declaration
ANDERE_BSN = "999990019"


def periode(path: str, begin: date, eind: date) -> Edits:
    return ((f"{path}/Begindatum", begin), (f"{path}/Einddatum", eind))


def als_credit(path: str, vorig: str) -> Edits:
    """Turn the Prestatie at `path` into a credit line of `vorig`."""
    return (
        (f"{path}/ProductReferentie/VorigReferentieNummer", vorig),
        (f"{path}/IngediendBedrag/DebetCredit", "C"),
    )


def tweede_client(*prestaties: Spec) -> Edits:
    return (
        ("Declaratie/Clienten/Client[2]", {"Bsn": ANDERE_BSN, "Prestaties": {"Prestatie": list(prestaties)}}),
    )


def antwoord_met_afwijzing() -> Spec:
    """A JW325 that rejects Prestatie[1] of the default JW323 and grants the rest (TR342 holds)."""
    return jw325_met_afwijzing(spec("JW323"))


BREAKS = [
    # CS100
    Scenario(
        "CS100 DeclaratiePeriode in December 2020",
        "JW323",
        periode(DP, date(2020, 12, 1), date(2020, 12, 31)),
        (loc(f"{DP}/Begindatum"),),
    ),
    Scenario(
        "CS100 ProductPeriode starting 2020-12-31",
        "JW323",
        periode(f"{PR}[2]/ProductPeriode", date(2020, 12, 31), date(2020, 12, 31)),
        (loc(f"{PR}[2]/ProductPeriode/Begindatum"),),
    ),
    # CS340
    Scenario(
        "CS340 DeclaratiePeriode starts on day 2",
        "JW323",
        periode(DP, date(2026, 10, 2), date(2026, 10, 31)),
        (loc(f"{DP}/Begindatum"), loc(f"{DP}/Begindatum")),
    ),
    Scenario(
        "CS340 DeclaratiePeriode of two months",
        "JW323",
        periode(DP, date(2026, 9, 1), date(2026, 10, 31)),
        (loc(f"{DP}/Begindatum"),),
    ),
    Scenario(
        "CS340 DeclaratiePeriode one day short",
        "JW323",
        periode(DP, date(2026, 10, 1), date(2026, 10, 30)),
        (loc(f"{DP}/Begindatum"),),
    ),
    Scenario(
        "CS340 February of a leap year ending on the 28th",
        "JW323",
        periode(DP, date(2024, 2, 1), date(2024, 2, 28)),
        (loc(f"{DP}/Begindatum"),),
    ),
    Scenario(
        "CS340 two months ending on date's last day",
        "JW323",
        periode(DP, date(9999, 11, 1), date.max),
        (loc(f"{DP}/Begindatum"),),
    ),
    Scenario(
        "CS340 a period ending in year 12026 (read as date's last day)",
        "JW323",
        (*periode(DP, date(2026, 10, 1), date(2026, 10, 31)), (f"{DP}/Einddatum", "12026-10-31")),
        (loc(f"{DP}/Begindatum"),),
    ),
    # CS337
    Scenario(
        "CS337 ProductPeriode across two months",
        "JW323",
        periode(f"{PR}[1]/ProductPeriode", date(2026, 9, 15), date(2026, 10, 15)),
        (loc(f"{PR}[1]/ProductPeriode/Begindatum"),),
    ),
    Scenario(
        "CS337 ProductPeriode across a new year gives two findings",
        "JW323",
        periode(f"{PR}[1]/ProductPeriode", date(2025, 12, 15), date(2026, 1, 15)),
        (loc(f"{PR}[1]/ProductPeriode/Begindatum"), loc(f"{PR}[1]/ProductPeriode/Begindatum")),
    ),
    Scenario(
        "CS337 ProductPeriode in the same month of another year",
        "JW323",
        periode(f"{PR}[2]/ProductPeriode", date(2025, 10, 1), date(2026, 10, 31)),
        (loc(f"{PR}[2]/ProductPeriode/Begindatum"),),
    ),
    # TR137
    Scenario(
        "TR137 ProductPeriode ends before it starts",
        "JW323",
        periode(f"{PR}[2]/ProductPeriode", date(2026, 10, 10), date(2026, 10, 9)),
        (loc(f"{PR}[2]/ProductPeriode/Begindatum"),),
    ),
    Scenario(
        "TR137 periods end after the Dagtekening",
        "JW323",
        (("Header/BerichtIdentificatie/Dagtekening", date(2026, 10, 30)),),
        (
            loc(f"{DP}/Einddatum"),
            loc(f"{PR}[1]/ProductPeriode/Einddatum"),
            loc(f"{PR}[2]/ProductPeriode/Einddatum"),
        ),
    ),
    Scenario(
        "TR137 JW325 returned Prestatie ends after the Dagtekening",
        "JW325",
        ((f"{AW_PR}/ProductPeriode/Einddatum", date(2026, 11, 3)),),
        (loc(f"{AW_PR}/ProductPeriode/Einddatum"),),
        antwoord_met_afwijzing,
    ),
    # TR319
    Scenario(
        "TR319 ProductPeriode after the DeclaratiePeriode",
        "JW323",
        periode(f"{PR}[2]/ProductPeriode", date(2026, 11, 1), date(2026, 11, 1)),
        (loc(f"{PR}[2]/ProductPeriode/Begindatum"), loc(f"{PR}[2]/ProductPeriode/Einddatum")),
    ),
    Scenario(
        "TR319 ProductPeriode ends after the DeclaratiePeriode",
        "JW323",
        periode(f"{PR}[1]/ProductPeriode", date(2026, 10, 15), date(2026, 11, 1)),
        (loc(f"{PR}[1]/ProductPeriode/Einddatum"),),
    ),
    # TR335
    Scenario(
        "TR335 ProductPeriode ends a day more than 60 months back",
        "JW323",
        periode(f"{PR}[1]/ProductPeriode", date(2021, 11, 1), date(2021, 11, 1)),
        (loc(f"{PR}[1]/ProductPeriode/Einddatum"),),
    ),
    Scenario(
        "TR335 from 29 February: 60 months back is 28 February",
        "JW323",
        (
            ("Declaratie/DeclaratieDagtekening", date(2028, 2, 29)),
            *periode(f"{PR}[1]/ProductPeriode", date(2023, 2, 27), date(2023, 2, 27)),
        ),
        (loc(f"{PR}[1]/ProductPeriode/Einddatum"),),
    ),
    Scenario(
        "TR335 from a DeclaratieDagtekening in year 12026",
        "JW323",
        (("Declaratie/DeclaratieDagtekening", "12026-11-01"),),
        (loc(f"{PR}[1]/ProductPeriode/Einddatum"), loc(f"{PR}[2]/ProductPeriode/Einddatum")),
    ),
    # CD087
    Scenario(
        "CD087 Eenheid 04 without ProductTarief",
        "JW323",
        ((f"{PR}[1]/ProductTarief", None),),
        (loc(f"{PR}[1]/Eenheid"),),
    ),
    Scenario(
        "CD087 Eenheid 83 with ProductTarief",
        "JW323",
        ((f"{PR}[2]/Eenheid", "83"),),
        (loc(f"{PR}[2]/Eenheid"),),
    ),
    # CS339
    Scenario(
        "CS339 Eenheid 83 with GeleverdVolume unequal to the Bedrag",
        "JW323",
        (
            (f"{PR}[1]/Eenheid", "83"),
            (f"{PR}[1]/ProductTarief", None),
            (f"{PR}[1]/GeleverdVolume", 127999),
        ),
        (loc(f"{PR}[1]/GeleverdVolume"),),
    ),
    # CD060
    Scenario(
        "CD060 debet line with a VorigReferentieNummer",
        "JW323",
        ((f"{PR}[1]/ProductReferentie/VorigReferentieNummer", EERDER),),
        (loc(f"{PR}[1]/ProductReferentie/VorigReferentieNummer"),),
    ),
    Scenario(
        "CD060 credit line without a VorigReferentieNummer",
        "JW323",
        ((f"{PR}[1]/IngediendBedrag/DebetCredit", "C"),),
        (loc(f"{PR}[1]/IngediendBedrag/DebetCredit"),),
    ),
    Scenario(
        "CD060 JW325 returned debet line with a VorigReferentieNummer",
        "JW325",
        ((f"{AW_PR}/ProductReferentie/VorigReferentieNummer", EERDER),),
        (loc(f"{AW_PR}/ProductReferentie/VorigReferentieNummer"),),
        antwoord_met_afwijzing,
    ),
    # CS325
    Scenario(
        "CS325 TotaalIngediendBedrag 0 credit",
        "JW323",
        (("Declaratie/TotaalIngediendBedrag", {"TotaalBedrag": 0, "DebetCredit": "C"}),),
        (loc("Declaratie/TotaalIngediendBedrag/TotaalBedrag"),),
    ),
    Scenario(
        "CS325 IngediendBedrag 0 credit",
        "JW323",
        ((f"{PR}[2]/IngediendBedrag", {"Bedrag": 0, "DebetCredit": "C"}),),
        (loc(f"{PR}[2]/IngediendBedrag/Bedrag"),),
    ),
    Scenario(
        "CS325 JW325 TotaalToegekendBedrag 0 credit",
        "JW325",
        ((f"{AW}/TotaalToegekendBedrag", {"TotaalBedrag": 0, "DebetCredit": "C"}),),
        (loc(f"{AW}/TotaalToegekendBedrag/TotaalBedrag"),),
    ),
    # TR358
    Scenario(
        "TR358 total one cent too high",
        "JW323",
        (("Declaratie/TotaalIngediendBedrag/TotaalBedrag", 593001),),
        (loc("Declaratie/TotaalIngediendBedrag/TotaalBedrag"),),
    ),
    Scenario(
        "TR358 total with a leading zero",
        "JW323",
        (("Declaratie/TotaalIngediendBedrag/TotaalBedrag", "0593000"),),
        (loc("Declaratie/TotaalIngediendBedrag/TotaalBedrag"),),
    ),
    Scenario(
        "TR358 positive sum declared as credit",
        "JW323",
        (("Declaratie/TotaalIngediendBedrag/DebetCredit", "C"),),
        (loc("Declaratie/TotaalIngediendBedrag/TotaalBedrag"),),
    ),
    Scenario(
        "TR358 negative sum declared as debet",
        "JW323",
        (*als_credit(f"{PR}[1]", EERDER), *als_credit(f"{PR}[2]", "P300202202609")),
        (loc("Declaratie/TotaalIngediendBedrag/TotaalBedrag"),),
    ),
    # TR315
    Scenario(
        "TR315 two credit lines for the same debet line",
        "JW323",
        (*als_credit(f"{PR}[1]", EERDER), *als_credit(f"{PR}[2]", EERDER)),
        (loc(f"{PR}[1]/ProductReferentie/VorigReferentieNummer"),),
    ),
    Scenario(
        "TR315 credit lines for the same debet line under two clients",
        "JW323",
        (
            *als_credit(f"{PR}[2]", EERDER),
            *tweede_client(specifieke_prestatie("P900001", vorig_referentie_nummer=EERDER)),
        ),
        (
            loc(
                "Declaratie/Clienten/Client[1]/Prestaties/Prestatie[2]/ProductReferentie/VorigReferentieNummer"
            ),
        ),
    ),
    # TR316
    Scenario(
        "TR316 a later line credits an earlier debet line",
        "JW323",
        als_credit(f"{PR}[2]", REF1),
        (loc(f"{PR}[1]/ProductReferentie/ReferentieNummer"),),
    ),
    Scenario(
        "TR316 an earlier line credits a later debet line",
        "JW323",
        als_credit(f"{PR}[1]", REF2),
        (loc(f"{PR}[1]/ProductReferentie/VorigReferentieNummer"),),
    ),
    Scenario(
        "TR316 a line credits itself",
        "JW323",
        als_credit(f"{PR}[1]", REF1),
        (loc(f"{PR}[1]/ProductReferentie/ReferentieNummer"),),
    ),
    Scenario(
        "TR316 every earlier match in document order, test (a) before (b), then (c)",
        "JW323",
        (
            *als_credit(f"{PR}[1]", REF2),
            *als_credit(f"{PR}[2]", REF1),
            *tweede_client(specifieke_prestatie(REF1, vorig_referentie_nummer=REF1)),
        ),
        (
            loc("Declaratie/Clienten/Client[1]/Prestaties/Prestatie[1]/ProductReferentie/ReferentieNummer"),
            loc(
                "Declaratie/Clienten/Client[1]/Prestaties/Prestatie[1]/ProductReferentie/VorigReferentieNummer"
            ),
            loc("Declaratie/Clienten/Client[1]/Prestaties/Prestatie[1]/ProductReferentie/ReferentieNummer"),
            loc(
                "Declaratie/Clienten/Client[1]/Prestaties/Prestatie[2]/ProductReferentie/VorigReferentieNummer"
            ),
            loc("Declaratie/Clienten/Client[2]/Prestaties/Prestatie/ProductReferentie/ReferentieNummer"),
        ),
    ),
    # TR416
    Scenario(
        "TR416 second debet line for the same period, product and toewijzing",
        "JW323",
        ((f"{PR}[2]", specifieke_prestatie("P300201202610B")),),
        (loc(f"{PR}[1]"),),
    ),
    # TR342
    Scenario(
        "TR342 rejected lines do not explain the difference",
        "JW325",
        ((f"{AW}/TotaalToegekendBedrag/TotaalBedrag", 465001),),
        (loc(f"{AW}/TotaalIngediendBedrag"),),
        antwoord_met_afwijzing,
    ),
    Scenario(
        "TR342 fully granted total below the submitted total",
        "JW325",
        ((f"{AW}/TotaalToegekendBedrag/TotaalBedrag", 500000),),
        (loc(f"{AW}/TotaalIngediendBedrag"),),
    ),
    Scenario(
        "TR342 RetourCodes 0200 and 8001 together grant: the lines must explain the difference",
        "JW325",
        (
            (f"{AW}/RetourCodes/RetourCode", ["0200", "8001"]),
            (f"{AW}/TotaalToegekendBedrag/TotaalBedrag", 500000),
        ),
        (loc(f"{AW}/TotaalIngediendBedrag"),),
    ),
    Scenario(
        "TR342 whole declaration rejected but something granted",
        "JW325",
        ((f"{AW}/RetourCodes/RetourCode", "9333"),),
        (loc(f"{AW}/TotaalToegekendBedrag"),),
    ),
]

PASSES = [
    Scenario("CS100 default October 2026", "JW323", ()),
    Scenario(
        "CS100 periods starting 2021-01-01",
        "JW323",
        (
            *periode(DP, date(2021, 1, 1), date(2021, 1, 31)),
            *periode(f"{PR}[1]/ProductPeriode", date(2021, 1, 1), date(2021, 1, 31)),
        ),
    ),
    Scenario("CS340 February of a leap year", "JW323", periode(DP, date(2024, 2, 1), date(2024, 2, 29))),
    Scenario("CS340 February of a common year", "JW323", periode(DP, date(2025, 2, 1), date(2025, 2, 28))),
    Scenario("CS340 December", "JW323", periode(DP, date(2025, 12, 1), date(2025, 12, 31))),
    Scenario("CS340 date's last December", "JW323", periode(DP, date(9999, 12, 1), date.max)),
    Scenario(
        "CS337 part of a month",
        "JW323",
        periode(f"{PR}[1]/ProductPeriode", date(2026, 10, 5), date(2026, 10, 20)),
    ),
    Scenario(
        "TR137 periods end on the Dagtekening",
        "JW323",
        (("Header/BerichtIdentificatie/Dagtekening", date(2026, 10, 31)),),
    ),
    Scenario(
        "TR137 one-day ProductPeriode",
        "JW323",
        periode(f"{PR}[1]/ProductPeriode", date(2026, 10, 9), date(2026, 10, 9)),
    ),
    Scenario("TR137 JW325 returned Prestatie", "JW325", (), base=antwoord_met_afwijzing),
    Scenario("TR319 ProductPeriode ends with the DeclaratiePeriode", "JW323", ()),
    Scenario(
        "TR319 earlier ProductPeriode claimed afterwards",
        "JW323",
        periode(f"{PR}[1]/ProductPeriode", date(2026, 9, 1), date(2026, 9, 30)),
    ),
    Scenario(
        "TR335 ProductPeriode ends exactly 60 months back",
        "JW323",
        periode(f"{PR}[1]/ProductPeriode", date(2021, 11, 2), date(2021, 11, 2)),
    ),
    Scenario(
        "TR335 from a DeclaratieDagtekening in year 3: no date lies 60 months before it",
        "JW323",
        (
            ("Declaratie/DeclaratieDagtekening", date(3, 1, 1)),
            *periode(f"{PR}[1]/ProductPeriode", date.min, date.min),
        ),
    ),
    Scenario(
        "TR335 from 29 February, ending on 28 February 60 months back",
        "JW323",
        (
            ("Declaratie/DeclaratieDagtekening", date(2028, 2, 29)),
            *periode(f"{PR}[1]/ProductPeriode", date(2023, 2, 28), date(2023, 2, 28)),
        ),
    ),
    Scenario("CD087 tariffs for hours and etmalen", "JW323", ()),
    Scenario(
        "CD087 Eenheid 83 without ProductTarief",
        "JW323",
        ((f"{PR}[1]/Eenheid", "83"), (f"{PR}[1]/ProductTarief", None)),
    ),
    Scenario(
        "CS339 Eenheid 83 with GeleverdVolume equal to the Bedrag",
        "JW323",
        ((f"{PR}[1]/Eenheid", "83"), (f"{PR}[1]/ProductTarief", None), (f"{PR}[1]/GeleverdVolume", 128000)),
    ),
    Scenario("CS339 other units are not compared", "JW323", ()),
    Scenario("CD060 credit line with a VorigReferentieNummer", "JW323", als_credit(f"{PR}[1]", EERDER)),
    Scenario("CD060 JW325 returned debet line", "JW325", (), base=antwoord_met_afwijzing),
    Scenario(
        "CS325 zero amount as debet",
        "JW323",
        ((f"{PR}[2]/IngediendBedrag", {"Bedrag": 0, "DebetCredit": "D"}),),
    ),
    Scenario("CS325 credit line with an amount", "JW323", als_credit(f"{PR}[1]", EERDER)),
    Scenario("TR358 default total", "JW323", ()),
    Scenario(
        "TR358 debet total after a credit line",
        "JW323",
        (*als_credit(f"{PR}[1]", EERDER), ("Declaratie/TotaalIngediendBedrag/TotaalBedrag", 337000)),
    ),
    Scenario(
        "TR358 credit total of credit lines only",
        "JW323",
        (
            *als_credit(f"{PR}[1]", EERDER),
            *als_credit(f"{PR}[2]", "P300202202609"),
            ("Declaratie/TotaalIngediendBedrag/DebetCredit", "C"),
        ),
    ),
    Scenario(
        "TR315 credit lines for different debet lines",
        "JW323",
        (*als_credit(f"{PR}[1]", EERDER), *als_credit(f"{PR}[2]", "P300202202609")),
    ),
    Scenario("TR316 credit of a line from an earlier declaration", "JW323", als_credit(f"{PR}[2]", EERDER)),
    Scenario(
        "TR416 same key as a credit line",
        "JW323",
        ((f"{PR}[2]", specifieke_prestatie("P300201202610C", vorig_referentie_nummer=EERDER)),),
    ),
    Scenario(
        "TR416 same key under another client",
        "JW323",
        tweede_client(specifieke_prestatie("P900001")),
    ),
    Scenario(
        "TR416 same product in another ProductPeriode",
        "JW323",
        (
            *periode(f"{PR}[1]/ProductPeriode", date(2026, 10, 1), date(2026, 10, 15)),
            (f"{PR}[2]", specifieke_prestatie("P300201202610B", begindatum=date(2026, 10, 16))),
        ),
    ),
    Scenario("TR342 fully granted", "JW325", ()),
    Scenario("TR342 partly granted", "JW325", (), base=antwoord_met_afwijzing),
    Scenario(
        "TR342 whole declaration rejected, nothing granted",
        "JW325",
        ((f"{AW}/RetourCodes/RetourCode", "9333"), (f"{AW}/TotaalToegekendBedrag/TotaalBedrag", 0)),
    ),
]


@pytest.mark.parametrize("s", BREAKS, ids=lambda s: s.name)
def test_rule_breaks(s: Scenario) -> None:
    assert_breaks(s)


@pytest.mark.parametrize("s", PASSES, ids=lambda s: s.name)
def test_rule_passes(s: Scenario) -> None:
    assert s.findings() == []


def test_every_rule_has_a_breaking_and_a_passing_scenario() -> None:
    assert_scenarios_cover(CODES, BREAKS, PASSES)


@pytest.mark.parametrize("bericht", ["JW323", "JW325"])
def test_default_messages_pass_every_declaratie_rule(bericht: str) -> None:
    assert default_findings(bericht, CODES) == []


def test_messages_name_no_bsn() -> None:
    (s,) = [s for s in BREAKS if s.name == "TR315 credit lines for the same debet line under two clients"]
    found = s.findings()
    assert found
    assert all(
        ANDERE_BSN not in v.message
        and spec("JW323")["Declaratie"]["Clienten"]["Client"][0]["Bsn"] not in v.message
        for v in found
    )
