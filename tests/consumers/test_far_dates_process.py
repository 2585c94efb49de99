"""`hub process` over Tansu with dates outside Python's date (year 12026, -0001) and at its ends: every message is
judged and answered, the processors handle the accepted ones, and nothing is dead-lettered."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from consumers.embedded import EmbeddedBroker
from consumers.process import process
from hub.gi.build import to_xml as gi_xml
from hub.gi.synth import spec as gi_spec
from hub.settings import HubSettings
from hub.synth.berichten import spec
from hub.synth.build import edit, to_xml
from tests.tansu import tansu_settings

AS_OF = date(2026, 11, 23)
TP = "Client/ToegewezenProducten/ToegewezenProduct"
AP = "Client/AangevraagdeProducten/AangevraagdProduct"
MAATREGEL = "Client/Maatregelen/Maatregel"

# name: (message, the retour it gets, accepted)
BERICHTEN = {
    # The reported case: an Einddatum typed with a fifth digit, retried and dead-lettered before.
    "jw301": (to_xml("JW301", edit(spec("JW301"), f"{TP}/Einddatum", "12026-01-01")), "JW302", True),
    "jw305": (
        to_xml("JW305", edit(spec("JW305"), "Client/Geboortedatum/Datum", "12026-01-01")),
        "JW306",
        False,
    ),
    "jw315": (
        to_xml("JW315", edit(spec("JW315"), f"{AP}[1]/ToewijzingIngangsdatum", "-0001-01-01")),
        "JW316",
        True,
    ),
    "jw323": (
        to_xml("JW323", edit(spec("JW323"), "Declaratie/DeclaratiePeriode/Einddatum", date.max)),
        "JW325",
        False,
    ),
    "gi002": (
        gi_xml("GI002", edit(gi_spec("GI002"), f"{MAATREGEL}/DatumUitspraak", "-0001-01-01")),
        "GI101",
        True,
    ),
}


@pytest.mark.kafka
async def test_far_dates_are_answered_and_nothing_is_dead_lettered(
    tmp_path: Path, tansu: EmbeddedBroker, topic_prefix: str
) -> None:
    source = tmp_path / "berichten"
    source.mkdir()
    for name, (data, _, _) in BERICHTEN.items():
        (source / f"{name}.xml").write_bytes(data)
    out, metrics = tmp_path / "retour", tmp_path / "metrics.prom"
    counts = await process(
        [source],
        settings=HubSettings(),
        broker_settings=tansu_settings(tansu, topic_prefix),
        metrics_out=metrics,
        retour_out=out,
        as_of=AS_OF,
        database=f"sqlite:///{tmp_path / 'hub.sqlite'}",
        timeout=120,
    )
    accepted = sum(1 for _, _, ok in BERICHTEN.values() if ok)
    assert counts == {"accepted": accepted, "rejected": len(BERICHTEN) - accepted}
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{n}.{r}.xml" for n, (_, r, _) in BERICHTEN.items()
    )
    dead = [
        s
        for family in text_string_to_metric_families(metrics.read_text())
        if family.name == "hub_dead_letters"
        for s in family.samples
        if s.name == "hub_dead_letters_total"
    ]
    assert dead and all(s.value == 0 for s in dead), dead
