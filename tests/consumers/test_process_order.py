"""`hub process` replays in exactly the order of its files, so a replay's outcome is the same every time.

Rules wider than one gemeente-aanbieder pair (TR056 per Afzender, TR314 and TR333 per aanbieder) see messages of
other pairs; spread over partitions by their key, those would race, and a replay of the same archive gave other
outcomes from run to run. The replay puts every file on one partition.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from pydantic import SecretStr

from consumers.embedded import EmbeddedBroker
from consumers.process import REPLAY_PARTITION, process
from hub.settings import HubSettings
from hub.synth.simulate import SimConfig, Simulator, schrijf
from hub.topics import Topics
from tests.tansu import tansu_settings

TOT = date(2026, 11, 20)
# Several aanbieders each declaring to gemeenten of two regions, with deliberate errors (TR333, TR314 among them).
CONFIG = SimConfig(
    seed=3, regios=("Arnhem", "Achterhoek"), aanbieders=5, clienten=60, tot=TOT, error_rate=0.1
)
PARTITIONS = 6


@pytest.mark.kafka
async def test_a_replay_judges_every_file_as_in_order_and_uses_one_partition(
    tmp_path: Path, tansu: EmbeddedBroker, topic_prefix: str
) -> None:
    sim = Simulator(CONFIG)
    manifest = schrijf(sim, tmp_path / "berichten")
    expected = Counter(manifest["expected"])
    s = HubSettings(
        database_url=f"sqlite:///{tmp_path / 'hub.sqlite'}",
        pseudonym_key=SecretStr("process-order-test-pseudonym-key-0123"),
    )
    broker = tansu_settings(tansu, topic_prefix, partitions=PARTITIONS)
    counts = await process(
        [tmp_path / "berichten"],
        settings=s,
        broker_settings=broker,
        database=s.database_url,
        as_of=TOT,
        timeout=300,
    )
    assert (
        Counter(counts) == expected
    )  # what the simulator expects from judging its messages one after another

    inbound = Topics(topic_prefix).inbound
    consumer = AIOKafkaConsumer(bootstrap_servers=tansu.bootstrap, group_id=None)
    await consumer.start()
    try:
        ends = await consumer.end_offsets([TopicPartition(inbound, p) for p in range(PARTITIONS)])
    finally:
        await consumer.stop()
    per_partition = {tp.partition: offset for tp, offset in ends.items()}
    assert per_partition[REPLAY_PARTITION] > 0  # Tansu may read a partition's end low: no exact count
    assert {p: n for p, n in per_partition.items() if p != REPLAY_PARTITION} == dict.fromkeys(
        set(range(PARTITIONS)) - {REPLAY_PARTITION}, 0
    )
