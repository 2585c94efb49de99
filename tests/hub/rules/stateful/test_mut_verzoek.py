"""What the mutation pass over hub/rules/stateful/verzoek.py found unpinned (rules.md 6.4)."""

from __future__ import annotations

from datetime import date

from hub.synth.berichten import ASPECIFIEK, DECLARATIE_CODE_ASPECIFIEK, SPECIFIEK, spec
from tests.hub.rules.stateful.level3 import (
    ANDER,
    ASPECIFIEKE,
    INGANG,
    SPECIFIEKE,
    found,
    judge,
    rules_of,
    snapshot,
    toewijzing,
)
from tests.hub.rules.stateful.test_verzoek import TE_WIJZIGEN, met_nieuw, te_wijzigen, wijzig


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


def test_tr373_is_reported_on_the_gewenste_ingangsdatum() -> None:
    state = snapshot(toewijzingen=(toewijzing(volume=40, frequentie="6"), ASPECIFIEKE))
    violations = judge("JW317", te_wijzigen(wijzig(volume=50, frequentie="6"), ongewijzigd=True), state)
    assert found(violations) == [("TR373", "9373", TE_WIJZIGEN)]
    assert violations[0].location == TE_WIJZIGEN + "/GewensteIngangsdatum"


def test_tr412_and_tr375_say_what_the_toewijzing_lacks() -> None:
    generiek = toewijzing(
        ASPECIFIEK[0], None, None, volume=None, eenheid=None, frequentie=None, budget=250000
    )
    s = te_wijzigen(wijzig(), wijzig(ASPECIFIEK[0]), nieuw=False)
    violations = judge("JW317", s, snapshot(toewijzingen=(SPECIFIEKE, generiek)))
    assert [(v.rule, v.message) for v in violations] == [
        (
            "TR412",
            f"Toewijzing {ASPECIFIEK[0]} has no Product/Code, so TeWijzigenProduct must not have an Omvang.",
        ),
        (
            "TR375",
            f"Toewijzing {ASPECIFIEK[0]} has no Product, so TeWijzigenProduct must not have an Omvang.",
        ),
    ]


def test_tr361_judges_a_product_after_one_naming_no_toewijzing() -> None:
    """An OngewijzigdProduct naming no toewijzing (TR350's) comes first; the aspecific one after it still
    counts, and the new product stacks on it."""
    s = met_nieuw(ASPECIFIEK[1], DECLARATIE_CODE_ASPECIFIEK)
    ongewijzigd = s["Client"]["Verzoek"]["OngewijzigdeProducten"]["OngewijzigdProduct"]
    bekend = ongewijzigd if isinstance(ongewijzigd, list) else [ongewijzigd]
    s["Client"]["Verzoek"]["OngewijzigdeProducten"]["OngewijzigdProduct"] = [
        {**bekend[0], "ToewijzingNummer": 300299},
        *bekend,
    ]
    assert sorted(rules_of(judge("JW317", s, snapshot()))) == ["TR350", "TR361"]
