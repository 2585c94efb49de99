"""The intake worker's retries, metrics, log lines and records at their edges: what the second mutation pass over
consumers/intake.py found no test holding.

Outages of the store or the broker are waited out with a growing backoff and never dead-letter a message
(docs/operations.md 2); a poison message backs off by its own count of failures; each retry logs its `error`
(and `attempt`) as docs/operations.md 9 names them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from faststream.kafka import KafkaBroker, TestKafkaBroker
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from consumers.broker import BrokerSettings
from consumers.intake import IntakeWorker, bericht_id_for, received_at_for, register_intake
from hub.errors import TransientError
from hub.metrics import HubMetrics
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.topics import Topics
from tests.consumers.standins import Poll, SentLog
from tests.hub.intake_helpers import new_intake

ID_A = "a" * 32
ID_B = "b" * 32
KEY = b"0200:12345678"
INBOUND, RETOUR, DEAD, TOEWIJZING = (
    "t.berichten.inkomend",
    "t.retourberichten",
    "t.dead-letter",
    "t.toewijzing",
)
# Eight outages in a row at a base of 0.1 s: doubling from twice the base, six doublings at most.
OUTAGE_BACKOFF = [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 6.4, 6.4]


@dataclass(frozen=True)
class Record:
    """An aiokafka ConsumerRecord as the worker reads it."""

    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] | None = ()
    offset: int = 0
    key: bytes | None = KEY
    partition: int = 0
    timestamp: int = 0
    topic: str = INBOUND


def with_id(raw: bytes, bericht_id: str, **fields: Any) -> Record:
    return Record(raw, (("bericht-id", bericht_id.encode()),), **fields)


class Confirmed:
    """The RecordMetadata KafkaBroker.publish returns once the broker confirmed (no_confirm=False)."""


class Broker(SentLog):
    """As KafkaBroker.publish: with no_confirm=True a future to await, else the confirmation itself.

    `refuse(topic)` gives the exception a publish on that topic raises now, or None.
    """

    def __init__(self, refuse: Callable[[str], BaseException | None] = lambda topic: None) -> None:
        super().__init__()
        self.refuse = refuse

    async def publish(self, message: Any, topic: str, **kwargs: Any) -> Any:
        refused = self.refuse(topic)
        if refused is not None:
            raise refused
        self.keep(message, topic, kwargs)
        if not kwargs.get("no_confirm"):
            return Confirmed()
        confirmed: asyncio.Future[Confirmed] = asyncio.get_running_loop().create_future()
        confirmed.set_result(Confirmed())
        return confirmed


@dataclass
class Hub:
    worker: IntakeWorker
    broker: Broker
    metrics: HubMetrics
    marked: list[tuple[str, ...]]
    done: list[str]

    async def poll(self, *records: Record) -> list[str]:
        """handle_batch on these records; what the poll was told (ack, nack)."""
        poll = Poll()
        await self.worker.handle_batch(list(records), poll)  # type: ignore[arg-type]  # a stand-in
        return poll.calls

    def value(self, name: str, **labels: str) -> float:
        return self.metrics.registry.get_sample_value(name, labels) or 0.0


def make_hub(db: Engine, *, max_attempts: int = 1, backoff: float = 0.0, broker: Broker | None = None) -> Hub:
    intake = new_intake(db)
    marked: list[tuple[str, ...]] = []
    done: list[str] = []

    def mark(*ids: str) -> None:
        marked.append(ids)
        intake.mark_published(*ids)

    metrics = HubMetrics(CollectorRegistry())
    worker = IntakeWorker(
        intake=intake,
        broker=broker or Broker(),  # type: ignore[arg-type]  # a stand-in for the KafkaBroker
        topics=Topics("t."),
        metrics=metrics,
        mark_published=mark,
        max_attempts=max_attempts,
        backoff_seconds=backoff,
        on_done=done.append,
    )
    return Hub(worker, worker.broker, metrics, marked, done)  # type: ignore[arg-type]  # the stand-in


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The backoffs the worker sleeps, kept instead of slept."""
    kept: list[float] = []
    real = asyncio.sleep

    async def sleep(delay: float) -> None:
        kept.append(delay)
        await real(0)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    return kept


def warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "hub.intake" and r.levelno == logging.WARNING]


def jw301() -> bytes:
    return to_xml("JW301", spec("JW301"))


def ids(sent: list[Any]) -> list[str]:
    return [s.headers["bericht-id"] for s in sent]


# ---- the records a poll is read from ------------------------------------------------------------------------


def test_headers_that_are_absent_repeated_or_not_utf8_are_read_without_failing() -> None:
    before = datetime.now(UTC)
    bare = Record(b"", None, offset=3)  # a record without any header list
    assert bericht_id_for(bare) == bericht_id_for(Record(b"", offset=3))
    assert received_at_for(bare) >= before
    garbled = Record(b"", (("bericht-id", b"\xff" * 32), ("ontvangen-op", b"\xff2026-11-23")), offset=3)
    assert bericht_id_for(garbled) == bericht_id_for(bare)  # not the hub's form: derived
    assert received_at_for(garbled) >= before
    repeated = Record(b"", (("bericht-id", b""), ("bericht-id", ID_A.encode())))
    assert bericht_id_for(repeated) == ID_A  # the first value that is there


async def test_a_poll_is_judged_in_the_order_sent_across_partitions(db: Engine) -> None:
    hub = make_hub(db)
    late = with_id(jw301(), ID_A, partition=1, timestamp=20)
    early = with_id(to_xml("JW305", spec("JW305")), ID_B, partition=0, timestamp=10)
    assert await hub.poll(late, early) == ["ack"]
    assert ids(hub.broker.on(RETOUR)) == [ID_B, ID_A]
    assert hub.done == [ID_B, ID_A]


async def test_a_record_without_a_value_is_malformed_not_a_poison_message(db: Engine) -> None:
    hub = make_hub(db)
    assert await hub.poll(Record(None, (("bericht-id", ID_A.encode()),))) == ["ack"]
    (letter,) = hub.broker.on(DEAD)
    assert letter.headers["reason"] == "malformed"
    assert json.loads(letter.value)["raw_size"] == 0


# ---- retries: outages waited out, poison messages backed off ------------------------------------------------


async def test_a_store_outage_while_judging_the_poll_is_waited_out(
    db: Engine, monkeypatch: pytest.MonkeyPatch, waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    hub = make_hub(db, backoff=0.1)
    real = hub.worker.intake.verwerk_batch
    calls: list[int] = []

    def down_for_a_while(items: Any) -> Any:
        calls.append(len(items))
        if len(calls) <= 8:
            raise TransientError("store unreachable")
        return real(items)

    monkeypatch.setattr(hub.worker.intake, "verwerk_batch", down_for_a_while)
    caplog.set_level(logging.WARNING, logger="hub.intake")
    assert await hub.poll(with_id(jw301(), ID_A)) == ["ack"]
    assert calls == [1] * 9  # the poll each time, never its messages one by one
    assert waits == pytest.approx(OUTAGE_BACKOFF)
    assert ids(hub.broker.on(RETOUR)) == [ID_A]
    lines = [(r.getMessage(), r.error, r.batch) for r in warnings(caplog)]  # type: ignore[attr-defined]
    assert lines == [("dependency unavailable, retrying", "TransientError", 1)] * 8


async def test_an_outage_while_judging_a_message_alone_never_dead_letters_it(
    db: Engine, monkeypatch: pytest.MonkeyPatch, waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    """docs/operations.md 2: outages are retried without limit, also beyond HUB_MAX_ATTEMPTS."""
    hub = make_hub(db, backoff=0.1, max_attempts=1)
    real = hub.worker.intake.verwerk_batch
    outages = [TransientError("store"), KafkaConnectionError("broker")] * 4
    calls: list[int] = []

    def flaky(items: Any) -> Any:
        calls.append(len(items))
        if len(calls) == 1:
            raise RuntimeError("the poll fails")  # so its message is judged alone
        if outages:
            raise outages.pop(0)
        return real(items)

    monkeypatch.setattr(hub.worker.intake, "verwerk_batch", flaky)
    caplog.set_level(logging.WARNING, logger="hub.intake")
    assert await hub.poll(with_id(jw301(), ID_A)) == ["ack"]
    assert not hub.broker.on(DEAD)
    assert ids(hub.broker.on(RETOUR)) == [ID_A]
    assert waits == pytest.approx(OUTAGE_BACKOFF)
    first, *retries = warnings(caplog)
    assert (first.getMessage(), first.error) == (  # type: ignore[attr-defined]
        "batch failed, handling its messages one by one",
        "RuntimeError",
    )
    assert [(r.getMessage(), r.bericht_id, r.error) for r in retries] == [  # type: ignore[attr-defined]
        ("dependency unavailable, retrying", ID_A, "TransientError"),
        ("dependency unavailable, retrying", ID_A, "KafkaConnectionError"),
    ] * 4


async def test_a_poison_message_backs_off_by_its_failures_and_logs_each_attempt(
    db: Engine, monkeypatch: pytest.MonkeyPatch, waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    hub = make_hub(db, backoff=0.1, max_attempts=4)

    def poison(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("poison")

    monkeypatch.setattr(hub.worker.intake, "verwerk_batch", poison)
    caplog.set_level(logging.WARNING, logger="hub.intake")
    assert await hub.poll(with_id(jw301(), ID_A)) == ["ack"]
    assert waits == pytest.approx([0.1, 0.2, 0.4])  # none after the last attempt: the dead letter goes out
    assert ids(hub.broker.on(DEAD)) == [ID_A]
    failed = [r for r in warnings(caplog) if r.getMessage() == "processing failed"]
    assert [(r.bericht_id, r.attempt, r.error) for r in failed] == [  # type: ignore[attr-defined]
        (ID_A, n, "ValueError") for n in (1, 2, 3, 4)
    ]


async def test_a_broker_outage_while_publishing_is_waited_out_and_counted_once(
    db: Engine, waits: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    refusals = iter(range(8))
    broker = Broker(lambda topic: KafkaConnectionError("gone") if next(refusals, None) is not None else None)
    hub = make_hub(db, backoff=0.1, broker=broker)
    caplog.set_level(logging.WARNING, logger="hub.intake")
    assert await hub.poll(with_id(jw301(), ID_A), with_id(b"<not-ijw/>", ID_B, offset=1)) == ["ack"]
    assert waits == pytest.approx(OUTAGE_BACKOFF)
    assert ids(hub.broker.on(RETOUR)) == [ID_A] and ids(hub.broker.on(DEAD)) == [ID_B]
    assert hub.marked == [(ID_A, ID_B)]
    assert hub.value("hub_messages_total", bericht="JW301", outcome="accepted") == 1
    assert hub.value("hub_retour_total", bericht="JW302") == 1
    assert hub.value("hub_dead_letters_total", reason="malformed") == 1
    lines = [(r.getMessage(), r.error, r.batch) for r in warnings(caplog)]  # type: ignore[attr-defined]
    assert lines == [("dependency unavailable, retrying", "KafkaConnectionError", 2)] * 8


# ---- metrics -------------------------------------------------------------------------------------------------


async def test_processing_seconds_split_the_polls_time_over_its_messages(db: Engine) -> None:
    hub = make_hub(db)
    start = time.perf_counter()
    await hub.poll(with_id(jw301(), ID_A), with_id(b"<not-ijw/>", ID_B, offset=1))
    took = time.perf_counter() - start
    intake = hub.value("hub_processing_seconds_sum", stage="intake")
    publish = hub.value("hub_processing_seconds_sum", stage="publish")
    assert hub.value("hub_processing_seconds_count", stage="intake") == 2
    assert 0 < publish <= intake <= took  # the two observations add up to the poll, publishing included


async def test_a_resend_is_answered_again_but_counts_no_new_retour_nor_dead_letter(db: Engine) -> None:
    hub = make_hub(db)
    await hub.poll(with_id(jw301(), ID_A))
    await hub.poll(with_id(jw301(), ID_B, offset=1))  # the same bytes under a new id
    assert ids(hub.broker.on(RETOUR)) == [ID_A, ID_B]
    assert hub.value("hub_messages_total", bericht="JW301", outcome="duplicate") == 1
    assert hub.value("hub_retour_total", bericht="JW302") == 1  # produced once; the resend repeats it
    assert hub.value("hub_dead_letters_total", reason="malformed") == 0


# ---- what a result lacks is left out ------------------------------------------------------------------------


async def test_a_retour_goes_out_only_with_its_xml_and_type_and_an_event_without_key_unkeyed(
    db: Engine,
) -> None:
    hub = make_hub(db)
    accepted = hub.worker.intake.verwerk(jw301(), bericht_id=ID_A)
    # A resend answered after the retention cleared the retour's XML, and a result without its retour type.
    await hub.worker.publish_many([replace(accepted, retour=None)], [KEY])
    await hub.worker.publish_many([replace(accepted, retour_bericht=None)], [KEY])
    assert not hub.broker.on(RETOUR)
    assert len(hub.broker.on(TOEWIJZING)) == 2

    await hub.worker.publish_many([replace(accepted, retour_ontvanger=None, key=None)], [KEY])
    (retour,) = hub.broker.on(RETOUR)
    assert retour.headers["ontvanger"] == ""
    assert hub.broker.on(TOEWIJZING)[-1].key is None  # no pseudonym: no key (docs/operations.md 2), not b""


# ---- the dead letter of a poison message ---------------------------------------------------------------------


async def test_a_dead_letter_is_first_seen_when_the_door_received_the_message(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = make_hub(db)

    def poison(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("poison")

    monkeypatch.setattr(hub.worker.intake, "verwerk_batch", poison)
    sent = datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    headers = (("bericht-id", ID_A.encode()), ("ontvangen-op", sent.isoformat().encode()))
    await hub.poll(Record(jw301(), headers))
    (letter,) = hub.broker.on(DEAD)
    assert datetime.fromisoformat(json.loads(letter.value)["first_seen"]) == sent


async def test_a_message_recorded_before_it_failed_to_publish_is_not_marked_published(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its record (accepted, retour and event not out) stays as it is: marking it would claim the event went out."""

    def refuse(topic: str) -> BaseException | None:
        return RuntimeError("event refused") if topic == TOEWIJZING else None

    hub = make_hub(db, max_attempts=2, broker=Broker(refuse))
    real = hub.worker.intake.verwerk_batch
    calls: list[int] = []

    def poll_fails(items: Any) -> Any:
        calls.append(len(items))
        if len(calls) == 1:
            raise RuntimeError("the poll fails")
        return real(items)

    monkeypatch.setattr(hub.worker.intake, "verwerk_batch", poll_fails)
    assert await hub.poll(with_id(jw301(), ID_A)) == ["ack"]
    assert ids(hub.broker.on(DEAD)) == [ID_A]
    assert hub.marked == []


async def test_a_dead_letter_without_answer_or_mark_is_logged_and_the_poll_moves_on(
    db: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    hub = make_hub(db)

    def poison(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("poison")

    def validator_fails(*args: Any, **kwargs: Any) -> Any:
        raise LookupError("the validator fails too")

    monkeypatch.setattr(hub.worker.intake, "verwerk_batch", poison)
    monkeypatch.setattr(hub.worker.intake, "dead_letter", validator_fails)
    caplog.set_level(logging.WARNING, logger="hub.intake")
    assert await hub.poll(with_id(jw301(), ID_A)) == ["ack"]
    assert ids(hub.broker.on(DEAD)) == [ID_A] and not hub.broker.on(RETOUR)
    (line,) = [r for r in warnings(caplog) if r.getMessage().startswith("dead letter")]
    assert (line.getMessage(), line.bericht_id, line.error) == (  # type: ignore[attr-defined]
        "dead letter not answered: no 0001 retour and no record",
        ID_A,
        "LookupError",
    )

    # Answered and recorded, but the store is gone when it is to be marked published.
    caplog.clear()
    monkeypatch.undo()
    monkeypatch.setattr(hub.worker.intake, "verwerk_batch", poison)

    def store_gone(*bericht_ids: str) -> None:
        raise TransientError("store unreachable")

    hub.worker.mark_published = store_gone
    assert await hub.poll(with_id(jw301(), ID_B, offset=1)) == ["ack"]
    assert ids(hub.broker.on(RETOUR)) == [ID_B]  # the 0001 retour
    (line,) = [r for r in warnings(caplog) if r.getMessage().startswith("dead letter")]
    assert (line.getMessage(), line.bericht_id, line.error) == (  # type: ignore[attr-defined]
        "dead letter not marked published",
        ID_B,
        "TransientError",
    )


# ---- the log line of a judged message -----------------------------------------------------------------------


async def test_the_judged_line_names_the_identificatie_and_the_rules(
    db: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    hub = make_hub(db)
    caplog.set_level(logging.INFO, logger="hub.intake")
    raw = jw301()
    await hub.poll(with_id(raw, ID_A), with_id(b"<not-ijw/>", ID_B, offset=1))
    lines = [r for r in caplog.records if r.getMessage() == "bericht beoordeeld"]
    judged = {r.bericht_id: r for r in lines}  # type: ignore[attr-defined]
    accepted, malformed = judged[ID_A], judged[ID_B]
    identificatie: str = accepted.identificatie  # type: ignore[attr-defined]
    assert identificatie and f":Identificatie>{identificatie}</".encode() in raw
    assert (accepted.rules, malformed.rules) == ([], ["XML"])  # type: ignore[attr-defined]
    assert malformed.identificatie is None  # type: ignore[attr-defined]


# ---- the subscription --------------------------------------------------------------------------------------


async def test_the_subscription_hands_each_poll_to_one_worker_made_on_first_use(db: Engine) -> None:
    kafka = KafkaBroker()
    topics = Topics("t.")
    made: list[Hub] = []

    def factory() -> IntakeWorker:
        made.append(make_hub(db))
        return made[-1].worker

    register_intake(kafka, factory, topics, BrokerSettings())
    assert not made  # made when the first poll comes, not at registration
    async with TestKafkaBroker(kafka) as br:
        await br.publish(jw301(), topics.inbound, key=KEY, headers={"bericht-id": ID_A})
        await br.publish(b"<not-ijw/>", topics.inbound, key=KEY, headers={"bericht-id": ID_B})
    (hub,) = made
    assert hub.done == [ID_A, ID_B]
    assert ids(hub.broker.on(RETOUR)) == [ID_A] and ids(hub.broker.on(DEAD)) == [ID_B]
