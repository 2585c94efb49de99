"""TR056 (rules.md 6.7): an Identificatie is used once per sender and message type; reported on the Header."""

from __future__ import annotations

import pytest

from hub.synth.berichten import HEENBERICHTEN, spec
from tests.hub.rules.stateful.level3 import judge, snapshot


@pytest.mark.parametrize("bericht", HEENBERICHTEN)
def test_tr056_known_identificatie_is_rejected_on_the_header(bericht: str) -> None:
    violations = [
        v for v in judge(bericht, spec(bericht), snapshot(identificatie_bekend=True)) if v.rule == "TR056"
    ]
    assert [(v.retourcode, v.klasse, v.location) for v in violations] == [
        ("9056", None, "/Bericht/Header/BerichtIdentificatie/Identificatie")
    ]
    assert bericht + "261102" in violations[0].message


@pytest.mark.parametrize("bericht", HEENBERICHTEN)
def test_tr056_new_identificatie_passes(bericht: str) -> None:
    assert [v for v in judge(bericht, spec(bericht), snapshot()) if v.rule == "TR056"] == []


def test_no_state_no_findings() -> None:
    assert judge("JW305", spec("JW305"), None) == []
