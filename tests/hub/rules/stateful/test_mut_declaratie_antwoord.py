"""What the mutation pass over hub/rules/stateful/declaratie_antwoord.py found unpinned (rules.md 6.6)."""

from __future__ import annotations

from datetime import date

import pytest

from hub.synth.build import edit
from tests.hub.rules.stateful.jw323 import ANDER_BSN, REF_1, jw323, lijn
from tests.hub.rules.stateful.level3 import BSN, found, judge, rules_of, snapshot
from tests.hub.rules.stateful.test_declaratie_antwoord import (
    CLIENT_KLASSE,
    PRESTATIE,
    PRESTATIE_PATH,
    beantwoord,
    gedeclareerd,
    jw325,
    met_prestatie,
)


def test_tr337_names_the_declaratieidentificatie_it_does_not_know() -> None:
    s = edit(jw325({REF_1: "9307"}), "Header/DeclaratieIdentificatie/Identificatie", "JW323ONBEKND")
    s = edit(s, "Header/DeclaratieIdentificatie/Dagtekening", date(2026, 10, 30))
    violations = judge("JW325", s, snapshot())
    assert rules_of(violations) == ["TR337"]
    assert violations[0].message == (
        "DeclaratieIdentificatie 'JW323ONBEKND' of 2026-10-30 is no JW323 that aanbieder 12345678 sent to "
        "gemeente 0200."
    )


def test_tr304_message() -> None:
    s = edit(jw325({REF_1: "9307"}), "DeclaratieAntwoord/Clienten/Client[1]/Bsn", ANDER_BSN)
    violations = judge("JW325", s, beantwoord())
    assert found(violations) == [("TR304", "8187", CLIENT_KLASSE)]
    assert violations[0].message == "Client/Bsn does not occur in the JW323 this JW325 answers."


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("ProductCategorie", "43"),
        ("ProductPeriode/Begindatum", "2026-10-02"),
        ("IngediendBedrag/DebetCredit", "C"),
    ],
)
def test_tr367_a_value_differs_behind_level2(path: str, value: object) -> None:
    """Alone, these values break level 2 rules (product, period, totals); judged behind it on purpose."""
    violations = judge("JW325", met_prestatie(path, value), beantwoord(), level2=False)
    assert found(violations) == [("TR367", "9367", PRESTATIE)]
    assert violations[0].location == f"{PRESTATIE}/{path}"
    assert violations[0].message == (
        f"The Prestatie differs from line {REF_1!r} of the JW323 it answers in {path}."
    )


def test_tr367_a_returned_credit_line_that_repeats_its_declaration_passes() -> None:
    credit = jw323((BSN, [lijn("C1", vorig="P0")]))
    assert judge("JW325", jw325({"C1": "9307"}, credit), beantwoord(gedeclareerd(credit))) == []


def test_tr367_names_the_client_when_a_line_comes_back_under_another_declared_client() -> None:
    twee = jw323((BSN, [lijn(REF_1)]), (ANDER_BSN, [lijn("Q1")]))
    s = edit(jw325({"Q1": "9307"}, twee), f"{PRESTATIE_PATH}[1]/ProductReferentie/ReferentieNummer", REF_1)
    violations = judge("JW325", s, beantwoord(gedeclareerd(twee)))
    assert rules_of(violations) == ["TR367"]
    assert (
        violations[0].message
        == f"The Prestatie differs from line {REF_1!r} of the JW323 it answers in Client."
    )
