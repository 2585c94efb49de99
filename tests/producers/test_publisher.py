"""producers.publisher: key and headers, the bounded buffer while the broker is away, ordered retry, shutdown."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError
from faststream.kafka import KafkaBroker

from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.topics import Topics
from producers.publisher import BufferFull, RawPublisher, key_of

TOPICS = Topics("test.")
RECEIVED = datetime(2026, 11, 23, 13, 0, tzinfo=timezone(timedelta(hours=1)))

Record = tuple[bytes, str, bytes, dict[str, str]]


class FakeBroker:
    """The part of FastStream's KafkaBroker the publisher uses; `up`, `hang` and `release` play the broker."""

    def __init__(self) -> None:
        self.up = True  # False: publish raises, as aiokafka does without a connection
        self.hang = False  # True: the producer holds the message until `release`
        self.connect_fails = False
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


def make(broker: FakeBroker, **kwargs: Any) -> RawPublisher:
    options: dict[str, Any] = {"capacity": 2, "send_timeout": 0.05, "backoff": (0.01, 0.05)} | kwargs
    return RawPublisher(cast(KafkaBroker, broker), TOPICS, **options)


async def publish(publisher: RawPublisher, n: int) -> None:
    await publisher.publish(message(n), bericht_id=f"id{n}", received_at=RECEIVED, key="0200:12345678")


async def test_publishes_with_key_and_headers(broker: FakeBroker) -> None:
    publisher = make(broker)
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


async def test_key_is_read_from_the_header_when_not_given(broker: FakeBroker) -> None:
    publisher = make(broker)
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
    broker: FakeBroker,
) -> None:
    publisher = make(broker)
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


async def test_new_messages_queue_behind_buffered_ones(broker: FakeBroker) -> None:
    publisher = make(broker, capacity=10, backoff=(0.2, 0.2))
    await publisher.start()
    broker.up = False
    await publish(publisher, 1)
    broker.up = True  # back, but the retry task has not run yet: 2 must not overtake 1
    await publish(publisher, 2)
    await eventually(lambda: publisher.pending == 0)
    assert ids(broker) == ["id1", "id2"]
    await publisher.stop()


async def test_a_message_the_producer_holds_is_awaited_not_sent_again(broker: FakeBroker) -> None:
    publisher = make(broker)
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


async def test_a_message_the_producer_gave_up_on_is_sent_again(broker: FakeBroker) -> None:
    publisher = make(broker)
    await publisher.start()
    broker.hang = True
    await publish(publisher, 1)
    broker.hang = False
    broker.release(KafkaTimeoutError())
    await eventually(lambda: publisher.pending == 0)
    assert ids(broker) == ["id1"] and broker.calls == 2
    await publisher.stop()


async def test_unreachable_at_start_degrades_and_connects_later(broker: FakeBroker) -> None:
    broker.connect_fails = True
    publisher = make(broker)
    await publisher.start()
    assert not publisher.healthy and publisher.running
    await publish(publisher, 1)
    assert publisher.pending == 1 and broker.calls == 0
    broker.connect_fails = False
    await eventually(lambda: publisher.pending == 0)
    assert ids(broker) == ["id1"] and publisher.healthy and broker.connects >= 2
    await publisher.stop()


async def test_capacity_zero_refuses_what_it_cannot_publish(broker: FakeBroker) -> None:
    publisher = make(broker, capacity=0)
    await publisher.start()
    broker.up = False
    with pytest.raises(BufferFull):
        await publish(publisher, 1)
    assert publisher.pending == 0
    await publisher.stop(grace=0.1)


async def test_stop_flushes_the_buffer_within_the_grace_period(broker: FakeBroker) -> None:
    publisher = make(broker)
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
    broker: FakeBroker, caplog: pytest.LogCaptureFixture
) -> None:
    publisher = make(broker)
    await publisher.start()
    broker.up = False
    await publish(publisher, 1)
    start = time.monotonic()
    with caplog.at_level(logging.ERROR):
        await publisher.stop(grace=0.2)
    assert time.monotonic() - start < 2.0
    assert any(r.getMessage() == "buffered messages not published at shutdown" for r in caplog.records)
    with pytest.raises(BufferFull):
        await publish(publisher, 2)


async def test_a_shared_broker_is_left_running(broker: FakeBroker) -> None:
    publisher = make(broker, owns_broker=False)
    await publisher.start()
    await publish(publisher, 1)
    await publisher.stop()
    assert ids(broker) == ["id1"] and not broker.stopped
