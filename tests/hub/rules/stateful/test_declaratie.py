"""The JW323 declaratie against the gemeente's state (rules.md 6.6): Declaratie, Client and reference findings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hub.ijw.doc import locatie
from hub.reference.tarieven import Tarieven
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.validate import Validator
from tests.hub.rules.stateful.jw323 import (
    ANDER_BSN,
    CLIENT_KLASSE,
    CODE,
    PRESTATIE,
    REF_1,
    default_lines,
    eerder,
    jw323,
    lijn,
)
from tests.hub.rules.stateful.level3 import (
    ANDER,
    ASPECIFIEKE,
    BSN,
    INGANG,
    SPECIFIEKE,
    TODAY,
    found,
    judge,
    rules_of,
    snapshot,
    toewijzing,
)


def test_default_declaratie_passes() -> None:
    assert judge("JW323", spec("JW323"), snapshot()) == []


def test_no_state_no_findings() -> None:
    assert judge("JW323", spec("JW323"), None) == []


# --- Declaratie and Client -----------------------------------------------------------------------------


def test_tr333_declaratienummer_used_before() -> None:
    violations = judge("JW323", spec("JW323"), snapshot(declaratie_nummers=frozenset({"D202610001"})))
    assert found(violations) == [("TR333", "9333", "/Bericht/Declaratie")]
    assert violations[0].location == "/Bericht/Declaratie/DeclaratieNummer"
    assert judge("JW323", spec("JW323"), snapshot(declaratie_nummers=frozenset({"D202609001"}))) == []


def test_tr318_period_before_the_last_one() -> None:
    violations = judge("JW323", spec("JW323"), snapshot(laatste_declaratieperiode=date(2026, 11, 1)))
    assert found(violations) == [("TR318", "8214", "/Bericht/Declaratie")]


def test_tr318_same_or_next_period_passes() -> None:
    assert judge("JW323", spec("JW323"), snapshot(laatste_declaratieperiode=INGANG)) == []  # IV090
    assert judge("JW323", spec("JW323"), snapshot(laatste_declaratieperiode=date(2026, 9, 1))) == []


def test_tr304_unknown_client_and_its_lines_not_assessed() -> None:
    violations = judge("JW323", spec("JW323"), snapshot(toewijzingen=(toewijzing(client=ANDER),)))
    assert found(violations) == [("TR304", "8187", CLIENT_KLASSE)]
    assert violations[0].location == CLIENT_KLASSE + "/Bsn"


def test_tr304_judged_per_client() -> None:
    s = jw323((BSN, default_lines()), (ANDER_BSN, [lijn("Q1")]))
    violations = judge("JW323", s, snapshot())
    assert found(violations) == [("TR304", "8187", CLIENT_KLASSE + "[2]")]


# --- References ----------------------------------------------------------------------------------------


def test_tr314_referentienummer_used_before() -> None:
    violations = judge(
        "JW323", spec("JW323"), snapshot(prestaties=(eerder(REF_1, begindatum=date(2026, 9, 1)),))
    )
    assert found(violations) == [("TR314", "8021", PRESTATIE + "[1]")]
    assert violations[0].location == PRESTATIE + "[1]/ProductReferentie/ReferentieNummer"


def test_tr314_reference_of_a_returned_line_may_be_used_again() -> None:
    returned = eerder(REF_1, begindatum=date(2026, 9, 1), toegekend=False)
    assert judge("JW323", spec("JW323"), snapshot(prestaties=(returned,))) == []


def test_tr314_referentienummer_twice_in_one_message() -> None:
    state = snapshot(toewijzingen=(SPECIFIEKE, ASPECIFIEKE, toewijzing(client=ANDER)))
    s = jw323((BSN, [lijn("R1")]), (ANDER_BSN, [lijn("R1")]))
    violations = judge("JW323", s, state)
    assert found(violations) == [("TR314", "8021", CLIENT_KLASSE + "[2]/Prestaties/Prestatie")]


def test_tr323_credit_of_an_accepted_debet_passes() -> None:
    s = jw323((BSN, [lijn("C1", vorig="P0")]))
    assert judge("JW323", s, snapshot(prestaties=(eerder("P0"),))) == []


def test_tr323_credit_without_matching_accepted_debet() -> None:
    s = jw323((BSN, [lijn("C1", vorig="P0")]))
    violations = judge("JW323", s, snapshot())
    assert found(violations) == [("TR323", "8017", PRESTATIE)]
    assert violations[0].location == PRESTATIE + "/ProductReferentie/VorigReferentieNummer"
    assert rules_of(judge("JW323", s, snapshot(prestaties=(eerder("P0", toegekend=None),)))) == ["TR323"]
    verschil = judge(
        "JW323", jw323((BSN, [lijn("C1", volume=12, vorig="P0")])), snapshot(prestaties=(eerder("P0"),))
    )
    assert rules_of(verschil) == ["TR323"]
    assert "GeleverdVolume" in verschil[0].message


def test_tr323_credit_of_a_debet_declared_to_another_gemeente() -> None:
    """The credit goes to gemeente 0200; a debet with that ReferentieNummer declared to 0202 is not one 0200
    knows (TR314 keeps ReferentieNummers unique over all gemeenten of the aanbieder, so it is the only one)."""
    s = jw323((BSN, [lijn("C1", vorig="P0")]))
    assert judge("JW323", s, snapshot(prestaties=(replace(eerder("P0"), gemeente="0200"),))) == []
    violations = judge("JW323", s, snapshot(prestaties=(replace(eerder("P0"), gemeente="0202"),)))
    assert found(violations) == [("TR323", "8017", PRESTATIE)]
    assert violations[0].message == "VorigReferentieNummer 'P0' was declared to gemeente 0202, not to 0200."


def test_tr389_second_debet_without_credit() -> None:
    violations = judge("JW323", spec("JW323"), snapshot(prestaties=(eerder("P0"),)))
    assert found(violations) == [("TR389", "9389", PRESTATIE + "[1]")]
    assert violations[0].location == PRESTATIE + "[1]/IngediendBedrag/DebetCredit"


def test_tr389_passes_after_credit_or_rejection() -> None:
    assert judge("JW323", spec("JW323"), snapshot(prestaties=(eerder("P0", gecrediteerd=True),))) == []
    assert judge("JW323", spec("JW323"), snapshot(prestaties=(eerder("P0", toegekend=False),))) == []
    # Credit and corrected debet in one message.
    s = jw323((BSN, [lijn("C1", vorig="P0"), lijn("P2", volume=12)]))
    assert judge("JW323", s, snapshot(prestaties=(eerder("P0"),))) == []


def test_tr389_compares_with_lines_declared_to_the_same_gemeente_only() -> None:
    """Another gemeente may have given the same ToewijzingNummer to the same client (numbers are per gemeente)."""
    assert rules_of(
        judge("JW323", spec("JW323"), snapshot(prestaties=(replace(eerder("P0"), gemeente="0200"),)))
    ) == ["TR389"]
    assert judge("JW323", spec("JW323"), snapshot(prestaties=(replace(eerder("P0"), gemeente="0202"),))) == []


def test_tr389_a_credit_rejected_in_the_same_message_leaves_the_earlier_debet_standing() -> None:
    """C1 credits P0 with another volume (TR323): the JW325 returns it, P0 stays granted, so the corrected
    debet P2 would pay the line a second time."""
    s = jw323((BSN, [lijn("C1", volume=12, vorig="P0"), lijn("P2", volume=12)]))
    violations = judge("JW323", s, snapshot(prestaties=(eerder("P0"),)))
    assert found(violations) == [("TR323", "8017", PRESTATIE + "[1]"), ("TR389", "9389", PRESTATIE + "[2]")]


def test_tr389_a_credit_rejected_on_level_4_counts_as_rejected_too() -> None:
    """The tariff list says 8100 since the JW323 was accepted at 8000: the credit repeating 8000 is returned
    (TR418), so the corrected debet at 8100 is a second debet (TR389). Without the list both pass."""
    credit, debet = lijn("C1", vorig="P0"), lijn("P2")
    debet["ProductTarief"] = 8100
    debet["IngediendBedrag"]["Bedrag"] = 16 * 8100
    s = jw323((BSN, [credit, debet]))
    state = snapshot(prestaties=(eerder("P0"),))
    xml = to_xml("JW323", s)
    for tarieven, expected in (
        (None, []),
        (Tarieven.per_code({CODE: 8100}), [("TR418", PRESTATIE + "[1]"), ("TR389", PRESTATIE + "[2]")]),
    ):
        validator = Validator(clock=lambda: TODAY, tarieven=tarieven)
        verdict = validator.judge_state(validator.validate(xml), state)
        assert [(v.rule, None if v.klasse is None else locatie(v.klasse)) for v in verdict.errors] == expected


def test_tr390_second_credit() -> None:
    earlier = (eerder("P0", gecrediteerd=True), eerder("C0", debet=False, vorig="P0"))
    violations = judge("JW323", jw323((BSN, [lijn("C1", vorig="P0")])), snapshot(prestaties=earlier))
    assert found(violations) == [("TR390", "9390", PRESTATIE)]


def test_tr323_credit_of_a_debet_resubmitted_under_its_returned_reference() -> None:
    """A returned line's ReferentieNummer is free again (TR314); the credit names the accepted line, not it."""
    returned = eerder("P0", volume=20, bedrag=160000, toegekend=False)
    earlier = (returned, eerder("P0"))  # in the store's order: the returned line first
    s = jw323((BSN, [lijn("C1", vorig="P0")]))
    assert judge("JW323", s, snapshot(prestaties=earlier)) == []
