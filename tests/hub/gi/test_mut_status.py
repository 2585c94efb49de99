"""The GI102's Identificatie is a fixed function of the fact: the same id in every release of the hub."""

from __future__ import annotations

from hub.gi.status import status_identificatie
from tests.hub.gi.test_status import MELDINGEN


def test_identificatie_of_a_fact_does_not_change_between_releases() -> None:
    # Golden values: a status re-made after an upgrade (a replay, a recomputed group) must get the id the GI
    # already has, so the key and its separators (docs/gi-berichten.md: same event, same Identificatie) stay.
    assert [status_identificatie("87654321", m) for m in MELDINGEN] == [
        "SFQI4OXBIT5S",
        "SDR3ZWU6NRPS",
        "SIAALHWOZJR7",
    ]
