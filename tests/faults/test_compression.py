"""A backoffice's producer may compress its batches with any codec Kafka clients offer; the intake reads each one.

Java and librdkafka producers often set compression.type lz4 or zstd. Without the codec installed the intake's
consumer failed in its fetcher, before any record reached the hub, so nothing was dead-lettered and the partition
stood still for good (aiokafka decodes snappy, lz4 and zstd with cramjam, installed through its extras).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer

from consumers.broker import ensure_topics
from consumers.embedded import EmbeddedBroker
from consumers.intake import HEADER_ID, HEADER_RECEIVED
from hub.topics import Topics
from tests.faults.harness import RECEIVED_AT, audit_rows, finished, reader, running_intake, wait_until
from tests.faults.stream import Bericht

pytestmark = pytest.mark.kafka

CODECS = ("gzip", "snappy", "lz4", "zstd")


async def send_compressed(bootstrap: str, topic: str, codec: str, berichten: list[Bericht]) -> None:
    """The messages in one batch per partition, compressed with `codec`, as another system's producer sends."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, compression_type=codec, linger_ms=50)
    await producer.start()
    try:
        sent = [
            await producer.send(
                topic,
                b.data,
                key=b.key.encode(),
                headers=[
                    (HEADER_ID, b.bericht_id.encode()),
                    (HEADER_RECEIVED, RECEIVED_AT.isoformat().encode()),
                ],
            )
            for b in berichten
        ]
        for confirmed in sent:
            await confirmed
    finally:
        await producer.stop()


async def test_the_intake_reads_batches_in_every_codec(
    tansu: EmbeddedBroker, stream: list[Bericht], tmp_path: Path
) -> None:
    topics = Topics(f"codec-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=3, replication=1)
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    # Four consecutive slices of the stream, each pair's messages kept in order, one codec each.
    slices = {codec: stream[i * 8 : (i + 1) * 8] for i, codec in enumerate(CODECS)}
    async with running_intake(tansu.bootstrap, topics.prefix, url):
        engine = reader(url)
        for codec, berichten in slices.items():
            await send_compressed(tansu.bootstrap, topics.inbound, codec, berichten)
            ids = {b.bericht_id for b in berichten}
            await wait_until(lambda ids=ids: finished(engine, ids), timeout=30)  # type: ignore[misc]
        rows = audit_rows(engine)
    sent = [b for berichten in slices.values() for b in berichten]
    assert rows.keys() == {b.bericht_id for b in sent}
    assert {row.outcome for row in rows.values()} == {"accepted"}
