"""producers.publisher: key and headers, the bounded spool in the store while the broker is away, ordered retry,
shutdown; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError
from faststream.kafka import KafkaBroker
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from hub.store.db import make_engine, session_factory
from hub.store.spool import Spool
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.topics import Topics
from producers.publisher import BufferFull, RawPublisher, SpoolUnavailable, key_of

TOPICS = Topics("test.")
RECEIVED = datetime(2026, 11, 23, 13, 0, tzinfo=timezone(timedelta(hours=1)))

Record = tuple[bytes, str, bytes, dict[str, str]]


class FakeBroker:
    """The part of FastStream's KafkaBroker the publisher uses; `up`, `hang` and `release` play the broker."""

    def __init__(self) -> None:
        self.up = True  # False: publish raises, as aiokafka does without a connection
        self.hang = False  # True: the producer holds the message until `release`
        self.connect_fails = False
        self.too_large: set[str] = set()  # bericht ids the producer refuses as too large, as aiokafka does
        self.sent: list[Record] = []  # acknowledged by the "broker", in order
        self.calls = 0
        self.connects = 0
        self.stopped = False
        self.held: list[tuple[asyncio.Future[None], Record]] = []

    async def connect(self) -> None:
        self.connects += 1
        if self.connect_fails:
            raise KafkaConnectionError("no broker")

    async def stop(self) -> None:
        self.stopped = True

    async def publish(
        self, raw: bytes, topic: str, *, key: bytes, headers: dict[str, str], no_confirm: bool
    ) -> asyncio.Future[None]:
        assert no_confirm  # the publisher waits on the producer's future itself
        self.calls += 1
        if not self.up:
            raise KafkaConnectionError("no broker")
        if headers["bericht-id"] in self.too_large:
            raise MessageSizeTooLargeError("the message is larger than the producer's max_request_size")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        record = (raw, topic, key, headers)
        if self.hang:
            self.held.append((future, record))
        else:
            future.set_result(None)
            self.sent.append(record)
        return future

    def release(self, error: Exception | None = None) -> None:
        for future, record in self.held:
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(None)
                self.sent.append(record)
        self.held.clear()


def message(n: int) -> bytes:
    return to_xml("JW301", spec("JW301", identificatie=f"PUB{n}"))


def ids(broker: FakeBroker) -> list[str]:
    return [headers["bericht-id"] for _, _, _, headers in broker.sent]


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


@pytest.fixture
def broker() -> FakeBroker:
    return FakeBroker()


@pytest.fixture
def spool(db: Engine) -> Spool:
    return Spool(session_factory(db))


def make(broker: FakeBroker, spool: Spool, **kwargs: Any) -> RawPublisher:
    options: dict[str, Any] = {"capacity": 2, "send_timeout": 0.05, "backoff": (0.01, 0.05)} | kwargs
    return RawPublisher(cast(KafkaBroker, broker), TOPICS, spool, **options)


async def publish(publisher: RawPublisher, n: int) -> None:
    await publisher.publish(message(n), bericht_id=f"id{n}", received_at=RECEIVED, key="0200:12345678")


async def test_publishes_with_key_and_headers(broker: FakeBroker, spool: Spool) -> None:
    publisher = make(broker, spool)
    await publisher.start()
    data = message(1)
    await publisher.publish(data, bericht_id="a" * 32, received_at=RECEIVED, key="0200:12345678")
    assert publisher.pending == 0 and publisher.healthy
    await publisher.stop()
    assert broker.stopped and not publisher.healthy
    [(raw, topic, key, headers)] = broker.sent
    assert (raw, topic, key) == (data, "test.berichten.inkomend", b"0200:12345678")
    assert headers == {
        "bericht-id": "a" * 32,
        "ontvangen-op": "2026-11-23T12:00:00+00:00",  # in UTC
        "content-type": "application/xml",
    }
    assert datetime.fromisoformat(headers["ontvangen-op"]) == RECEIVED.astimezone(UTC)


async def test_key_is_read_from_the_header_when_not_given(broker: FakeBroker, spool: Spool) -> None:
    publisher = make(broker, spool)
    await publisher.start()
    await publisher.publish(to_xml("JW305", spec("JW305")), bericht_id="b" * 32, received_at=RECEIVED)
    await publisher.stop()
    assert (
        broker.sent[0][2] == b"0200:12345678"
    )  # JW305 is sent by the aanbieder: the gemeente still comes first


@pytest.mark.parametrize("data", [b"not xml", b"", b"<x xmlns='urn:other'/>"])
def test_key_of_unreadable_message_is_the_unknown_pair(data: bytes) -> None:
    assert key_of(data) == "-:-"


async def test_broker_down_buffers_in_order_refuses_when_full_and_drains_when_back(
    broker: FakeBroker, spool: Spool
) -> None:
    publisher = make(broker, spool)
    await publisher.start()
    broker.up = False
    await publish(publisher, 1)
    await publish(publisher, 2)
    assert publisher.pending == 2 and not publisher.healthy
    with pytest.raises(BufferFull) as refused:
        await publish(publisher, 3)
    assert refused.value.retry_after >= 1 and refused.value.pending == 2
    broker.up = True
    await eventually(lambda: publisher.pending == 0)
    assert ids(broker) == ["id1", "id2"] and publisher.healthy
    await publish(publisher, 4)  # healthy again: straight through
    assert ids(broker) == ["id1", "id2", "id4"]
    await publisher.stop()


async def test_new_messages_queue_behind_buffered_ones(broker: FakeBroker, spool: Spool) -> None:
    publisher = make(broker, spool, capacity=10, backoff=(0.2, 0.2))
    await publisher.start()
    broker.up = False
    await publish(publisher, 1)
    broker.up = True  # back, but the retry task has not run yet: 2 must not overtake 1
    await publish(publisher, 2)
    await eventually(lambda: publisher.pending == 0)
    assert ids(broker) == ["id1", "id2"]
    await publisher.stop()


async def test_a_message_the_producer_holds_is_awaited_not_sent_again(
    broker: FakeBroker, spool: Spool
) -> None:
    publisher = make(broker, spool)
    await publisher.start()
    broker.hang = True
    await publish(publisher, 1)  # times out waiting for the ack: buffered, still held by the producer
    await publish(publisher, 2)
    await asyncio.sleep(0.3)  # several retry rounds
    assert broker.calls == 1 and publisher.pending == 2
    broker.hang = False
    broker.release()
    await eventually(lambda: publisher.pending == 0)
    assert ids(broker) == ["id1", "id2"] and broker.calls == 2
    await publisher.stop()


async def test_a_message_the_producer_gave_up_on_is_sent_again(broker: FakeBroker, spool: Spool) -> None:
    publisher = make(broker, spool)
    await publisher.start()
    broker.hang = True
    await publish(publisher, 1)
    broker.hang = False
    broker.release(KafkaTimeoutError())
    await eventually(lambda: publisher.pending == 0)
    assert ids(broker) == ["id1"] and broker.calls == 2
    await publisher.stop()


async def test_unreachable_at_start_degrades_and_connects_later(broker: FakeBroker, spool: Spool) -> None:
    broker.connect_fails = True
    publisher = make(broker, spool)
    await publisher.start()
    assert not publisher.healthy and publisher.running
    await publish(publisher, 1)
    assert publisher.pending == 1 and broker.calls == 0
    broker.connect_fails = False
    await eventually(lambda: publisher.pending == 0)
    assert ids(broker) == ["id1"] and publisher.healthy and broker.connects >= 2
    await publisher.stop()


async def test_capacity_zero_refuses_what_it_cannot_publish(broker: FakeBroker, spool: Spool) -> None:
    publisher = make(broker, spool, capacity=0)
    await publisher.start()
    broker.up = False
    with pytest.raises(BufferFull):
        await publish(publisher, 1)
    assert publisher.pending == 0
    await publisher.stop(grace=0.1)


async def test_stop_flushes_the_buffer_within_the_grace_period(broker: FakeBroker, spool: Spool) -> None:
    publisher = make(broker, spool)
    await publisher.start()
    broker.up = False
    await publish(publisher, 1)

    async def come_back() -> None:
        await asyncio.sleep(0.1)
        broker.up = True

    task = asyncio.create_task(come_back())
    await publisher.stop(grace=5.0)
    await task
    assert ids(broker) == ["id1"] and broker.stopped and not publisher.running


async def test_stop_gives_up_after_the_grace_period_and_refuses_new_messages(
    broker: FakeBroker, spool: Spool, caplog: pytest.LogCaptureFixture
) -> None:
    publisher = make(broker, spool)
    await publisher.start()
    broker.up = False
    await publish(publisher, 1)
    start = time.monotonic()
    with caplog.at_level(logging.WARNING):
        await publisher.stop(grace=0.2)
    assert time.monotonic() - start < 2.0
    assert any(
        r.getMessage()
        == "spooled messages not published at shutdown; a gateway publishes them when it starts"
        for r in caplog.records
    )
    with pytest.raises(BufferFull):
        await publish(publisher, 2)
    assert spool.count() == 1  # kept in the store for the next start


async def test_a_shared_broker_is_left_running(broker: FakeBroker, spool: Spool) -> None:
    publisher = make(broker, spool, owns_broker=False)
    await publisher.start()
    await publish(publisher, 1)
    await publisher.stop()
    assert ids(broker) == ["id1"] and not broker.stopped


async def test_a_spooled_message_outlives_its_gateway(broker: FakeBroker, db: Engine) -> None:
    """What a gateway spooled (202) and never published is published, in order, by the next one to start."""
    crashed = make(broker, Spool(session_factory(db)))  # never started: the broker was away, then it died
    await publish(crashed, 1)
    await publish(crashed, 2)
    assert crashed.pending == 2 and broker.calls == 0
    restarted = make(broker, Spool(session_factory(db)), capacity=10)
    await restarted.start()
    await publish(restarted, 3)  # behind the ones it found
    await eventually(lambda: restarted.pending == 0)
    assert ids(broker) == ["id1", "id2", "id3"] and restarted.healthy
    await restarted.stop()
    assert Spool(session_factory(db)).count() == 0


async def test_with_the_store_away_too_nothing_is_accepted(broker: FakeBroker) -> None:
    """Broker and store unreachable: SpoolUnavailable (503), never a 202 for a message kept nowhere; with the
    broker up the store is not needed."""
    nowhere = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    try:
        publisher = make(broker, Spool(session_factory(nowhere)))
        await publisher.start()
        await publish(publisher, 1)
        broker.up = False
        with pytest.raises(SpoolUnavailable) as refused:
            await publish(publisher, 2)
        assert refused.value.retry_after >= 1 and publisher.pending == 0
        assert publisher.running  # the task that publishes the spool outlives the store's absence
        await publisher.stop(grace=0.1)
    finally:
        nowhere.dispose()
    assert ids(broker) == ["id1"]


async def test_two_gateways_on_one_store_publish_every_message_once_in_order(
    broker: FakeBroker, db: Engine
) -> None:
    first = make(broker, Spool(session_factory(db)), capacity=10)
    second = make(broker, Spool(session_factory(db)), capacity=10)
    await first.start()
    await second.start()
    broker.up = False
    for n in (1, 2, 3):
        await publish(first, n)
    for n in (4, 5):
        await publish(second, n)
    broker.up = True
    await eventually(lambda: first.pending == second.pending == 0 and len(broker.sent) >= 5)
    await asyncio.sleep(0.2)  # time for a copy too many
    assert ids(broker) == [f"id{n}" for n in range(1, 6)]
    await first.stop()
    await second.stop()


class DeleteFailsOnce(Spool):
    """A store that loses the connection on the first delete, after the broker acknowledged the row."""

    failed = False

    def delete(self, row_id: int) -> None:
        if not self.failed:
            self.failed = True
            raise OperationalError("DELETE", {}, Exception("connection lost"))
        super().delete(row_id)


async def test_a_row_the_broker_acknowledged_is_not_sent_again_when_its_delete_failed(
    broker: FakeBroker, db: Engine
) -> None:
    spool = DeleteFailsOnce(session_factory(db))
    publisher = make(broker, spool)
    await publisher.start()
    broker.up = False
    await publish(publisher, 1)
    broker.up = True
    await eventually(lambda: publisher.pending == 0 and spool.failed)
    assert ids(broker) == ["id1"] and spool.count() == 0
    await publisher.stop()


async def test_a_message_the_broker_refuses_for_good_is_kept_and_the_ones_behind_it_go_on(
    broker: FakeBroker, spool: Spool, caplog: pytest.LogCaptureFixture
) -> None:
    broker.too_large = {"id1"}
    publisher = make(broker, spool, capacity=5, retry_refused=0.3, poll=0.05)
    await publisher.start()
    for n in (1, 2, 3):
        await publish(publisher, n)  # 1 is spooled; 2 and 3 go behind it
    await eventually(lambda: ids(broker) == ["id2", "id3"])
    await eventually(lambda: publisher.pending == 0 and publisher.healthy)
    assert spool.count() == 1  # kept: an operator may raise the limit
    refused = [r for r in caplog.records if "refused by the broker" in r.getMessage()]
    assert [(r.levelname, getattr(r, "bericht_id", None)) for r in refused] == [("ERROR", "id1")]
    await publish(publisher, 4)  # straight through, not behind the row set aside
    assert ids(broker) == ["id2", "id3", "id4"]
    broker.too_large = set()  # the configuration mended: the next try publishes it
    await eventually(lambda: ids(broker) == ["id2", "id3", "id4", "id1"] and spool.count() == 0)
    await publisher.stop()
