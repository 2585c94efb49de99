"""A message that ends the intake process is counted in the store and dead-lettered after HUB_MAX_ATTEMPTS starts.

Each run below is one process: a fresh IntakeWorker on the same store, handed the poll the group redelivers from its
committed offset. The process dying is an exception no `except Exception` catches: nothing of the worker runs after
it (no dead letter, no rewind, no acknowledgement), as after an OOM kill.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from lxml import etree
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine, select

from consumers.intake import IntakeWorker
from hub.errors import TransientError
from hub.events.models import DeadLetter
from hub.intake import DeadLettered, Inbound, Intake, IntakeResult
from hub.metrics import HubMetrics
from hub.store import attempts
from hub.store.attempts import IntakeAttemptRecord
from hub.store.tables import BerichtRecord, table_of
from hub.topics import Topics
from tests.consumers.standins import Poll, SentLog
from tests.faults.stream import PAIRS, Bericht, coherent_stream
from tests.hub.intake_helpers import new_intake

MAX_ATTEMPTS = 3
INBOUND, RETOUR, DEAD = "t.berichten.inkomend", "t.retourberichten", "t.dead-letter"
FIRST_OFFSET = 10


class Killed(BaseException):
    """The process ends here: an OOM kill, a segfault in a C library, a liveness kill."""


class Broker(SentLog):
    async def publish(self, message: Any, topic: str, **kwargs: Any) -> asyncio.Future[None]:
        self.keep(message, topic, kwargs)
        confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        confirmed.set_result(None)
        return confirmed


class Deadly(Intake):
    """The real intake, except that judging `deadly` (and, with `answer_kills`, answering it) ends the process."""

    def __init__(self, base: Intake, deadly: bytes, *, answer_kills: bool = False) -> None:
        super().__init__(base.validator, base.sessions, base.pseudonym, clock=base.clock, now=base.now)
        self.deadly = deadly
        self.answer_kills = answer_kills
        self.calls: list[str] = []

    def verwerk_batch(self, items: Sequence[Inbound]) -> list[IntakeResult]:
        self.calls.append("batch")
        if any(item.raw == self.deadly for item in items):
            raise Killed
        return super().verwerk_batch(items)

    def verwerk(
        self, raw: bytes, *, bericht_id: str | None = None, received_at: datetime | None = None
    ) -> IntakeResult:
        self.calls.append("one")
        if raw == self.deadly:
            raise Killed
        return super().verwerk_batch([Inbound(raw, bericht_id, received_at)])[
            0
        ]  # as Intake.verwerk, uncounted

    def dead_letter(self, item: Inbound, *, read: bool = True) -> DeadLettered:
        if self.answer_kills and read and item.raw == self.deadly:
            raise Killed  # reading it again is what kills
        return super().dead_letter(item, read=read)


@dataclass(frozen=True)
class Record:
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]
    offset: int
    key: bytes | None
    partition: int = 0
    timestamp: int = 0
    topic: str = INBOUND


def records_of(stream: list[Bericht], first: int = FIRST_OFFSET) -> list[Record]:
    return [
        Record(b.data, (("bericht-id", b.bericht_id.encode()),), first + i, b.key.encode(), timestamp=i)
        for i, b in enumerate(stream)
    ]


@pytest.fixture(scope="module")
def pair() -> list[Bericht]:
    """One pair's JW301, JW305, JW307, JW315 and JW319, accepted in this order."""
    return coherent_stream(clients_per_pair=1, pairs=PAIRS[:1])


def worker_for(intake: Intake, broker: Broker, metrics: HubMetrics) -> IntakeWorker:
    return IntakeWorker(
        intake=intake,
        broker=broker,  # type: ignore[arg-type]  # a stand-in for the KafkaBroker
        topics=Topics("t."),
        metrics=metrics,
        mark_published=intake.mark_published,
        max_attempts=MAX_ATTEMPTS,
        backoff_seconds=0,
    )


@dataclass
class Runs:
    """The processes that handled the poll until one finished it."""

    processes: list[Deadly]
    broker: Broker
    metrics: HubMetrics


async def run_until_finished(db: Engine, poll: list[Record], deadly: bytes, **kill: bool) -> Runs:
    """A new process on the same store for each one that died on the poll, until one acknowledges it."""
    broker, metrics = Broker(), HubMetrics(CollectorRegistry())
    processes: list[Deadly] = []
    for _ in range(MAX_ATTEMPTS + 4):
        intake = Deadly(new_intake(db, today=date.today()), deadly, **kill)
        processes.append(intake)
        told = Poll()
        try:
            await worker_for(intake, broker, metrics).handle_batch(poll, told)  # type: ignore[arg-type]
        except Killed:
            assert told.calls == []  # died: neither rewound nor acknowledged
            continue
        assert told.calls == ["ack"]
        return Runs(processes, broker, metrics)
    pytest.fail(f"the poll never finished: {len(processes)} processes died on it")


def outcomes(db: Engine) -> dict[str, str]:
    t = table_of(BerichtRecord)
    with db.connect() as conn:
        return {row.id: row.outcome for row in conn.execute(select(t.c.id, t.c.outcome))}


def attempt_rows(db: Engine) -> set[tuple[Any, ...]]:
    t = table_of(IntakeAttemptRecord)
    with db.connect() as conn:
        return {tuple(r) for r in conn.execute(select(t.c.partition, t.c.offset, t.c.scope, t.c.attempts))}


def retour_codes(xml: bytes) -> list[str]:
    return [el.text or "" for el in etree.fromstring(xml).iterfind("{*}Header/{*}RetourCodes/{*}RetourCode")]


async def test_a_message_that_kills_the_process_is_dead_lettered_after_max_attempts_starts(
    db: Engine, pair: list[Bericht], caplog: pytest.LogCaptureFixture
) -> None:
    deadly = pair[2]
    assert deadly.bericht == "JW307" and deadly.persoon is not None
    caplog.set_level(logging.INFO)
    runs = await run_until_finished(db, records_of(pair), deadly.data)

    # The batch died once; then MAX_ATTEMPTS starts of the message alone; the next start dead-lettered it.
    assert len(runs.processes) == 1 + MAX_ATTEMPTS + 1
    assert runs.processes[0].calls == ["batch"]
    assert all(p.calls[:1] == ["one"] for p in runs.processes[1:])  # a poll started before: one by one
    assert runs.processes[-1].calls == ["one", "one", "one", "one"]  # the deadly one not judged again

    [letter] = runs.broker.on(DEAD)
    dead = DeadLetter.model_validate_json(letter.value)
    assert (dead.reason, dead.error, dead.attempts, dead.bericht_id) == (
        "processing-failed", f"ProcessDiedWhileHandling after {MAX_ATTEMPTS} attempts", MAX_ATTEMPTS,
        deadly.bericht_id,
    )  # fmt: skip
    assert letter.headers["source-offset"] == str(FIRST_OFFSET + 2) and letter.key is None
    assert (
        runs.metrics.registry.get_sample_value("hub_dead_letters_total", {"reason": "processing-failed"}) == 1
    )

    # Every message answered once, in order, the deadly one with a header-only 0001; the rest judged as usual.
    retouren = runs.broker.on(RETOUR)
    assert [r.headers["bericht-id"] for r in retouren] == [b.bericht_id for b in pair]
    assert retour_codes(retouren[2].value) == ["0001"] and retouren[2].headers["bericht"] == "JW308"
    assert outcomes(db) == {b.bericht_id: "failed" if b is deadly else "accepted" for b in pair}

    # Logged where it is and how often, never what it holds.
    [fell_back, *_] = [r for r in caplog.records if r.getMessage().startswith("poll started before")]
    assert (fell_back.levelno, fell_back.topic, fell_back.partition, fell_back.offset, fell_back.attempts) == (  # type: ignore[attr-defined]
        logging.WARNING, INBOUND, 0, FIRST_OFFSET, 2,
    )  # fmt: skip
    [gave_up] = [r for r in caplog.records if r.getMessage().startswith("message started before")]
    assert (gave_up.bericht_id, gave_up.offset, gave_up.attempts) == (  # type: ignore[attr-defined]
        deadly.bericht_id, FIRST_OFFSET + 2, MAX_ATTEMPTS,
    )  # fmt: skip
    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records if r.name == "hub.intake")
    for secret in (deadly.persoon.bsn, deadly.persoon.achternaam, deadly.key):
        assert secret not in logged

    # The next poll leaves no count of what finished: only its own start.
    [after] = coherent_stream(clients_per_pair=2, pairs=PAIRS[:1])[5:6]
    told = Poll()
    await worker_for(new_intake(db, today=date.today()), runs.broker, runs.metrics).handle_batch(
        records_of([after], FIRST_OFFSET + len(pair)),
        told,  # type: ignore[arg-type]
    )
    assert told.calls == ["ack"]
    assert attempt_rows(db) == {(0, FIRST_OFFSET + len(pair), "poll", 1)}


async def test_when_the_dead_lettering_dies_too_the_message_is_recorded_unread(
    db: Engine, pair: list[Bericht]
) -> None:
    """Its 0001 answer reads the message again, which may be what kills the process: not a second time. The next
    start records it as failed without reading it (no header, so no retour) and sends its dead letter."""
    deadly = pair[2]
    runs = await run_until_finished(db, records_of(pair), deadly.data, answer_kills=True)

    assert len(runs.processes) == 1 + MAX_ATTEMPTS + 2
    letters = [DeadLetter.model_validate_json(s.value) for s in runs.broker.on(DEAD)]
    assert [(d.bericht_id, d.error) for d in letters] == [
        (
            deadly.bericht_id,
            f"ProcessDiedWhileHandling after {MAX_ATTEMPTS} attempts",
        ),  # then the answer died
        (deadly.bericht_id, f"ProcessDiedWhileHandling after {MAX_ATTEMPTS + 1} attempts"),
    ]
    retouren = runs.broker.on(RETOUR)
    assert [r.headers["bericht-id"] for r in retouren] == [b.bericht_id for b in pair if b is not deadly]
    assert outcomes(db) == {b.bericht_id: "accepted" for b in pair if b is not deadly} | {
        deadly.bericht_id: "failed"
    }


async def test_a_message_that_finished_is_never_counted_against_a_later_one(
    db: Engine, pair: list[Bericht]
) -> None:
    """The messages before the deadly one finish in every process that dies on it: their counts start over."""
    runs = await run_until_finished(db, records_of(pair), pair[3].data)
    [letter] = runs.broker.on(DEAD)
    assert json.loads(letter.value)["bericht_id"] == pair[3].bericht_id
    assert outcomes(db)[pair[0].bericht_id] == "accepted"


async def test_a_store_outage_while_counting_a_start_is_waited_out(
    db: Engine, pair: list[Bericht], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real = attempts.begin
    calls: list[str] = []

    def flaky(*args: Any, **kwargs: Any) -> dict[attempts.Position, int]:
        calls.append(args[1])
        if len(calls) <= 2:
            raise TransientError("store unavailable")
        return real(*args, **kwargs)

    monkeypatch.setattr(attempts, "begin", flaky)
    broker, metrics = Broker(), HubMetrics(CollectorRegistry())
    told = Poll()
    with caplog.at_level(logging.WARNING, logger="hub.intake"):
        await worker_for(new_intake(db, today=date.today()), broker, metrics).handle_batch(
            records_of(pair[:1]),
            told,  # type: ignore[arg-type]
        )
    assert told.calls == ["ack"] and calls == ["poll", "poll", "poll"]
    assert broker.on(DEAD) == [] and len(broker.on(RETOUR)) == 1
    assert [r.getMessage() for r in caplog.records] == ["dependency unavailable, retrying"] * 2
    assert attempt_rows(db) == {(0, FIRST_OFFSET, "poll", 1)}


async def test_polls_at_one_offset_in_one_process_stay_batches(db: Engine, pair: list[Bericht]) -> None:
    """FastStream's test broker gives every record offset 0: a poll that finished leaves no count behind."""
    intake = Deadly(new_intake(db, today=date.today()), b"")
    worker = worker_for(intake, Broker(), HubMetrics(CollectorRegistry()))
    for b in pair[:2]:
        await worker.handle_batch(records_of([b], first=0), Poll())  # type: ignore[arg-type]
        assert attempt_rows(db) == {(0, 0, "poll", 1)}
    assert intake.calls == ["batch", "batch"]


async def test_records_without_a_position_are_judged_and_leave_no_count(
    db: Engine, pair: list[Bericht]
) -> None:
    broker = Broker()
    worker = worker_for(new_intake(db, today=date.today()), broker, HubMetrics(CollectorRegistry()))
    bare = SimpleNamespace(
        value=pair[0].data,
        headers=[("bericht-id", pair[0].bericht_id.encode())],
        key=None,
        timestamp=0,
        topic=INBOUND,
        partition=0,
        offset=None,
    )
    told = Poll()
    await worker.handle_batch([bare], told)  # type: ignore[arg-type]
    assert told.calls == ["ack"] and len(broker.on(RETOUR)) == 1
    assert attempt_rows(db) == set()


# ---- a start that the process outlived is finished, whatever ended it --------------------------------------------


class RefusesDeadLetters(Broker):
    """The broker refuses the first `refusals` dead letters (their partition's leader is away, say)."""

    def __init__(self, refusals: int) -> None:
        super().__init__()
        self.refusals = refusals

    async def publish(self, message: Any, topic: str, **kwargs: Any) -> asyncio.Future[None]:
        if topic == DEAD and self.refusals > 0:
            self.refusals -= 1
            raise KafkaConnectionError("the dead-letter partition has no leader")
        return await super().publish(message, topic, **kwargs)


class Poisoned(Intake):
    """The real intake, except that judging `poison` fails with an exception the process outlives."""

    def __init__(self, base: Intake, poison: bytes) -> None:
        super().__init__(base.validator, base.sessions, base.pseudonym, clock=base.clock, now=base.now)
        self.poison = poison

    def verwerk_batch(self, items: Sequence[Inbound]) -> list[IntakeResult]:
        if any(item.raw == self.poison for item in items):
            raise ValueError("a rule crashed")
        return super().verwerk_batch(items)

    def verwerk(
        self, raw: bytes, *, bericht_id: str | None = None, received_at: datetime | None = None
    ) -> IntakeResult:
        if raw == self.poison:
            raise ValueError("a rule crashed")
        return super().verwerk(raw, bericht_id=bericht_id, received_at=received_at)


async def test_a_dead_letter_the_broker_refuses_is_retried_by_the_same_process_not_counted_as_a_death(
    db: Engine, pair: list[Bericht], caplog: pytest.LogCaptureFixture
) -> None:
    """Refused, the dead letter leaves _handle_one by an exception: the poll is rewound and redelivered to this very
    process. Each redelivery is a new start of the message, never one after a death: it is judged again and, once the
    broker takes it, dead-lettered for what failed, with its 0001 retour."""
    poison = pair[2]
    refusals = MAX_ATTEMPTS + 2  # more than MAX_ATTEMPTS redeliveries
    broker = RefusesDeadLetters(refusals)
    worker = worker_for(
        Poisoned(new_intake(db, today=date.today()), poison.data), broker, HubMetrics(CollectorRegistry())
    )
    polls: list[list[str]] = []
    with caplog.at_level(logging.WARNING, logger="hub.intake"):
        while len(polls) <= refusals:
            told = Poll()
            polls.append(told.calls)
            try:
                await worker.handle_batch(records_of(pair), told)  # type: ignore[arg-type]
            except KafkaConnectionError:
                continue
            break
    assert polls == [["nack"]] * refusals + [["ack"]]

    [letter] = broker.on(DEAD)
    dead = DeadLetter.model_validate_json(letter.value)
    assert (dead.bericht_id, dead.error) == (poison.bericht_id, f"ValueError after {MAX_ATTEMPTS} attempts")
    [answer] = [r for r in broker.on(RETOUR) if r.headers["bericht-id"] == poison.bericht_id]
    assert retour_codes(answer.value) == ["0001"]
    assert outcomes(db)[poison.bericht_id] == "failed"
    assert not [r for r in caplog.records if r.getMessage().startswith("message started before")]
    # No message's count grew: each redelivery dropped the previous start's row before counting its own.
    assert {r for r in attempt_rows(db) if r[2] == "message"} == {
        (0, FIRST_OFFSET + len(pair) - 1, "message", 1)
    }


async def test_a_start_cancelled_while_handling_is_finished_too(db: Engine, pair: list[Bericht]) -> None:
    """A shutdown whose grace ran out cancels the message: the process lives on, so its start is no death."""
    intake = new_intake(db, today=date.today())
    worker = worker_for(intake, Broker(), HubMetrics(CollectorRegistry()))
    [record] = records_of(pair[:1])
    judging = asyncio.Event()

    def cancelled(*args: Any, **kwargs: Any) -> None:
        judging.set()
        raise asyncio.CancelledError  # as a cancellation reaches the awaiting coroutine

    intake.dead_lettered = cancelled  # type: ignore[method-assign]
    with pytest.raises(asyncio.CancelledError):
        await worker._handle_one(record, Inbound(record.value or b"", pair[0].bericht_id, None))
    assert judging.is_set()
    assert worker._done == [("message", (INBOUND, 0, FIRST_OFFSET))]


async def test_a_stopping_worker_leaves_no_row_of_a_finished_start(db: Engine, pair: list[Bericht]) -> None:
    """Where offsets start over, a finished start's row would be counted as a death by the next process."""
    broker, metrics = Broker(), HubMetrics(CollectorRegistry())
    worker = worker_for(Poisoned(new_intake(db, today=date.today()), pair[2].data), broker, metrics)
    told = Poll()
    await worker.handle_batch(records_of(pair), told)  # type: ignore[arg-type]  # one by one: a message failed
    assert told.calls == ["ack"] and len(broker.on(DEAD)) == 1
    assert attempt_rows(db) == {(0, FIRST_OFFSET, "poll", 1), (0, FIRST_OFFSET + len(pair) - 1, "message", 1)}

    await worker.close()
    assert attempt_rows(db) == set() and worker._done == []
    await worker.close()  # nothing left: no transaction at all
    assert attempt_rows(db) == set()


async def test_a_start_that_has_not_finished_keeps_its_row_when_the_worker_stops(
    db: Engine, pair: list[Bericht]
) -> None:
    intake = Deadly(new_intake(db, today=date.today()), pair[1].data)
    worker = worker_for(intake, Broker(), HubMetrics(CollectorRegistry()))
    with pytest.raises(Killed):
        await worker.handle_batch(records_of(pair[:2]), Poll())  # type: ignore[arg-type]
    await worker.close()  # as if a death of the process had let it run: the poll never finished
    assert attempt_rows(db) == {(0, FIRST_OFFSET, "poll", 1)}


@pytest.mark.parametrize("store", ["down", "hangs"])
async def test_a_store_down_at_stop_neither_fails_nor_holds_the_stop(
    db: Engine,
    pair: list[Bericht],
    store: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    worker = worker_for(new_intake(db, today=date.today()), Broker(), HubMetrics(CollectorRegistry()))
    await worker.handle_batch(records_of(pair[:1]), Poll())  # type: ignore[arg-type]
    released = threading.Event()

    def unavailable(*args: Any, **kwargs: Any) -> dict[attempts.Position, int]:
        if store == "hangs":
            released.wait(10)
        raise TransientError("store unavailable")

    monkeypatch.setattr(attempts, "begin", unavailable)
    started = time.monotonic()
    try:
        with caplog.at_level(logging.WARNING, logger="hub.intake"):
            await worker.close(timeout=0.2)
    finally:
        released.set()
    assert time.monotonic() - started < 2
    assert [(r.levelno, r.getMessage(), r.error) for r in caplog.records] == [  # type: ignore[attr-defined]
        (
            logging.WARNING,
            "the counts of finished starts were not cleared at stop",
            "TransientError" if store == "down" else "TimeoutError",
        )
    ]
    assert attempt_rows(db) == {(0, FIRST_OFFSET, "poll", 1)}  # the next poll's start drops it


async def test_over_an_embedded_broker_nothing_is_counted(db: Engine, pair: list[Bericht]) -> None:
    """It dies with the process: nothing is redelivered after a death, and the next run's offsets start at 0."""
    broker = Broker()
    worker = worker_for(
        Poisoned(new_intake(db, today=date.today()), pair[2].data), broker, HubMetrics(CollectorRegistry())
    )
    worker.count_starts = False
    # The same offsets again and again, as in runs over new embedded brokers: redeliveries, never deaths.
    for _ in range(MAX_ATTEMPTS + 2):
        told = Poll()
        await worker.handle_batch(records_of(pair), told)  # type: ignore[arg-type]
        assert told.calls == ["ack"]
    letters = [DeadLetter.model_validate_json(s.value).error for s in broker.on(DEAD)]
    assert letters == [f"ValueError after {MAX_ATTEMPTS} attempts"]  # then recognised as dead-lettered before
    assert attempt_rows(db) == set() and worker._done == []
    await worker.close()
