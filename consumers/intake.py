"""The intake subscriber: raw XML from the inbound topic through `hub.intake`, answers and events out.

Order per poll (up to HUB_KAFKA_BATCH_MAX_RECORDS records): 1 judge + store all its messages in one transaction
(a worker thread; the event loop keeps the group heartbeat)  2 publish their retouren, events and dead letters
and wait for the broker's confirmation  3 mark them published (one transaction)  4 commit the offsets. A crash
anywhere replays the poll; step 1 then finds the identity rows and the replay publishes what is missing only.
A poison message: 1 the dead letter  2 its record, outcome failed (best effort)  3 its 0001 retour  4 marked
published; a redelivery finds step 2's record and publishes what is missing only.
A message that ends the process itself (an OOM kill, a segfault, a liveness kill) never reaches the in-memory
count, so each start of a poll, and of a message handled alone, is counted in the store first (hub.store.attempts):
a poll started before is handled one by one, and a message started more than HUB_MAX_ATTEMPTS times is dead-lettered
without being judged again. A start the process outlived (whatever ended it) is finished, and the worker drops the rows
of its finished starts when it stops. Over the embedded broker nothing is counted: it dies with the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from aiokafka.errors import KafkaError, MessageSizeTooLargeError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from consumers.broker import BrokerSettings, batch_options
from consumers.lag import observe_lag
from hub.errors import TransientError
from hub.events.models import TOPIC_KIND, DeadLetter
from hub.intake import OUTCOME_DUPLICATE, DeadLettered, Inbound, Intake, IntakeResult
from hub.metrics import HubMetrics
from hub.store import attempts as intake_attempts
from hub.store.attempts import MESSAGE, POLL, Position, Started
from hub.topics import Topics
from producers.ids import ID

log = logging.getLogger("hub.intake")

HEADER_ID = "bericht-id"
HEADER_RECEIVED = "ontvangen-op"
CLOCK_SKEW = timedelta(minutes=5)  # how far a door's clock may run ahead of the intake's
# On a retour record without a value: the retour is larger than a record may be, and is read from the store.
HEADER_RETOUR_IN_STORE = "retour-in-store"
# How long a stopping intake waits for the store to drop the rows of its finished starts.
CLOSE_SECONDS = 5.0

T = TypeVar("T")


class ProcessDiedWhileHandling(Exception):
    """Earlier starts of the message ended with the process (an OOM kill, a segfault in a C library, a liveness
    kill while it hung): counted in the store, since no exception reached the in-memory count. Its name is the dead
    letter's error ("ProcessDiedWhileHandling after 5 attempts")."""


def bericht_id_for(record: Any) -> str:
    """The door's id header, or one derived from the record so that a redelivery keeps its id.

    Another system's own id (a UUID with dashes, say) is not taken: every table, route and event holds the hub's
    form, 32 hex, and such a record once failed every attempt and blocked its partition.
    """
    given = _header(record, HEADER_ID)
    if given and ID.fullmatch(given):
        return given
    return uuid.uuid5(uuid.NAMESPACE_URL, f"kafka:{record.topic}/{record.partition}/{record.offset}").hex


def in_ontvangstvolgorde(records: Sequence[Any]) -> list[Any]:
    """A poll's records merged across partitions by their Kafka timestamps, each partition's order kept.

    A poll hands the records out partition by partition, so a message of one pair sent later could be judged before
    one of another pair sent earlier; rules wider than a pair (TR056 per Afzender, TR314 and TR333 per aanbieder)
    would then see them in the wrong order. A partition's own order is never changed (the pair's guarantee), also
    where its timestamps are not increasing (producers with other clocks).
    """
    partitions: dict[tuple[str, int], list[Any]] = {}
    for r in records:
        partitions.setdefault((r.topic, r.partition), []).append(r)
    if len(partitions) < 2:
        return list(records)
    return list(heapq.merge(*partitions.values(), key=lambda r: r.timestamp))


def received_at_for(record: Any) -> datetime:
    """The door's `ontvangen-op`, or now: a time without an offset could be UTC or Dutch time, and one later than
    now (beyond a door's clock running ahead) cannot be when the message arrived, so neither is taken."""
    now = datetime.now(UTC)
    value = _header(record, HEADER_RECEIVED)
    if value:
        try:
            given = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if given.tzinfo is not None and given <= now + CLOCK_SKEW:
                return given
    return now


def position_of(record: Any) -> Position | None:
    """The record's (topic, partition, offset); None for one without them (a stand-in of a test broker)."""
    topic, partition, offset = (getattr(record, name, None) for name in ("topic", "partition", "offset"))
    if isinstance(topic, str) and isinstance(partition, int) and isinstance(offset, int):
        return topic, partition, offset
    return None


def first_of_each_partition(records: Sequence[Any], items: Sequence[Inbound]) -> dict[Position, str]:
    """Each partition's first offset in the poll, with the message id there: where the group resumes after a crash
    (the poll's offsets are committed only once it is done)."""
    first: dict[tuple[str, int], tuple[int, str]] = {}
    for record, item in zip(records, items, strict=True):
        position = position_of(record)
        if position is None:
            continue
        topic, partition, offset = position
        known = first.get((topic, partition))
        if known is None or offset < known[0]:
            first[(topic, partition)] = (offset, item.bericht_id or "")
    return {(t, p, o): bericht_id for (t, p), (o, bericht_id) in first.items()}


def _header(record: Any, name: str) -> str | None:
    """A header of an aiokafka ConsumerRecord (a list of (name, bytes)), decoded; None when absent."""
    for key, value in record.headers or ():
        if key == name and value:
            return bytes(value).decode("utf-8", "replace")
    return None


@dataclass
class IntakeWorker:
    """Binds the transport-free intake to a broker: publishing and marking what was published."""

    intake: Intake
    broker: KafkaBroker
    topics: Topics
    metrics: HubMetrics
    mark_published: Callable[..., None]  # (*bericht_ids): one transaction for all of them
    max_attempts: int = 5
    backoff_seconds: float = 0.2
    on_done: Callable[[str], None] | None = None  # `hub process` counts what has drained
    largest_record: int | None = None  # the largest value the producer can publish (consumers.broker)
    # Count starts in the store. Not over the embedded broker: it dies with the process (consumers.embedded), so
    # nothing is redelivered after a death, and its offsets start at 0 again on the next run.
    count_starts: bool = True
    # Starts counted in the store that have finished since; the next start drops their rows in its transaction.
    _done: list[Started] = field(default_factory=list, init=False, repr=False)

    async def handle_batch(self, records: Sequence[Any], msg: KafkaMessage) -> None:
        """One poll's records: judged and stored in one transaction, published, marked, then committed.

        When the batch fails for a reason other than an unavailable store or broker, its records are handled
        one by one, so that a poison message is retried and dead-lettered alone; so are they when the store shows
        that this poll was started before and never finished (the process died on it, or it was rewound).
        """
        if not records:
            return
        start = time.perf_counter()
        records = in_ontvangstvolgorde(records)
        items = [Inbound(r.value or b"", bericht_id_for(r), received_at_for(r)) for r in records]
        try:
            polled, again = await self._poll_started(records, items)
            results = None if again else await self._verwerk_batch(items)
            if results is None:
                for record, item in zip(records, items, strict=True):
                    await self._handle_one(record, item)
            else:
                try:
                    await self.publish_many(results, [r.key for r in records])
                except MessageSizeTooLargeError:
                    # A record the producer or the broker refuses for its size, now and on every retry: find it
                    # alone, as a poison message (the others are stored; they are answered as redeliveries).
                    for record, item in zip(records, items, strict=True):
                        await self._handle_one(record, item)
                else:
                    for result, record in zip(results, records, strict=True):
                        _log_judged(result, record.key)
        except Exception:
            # Rewind to the poll's first offsets, as the processors do: the consumer would otherwise poll on, and
            # the next ack would commit past records never handled (a broker error while dead-lettering).
            await msg.nack()
            raise
        per_message = (time.perf_counter() - start) / len(records)
        for _ in records:
            self.metrics.processing_seconds.labels(stage="intake").observe(per_message)
        await msg.ack()
        self._done += [(POLL, position) for position in polled]
        await observe_lag(self.metrics, self.topics.groups.intake, getattr(msg, "consumer", None))
        if self.on_done is not None:
            for item in items:
                self.on_done(item.bericht_id or "")

    async def _poll_started(
        self, records: Sequence[Any], items: Sequence[Inbound]
    ) -> tuple[list[Position], bool]:
        """A 'poll' start in the store at each partition's first offset, committed before judging; the positions,
        and True when one of them was started before: that poll never finished, so this one goes one by one."""
        firsts = first_of_each_partition(records, items)
        counts = await self._started(POLL, list(firsts))
        again = False
        for position, starts in counts.items():
            if starts >= 2:
                again = True
                log.warning(
                    "poll started before and never finished: its messages are handled one by one",
                    extra={"bericht_id": firsts[position], **_where(position), "attempts": starts},
                )
        return list(counts), again

    async def _started(self, scope: str, positions: list[Position]) -> dict[Position, int]:
        """Starts at these positions, recorded in the store (with the rows of starts done since dropped); each
        position's count of starts (none when starts are not counted). Waits while the store is down: an outage is
        never a reason to give up."""
        done = tuple(self._done)
        if not self.count_starts or (not positions and not done):
            return {}
        attempt = 0
        while True:
            attempt += 1
            try:
                counts = await asyncio.to_thread(
                    intake_attempts.begin, self.intake.sessions, scope, positions, done=done
                )
            except TransientError as exc:
                log.warning("dependency unavailable, retrying", extra={"error": type(exc).__name__})
                await asyncio.sleep(min(self.backoff_seconds * 2 ** min(attempt, 6), 10.0))
                continue
            del self._done[: len(done)]
            return counts

    async def _verwerk_batch(self, items: list[Inbound]) -> list[IntakeResult] | None:
        """The batch judged and stored, retrying while the store is down; None when it failed otherwise."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await asyncio.to_thread(self.intake.verwerk_batch, items)
            except TransientError as exc:
                log.warning(
                    "dependency unavailable, retrying",
                    extra={"error": type(exc).__name__, "batch": len(items)},
                )
                await asyncio.sleep(min(self.backoff_seconds * 2 ** min(attempt, 6), 10.0))
            except Exception as exc:  # a message of the batch fails: find it by handling them one by one
                log.warning(
                    "batch failed, handling its messages one by one", extra={"error": type(exc).__name__}
                )
                return None

    async def _handle_one(self, record: Any, item: Inbound) -> None:
        """One message with bounded retries; after the last attempt it is dead-lettered (never blocks the rest).

        Its start is counted in the store first: more than max_attempts starts, and the earlier ones all ended with
        the process, so it is dead-lettered without being judged again.
        """
        position = position_of(record)
        starts = 0 if position is None else (await self._started(MESSAGE, [position])).get(position, 0)
        try:
            await self._handle_started(record, item, starts)
        finally:
            # Also when an exception leaves (a dead letter the broker refused, then a nack and a redelivery to this
            # same process; a cancellation at shutdown): only a start that ended with the process leaves its row.
            self._finished(position)

    async def _handle_started(self, record: Any, item: Inbound, starts: int) -> None:
        """_handle_one's work once its start is counted (`starts`: this one included; 0 when not counted)."""
        bericht_id = item.bericht_id or ""
        attempt = failures = 0
        while True:
            attempt += 1
            try:
                # Dead-lettered before (a crash before the offset commit): recognised, not judged again.
                result = await asyncio.to_thread(self.intake.dead_lettered, bericht_id, item.raw)
                if result is None and starts > self.max_attempts:
                    break
                if result is None:
                    result = await asyncio.to_thread(
                        self.intake.verwerk, item.raw, bericht_id=bericht_id, received_at=item.received_at
                    )
                await self.publish_many([result], [record.key])
                _log_judged(result, record.key)
                return
            except Exception as exc:
                if _outage(exc):  # the store or the broker is down, not the message: wait, never dead-letter
                    log.warning(
                        "dependency unavailable, retrying",
                        extra={"bericht_id": bericht_id, "error": type(exc).__name__},
                    )
                    await asyncio.sleep(min(self.backoff_seconds * 2 ** min(attempt, 6), 10.0))
                    continue
                # One poison message must not block its partition.
                failures += 1
                log.warning(
                    "processing failed",
                    extra={"bericht_id": bericht_id, "attempt": failures, "error": type(exc).__name__},
                )
                if failures >= self.max_attempts:
                    await self.dead_letter(item, failures, exc, record)
                    return
                await asyncio.sleep(self.backoff_seconds * 2 ** (failures - 1))
        await self._dead_letter_died(record, item, starts - 1)

    async def _dead_letter_died(self, record: Any, item: Inbound, died: int) -> None:
        """Dead-lettered without judging it again: its `died` earlier starts ended with the process.

        Its 0001 answer reads the message once more (parse and XSD, Intake.dead_letter), which may be what killed the
        process: when the start that was dead-lettering it died as well, it is recorded unread, without a retour.
        """
        answer = died <= self.max_attempts
        said = "message started before and never finished: dead-lettered without judging it again"
        if not answer:
            said = "message started before and never finished, nor did its dead-lettering: recorded unread, no 0001 retour"
        position = position_of(record)
        where = _where(position) if position is not None else {}
        log.warning(said, extra={"bericht_id": item.bericht_id, **where, "attempts": died})
        await self.dead_letter(item, died, ProcessDiedWhileHandling(), record, answer=answer)

    def _finished(self, position: Position | None) -> None:
        """The message's start is over (judged and published, dead-lettered, or left by an exception that the
        process outlived): its row goes with the next start."""
        if position is not None and self.count_starts:
            self._done.append((MESSAGE, position))

    async def close(self, timeout: float = CLOSE_SECONDS) -> None:
        """The worker stops: the rows of the starts that finished since the last one go now, so that none outlives
        the process (where offsets start over, the next process would count them as starts that died).

        Best effort, bounded by `timeout`: a store that is down or hangs is logged and left, never a failed stop.
        """
        done = tuple(self._done)
        if not done:
            return
        sessions = self.intake.sessions
        try:
            await asyncio.wait_for(
                _in_daemon_thread(lambda: intake_attempts.begin(sessions, MESSAGE, (), done=done)), timeout
            )
        except Exception as exc:
            log.warning(
                "the counts of finished starts were not cleared at stop", extra={"error": type(exc).__name__}
            )
            return
        del self._done[: len(done)]

    async def publish_many(self, results: Sequence[IntakeResult], keys: Sequence[bytes | None]) -> None:
        """Retouren, events and dead letters of these results, then one mark: published. Retries while the
        broker or the store is down (a retry may publish a record twice; readers dedupe on the message id)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._publish_many(results, keys)
                break
            except Exception as exc:
                if not _outage(exc):
                    raise  # refused on every retry (a record too large): the caller finds it and dead-letters it
                log.warning(
                    "dependency unavailable, retrying",
                    extra={"error": type(exc).__name__, "batch": len(results)},
                )
                await asyncio.sleep(min(self.backoff_seconds * 2 ** min(attempt, 6), 10.0))
        for result in results:
            self._count(result)

    async def _publish_many(self, results: Sequence[IntakeResult], keys: Sequence[bytes | None]) -> None:
        start = time.perf_counter()
        # Appended to the producer in order (per key, hence per partition, order is kept); confirmed together.
        sent: list[asyncio.Future[Any]] = []
        for result, key in zip(results, keys, strict=True):
            if not result.already_published:
                sent += await self._send(result, key)
        if sent:
            await asyncio.gather(*sent)
        fresh = [r.bericht_id for r in results if not r.already_published]
        if fresh:
            await asyncio.to_thread(self.mark_published, *fresh)
        self.metrics.processing_seconds.labels(stage="publish").observe(time.perf_counter() - start)

    async def _send(self, result: IntakeResult, key: bytes | None) -> list[asyncio.Future[Any]]:
        """Hand the retour, the event and (for a malformed message) the dead letter to the producer."""
        sent: list[asyncio.Future[Any]] = []
        headers = {HEADER_ID: result.bericht_id}
        if result.retour is not None and result.retour_bericht:
            retour = result.retour
            retour_headers = {
                **headers,
                "bericht": result.retour_bericht,
                "ontvanger": result.retour_ontvanger or "",
                "content-type": "application/xml",
            }
            if self.largest_record is not None and len(retour) > self.largest_record:
                # A JW325 repeats a large JW323's rejected lines with their codes and can outgrow the message:
                # a record the producer refuses would be retried for ever and hold up its partition. The store
                # has the retour already (it commits before anything is published), so the record only names it.
                log.warning(
                    "retour larger than a record: the retour dispatcher reads it from the store",
                    extra={"bericht_id": result.bericht_id, "bytes": len(retour)},
                )
                retour = b""
                retour_headers[HEADER_RETOUR_IN_STORE] = "1"
            sent.append(
                await self.broker.publish(
                    retour, self.topics.retour, key=key, headers=retour_headers, no_confirm=True
                )
            )
        if result.event is not None:
            topic = self.topics.normalised(TOPIC_KIND[type(result.event)])
            event_headers = {**headers, "event-type": result.event.type, "content-type": "application/json"}
            sent.append(
                await self.broker.publish(
                    result.event.model_dump_json().encode(),
                    topic,
                    key=(result.key or "").encode() or None,
                    headers=event_headers,
                    no_confirm=True,
                )
            )
        if result.outcome == "malformed":
            letter = DeadLetter(
                reason="malformed",
                error="; ".join(f"{v.rule} at {v.location or '-'}" for v in result.errors)[:2000],
                bericht_id=result.bericht_id,
                raw_size=result.raw_size,
                first_seen=datetime.now(UTC),
                attempts=1,
            )
            sent.append(await self._send_dead_letter(letter))
        return sent

    def _count(self, result: IntakeResult) -> None:
        """The pipeline metrics of one result, once it is out: a redelivery counts as a duplicate."""
        fresh = result.outcome != OUTCOME_DUPLICATE and not result.redelivered
        if fresh:
            self.metrics.judged(result.bericht, result.outcome, [v.rule for v in result.errors])
        else:
            self.metrics.judged(result.bericht, OUTCOME_DUPLICATE, [])
        if result.outcome == "malformed" and not result.already_published:
            self.metrics.dead_letters.labels(reason="malformed").inc()
        if fresh and result.retour is not None and result.retour_bericht and not result.already_published:
            self.metrics.retour.labels(bericht=result.retour_bericht).inc()

    async def dead_letter(
        self, item: Inbound, attempts: int, exc: BaseException, record: Any, *, answer: bool = True
    ) -> None:
        """After the last attempt: the dead-letter topic, the audit record (outcome failed), a 0001 retour when the
        message has a header, then the record marked published; without `answer` the message is recorded unread,
        without a retour.

        The record goes in before the retour, so the retour dispatcher finds it to mark delivered. Recording is
        best effort: the store may be what failed, and the dead letter and retour go out without it. So are the
        record and retour themselves: the validator may be what failed, and the dead letter goes out alone. A
        message recorded with its verdict before publishing failed gets no 0001: its recorded retour stands.
        """
        letter = DeadLetter(
            reason="processing-failed",
            error=f"{type(exc).__name__} after {attempts} attempts",  # no str(exc): it may quote content
            bericht_id=item.bericht_id,
            raw_size=len(item.raw),
            first_seen=item.received_at or datetime.now(UTC),
            attempts=attempts,
        )
        dead: DeadLettered | None = None
        recorded: bool | None = False
        try:
            await (await self._send_dead_letter(letter, record))
            self.metrics.dead_letters.labels(reason=letter.reason).inc()
            dead = await self._dead_letter_answer(item, read=answer)
            if dead is not None:
                recorded = await self._record_dead_letter(dead)
                if recorded is False:
                    # Judged and recorded before its publishing failed: a 0001 would contradict the verdict its
                    # sender has or can fetch (GET /berichten/{id}/retour); the record says what went out.
                    log.warning(
                        "dead letter after its verdict was recorded: no 0001 retour, the recorded retour stands",
                        extra={"bericht_id": dead.result.bericht_id},
                    )
                else:
                    await self._publish_dead_letter_retour(dead.result, record.key)
        except Exception as publish_exc:  # the broker itself is gone: do not ack, let the group redeliver
            # Not `from exc`: FastStream logs the chain, and the poison's own exception may quote its content.
            raise publish_exc from None
        if recorded and dead is not None:
            await self._record_dead_letter_published(dead.result.bericht_id)

    async def _dead_letter_answer(self, item: Inbound, *, read: bool = True) -> DeadLettered | None:
        """Its 0001 retour and record; None (logged) when they cannot be built, as when the validator itself is
        what fails on the message: the dead letter is out, the partition must flow on."""
        try:
            return await asyncio.to_thread(self.intake.dead_letter, item, read=read)
        except Exception as exc:
            log.warning(
                "dead letter not answered: no 0001 retour and no record",
                extra={"bericht_id": item.bericht_id, "error": type(exc).__name__},  # no str(exc)
            )
            return None

    async def _publish_dead_letter_retour(self, result: IntakeResult, key: bytes | None) -> None:
        if result.retour is not None and result.retour_bericht:
            await self.broker.publish(
                result.retour,
                self.topics.retour,
                key=key,
                headers={
                    HEADER_ID: result.bericht_id,
                    "bericht": result.retour_bericht,
                    "ontvanger": result.retour_ontvanger or "",
                    "content-type": "application/xml",
                },
            )
            self.metrics.retour.labels(bericht=result.retour_bericht).inc()

    async def _record_dead_letter(self, dead: DeadLettered) -> bool | None:
        """The record of a dead-lettered message in its own transaction: True when written now, False when the
        message has a record already, None (logged) when the store refused it."""
        try:
            return await asyncio.to_thread(self.intake.record_dead_letter, dead)
        except Exception as exc:  # the store may be what failed: never block the partition for the record
            log.warning(
                "dead letter not recorded: track and trace will not show it",
                extra={"bericht_id": dead.result.bericht_id, "error": type(exc).__name__},  # no str(exc)
            )
            return None

    async def _record_dead_letter_published(self, bericht_id: str) -> None:
        """Its dead letter and retour are out: track and trace shows the retour produced (best effort)."""
        try:
            await asyncio.to_thread(self.mark_published, bericht_id)
        except Exception as exc:  # the record then says not produced; a redelivery would publish and mark it
            log.warning(
                "dead letter not marked published",
                extra={"bericht_id": bericht_id, "error": type(exc).__name__},
            )

    async def _send_dead_letter(self, letter: DeadLetter, record: Any = None) -> asyncio.Future[Any]:
        """Without a key: the source record's key is whatever its producer chose (a BSN, say), and the dead-letter
        topic carries no personal data."""
        headers = {
            HEADER_ID: letter.bericht_id or "",
            "reason": letter.reason,
            "content-type": "application/json",
        }
        if record is not None:
            headers.update(
                {
                    "source-topic": record.topic,
                    "source-partition": str(record.partition),
                    "source-offset": str(record.offset),
                }
            )
        return await self.broker.publish(
            letter.model_dump_json().encode(),
            self.topics.dead_letter,
            headers=headers,
            no_confirm=True,
        )


async def _in_daemon_thread(work: Callable[[], T]) -> T:
    """work() on a daemon thread of its own: unlike asyncio.to_thread's, the interpreter does not wait for it at
    exit, so a store that hangs cannot hold the process once its stop has given up on it."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(outcome: Callable[[], None]) -> None:
        if not future.done():  # else given up on (cancelled)
            outcome()

    def run() -> None:
        try:
            result = work()
        except BaseException as exc:
            outcome = partial(future.set_exception, exc)
        else:
            outcome = partial(future.set_result, result)
        with contextlib.suppress(RuntimeError):  # the loop has closed meanwhile
            loop.call_soon_threadsafe(settle, outcome)

    threading.Thread(target=run, name="hub-intake-close", daemon=True).start()
    return await future


def _where(position: Position) -> dict[str, Any]:
    """A position as log fields: where the record is, never what it holds."""
    topic, partition, offset = position
    return {"topic": topic, "partition": partition, "offset": offset}


def _outage(exc: BaseException) -> bool:
    """The store or the broker is unavailable, so a retry may succeed; a record refused for its size never will."""
    return isinstance(exc, TransientError | KafkaError) and not isinstance(exc, MessageSizeTooLargeError)


def _log_judged(result: IntakeResult, key: bytes | None) -> None:
    """One line per message with its correlation fields and rule codes; never its content (BSN, names).

    A warning first when the record's key is not the pair its header names: a producer on the raw topic that
    keys otherwise puts a pair's messages on several partitions, where they may be judged out of order.
    """
    if result.pair is not None and key != result.pair.encode():
        # Not the key itself: a producer may have keyed by client (a BSN).
        log.warning(
            "record key is not the message's gemeente:aanbieder",
            extra={"bericht_id": result.bericht_id, "verwacht": result.pair},
        )
    log.info(
        "bericht beoordeeld",
        extra={
            "bericht_id": result.bericht_id,
            "identificatie": result.identificatie,
            "bericht": result.bericht,
            "outcome": result.outcome,
            "rules": sorted({v.rule for v in result.errors}),
            "redelivered": result.redelivered,
        },
    )


def register_intake(
    broker: KafkaBroker, worker_factory: Callable[[], IntakeWorker], topics: Topics, settings: BrokerSettings
) -> Callable[[list[bytes], KafkaMessage], Awaitable[None]]:
    """Subscribe the intake to the inbound topic, a poll at a time, with manual acknowledgement (commit after
    publishing)."""
    worker: IntakeWorker | None = None

    @broker.subscriber(
        topics.inbound,
        group_id=topics.groups.intake,
        ack_policy=AckPolicy.MANUAL,
        description="Judges each record (one iJw XML message as sent), a poll at a time.",
        **batch_options(settings),
    )
    async def on_inbound(body: list[bytes], msg: KafkaMessage) -> None:  # body: the documented payload
        nonlocal worker
        if worker is None:
            worker = worker_factory()
        # The records themselves: their raw values and headers, whatever content type FastStream would decode.
        await worker.handle_batch(msg.raw_message, msg)

    return on_inbound
