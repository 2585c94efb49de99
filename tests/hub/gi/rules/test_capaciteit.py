"""GB030-GB033: the Capaciteiten of a GI003."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from hub.gi.synth import capaciteit, spec
from hub.synth.berichten import DEFAULT_DAGTEKENING
from hub.synth.build import Spec, edit
from tests.hub.gi.helpers import CTX, locations

DAG = DEFAULT_DAGTEKENING
LOC1 = "/Bericht/Capaciteiten/Capaciteit"


def met(*capaciteiten: Spec) -> Spec:
    return edit(spec("GI003"), "Capaciteiten/Capaciteit", list(capaciteiten))


def test_gb030_peildatum_not_after_dagtekening() -> None:
    assert locations("GI003", met(capaciteit(peildatum=DAG)), "GB030") == []
    assert locations("GI003", met(capaciteit(peildatum=DAG + timedelta(days=1))), "GB030") == [
        f"{LOC1}/Peildatum"
    ]


@pytest.mark.parametrize("naam", ["Midden IJssel-Oost Veluwe", "midden ijssel oost veluwe", "Achterhoek"])
def test_gb031_known_jeugdregio_passes_normalised(naam: str) -> None:
    assert locations("GI003", met(capaciteit(naam, peildatum=DAG)), "GB031") == []


def test_gb031_unknown_jeugdregio() -> None:
    s = met(capaciteit("Atlantis", peildatum=DAG))
    assert locations("GI003", s, "GB031") == [f"{LOC1}/Jeugdregio"]
    assert locations("GI003", s, "GB031", ctx=replace(CTX, gemeenten=None)) == []


def test_gb031_only_regions_of_the_configured_gemeenten() -> None:
    alleen_apeldoorn = replace(CTX, gemeenten=frozenset({"0200"}))
    assert locations(
        "GI003", met(capaciteit("Achterhoek", peildatum=DAG)), "GB031", ctx=alleen_apeldoorn
    ) == [f"{LOC1}/Jeugdregio"]


def test_gb032_region_and_peildatum_once() -> None:
    s = met(
        capaciteit("Achterhoek", peildatum=DAG),
        capaciteit("Achterhoek", peildatum=DAG - timedelta(days=7)),
        capaciteit("achterhoek", peildatum=DAG),
    )
    assert locations("GI003", s, "GB032") == ["/Bericht/Capaciteiten/Capaciteit[3]/Jeugdregio"]


def test_gb033_caseload_needs_jeugdbeschermers() -> None:
    assert locations("GI003", met(capaciteit(peildatum=DAG, jeugdbeschermers="0", caseload=0)), "GB033") == []
    bad = met(capaciteit(peildatum=DAG, jeugdbeschermers=Decimal("0.00"), caseload=3))
    assert locations("GI003", bad, "GB033") == [f"{LOC1}/Caseload"]
    assert (
        locations("GI003", met(capaciteit(peildatum=DAG, jeugdbeschermers="0.5", caseload=3)), "GB033") == []
    )
