"""What the mutation pass over hub/gi/rules/stateful.py found unpinned (docs/gi-berichten.md 5.6)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from hub.gi.synth import MAATREGEL_ID, maatregel, maatregel_ref, spec
from hub.rules.registry import Level
from hub.state.snapshot import Snapshot
from hub.synth.build import edit
from tests.hub.gi.helpers import CTX, violations
from tests.hub.gi.rules.test_stateful import (
    ANDER,
    LOC_B,
    UITSPRAAK,
    b,
    judge,
    maatregel_bekend,
    met_bepalingen,
    pseudonym,
    snapshot,
)

LOC_M = "/Bericht/Client/Maatregelen/Maatregel[{}]"
ANDERE_MAATREGEL = "M-2026-0009"  # a MaatregelId the state does not know


@pytest.mark.parametrize("bericht", ["GI001", "GI002", "GI003"])
def test_gi_rules_are_silent_on_an_ijw_snapshot(bericht: str) -> None:
    """Only a GiSnapshot is GI state: an iJw Snapshot (even one that knows the Identificatie) is no state."""
    ctx = replace(CTX, state=Snapshot(pseudonym=pseudonym, identificatie_bekend=True))
    assert violations(bericht, spec(bericht), ctx=ctx, levels=(Level.STATEFUL,)) == []


def test_gb104_judges_a_bepaling_after_one_with_an_unknown_maatregel() -> None:
    eerste = {**b("B-2026-0002"), "Maatregel": maatregel_ref(ANDERE_MAATREGEL)}
    state = snapshot(maatregelen={MAATREGEL_ID: maatregel_bekend(client=ANDER)})
    found = judge("GI001", met_bepalingen(eerste, b()), state, "GB104")
    assert [(v.location, v.retourcode) for v in found] == [
        (f"{LOC_B.format(2)}/Maatregel/MaatregelId", "G104")
    ]


def test_gb104_judges_a_maatregel_after_an_unknown_one() -> None:
    s = edit(spec("GI002"), "Client/Maatregelen/Maatregel", [maatregel(ANDERE_MAATREGEL), maatregel()])
    state = snapshot(maatregelen={MAATREGEL_ID: maatregel_bekend(maatregel_type="04")})
    found = judge("GI002", s, state, "GB104")
    assert [(v.location, v.retourcode) for v in found] == [(f"{LOC_M.format(2)}/MaatregelType", "G104")]


def test_gb105_judges_a_maatregel_after_an_unknown_one() -> None:
    te_vroeg = UITSPRAAK - timedelta(days=1)
    s = edit(
        spec("GI002"),
        "Client/Maatregelen/Maatregel",
        [
            maatregel(ANDERE_MAATREGEL, vaste_jeugdbeschermer=te_vroeg),
            maatregel(vaste_jeugdbeschermer=te_vroeg),
        ],
    )
    state = snapshot(maatregelen={MAATREGEL_ID: maatregel_bekend(datum_uitspraak=UITSPRAAK)})
    found = judge("GI002", s, state, "GB105")
    assert [(v.location, v.retourcode) for v in found] == [
        (f"{LOC_M.format(2)}/DatumVasteJeugdbeschermer", "G105")
    ]
