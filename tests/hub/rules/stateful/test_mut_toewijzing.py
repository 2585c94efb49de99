"""What the mutation pass over hub/rules/stateful/toewijzing.py found unpinned (rules.md 6.3)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from hub.state.snapshot import ToewijzingState
from hub.synth.berichten import ASPECIFIEK, SPECIFIEK, spec
from hub.synth.build import Spec, edit
from tests.hub.rules.stateful.level3 import (
    ANDER,
    ASPECIFIEKE,
    INGANG,
    found,
    judge,
    rules_of,
    snapshot,
    toewijzing,
)
from tests.hub.rules.stateful.test_toewijzing import KLASSE_1, TP, met_referentie, prestatie, verzoek

KLASSE_2 = f"/Bericht/{TP}[2]"
NR = SPECIFIEK[0]


def test_tr332_a_number_known_only_as_the_toewijzing_of_another_client() -> None:
    """Without the number's first client, the toewijzing under that number still tells whose it is."""
    violations = judge("JW301", spec("JW301"), snapshot(toewijzingen=(toewijzing(client=ANDER), ASPECIFIEKE)))
    assert found(violations) == [("TR332", "9332", KLASSE_1)]
    assert (
        violations[0].message
        == f"ToewijzingNummer {NR} was already given to another client by this gemeente."
    )


@pytest.mark.parametrize(
    ("bekend", "gewijzigd"),
    [
        (toewijzing(code="45A54"), "Product"),
        (toewijzing(ingangsdatum=date(2026, 10, 2)), "Ingangsdatum"),
        (toewijzing(eenheid="01"), "Omvang"),
        (toewijzing(frequentie="6"), "Omvang"),  # from a total volume to a weekly one
        (toewijzing(volume=6), "Omvang/Volume"),
        (
            toewijzing(code="45A54", ingangsdatum=date(2026, 10, 2), eenheid="01"),
            "Product, Ingangsdatum, Omvang",
        ),
    ],
)
def test_tr332_names_what_a_known_number_changes(bekend: ToewijzingState, gewijzigd: str) -> None:
    violations = judge("JW301", spec("JW301"), snapshot(toewijzingen=(bekend, ASPECIFIEKE)))
    assert found(violations) == [("TR332", "9332", KLASSE_1)]
    assert violations[0].location == KLASSE_1 + "/ToewijzingNummer"
    assert violations[0].message == (
        f"ToegewezenProduct with known ToewijzingNummer {NR} changes {gewijzigd}; only Einddatum, Budget, a total "
        "volume (Frequentie 6) and RedenWijziging may change (IV066)."
    )


def test_tr332_judges_every_product_after_a_number_of_another_client() -> None:
    state = snapshot(
        toewijzingen=(replace(ASPECIFIEKE, ingangsdatum=date(2026, 10, 2)),), toewijzing_clients={NR: ANDER}
    )
    assert found(judge("JW301", spec("JW301"), state)) == [
        ("TR332", "9332", KLASSE_1),
        ("TR332", "9332", KLASSE_2),
    ]


def test_tr379_finds_a_referentie_among_the_clients_verzoeken() -> None:
    """The verzoeken of the client count as well as the referenties looked up by value."""
    assert judge("JW301", met_referentie(), snapshot(verzoeken=(verzoek(),))) == []
    assert rules_of(judge("JW301", met_referentie(), snapshot(verzoeken=(verzoek("VOT2"),)))) == ["TR379"]


def test_tr379_judges_a_referentie_on_a_later_product() -> None:
    s = edit(spec("JW301"), f"{TP}[2]/ReferentieAanbieder", "VOT1")
    assert found(judge("JW301", s, snapshot())) == [("TR379", "9379", KLASSE_2)]


def tweede_verwijderd() -> Spec:
    s = edit(spec("JW301"), f"{TP}[2]/RedenWijziging", "13")
    return edit(s, f"{TP}[2]/Einddatum", INGANG)


def test_tr385_judges_a_deletion_on_a_later_product() -> None:
    regel = replace(prestatie(), toewijzing_nummer=ASPECIFIEK[0], categorie=ASPECIFIEK[1])
    violations = judge("JW301", tweede_verwijderd(), snapshot(prestaties=(regel,)))
    assert found(violations) == [("TR385", "9385", KLASSE_2)]
