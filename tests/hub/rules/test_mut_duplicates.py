"""Duplicate-line rules (hub/rules/duplicates.py): behaviour the mutation pass found unpinned by test_duplicates.py."""

from __future__ import annotations

from datetime import date

import pytest

import hub.rules.duplicates  # noqa: F401  (registers the rules under test)
from hub.synth.build import Spec, edit
from tests.hub.rules.level2 import locations, violations
from tests.hub.rules.test_duplicates import (
    NIEUW,
    ONGEWIJZIGD,
    RELATIE,
    START,
    TE_WIJZIGEN,
    TOEGEWEZEN,
    dubbele_prestatie_323,
    jw305_start_zonder_product,
    loc,
    twee_clienten_325,
    with_copy,
)

PRESTATIE = "Declaratie/Clienten/Client/Prestaties/Prestatie"


@pytest.mark.parametrize(
    ("bericht", "bericht_spec"),
    [
        pytest.param(
            "JW305",
            with_copy("JW305", START, Product={"Categorie": "46", "Code": "45A53"}),
            id="JW305-andere-categorie",
        ),
        pytest.param(
            "JW305", with_copy("JW305", START, Begindatum=date(2026, 10, 2)), id="JW305-andere-begindatum"
        ),
        pytest.param(
            "JW323",
            edit(
                dubbele_prestatie_323(),
                f"{PRESTATIE}[2]/ProductReferentie/VorigReferentieNummer",
                "P300201202609",
            ),
            id="JW323-andere-vorig-referentienummer",
        ),
        pytest.param(
            "JW317",
            with_copy("JW317", ONGEWIJZIGD, ToewijzingNummer=300203),
            id="JW317-ongewijzigd-ander-nummer",
        ),
        pytest.param(
            "JW317",
            with_copy("JW317", TE_WIJZIGEN, ToewijzingNummer=300203),
            id="JW317-te-wijzigen-ander-nummer",
        ),
        pytest.param(
            "JW317",
            with_copy("JW317", NIEUW, Product={"Categorie": "46", "Code": "45A54"}),
            id="JW317-nieuw-andere-categorie",
        ),
        pytest.param(
            "JW317",
            with_copy("JW317", NIEUW, Product={"Categorie": "45", "Code": "45A53"}),
            id="JW317-nieuw-andere-code",
        ),
    ],
)
def test_tr101_lines_differing_in_one_key_element_are_no_duplicates(bericht: str, bericht_spec: Spec) -> None:
    """rules.md 4.7: each element of a class's logical key counts on its own."""
    assert locations(bericht, bericht_spec, "TR101") == []


def test_tr101_relatie_finding_does_not_show_the_relatie_nummer() -> None:
    [found] = violations("JW301", with_copy("JW301", RELATIE), "TR101")
    assert found.message == "Relatie 2 has the same logical key (Nummer) as Relatie 1."


def test_tr101_jw325_client_finding_does_not_show_the_bsn() -> None:
    [found] = violations("JW325", twee_clienten_325(), "TR101")
    assert found.message == "Client 2 has the same logical key (Bsn) as Client 1."


def test_tr101_finding_shows_each_key_element_and_absent_ones() -> None:
    [found] = violations("JW305", jw305_start_zonder_product(), "TR101")
    assert found.message == (
        "StartProduct 2 has the same logical key (ToewijzingNummer, Product/Categorie, Product/Code, Begindatum)"
        " = ('300201', absent, absent, '2026-10-01') as StartProduct 1."
    )


def test_tr101_groups_are_reported_in_the_order_of_their_last_member() -> None:
    """ToewijzingNummers A, B, B, A: the B group is complete first, so it is reported first."""
    s = with_copy("JW301", TOEGEWEZEN)  # [1] A, [2] B, [3] A
    s = edit(s, f"{TOEGEWEZEN}[3]/ToewijzingNummer", 300202)  # [3] B
    s = edit(s, f"{TOEGEWEZEN}[4]", s["Client"]["ToegewezenProducten"]["ToegewezenProduct"][0])  # [4] A
    assert locations("JW301", s, "TR101") == [loc(TOEGEWEZEN, 3), loc(TOEGEWEZEN, 4)]
