"""The intake worker's records on the wire as docs/operations.md's topic table states them: header names, keys,
topics, the dead letter's source headers, what is marked published and counted, and the order ack after handling.

Found by a mutation pass over consumers/intake.py: each test holds a promise no other test held.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from aiokafka import TopicPartition
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from consumers.intake import IntakeWorker, bericht_id_for, in_ontvangstvolgorde, received_at_for
from hub.metrics import HubMetrics
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.topics import Topics
from tests.consumers.standins import Poll, SentLog
from tests.hub.intake_helpers import new_intake

ID_A = "a" * 32
ID_B = "b" * 32
KEY = b"0200:12345678"
RETOUR, DEAD = "t.retourberichten", "t.dead-letter"


@dataclass(frozen=True)
class Record:
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()
    offset: int = 0
    key: bytes | None = KEY
    partition: int = 0
    timestamp: int = 0
    topic: str = "t.berichten.inkomend"


class Published(SentLog):
    """A broker stand-in that keeps what the worker publishes, confirmed at once."""

    def __init__(self, log: list[str] | None = None) -> None:
        super().__init__()
        self.log = log if log is not None else []

    async def publish(self, message: Any, topic: str, **kwargs: Any) -> asyncio.Future[None]:
        self.keep(message, topic, kwargs)
        self.log.append(f"publish {topic}")
        confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        confirmed.set_result(None)
        return confirmed


@dataclass
class Hub:
    worker: IntakeWorker
    broker: Published
    metrics: HubMetrics
    marked: list[tuple[str, ...]]
    done: list[str]
    log: list[str]

    async def poll(self, *records: Record) -> None:
        await self.worker.handle_batch(list(records), Poll(self.log))  # type: ignore[arg-type]  # a stand-in

    def value(self, name: str, **labels: str) -> float:
        got = self.metrics.registry.get_sample_value(name, labels)
        return got or 0.0


def make_hub(db: Engine, *, max_attempts: int = 1) -> Hub:
    log: list[str] = []
    broker = Published(log)
    metrics = HubMetrics(CollectorRegistry())
    marked: list[tuple[str, ...]] = []
    done: list[str] = []

    intake = new_intake(db)

    def mark(*ids: str) -> None:
        marked.append(ids)
        log.append("mark")
        intake.mark_published(*ids)

    worker = IntakeWorker(
        intake=intake,
        broker=broker,  # type: ignore[arg-type]  # a stand-in for the KafkaBroker
        topics=Topics("t."),
        metrics=metrics,
        mark_published=mark,
        max_attempts=max_attempts,
        backoff_seconds=0,
        on_done=done.append,
    )
    return Hub(worker, broker, metrics, marked, done, log)


def jw301() -> bytes:
    return to_xml("JW301", spec("JW301"))


# ---- the headers a door sets (docs/operations.md 2: the names are the contract) --------------------------


def test_the_doors_headers_are_named_bericht_id_and_ontvangen_op() -> None:
    sent = datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    record = Record(b"", ((("ontvangen-op", sent.isoformat().encode())), ("bericht-id", ID_A.encode())))
    assert bericht_id_for(record) == ID_A
    assert received_at_for(record) == sent


def test_an_empty_header_value_is_as_if_absent() -> None:
    before = datetime.now(UTC)
    record = Record(b"", (("bericht-id", b""), ("ontvangen-op", b"")), offset=4)
    assert bericht_id_for(record) == bericht_id_for(Record(b"", offset=4))
    assert received_at_for(record) >= before


def test_records_of_two_partitions_are_merged_by_timestamp() -> None:
    late = Record(b"1", partition=0, timestamp=20)
    early = Record(b"2", partition=1, timestamp=10)
    assert [r.value for r in in_ontvangstvolgorde([late, early])] == [b"2", b"1"]


# ---- an accepted message: retour and event, marked, counted, then acknowledged ---------------------------


async def test_an_accepted_message_goes_out_with_the_documented_headers_and_keys(db: Engine) -> None:
    hub = make_hub(db)
    await hub.poll(Record(jw301(), (("bericht-id", ID_A.encode()),)))

    (retour,) = hub.broker.on(RETOUR)
    assert retour.key == KEY  # the heenbericht's key
    assert retour.headers == {
        "bericht-id": ID_A,
        "bericht": "JW302",
        "ontvanger": retour.headers["ontvanger"],
        "content-type": "application/xml",
    }
    assert retour.headers["ontvanger"]  # the heenbericht's Afzender
    (event,) = hub.broker.on("t.toewijzing")
    assert event.headers == {
        "bericht-id": ID_A,
        "event-type": "ToewijzingOntvangen",
        "content-type": "application/json",
    }
    assert event.key is not None and len(event.key) == 64  # the client pseudonym
    assert not hub.broker.on(DEAD)

    assert hub.marked == [(ID_A,)]
    assert hub.log == ["publish t.retourberichten", "publish t.toewijzing", "mark", "ack"]
    assert hub.done == [ID_A]
    assert hub.value("hub_messages_total", bericht="JW301", outcome="accepted") == 1
    assert hub.value("hub_retour_total", bericht="JW302") == 1
    assert hub.value("hub_processing_seconds_count", stage="intake") == 1
    assert hub.value("hub_processing_seconds_count", stage="publish") == 1


async def test_a_redelivered_poll_publishes_nothing_again_and_counts_a_duplicate(db: Engine) -> None:
    hub = make_hub(db)
    record = Record(jw301(), (("bericht-id", ID_A.encode()),))
    await hub.poll(record)
    first = len(hub.broker.sent)
    await hub.poll(record)

    assert len(hub.broker.sent) == first
    assert hub.marked == [(ID_A,)]  # nothing fresh to mark the second time
    assert hub.value("hub_messages_total", bericht="JW301", outcome="accepted") == 1
    assert hub.value("hub_messages_total", bericht="JW301", outcome="duplicate") == 1
    assert hub.value("hub_retour_total", bericht="JW302") == 1
    assert hub.done == [ID_A, ID_A]


async def test_an_empty_poll_is_not_acknowledged_nor_counted(db: Engine) -> None:
    hub = make_hub(db)
    await hub.poll()
    assert hub.log == [] and hub.done == []


# ---- a malformed message: its dead letter, without source headers ---------------------------------------


async def test_a_malformed_message_is_dead_lettered_with_reason_malformed(db: Engine) -> None:
    hub = make_hub(db)
    await hub.poll(Record(b"<not-ijw/>", (("bericht-id", ID_B.encode()),), offset=9))

    (letter,) = hub.broker.on(DEAD)
    assert letter.key is None  # keyless: the source key is whatever its producer chose (a BSN, say)
    assert letter.headers == {"bericht-id": ID_B, "reason": "malformed", "content-type": "application/json"}
    assert b'"reason":"malformed"' in letter.value and b'"attempts":1' in letter.value
    assert b"not-ijw" not in letter.value  # never the content
    assert not hub.broker.on(RETOUR)
    assert hub.marked == [(ID_B,)]
    assert hub.value("hub_dead_letters_total", reason="malformed") == 1
    assert hub.value("hub_messages_total", bericht="onbekend", outcome="malformed") == 1
    assert hub.log[-1] == "ack"


async def test_a_redelivered_malformed_message_is_dead_lettered_and_counted_once(db: Engine) -> None:
    """A replay after a crash must not grow hub_dead_letters_total: the alert on any dead letter would fire again."""
    hub = make_hub(db)
    record = Record(b"<not-ijw/>", (("bericht-id", ID_B.encode()),), offset=9)
    await hub.poll(record)
    await hub.poll(record)

    assert len(hub.broker.on(DEAD)) == 1
    assert hub.value("hub_dead_letters_total", reason="malformed") == 1
    assert hub.value("hub_messages_total", bericht="onbekend", outcome="malformed") == 1


# ---- a poison message: dead letter with its source, then record, 0001 retour, marked ----------------------


async def test_a_poison_message_is_dead_lettered_with_its_source_and_answered_0001(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = make_hub(db, max_attempts=2)
    calls: list[str] = []

    def poison(*args: Any, **kwargs: Any) -> Any:
        calls.append("judge")
        raise RuntimeError("poison")

    monkeypatch.setattr(hub.worker.intake, "verwerk_batch", poison)
    monkeypatch.setattr(hub.worker.intake, "verwerk", poison)
    await hub.poll(Record(jw301(), (("bericht-id", ID_A.encode()),), offset=41, partition=3))

    assert calls == ["judge"] * 3  # the batch once, then the message alone: max_attempts=2
    (letter,) = hub.broker.on(DEAD)
    assert letter.key is None
    assert letter.headers == {
        "bericht-id": ID_A,
        "reason": "processing-failed",
        "content-type": "application/json",
        "source-topic": "t.berichten.inkomend",
        "source-partition": "3",
        "source-offset": "41",
    }
    assert b'"attempts":2' in letter.value and b"RuntimeError after 2 attempts" in letter.value
    (retour,) = hub.broker.on(RETOUR)
    assert retour.key == KEY
    assert b">0001</" in retour.value
    assert retour.headers["bericht-id"] == ID_A and retour.headers["bericht"] == "JW302"
    assert retour.headers["ontvanger"] and retour.headers["content-type"] == "application/xml"
    assert hub.log == ["publish t.dead-letter", "publish t.retourberichten", "mark", "ack"]
    assert hub.marked == [(ID_A,)]
    assert hub.value("hub_dead_letters_total", reason="processing-failed") == 1
    assert hub.value("hub_retour_total", bericht="JW302") == 1

    # Redelivered (a crash before the commit): recognised from its record, not judged again.
    calls.clear()
    await hub.poll(Record(jw301(), (("bericht-id", ID_A.encode()),), offset=41, partition=3))
    assert calls == ["judge"]  # the batch only; the message alone is answered from its record
    assert len(hub.broker.on(DEAD)) == 1


async def test_a_poison_message_is_retried_max_attempts_times_before_the_dead_letter(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = make_hub(db, max_attempts=3)
    alone: list[str] = []

    def poison(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("poison")

    def poison_one(*args: Any, **kwargs: Any) -> Any:
        alone.append("judge")
        raise RuntimeError("poison")

    monkeypatch.setattr(hub.worker.intake, "verwerk_batch", poison)
    monkeypatch.setattr(hub.worker.intake, "verwerk", poison_one)
    await hub.poll(Record(jw301(), (("bericht-id", ID_A.encode()),)))
    assert alone == ["judge"] * 3
    assert len(hub.broker.on(DEAD)) == 1


# ---- one log line per judged message (docs/operations.md: correlation fields, never content) ------------


async def test_each_judged_message_logs_one_line_with_its_correlation_fields(
    db: Engine, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = make_hub(db)
    caplog.set_level(logging.INFO, logger="hub.intake")
    await hub.poll(Record(jw301(), (("bericht-id", ID_A.encode()),)), Record(b"<not-ijw/>", offset=1))
    judged = [r for r in caplog.records if r.getMessage() == "bericht beoordeeld"]
    assert [(r.bericht_id, r.bericht, r.outcome) for r in judged] == [  # type: ignore[attr-defined]
        (ID_A, "JW301", "accepted"),
        (bericht_id_for(Record(b"", offset=1)), None, "malformed"),
    ]

    # The one-by-one path (the batch failed) logs each message as well.
    caplog.clear()
    real = hub.worker.intake.verwerk_batch
    calls: list[int] = []

    def fails_once(items: Any) -> Any:
        calls.append(len(items))
        if len(calls) == 1:
            raise RuntimeError("the batch fails")
        return real(items)

    monkeypatch.setattr(hub.worker.intake, "verwerk_batch", fails_once)
    await hub.poll(Record(jw301(), (("bericht-id", ID_B.encode()),), offset=2))
    judged = [r for r in caplog.records if r.getMessage() == "bericht beoordeeld"]
    assert calls == [1, 1]  # the batch, then the message alone
    assert [(r.bericht_id, r.redelivered) for r in judged] == [(ID_B, False)]  # type: ignore[attr-defined]


async def test_a_poison_message_in_a_poll_leaves_the_others_judged_and_published_alone(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = make_hub(db)
    real = hub.worker.intake.verwerk_batch

    def poison_a(items: Any) -> Any:
        if any(item.bericht_id == ID_A for item in items):
            raise RuntimeError("poison")
        return real(items)

    monkeypatch.setattr(hub.worker.intake, "verwerk_batch", poison_a)
    other = to_xml("JW301", spec("JW301"))
    await hub.poll(
        Record(jw301(), (("bericht-id", ID_A.encode()),)),
        Record(other, (("bericht-id", ID_B.encode()),), offset=1),
    )
    assert [s.headers["bericht-id"] for s in hub.broker.on(DEAD)] == [ID_A]
    assert sorted(s.headers["bericht-id"] for s in hub.broker.on(RETOUR)) == [ID_A, ID_B]  # A's is the 0001
    assert [s.headers["bericht-id"] for s in hub.broker.on("t.toewijzing")] == [ID_B]
    assert (ID_B,) in hub.marked and hub.log[-1] == "ack"
    assert hub.done == [ID_A, ID_B]


class Confirming(Published):
    """A broker whose confirmations come a little later, as a real one's do."""

    async def publish(self, message: Any, topic: str, **kwargs: Any) -> asyncio.Future[None]:
        self.keep(message, topic, kwargs)
        confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def confirm() -> None:
            self.log.append(f"confirmed {topic}")
            confirmed.set_result(None)

        asyncio.get_running_loop().call_later(0.05, confirm)
        return confirmed


async def test_a_message_is_marked_published_only_once_the_broker_confirmed_it(db: Engine) -> None:
    hub = make_hub(db)
    hub.worker.broker = hub.broker = Confirming(hub.log)  # type: ignore[assignment]  # a stand-in
    await hub.poll(Record(jw301(), (("bericht-id", ID_A.encode()),)))
    assert hub.log == ["confirmed t.retourberichten", "confirmed t.toewijzing", "mark", "ack"]


class Consumer:
    """An AIOKafkaConsumer as observe_lag reads it: one partition, 5 records behind."""

    def assignment(self) -> set[TopicPartition]:
        return {TopicPartition("t.berichten.inkomend", 0)}

    def highwater(self, tp: TopicPartition) -> int:
        return 12

    async def position(self, tp: TopicPartition) -> int:
        return 7


async def test_after_a_poll_the_lag_of_the_intake_group_is_observed_and_on_done_is_optional(
    db: Engine,
) -> None:
    hub = make_hub(db)
    hub.worker.on_done = None  # the service (not `hub process`) has no one waiting
    poll = Poll(hub.log)
    poll.consumer = Consumer()  # type: ignore[attr-defined]  # what FastStream's KafkaMessage carries
    await hub.worker.handle_batch([Record(jw301())], poll)  # type: ignore[arg-type]  # a stand-in
    assert hub.log[-1] == "ack"
    lag = hub.value("hub_consumer_lag", group="t-hub-intake", topic="t.berichten.inkomend", partition="0")
    assert lag == 5
