"""What the mutation pass over hub/rules/stateful/declaratie.py found unpinned (rules.md 6.6)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hub.synth.berichten import spec
from tests.hub.rules.stateful.jw323 import PRESTATIE, REF_1, eerder, jw323, lijn
from tests.hub.rules.stateful.level3 import ANDER, BSN, judge, rules_of, snapshot


def test_tr314_says_where_the_referentienummer_was_used() -> None:
    eerder_gebruikt = judge(
        "JW323", spec("JW323"), snapshot(prestaties=(eerder(REF_1, begindatum=date(2026, 9, 1)),))
    )
    assert (
        eerder_gebruikt[0].message == f"ReferentieNummer {REF_1!r} was already used in an earlier declaratie."
    )
    s = jw323((BSN, [lijn("R1"), lijn("R1", volume=8)]))
    hier = [v for v in judge("JW323", s, snapshot(), level2=False) if v.rule == "TR314"]
    assert [v.message for v in hier] == ["ReferentieNummer 'R1' was already used in this declaratie."]


def test_tr323_names_every_field_in_which_the_credit_differs() -> None:
    anders = replace(
        eerder(
            "P0", nummer=300209, begindatum=date(2026, 9, 1), volume=12, bedrag=1, categorie="46",
            code="46A01", eenheid="01",
        ),
        client=ANDER,
    )  # fmt: skip
    violations = judge("JW323", jw323((BSN, [lijn("C1", vorig="P0")])), snapshot(prestaties=(anders,)))
    assert rules_of(violations) == ["TR323"]
    assert violations[0].message == (
        "The credit line differs from debet line 'P0' in Client, ToewijzingNummer, ProductCategorie, ProductCode, "
        "ProductPeriode/Begindatum, ProductPeriode/Einddatum, GeleverdVolume, Eenheid, IngediendBedrag."
    )


def test_tr323_with_every_line_of_that_reference_returned_judges_the_latest() -> None:
    """P0 was used twice and the JW325 returned both: the credit is judged against the latest use."""
    teruggestuurd = (eerder("P0", debet=False, toegekend=False), eerder("P0", toegekend=False))
    violations = judge("JW323", jw323((BSN, [lijn("C1", vorig="P0")])), snapshot(prestaties=teruggestuurd))
    assert rules_of(violations) == ["TR323"]
    assert violations[0].message == "VorigReferentieNummer 'P0' was not accepted in a JW325."


def test_tr389_a_returned_credit_leaves_its_debet_standing() -> None:
    """C0 credited P0 but the JW325 returned it: P0 still counts, so a new October debet repeats it."""
    state = snapshot(prestaties=(eerder("P0"), eerder("C0", debet=False, vorig="P0", toegekend=False)))
    assert rules_of(judge("JW323", jw323((BSN, [lijn("P2")])), state)) == ["TR389"]


def test_tr389_a_credit_awaiting_its_answer_credits_its_debet() -> None:
    """C0 is not returned (yet): it counts, so P0 is credited though its flag waits for the JW325."""
    state = snapshot(prestaties=(eerder("P0"), eerder("C0", debet=False, vorig="P0", toegekend=None)))
    assert judge("JW323", jw323((BSN, [lijn("P2")])), state) == []


def test_tr390_is_reported_on_the_debetcredit() -> None:
    earlier = (eerder("P0", gecrediteerd=True), eerder("C0", debet=False, vorig="P0"))
    violations = judge("JW323", jw323((BSN, [lijn("C1", vorig="P0")])), snapshot(prestaties=earlier))
    assert rules_of(violations) == ["TR390"]
    assert violations[0].location == PRESTATIE + "/IngediendBedrag/DebetCredit"
    assert violations[0].message == "Line 'P0' was already credited."
