"""What the mutation pass over hub/rules/stateful/antwoord.py found unpinned (rules.md 6.5)."""

from __future__ import annotations

from tests.hub.rules.stateful.level3 import judge, snapshot
from tests.hub.rules.stateful.test_antwoord import REF, jw319, state


def test_tr355_says_the_referentie_names_no_request_of_the_ontvanger() -> None:
    violations = judge("JW319", jw319("1"), snapshot())
    assert [v.message for v in violations] == [
        f"ReferentieAanbieder {REF!r} is no VOT or VOW of the Ontvanger to this gemeente."
    ]


def test_tr359_says_the_request_was_already_honoured() -> None:
    violations = judge("JW319", jw319("2"), state(toegewezen=True))
    assert [(v.rule, v.message) for v in violations] == [
        ("TR359", f"ReferentieAanbieder {REF!r} was already honoured by a toewijzing (JW301).")
    ]
