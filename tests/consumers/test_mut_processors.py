"""The processor worker's promises (consumers/processors.py's docstring, docs/operations.md's topic table) held
with a stand-in processor and broker: the dead letter's headers and key, bounded retries, the statusmeldingen on
the retour topic with their event, what a failed send postpones, and the periodic loop outliving a failed round.

Found by a mutation pass over consumers/processors.py: each test holds a promise no other test held.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import KafkaConnectionError
from prometheus_client import CollectorRegistry

from consumers.processors import ProcessorWorker
from hub.errors import TransientError
from hub.events.models import StatusmeldingVerstuurd
from hub.metrics import HubMetrics
from hub.monitor.registry import Uitgaand
from hub.topics import Topics
from tests.consumers.standins import Poll, SentLog

TOPICS = Topics("t.")
START = TOPICS.normalised("start")
KEY = b"d" * 64


@dataclass(frozen=True)
class Event:
    bericht_id: str


@dataclass(frozen=True)
class Record:
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()
    topic: str = START
    partition: int = 2
    offset: int = 17
    key: bytes | None = KEY


def parse(body: bytes) -> Event:
    """A parser as hub.monitor.registry's: a ValueError for what is not an event."""
    if not body.startswith(b"ev:"):
        raise ValueError("not an event")
    return Event(body[3:].decode())


def record(bericht_id: str, **kwargs: Any) -> Record:
    return Record(f"ev:{bericht_id}".encode(), (("bericht-id", bericht_id.encode()),), **kwargs)


class Processor:
    """A stand-in for hub.monitor.processor.Processor: what it was asked, failing as a test says."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.one: list[str] = []
        self.batch_fails: list[BaseException] = []  # raised by the next batches, in order
        self.poison: set[str] = set()
        self.outbox: list[Uitgaand] = []
        self.sent: list[list[str]] = []
        self.checked: list[date] = []
        self.check_fails = 0

    def verwerk_batch(self, events: Sequence[Event]) -> list[bool]:
        self.batches.append([e.bericht_id for e in events])
        if self.batch_fails:
            raise self.batch_fails.pop(0)
        return [True for _ in events]

    def verwerk(self, event: Event) -> bool:
        self.one.append(event.bericht_id)
        if event.bericht_id in self.poison:
            raise RuntimeError("poison")
        return True

    def uitgaand(self) -> list[Uitgaand]:
        waiting, self.outbox = self.outbox[:2], self.outbox[2:]  # two at a time: verstuur drains the outbox
        return waiting

    def verstuurd(self, ids: list[str]) -> None:
        self.sent.append(ids)

    def peil(self, vandaag: date) -> int:
        self.checked.append(vandaag)
        if self.check_fails:
            self.check_fails -= 1
            raise TransientError("store unavailable")
        return 3


class Broker(SentLog):
    def __init__(self) -> None:
        super().__init__()
        self.refuse: BaseException | None = None

    async def publish(self, message: bytes, topic: str, **kwargs: Any) -> None:
        if self.refuse is not None:
            raise self.refuse
        self.keep(message, topic, kwargs)


@dataclass
class Hub:
    worker: ProcessorWorker
    processor: Processor
    broker: Broker
    metrics: HubMetrics
    done: list[str]

    async def poll(self, *records: Record) -> Poll:
        poll = Poll()
        await self.worker.handle_batch(records, poll)  # type: ignore[arg-type]  # a stand-in for the KafkaMessage
        return poll

    def value(self, name: str, **labels: str) -> float:
        return self.metrics.registry.get_sample_value(name, labels) or 0.0


def make_hub(max_attempts: int = 2) -> Hub:
    processor, broker, metrics = Processor(), Broker(), HubMetrics(CollectorRegistry())
    done: list[str] = []
    worker = ProcessorWorker(
        processor,  # type: ignore[arg-type]  # a stand-in for the Processor
        {START: parse},
        broker,  # type: ignore[arg-type]  # a stand-in for the KafkaBroker
        TOPICS,
        metrics,
        max_attempts=max_attempts,
        backoff_seconds=0,
        on_done=done.append,
    )
    return Hub(worker, processor, broker, metrics, done)


def statusmelding(bericht_id: str) -> StatusmeldingVerstuurd:
    return StatusmeldingVerstuurd(
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, bericht_id),
        bericht_id=bericht_id,
        afzender="0200",
        ontvanger="GI",
        gemeente="0200",
        aanbieder="12345678",
        identificatie="ID1",
        dagtekening=date(2026, 11, 23),
        client="e" * 64,
        ontvangen_op=datetime(2026, 11, 23, tzinfo=UTC),
        bepaling_id="B1",
        status="01",
        status_datum=date(2026, 11, 23),
    )


def uitgaand(bericht_id: str, *, event: bool = True, key: str | None = "0200:GI") -> Uitgaand:
    return Uitgaand(bericht_id, "GI102", "GI", b"<GI102/>", key, statusmelding(bericht_id) if event else None)


# ---- handling a poll --------------------------------------------------------------------------------------


async def test_a_poll_of_events_is_one_transaction_acknowledged_once_and_timed_per_event() -> None:
    hub = make_hub()
    poll = await hub.poll(record("a" * 32), record("b" * 32, offset=18), record("c" * 32, offset=19))
    assert hub.processor.batches == [["a" * 32, "b" * 32, "c" * 32]] and hub.processor.one == []
    assert poll.calls == ["ack"]
    assert hub.done == ["a" * 32, "b" * 32, "c" * 32]
    assert hub.value("hub_processing_seconds_count", stage="processors") == 3


async def test_a_single_event_is_stored_alone() -> None:
    hub = make_hub()
    await hub.poll(record("a" * 32))
    assert hub.processor.one == ["a" * 32] and hub.processor.batches == []


async def test_an_unreadable_event_is_dead_lettered_with_its_source_and_no_key() -> None:
    hub = make_hub()
    poll = await hub.poll(Record(b"{}", (("bericht-id", b"f" * 32),)), record("a" * 32, offset=18))
    (letter,) = hub.broker.on(TOPICS.dead_letter)
    assert letter.key is None  # keyless: a source key may be personal data (a pseudonym, or a BSN)
    assert letter.headers == {
        "bericht-id": "f" * 32,
        "reason": "unreadable-event",
        "content-type": "application/json",
        "source-topic": START,
        "source-partition": "2",
        "source-offset": "17",
    }
    value = json.loads(letter.value)
    assert (value["reason"], value["bericht_id"], value["attempts"], value["raw_size"]) == (
        "unreadable-event",
        "f" * 32,
        1,
        2,
    )
    assert hub.value("hub_dead_letters_total", reason="unreadable-event") == 1
    assert hub.done == ["f" * 32, "a" * 32] and poll.calls == ["ack"]
    assert hub.processor.one == ["a" * 32]  # the readable one is stored all the same


async def test_an_event_of_a_topic_without_a_parser_is_unreadable_and_without_header_has_no_id() -> None:
    hub = make_hub()
    await hub.poll(Record(b"ev:x", (), topic="t.onbekend"))
    (letter,) = hub.broker.on(TOPICS.dead_letter)
    assert letter.headers["reason"] == "unreadable-event" and letter.headers["bericht-id"] == ""
    assert json.loads(letter.value)["bericht_id"] is None
    assert hub.done == [""]


async def test_a_poison_event_is_retried_max_attempts_times_then_dead_lettered_alone() -> None:
    hub = make_hub(max_attempts=3)
    hub.processor.batch_fails = [RuntimeError("poison in the batch")]
    hub.processor.poison = {"a" * 32}
    poll = await hub.poll(record("a" * 32), record("b" * 32, offset=18))
    assert hub.processor.one == ["a" * 32] * 3 + ["b" * 32]
    (letter,) = hub.broker.on(TOPICS.dead_letter)
    assert letter.headers["reason"] == "processor-failed" and letter.headers["source-offset"] == "17"
    value = json.loads(letter.value)
    assert (value["bericht_id"], value["attempts"], value["error"], value["raw_size"]) == (
        "a" * 32,
        3,
        "RuntimeError after 3 attempts",
        len(f"ev:{'a' * 32}"),
    )
    assert hub.value("hub_dead_letters_total", reason="processor-failed") == 1
    assert poll.calls == ["ack"] and hub.done == ["a" * 32, "b" * 32]


async def test_a_store_outage_for_one_event_is_waited_out_never_dead_lettered() -> None:
    hub = make_hub(max_attempts=1)
    real = hub.processor.verwerk
    outages = [TransientError("store unavailable")] * 3

    def verwerk(event: Event) -> bool:
        if outages:
            raise outages.pop()
        return real(event)

    hub.processor.verwerk = verwerk  # type: ignore[method-assign]  # an outage, then the store is back
    await hub.poll(record("a" * 32))
    assert hub.processor.one == ["a" * 32] and hub.broker.on(TOPICS.dead_letter) == []


async def test_a_broker_gone_while_dead_lettering_rewinds_the_poll() -> None:
    hub = make_hub()
    hub.broker.refuse = KafkaConnectionError("broker gone")
    poll = Poll()
    with pytest.raises(KafkaConnectionError):
        await hub.worker.handle_batch([Record(b"{}")], poll)  # type: ignore[arg-type]  # a stand-in
    assert poll.calls == ["nack"] and hub.done == []
    assert hub.value("hub_dead_letters_total", reason="unreadable-event") == 0


# ---- the statusmeldingen the processors made ---------------------------------------------------------------


async def test_statusmeldingen_go_out_on_the_retour_topic_with_their_event_then_are_marked() -> None:
    hub = make_hub()
    hub.processor.outbox = [uitgaand("1" * 32), uitgaand("2" * 32, event=False, key=None), uitgaand("3" * 32)]
    assert await hub.worker.verstuur() == 3

    retouren = hub.broker.on(TOPICS.retour)
    assert [r.headers for r in retouren] == [
        {"bericht-id": i * 32, "bericht": "GI102", "ontvanger": "GI", "content-type": "application/xml"}
        for i in "123"
    ]
    assert [r.key for r in retouren] == [b"0200:GI", None, b"0200:GI"]
    assert retouren[0].value == b"<GI102/>"
    events = hub.broker.on(TOPICS.normalised("gi.status"))
    assert [e.headers for e in events] == [
        {"bericht-id": i * 32, "event-type": "StatusmeldingVerstuurd", "content-type": "application/json"}
        for i in "13"
    ]
    assert {e.key for e in events} == {b"e" * 64}  # the event's own key: the client pseudonym
    assert json.loads(events[0].value)["bericht_id"] == "1" * 32
    assert hub.processor.sent == [["1" * 32, "2" * 32], ["3" * 32]]
    assert hub.value("hub_retour_total", bericht="GI102") == 3


async def test_a_poll_sends_what_the_processors_made_and_a_broken_send_waits_for_the_next() -> None:
    hub = make_hub()
    hub.processor.outbox = [uitgaand("1" * 32)]
    await hub.poll(record("a" * 32))
    assert len(hub.broker.on(TOPICS.retour)) == 1

    hub.processor.outbox = [uitgaand("2" * 32)]
    hub.broker.refuse = KafkaConnectionError("broker gone")
    poll = await hub.poll(record("b" * 32))
    assert poll.calls == ["ack"]  # the event is stored; the statusmelding waits, unsent
    assert hub.processor.sent == [["1" * 32]]


async def test_the_periodic_check_sends_what_it_made_and_its_loop_outlives_a_failed_round() -> None:
    hub = make_hub()
    hub.processor.outbox = [uitgaand("1" * 32)]
    assert await hub.worker.peil(date(2027, 1, 15)) == 3
    assert hub.processor.checked == [date(2027, 1, 15)] and hub.processor.sent == [["1" * 32]]

    hub.processor.check_fails = 1
    loop = asyncio.create_task(hub.worker.peil_lus(0, lambda: date(2027, 1, 16)))
    for _ in range(500):  # the check runs in a worker thread: real time passes
        await asyncio.sleep(0.01)
        if len(hub.processor.checked) >= 3:
            break
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
    assert hub.processor.checked[1:3] == [date(2027, 1, 16)] * 2  # a failed round, then the next


class Consumer:
    """An AIOKafkaConsumer as observe_lag reads it: one partition, 3 records behind."""

    def assignment(self) -> set[TopicPartition]:
        return {TopicPartition(START, 2)}

    def highwater(self, tp: TopicPartition) -> int:
        return 20

    async def position(self, tp: TopicPartition) -> int:
        return 17


async def test_after_a_poll_the_lag_of_the_processors_group_is_observed_and_on_done_is_optional() -> None:
    hub = make_hub()
    hub.worker.on_done = None  # the service (not `hub process`) has no one waiting
    poll = Poll()
    poll.consumer = Consumer()  # type: ignore[attr-defined]  # what FastStream's KafkaMessage carries
    await hub.worker.handle_batch([record("a" * 32)], poll)  # type: ignore[arg-type]  # a stand-in
    assert poll.calls == ["ack"]
    lag = hub.value("hub_consumer_lag", group="t-hub-processors", topic=START, partition="2")
    assert lag == 3


async def test_a_poll_of_unreadable_events_only_opens_no_transaction() -> None:
    hub = make_hub()
    await hub.poll(Record(b"{}"), Record(b"[]", offset=18))
    assert hub.processor.batches == [] and hub.processor.one == []
    assert len(hub.broker.on(TOPICS.dead_letter)) == 2


async def test_the_periodic_check_waits_its_interval_between_rounds() -> None:
    hub = make_hub()
    loop = asyncio.create_task(hub.worker.peil_lus(60, lambda: date(2027, 1, 16)))
    await asyncio.sleep(0.3)
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
    assert hub.processor.checked == [date(2027, 1, 16)]
