"""The GI snapshot is read-only: the rules judge a message against it and cannot change it."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from hub.gi.state import BepalingState, GiSnapshot, MaatregelState

DAG = date(2026, 11, 2)


def _bepaling(**extra: object) -> BepalingState:
    velden: dict[str, object] = dict(
        gi="87654321", bepaling_id="B-1", client="p", gemeente="0200", maatregel_id="M-1",
        maatregel_type="OTS", categorie="45", code=None, datum_bepaling=DAG, gewenste_ingangsdatum=DAG,
        urgentie="1", dagtekening=DAG,
    )  # fmt: skip
    return BepalingState(**{**velden, **extra})  # type: ignore[arg-type]


def test_a_bepaling_is_in_force_unless_withdrawn() -> None:
    assert _bepaling().lopend and not _bepaling().ingetrokken
    assert not _bepaling(ingetrokken=True).lopend


def test_the_snapshot_and_its_states_cannot_be_changed() -> None:
    snapshot = GiSnapshot(pseudonym=str.upper, bepalingen={"B-1": _bepaling()})
    with pytest.raises(dataclasses.FrozenInstanceError):
        snapshot.identificatie_bekend = True  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        snapshot.bepalingen["B-1"].ingetrokken = True  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        MaatregelState("87654321", "M-1", "p", "OTS").datum_uitspraak = DAG  # type: ignore[misc]
    with pytest.raises(TypeError):
        GiSnapshot(pseudonym=str.upper).maatregelen["M-1"] = None  # type: ignore[index]
    assert not GiSnapshot(pseudonym=str.upper).identificatie_bekend
