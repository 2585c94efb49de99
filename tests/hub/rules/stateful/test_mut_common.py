"""What the mutation pass over hub/rules/stateful/common.py found unpinned (rules.md section 6)."""

from __future__ import annotations

from hub.synth.berichten import spec
from tests.hub.rules.stateful.jw323 import CLIENT_KLASSE
from tests.hub.rules.stateful.level3 import ANDER, judge, snapshot, toewijzing


def test_tr304_says_why_the_client_is_unknown() -> None:
    """The aanbieder reads this text in the retour; it must name the field and the missing toewijzing."""
    violations = judge("JW323", spec("JW323"), snapshot(toewijzingen=(toewijzing(client=ANDER),)))
    assert [(v.rule, v.location) for v in violations] == [("TR304", CLIENT_KLASSE + "/Bsn")]
    assert violations[0].message == (
        "Client/Bsn is not a client with a toewijzing from this gemeente to this aanbieder."
    )
