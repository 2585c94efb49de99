"""The gateway over the real Tansu broker: a POST lands on the inbound topic with its key and headers, and a paused
broker fills the spool (503) and loses nothing once it is back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from consumers.broker import BrokerSettings, ensure_topics, make_broker
from consumers.embedded import EmbeddedBroker
from hub.store.db import session_factory
from hub.store.spool import Spool
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.topics import Topics
from hub.validate import Validator
from producers.gateway import create_app
from producers.health import Health, kafka_probe
from producers.publisher import RawPublisher
from tests.producers.conftest import GEMEENTE_KEY, make_settings

pytestmark = pytest.mark.kafka

AUTH = {"X-API-Key": GEMEENTE_KEY, "Content-Type": "application/xml"}


@dataclass
class Record:
    value: bytes
    key: bytes
    headers: dict[str, str]
    partition: int


@dataclass
class Hub:
    client: httpx.AsyncClient
    publisher: RawPublisher
    topics: Topics


@pytest.fixture
def store(sqlite_db: Engine) -> Engine:
    """A migrated SQLite store: the broker is what these tests are about, so one database is enough."""
    return sqlite_db


@pytest.fixture
async def hub(
    tansu: EmbeddedBroker, topic_prefix: str, store: Engine, validator: Validator
) -> AsyncIterator[Hub]:
    topics = Topics(topic_prefix)
    await ensure_topics(tansu.bootstrap, [topics.inbound], partitions=2, replication=1)
    broker = make_broker(BrokerSettings(bootstrap_servers=tansu.bootstrap), tansu.bootstrap)
    publisher = RawPublisher(
        broker, topics, Spool(session_factory(store)), capacity=2, send_timeout=0.5, backoff=(0.1, 0.5)
    )
    await publisher.start()
    health = Health(broker=kafka_probe(tansu.bootstrap, timeout=0.5), engine=store, timeout=1.0)
    app = create_app(
        make_settings(), validator, session_factory(store), publisher, CollectorRegistry(), health
    )
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
            yield Hub(client, publisher, topics)
    finally:
        tansu.resume()  # never leave the session's broker stopped for the next test
        await publisher.stop(grace=10.0)


async def consume(bootstrap: str, topic: str, count: int, timeout: float = 30.0) -> list[Record]:
    """Every record on the topic once `count` have arrived (then a little longer, to catch duplicates)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    records: list[Record] = []
    try:
        deadline = time.monotonic() + timeout
        settle: float | None = None
        while time.monotonic() < deadline and (settle is None or time.monotonic() < settle):
            batches = await consumer.getmany(timeout_ms=200)
            for batch in batches.values():
                records.extend(
                    Record(r.value, r.key, {k: v.decode() for k, v in r.headers}, r.partition) for r in batch
                )
            if len(records) >= count and settle is None:
                settle = time.monotonic() + 1.0
    finally:
        await consumer.stop()
    return records


def jw301(n: int) -> bytes:
    return to_xml("JW301", spec("JW301", identificatie=f"GW{n}"))


async def test_posted_message_is_on_the_inbound_topic_with_key_and_headers(
    hub: Hub, tansu: EmbeddedBroker
) -> None:
    data = jw301(1)
    response = await hub.client.post("/berichten", content=data, headers=AUTH)
    assert response.status_code == 202, response.text
    [record] = await consume(tansu.bootstrap, hub.topics.inbound, 1)
    assert record.value == data
    assert record.key == b"0200:12345678"
    assert record.headers["bericht-id"] == response.json()["id"]
    assert record.headers["content-type"] == "application/xml"
    assert datetime.fromisoformat(record.headers["ontvangen-op"]).utcoffset() is not None
    ready = await hub.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["broker"] is True


async def test_paused_broker_fills_the_spool_then_everything_arrives_in_order(
    hub: Hub, tansu: EmbeddedBroker
) -> None:
    warm = await hub.client.post("/berichten", content=jw301(0), headers=AUTH)  # the producer knows the topic
    assert warm.status_code == 202
    tansu.pause()
    try:
        kept = [await hub.client.post("/berichten", content=jw301(n), headers=AUTH) for n in (1, 2)]
        assert [r.status_code for r in kept] == [202, 202]
        assert hub.publisher.pending == 2 and not hub.publisher.healthy
        refused = await hub.client.post("/berichten", content=jw301(3), headers=AUTH)
        assert refused.status_code == 503 and int(refused.headers["retry-after"]) >= 1
        assert refused.headers["content-type"] == "application/problem+json"
        not_ready = await hub.client.get("/readyz")
        assert not_ready.status_code == 503 and not_ready.json()["checks"]["broker"] is False
    finally:
        tansu.resume()
    deadline = time.monotonic() + 45
    while hub.publisher.pending and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert hub.publisher.pending == 0 and hub.publisher.healthy
    records = await consume(tansu.bootstrap, hub.topics.inbound, 3)
    expected = [warm.json()["id"], *(r.json()["id"] for r in kept)]
    assert [
        r.headers["bericht-id"] for r in records
    ] == expected  # all kept, in order, none twice, not the refused
    assert {r.partition for r in records} == {records[0].partition}  # one pair key, one partition
