"""GB040-GB041: the Statusmelding (GI102) the hub writes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.gi.codes import STATUSSEN
from hub.gi.rules.status import VEREIST
from hub.gi.synth import spec as gi_spec
from hub.gi.synth import statusmelding
from hub.synth.berichten import DEFAULT_DAGTEKENING
from hub.synth.build import Spec, edit
from tests.hub.gi.helpers import edited, locations

DAG = DEFAULT_DAGTEKENING


def volledig(status: str) -> Spec:
    """A Statusmelding with every detail that some status requires."""
    return statusmelding(
        status=status,
        status_datum=DAG,
        toewijzing_nummer=300201,
        aanbieder="12345678",
        categorie="45",
        begindatum=DAG,
    )


@pytest.mark.parametrize("status", sorted(STATUSSEN))
def test_gb040_every_status_passes_with_all_details(status: str) -> None:
    s = edit(gi_spec("GI102"), "Statusmelding", volledig(status))
    assert locations("GI102", s, "GB040") == []


@pytest.mark.parametrize(("status", "element"), [(s, e) for s, names in VEREIST.items() for e in names])
def test_gb040_missing_detail(status: str, element: str) -> None:
    s = edit(gi_spec("GI102"), "Statusmelding", volledig(status))
    s = edit(s, f"Statusmelding/{element}", None)
    assert locations("GI102", s, "GB040") == ["/Bericht/Statusmelding/Status"]


def test_gb041_statusdatum_not_after_dagtekening() -> None:
    assert locations("GI102", edited("GI102", ("Statusmelding/StatusDatum", DAG)), "GB041") == []
    bad = edited("GI102", ("Statusmelding/StatusDatum", DAG + timedelta(days=1)))
    assert locations("GI102", bad, "GB041") == ["/Bericht/Statusmelding/StatusDatum"]
