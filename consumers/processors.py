"""The processors: subscribers on the normalised topics that store the monitor's observations (issue 5).

Order per poll (a batch of up to HUB_KAFKA_BATCH_MAX_RECORDS events): 1 dead-letter the events that do not
parse  2 derive and store the observations of the others in ONE transaction (a worker thread; the event loop
keeps the group heartbeat)  3 publish what the processors made (below)  4 commit the offsets, once. A crash
before 4 redelivers the batch; the store then finds its events handled (or their observations' keys taken) and
nothing changes. When 2 fails because the store is unavailable the whole batch waits and retries; when it fails
otherwise its events are handled one by one, each in its own transaction with bounded retries, so a poison
event goes to the dead-letter topic alone and never blocks its partition. One consumer group,
`topics.groups.processors`, with one member per process that reads every normalised topic (one member, not one per
topic: each member joining costs the group a rebalance). Replicas share the partitions, and any of them may
handle any event, because the observations come from the store rather than from what a replica has seen before.

Messages the processors send themselves (the GI's statusmeldingen, made in the store while events are handled
or by the periodic check) are published on the retour topic after each batch and after each check, then
marked published. A crash in between publishes one again: the dispatcher overwrites the same file, and the GI
recognises the repeat by its Identificatie.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from consumers.broker import BrokerSettings, batch_options
from consumers.intake import HEADER_ID
from consumers.lag import observe_lag
from hub.errors import TransientError
from hub.events.models import TOPIC_KIND, DeadLetter
from hub.metrics import HubMetrics
from hub.monitor.processor import Processor
from hub.monitor.registry import EVENT_KINDS, EventParser, load_plugins
from hub.topics import Topics

log = logging.getLogger("hub.processors")


@dataclass
class ProcessorWorker:
    """Binds the transport-free processor to the normalised topics: parse, store, dead-letter what keeps failing."""

    processor: Processor
    parsers: Mapping[str, EventParser]  # by topic name
    broker: KafkaBroker
    topics: Topics
    metrics: HubMetrics
    max_attempts: int = 5
    backoff_seconds: float = 0.2
    on_done: Callable[[str], None] | None = None  # `hub process` waits until every event is handled
    _sending: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    async def handle_batch(self, records: Sequence[Any], msg: KafkaMessage) -> None:
        """One poll's records (aiokafka ConsumerRecords), in the module's order of effects; acknowledges them."""
        start = time.perf_counter()
        try:
            done = await self._handle(records)
        except Exception:
            # Rewind to the batch's first offsets: the consumer would otherwise poll on, and the next ack would
            # commit past events that were never handled.
            await msg.nack()
            raise
        # Once per event, with the batch's time per event: the histogram's _count stays the number of events
        # handled and its _sum the time spent, whatever the batch size.
        per_event = (time.perf_counter() - start) / max(len(records), 1)
        seconds = self.metrics.processing_seconds.labels(stage="processors")
        for _ in records:
            seconds.observe(per_event)
        await msg.ack()
        await observe_lag(self.metrics, self.topics.groups.processors, getattr(msg, "consumer", None))
        if self.on_done is not None:
            for bericht_id in done:
                self.on_done(bericht_id)

    async def _handle(self, records: Sequence[Any]) -> list[str]:
        """Steps 1 to 3; per record, in order, the bericht id it was handled under."""
        readable: list[tuple[Any, Any]] = []  # (event, record)
        done: list[str] = []
        for record in records:
            body: bytes = record.value or b""
            try:
                event = self.parsers[record.topic](body)
            except (KeyError, ValueError) as exc:  # pydantic's ValidationError is a ValueError: not our event
                bericht_id = _header(record, HEADER_ID)
                await self._dead_letter("unreadable-event", body, bericht_id, 1, exc, record)
                done.append(bericht_id)
            else:
                readable.append((event, record))
                done.append(event.bericht_id)
        if readable:
            if len(readable) == 1 or not await self._verwerk_samen([event for event, _ in readable]):
                for event, record in readable:
                    await self._verwerk(event, record)
            await self.verstuur_veilig()
        return done

    async def _verwerk_samen(self, events: Sequence[Any]) -> bool:
        """Store the events in one transaction; False when that failed for another reason than the store."""
        attempt = 0
        while True:
            attempt += 1
            try:
                await asyncio.to_thread(self.processor.verwerk_batch, events)
                return True
            except TransientError as exc:
                # The store is down or busy, not the events: wait and retry the batch, never dead-letter.
                log.warning(
                    "store unavailable, retrying", extra={"events": len(events), "error": type(exc).__name__}
                )
                await asyncio.sleep(min(self.backoff_seconds * 2 ** min(attempt, 6), 10.0))
            except Exception as exc:  # perhaps one poison event: find it by handling them one by one
                log.warning(
                    "batch failed, handling its events one by one",
                    extra={"events": len(events), "error": type(exc).__name__},
                )
                return False

    async def _verwerk(self, event: Any, record: Any) -> None:
        """Store one event in its own transaction; dead-letter it after max_attempts failures."""
        attempt = failures = 0
        while True:
            attempt += 1
            try:
                await asyncio.to_thread(self.processor.verwerk, event)
                return
            except TransientError as exc:
                # The store is down or busy, not the event: wait and retry, never dead-letter.
                log.warning(
                    "store unavailable, retrying",
                    extra={"bericht_id": event.bericht_id, "error": type(exc).__name__},
                )
                await asyncio.sleep(min(self.backoff_seconds * 2 ** min(attempt, 6), 10.0))
            except Exception as exc:  # one poison event must not block its partition
                failures += 1
                log.warning(
                    "processing failed",
                    extra={"bericht_id": event.bericht_id, "attempt": failures, "error": type(exc).__name__},
                )
                if failures >= self.max_attempts:
                    await self._dead_letter(
                        "processor-failed", record.value or b"", event.bericht_id, failures, exc, record
                    )
                    return
                await asyncio.sleep(self.backoff_seconds * 2 ** (failures - 1))

    async def verstuur(self) -> int:
        """Publish every message the processors made and did not send yet (GI102 on the retour topic, with its
        event); returns how many went out. Raises when the broker or the store is unavailable."""
        sent = 0
        async with self._sending:  # the periodic check and the event handler never send the same row twice
            while items := await asyncio.to_thread(self.processor.uitgaand):
                for u in items:
                    headers = {HEADER_ID: u.id, "bericht": u.bericht, "ontvanger": u.ontvanger}
                    await self.broker.publish(
                        u.inhoud,
                        self.topics.retour,
                        key=(u.key or "").encode() or None,
                        headers={**headers, "content-type": "application/xml"},
                    )
                    if u.event is not None:
                        await self.broker.publish(
                            u.event.model_dump_json().encode(),
                            self.topics.normalised(TOPIC_KIND[type(u.event)]),
                            key=(u.event.kafka_key or "").encode() or None,
                            headers={
                                HEADER_ID: u.id,
                                "event-type": u.event.type,
                                "content-type": "application/json",
                            },
                        )
                    self.metrics.retour.labels(bericht=u.bericht).inc()
                await asyncio.to_thread(self.processor.verstuurd, [u.id for u in items])
                sent += len(items)
        return sent

    async def verstuur_veilig(self) -> None:
        """verstuur(), but a failure waits for the next event or check: the rows stay unsent, nothing is lost."""
        try:
            await self.verstuur()
        except (TransientError, KafkaError) as exc:
            log.warning("sending statusmeldingen postponed", extra={"error": type(exc).__name__})

    async def peil(self, vandaag: date) -> int:
        """Run the periodic checks as of vandaag, then send what they made; how many things they made."""
        made = await asyncio.to_thread(self.processor.peil, vandaag)
        await self.verstuur()
        return made

    async def peil_lus(self, interval: float, clock: Callable[[], date]) -> None:
        """The periodic check, every `interval` seconds, until cancelled; a failure waits for the next round."""
        while True:
            try:
                await self.peil(clock())
            except Exception as exc:  # the loop must outlive one failed round
                log.warning("periodic check postponed", extra={"error": type(exc).__name__})
            await asyncio.sleep(interval)

    async def _dead_letter(
        self, reason: str, body: bytes, bericht_id: str, attempts: int, exc: BaseException, record: Any
    ) -> None:
        """The event goes to the dead-letter topic (without its content); raises when the broker is gone."""
        letter = DeadLetter(
            reason=reason,
            error=f"{type(exc).__name__} after {attempts} attempts",  # no str(exc): it may quote content
            bericht_id=bericht_id or None,
            raw_size=len(body),
            first_seen=datetime.now(UTC),
            attempts=attempts,
        )
        headers = {
            HEADER_ID: bericht_id,
            "reason": reason,
            "content-type": "application/json",
            "source-topic": record.topic,
            "source-partition": str(record.partition),
            "source-offset": str(record.offset),
        }
        try:
            await self.broker.publish(
                letter.model_dump_json().encode(), self.topics.dead_letter, headers=headers
            )
        except KafkaError as publish_exc:  # do not ack: the batch is rewound and redelivered
            # Not `from exc`: FastStream logs the chain, and the poison's own exception may quote its content.
            raise publish_exc from None
        self.metrics.dead_letters.labels(reason=reason).inc()


def _header(record: Any, name: str) -> str:
    """A record's header as text ("" when absent); aiokafka gives headers as (name, bytes) pairs."""
    return next((value.decode(errors="replace") for key, value in record.headers or () if key == name), "")


def register_processors(
    broker: KafkaBroker,
    worker_factory: Callable[[Mapping[str, EventParser]], ProcessorWorker],
    topics: Topics,
    settings: BrokerSettings,
) -> Callable[[KafkaMessage], Awaitable[None]]:
    """Subscribe the processors, as one batch subscriber, to every normalised topic of EVENT_KINDS; manual ack."""
    load_plugins()
    parsers = {topics.normalised(kind): parse for kind, parse in EVENT_KINDS.items()}
    worker = worker_factory(parsers)

    @broker.subscriber(
        *parsers,
        group_id=topics.groups.processors,
        ack_policy=AckPolicy.MANUAL,
        title="processors",
        description="Stores the monitor's observations for every normalised event, one transaction per poll.",
        **batch_options(settings),
    )
    async def on_events(msg: KafkaMessage) -> None:
        # The records themselves: their raw bytes (FastStream would decode an application/json value into a
        # dict) and each one's own topic, offset and headers.
        raw: Any = msg.raw_message
        await worker.handle_batch(tuple(raw) if isinstance(raw, tuple | list) else (raw,), msg)

    return on_events
