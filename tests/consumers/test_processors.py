"""The processors: a poison event on the in-memory test broker, and `hub process` end to end over Tansu.

The end-to-end test replays the story of tests/hub/monitor/scenario.py and checks the exact values of the
written exposition; replaying the same directory into the same database changes no domain metric.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from consumers.broker import BrokerSettings
from consumers.embedded import EmbeddedBroker
from consumers.intake import HEADER_ID
from consumers.process import process
from consumers.processors import ProcessorWorker, register_processors
from hub.metrics import HubMetrics
from hub.monitor.norms import ANTWOORD_VERZOEK
from hub.settings import HubSettings
from hub.topics import Topics
from tests.hub.monitor import scenario as sc
from tests.hub.monitor.helpers import accept_all, processor
from tests.tansu import tansu_settings

G, A, R = sc.GEMEENTE, sc.AANBIEDER, sc.REGIO
AS_OF = date(2027, 1, 15)
DOMAIN = ("jeugdhulp_", "gi_")


# ---- the worker on FastStream's in-memory broker ------------------------------------------------------


async def test_event_is_stored_and_a_poison_event_is_dead_lettered(db: Engine) -> None:
    events = accept_all(db, sc.xml_berichten())
    broker = KafkaBroker()
    topics = Topics("unit.")
    metrics = HubMetrics(CollectorRegistry())
    done: list[str] = []
    p = processor(db)
    register_processors(
        broker,
        lambda parsers: ProcessorWorker(
            p, parsers, broker, topics, metrics, max_attempts=1, on_done=done.append
        ),
        topics,
        BrokerSettings(),
    )
    letters: list[dict[str, Any]] = []

    @broker.subscriber(topics.dead_letter)
    async def dead(body: dict[str, Any]) -> None:  # FastStream decodes the application/json value
        letters.append(body)

    start = next(e for e in events if e.type == "StartOntvangen")
    async with TestKafkaBroker(broker) as br:
        await br.publish(
            start.model_dump_json().encode(),
            topics.normalised("start"),
            headers={HEADER_ID: start.bericht_id},
        )
        await br.publish(b'{"type": "Onzin"}', topics.normalised("stop"), headers={HEADER_ID: "f" * 32})
    assert done == [start.bericht_id, "f" * 32]  # both acknowledged: the poison one does not block
    assert [(d["reason"], d["bericht_id"]) for d in letters] == [("unreadable-event", "f" * 32)]
    assert metrics.dead_letters.labels(reason="unreadable-event")._value.get() == 1
    assert not p.verwerk(start)  # the worker stored it already


# ---- `hub process` over the embedded broker -----------------------------------------------------------


def domain_samples(path: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the domain families in an exposition file."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(path.read_text())
        if family.name.startswith(DOMAIN)
        for s in family.samples
    }


async def replay(
    source: Path, out: Path, database: str, tansu: EmbeddedBroker, prefix: str
) -> dict[str, int]:
    return await process(
        [source],
        settings=HubSettings(),
        broker_settings=tansu_settings(tansu, prefix),
        metrics_out=out,
        as_of=AS_OF,
        database=database,
        timeout=120,
    )


@pytest.mark.kafka
async def test_hub_process_writes_the_contracts_values_and_a_replay_changes_none(
    tmp_path: Path, tansu: EmbeddedBroker, topic_prefix: str
) -> None:
    source = sc.write(tmp_path / "berichten")
    database = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    first = tmp_path / "first.prom"
    assert await replay(source, first, database, tansu, topic_prefix) == {"accepted": 7}
    values = domain_samples(first)

    def v(name: str, **labels: str) -> float | None:
        return values.get((name, tuple(sorted(labels.items()))))

    hist = "jeugdhulp_doorlooptijd_seconds"
    vtt = {"fase": "verzoek_tot_toewijzing", "regio": R, "productcategorie": "45"}
    assert v(f"{hist}_bucket", **vtt, le="432000.0") == 0  # 5 days
    assert v(f"{hist}_bucket", **vtt, le="604800.0") == 1  # 7 days: 1 Oct -> 8 Oct
    assert v(f"{hist}_count", **vtt) == 1 and v(f"{hist}_sum", **vtt) == 604800
    tts = {"fase": "toewijzing_tot_start", "regio": R, "productcategorie": "45"}
    assert v(f"{hist}_bucket", **tts, le="432000.0") == 1  # 5 days: 300201 started after 4
    assert v(f"{hist}_bucket", **tts, le="864000.0") == 1  # 10 days
    assert v(f"{hist}_bucket", **tts, le="1.2096e+06") == 2  # 14 days: 400101 started after 12
    assert v(f"{hist}_count", **tts) == 2 and v(f"{hist}_sum", **tts) == 16 * 86400
    assert v("jeugdhulp_norm_total", norm=ANTWOORD_VERZOEK, uitkomst="binnen", regio=R) == 1
    assert v("jeugdhulp_norm_total", norm=ANTWOORD_VERZOEK, uitkomst="buiten", regio=R) == 1
    assert (
        v("jeugdhulp_norm_total", norm="passende_hulp_3_maanden", uitkomst="binnen", regio="Achterhoek") == 0
    )
    assert v("jeugdhulp_beeindigd_total", regio=R, productcategorie="45", reden="31") == 1
    for fase in ("verzoek", "toewijzing"):
        assert (
            v("jeugdhulp_wachtend", fase=fase, regio=R, gemeente=G, productcategorie="43", aanbieder=A) == 1
        )
        assert v("jeugdhulp_wachtend_boven_norm", fase=fase, regio=R, gemeente=G, productcategorie="43") == 1
    assert v("jeugdhulp_in_zorg", regio=R, gemeente=G, productcategorie="45", aanbieder=A) == 1
    waiting = {k: x for k, x in values.items() if k[0] == "jeugdhulp_wachtend"}
    assert sum(waiting.values()) == 2  # nothing else waits
    text = first.read_text()
    assert "# TYPE gi_capaciteit gauge" in text and "hub_retour_pending 0.0" in text

    again = tmp_path / "again.prom"
    assert await replay(source, again, database, tansu, f"{topic_prefix}2.") == {"duplicate": 7}
    assert domain_samples(again) == values
