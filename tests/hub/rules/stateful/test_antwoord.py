"""The JW319 answer against requests and earlier answers (rules.md 6.5): TR355, TR359, TR360, TR365."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.state.snapshot import Snapshot, VerzoekState
from hub.synth.berichten import antwoord, spec
from hub.synth.build import Spec, edit
from tests.hub.rules.stateful.level3 import AANBIEDER, CLIENT, DAG, GEMEENTE, found, judge, rules_of, snapshot

REF = "VOT20261102A"  # the default JW319 answers this reference
ANTWOORD = "/Bericht/Antwoord"


def verzoek(
    *, antwoorden: tuple[str, ...] = (), toegewezen: bool = False, aanbieder: str = AANBIEDER
) -> VerzoekState:
    return VerzoekState(aanbieder, GEMEENTE, CLIENT, REF, "VOT", DAG, antwoorden, toegewezen)


def state(*, antwoorden: tuple[str, ...] = (), toegewezen: bool = False) -> Snapshot:
    return snapshot(referenties={REF: verzoek(antwoorden=antwoorden, toegewezen=toegewezen)})


def jw319(verzoek_antwoord: str) -> Spec:
    reden = "4" if verzoek_antwoord == "1" else None
    return edit(
        spec("JW319"), "Antwoord", antwoord(REF, verzoek_antwoord=verzoek_antwoord, reden_afwijzing=reden)
    )


def jw301() -> Spec:
    return edit(spec("JW301"), "Client/ToegewezenProducten/ToegewezenProduct[1]/ReferentieAanbieder", REF)


def test_tr355_unknown_referentie() -> None:
    violations = judge("JW319", jw319("1"), snapshot())
    assert found(violations) == [("TR355", "9355", ANTWOORD)]
    assert violations[0].location == ANTWOORD + "/ReferentieAanbieder"
    # A request of another aanbieder is no request to answer here.
    other = snapshot(referenties={REF: verzoek(aanbieder="87654321")})
    assert rules_of(judge("JW319", jw319("1"), other)) == ["TR355"]


def test_tr359_answer_after_toewijzing() -> None:
    violations = judge("JW319", jw319("1"), state(toegewezen=True))
    assert found(violations) == [("TR359", "9359", ANTWOORD)]


def test_tr360_in_onderzoek_not_first() -> None:
    violations = judge("JW319", jw319("2"), state(antwoorden=("2",)))
    assert found(violations) == [("TR360", "9360", ANTWOORD)]
    assert violations[0].location == ANTWOORD + "/VerzoekAntwoord"


def test_tr365_answer_after_final_answer() -> None:
    violations = judge("JW319", jw319("1"), state(antwoorden=("1",)))
    assert found(violations) == [("TR365", "9365", ANTWOORD)]


def test_each_rule_passes_on_a_first_answer() -> None:
    assert judge("JW319", jw319("1"), state()) == []
    assert judge("JW319", jw319("2"), state()) == []
    assert judge("JW319", jw319("1"), state(antwoorden=("2",))) == []


# --- answer sequences per ReferentieAanbieder ---------------------------------------------------------------


def accept(s: Snapshot, bericht: str, message: Spec) -> Snapshot:
    """What the store records for REF from an accepted JW319 or JW301."""
    v = s.referenties[REF]
    if bericht == "JW319":
        v = replace(v, antwoorden=(*v.antwoorden, message["Antwoord"]["VerzoekAntwoord"]))
    else:
        v = replace(v, toegewezen=True)
    return replace(s, referenties={REF: v})


def run(steps: list[str]) -> list[list[str]]:
    """Judge "JW301", "JW319(1)" or "JW319(2)" in turn; accepted ones change the state, rejected ones do not."""
    s = state()
    outcomes: list[list[str]] = []
    for step in steps:
        bericht, message = ("JW301", jw301()) if step == "JW301" else ("JW319", jw319(step[-2]))
        violations = judge(bericht, message, s)
        outcomes.append(rules_of(violations))
        if not violations:
            s = accept(s, bericht, message)
    return outcomes


@pytest.mark.parametrize(
    "steps",
    [["JW301"], ["JW319(1)"], ["JW319(2)", "JW301"], ["JW319(2)", "JW319(1)"]],
    ids=lambda steps: " ".join(steps),
)
def test_allowed_sequences(steps: list[str]) -> None:
    assert run(steps) == [[] for _ in steps]


FAILING = [
    (["JW301", "JW319(1)"], ["TR359"]),
    (["JW301", "JW319(2)"], ["TR359"]),
    (["JW319(1)", "JW319(1)"], ["TR365"]),
    (["JW319(1)", "JW319(2)"], ["TR360", "TR365"]),
    (["JW319(2)", "JW319(2)"], ["TR360"]),
    (["JW319(2)", "JW319(1)", "JW319(1)"], ["TR365"]),
    (["JW319(2)", "JW319(1)", "JW319(2)"], ["TR360", "TR365"]),
    (["JW319(2)", "JW301", "JW319(1)"], ["TR359"]),
]


@pytest.mark.parametrize(
    ("steps", "last"), [pytest.param(steps, last, id=" ".join(steps)) for steps, last in FAILING]
)
def test_other_sequences_fail_on_the_last_answer(steps: list[str], last: list[str]) -> None:
    outcomes = run(steps)
    assert outcomes[:-1] == [[] for _ in steps[:-1]]
    assert outcomes[-1] == last


def test_no_state_no_findings() -> None:
    assert judge("JW319", jw319("2"), None) == []
