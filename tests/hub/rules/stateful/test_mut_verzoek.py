"""What the mutation pass over hub/rules/stateful/verzoek.py found unpinned (rules.md 6.4)."""

from __future__ import annotations

from datetime import date

from hub.synth.berichten import ASPECIFIEK, SPECIFIEK, spec
from hub.synth.build import edit
from tests.hub.rules.stateful.level3 import (
    ANDER,
    ASPECIFIEKE,
    INGANG,
    SPECIFIEKE,
    found,
    judge,
    snapshot,
    toewijzing,
)
from tests.hub.rules.stateful.test_verzoek import AANGEVRAAGD, TE_WIJZIGEN, te_wijzigen, wijzig


def test_tr347_a_reference_repeated_in_the_message_is_reported_on_the_repeat() -> None:
    # TR383 rejects this at level 2 already; judged behind it on purpose.
    s = edit(
        spec("JW315"),
        "Client/AangevraagdeProducten/AangevraagdProduct[2]/ReferentieAanbieder",
        "VOT20261102A",
    )
    violations = judge("JW315", s, snapshot(), level2=False)
    assert found(violations) == [("TR347", "9347", AANGEVRAAGD + "[2]")]
    assert violations[0].location == AANGEVRAAGD + "[2]/ReferentieAanbieder"
    assert (
        violations[0].message == "ReferentieAanbieder 'VOT20261102A' occurs more than once in this message."
    )


def test_tr350_and_tr351_name_the_kind_of_product() -> None:
    afgelopen = toewijzing(
        ASPECIFIEK[0], "43", None, volume=None, eenheid=None, frequentie=None, einddatum=date(2026, 10, 31)
    )
    ongewijzigd = judge("JW317", spec("JW317"), snapshot(toewijzingen=(SPECIFIEKE, afgelopen)))
    assert ongewijzigd[0].message == (
        f"OngewijzigdProduct ToewijzingNummer {ASPECIFIEK[0]} is not a current toewijzing of this client at this "
        "aanbieder."
    )
    te_wijzigen = judge(
        "JW317", spec("JW317"), snapshot(toewijzingen=(ASPECIFIEKE, toewijzing(client=ANDER)))
    )
    assert te_wijzigen[0].message.startswith(f"TeWijzigenProduct ToewijzingNummer {SPECIFIEK[0]} is not")


def test_tr357_judges_a_te_wijzigen_product_after_one_it_lets_pass() -> None:
    s = te_wijzigen(wijzig(gewenst=INGANG), wijzig(ASPECIFIEK[0], volume=None, gewenst=date(2026, 11, 1)))
    assert found(judge("JW317", s, snapshot())) == [("TR357", "9357", TE_WIJZIGEN + "[2]")]
