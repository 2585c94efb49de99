"""The processors: subscribers on the normalised topics that store the monitor's observations (issue 5).

Order per event: 1 derive and store its observations in one transaction (a worker thread; the event loop
keeps the group heartbeat)  2 commit the offset. A crash before 2 redelivers the event; the store then finds
it handled (or its observations' keys taken) and nothing changes. One consumer group, "ijw-hub-processors",
with one member per process that reads every normalised topic (one member, not one per topic: each member
joining costs the group a rebalance). Replicas share the partitions, and any of them may handle any event,
because the observations come from the store rather than from what a replica has seen before.

Messages the processors send themselves (the GI's statusmeldingen, made in the store while an event is handled
or by the periodic check) are published on the retour topic after each event and after each check, then
marked published. A crash in between publishes one again: the dispatcher overwrites the same file, and the GI
recognises the repeat by its Identificatie.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from aiokafka.errors import KafkaError  # type: ignore[import-untyped]
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from consumers.broker import BrokerSettings, group_options
from consumers.intake import HEADER_ID
from consumers.lag import observe_lag
from hub.errors import TransientError
from hub.events.models import TOPIC_KIND, DeadLetter
from hub.metrics import HubMetrics
from hub.monitor.processor import Processor
from hub.monitor.registry import EVENT_KINDS, EventParser, load_plugins
from hub.topics import Topics

log = logging.getLogger("hub.processors")

PROCESSORS_GROUP = "ijw-hub-processors"


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

    async def handle(self, body: bytes, msg: KafkaMessage) -> None:
        bericht_id = str((msg.headers or {}).get(HEADER_ID) or "")
        start = time.perf_counter()
        topic = getattr(msg.raw_message, "topic", "")
        try:
            event = self.parsers[topic](body)
        except (KeyError, ValueError) as exc:  # pydantic's ValidationError is a ValueError: not our event
            await self._dead_letter("unreadable-event", body, bericht_id, 1, exc, msg)
        else:
            await self._verwerk(event, body, msg)
            bericht_id = event.bericht_id
            await self.verstuur_veilig()
        self.metrics.processing_seconds.labels(stage="processors").observe(time.perf_counter() - start)
        await msg.ack()
        await observe_lag(self.metrics, PROCESSORS_GROUP, getattr(msg, "consumer", None))
        if self.on_done is not None:
            self.on_done(bericht_id)

    async def _verwerk(self, event: Any, body: bytes, msg: KafkaMessage) -> None:
        attempt = failures = 0
        while True:
            attempt += 1
            try:
                await asyncio.to_thread(self.processor.verwerk, event)
                return
            except TransientError as exc:
                # The store is down or busy, not the event: wait and retry, never dead-letter.
                log.warning("store unavailable, retrying", extra={"bericht_id": event.bericht_id, "error": type(exc).__name__})
                await asyncio.sleep(min(self.backoff_seconds * 2 ** min(attempt, 6), 10.0))
            except Exception as exc:  # one poison event must not block its partition
                failures += 1
                log.warning(
                    "processing failed",
                    extra={"bericht_id": event.bericht_id, "attempt": failures, "error": type(exc).__name__},
                )
                if failures >= self.max_attempts:
                    await self._dead_letter("processor-failed", body, event.bericht_id, failures, exc, msg)
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
                            headers={HEADER_ID: u.id, "event-type": u.event.type, "content-type": "application/json"},
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
        self, reason: str, body: bytes, bericht_id: str, attempts: int, exc: BaseException, msg: KafkaMessage
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
        record: Any = msg.raw_message
        headers = {HEADER_ID: bericht_id, "reason": reason, "content-type": "application/json"}
        if record is not None:
            headers.update(
                {"source-topic": record.topic, "source-partition": str(record.partition), "source-offset": str(record.offset)}
            )
        try:
            await self.broker.publish(
                letter.model_dump_json().encode(), self.topics.dead_letter, key=record.key if record else None, headers=headers
            )
        except KafkaError as publish_exc:  # do not ack: the group redelivers the event
            raise publish_exc from exc
        self.metrics.dead_letters.labels(reason=reason).inc()


def register_processors(
    broker: KafkaBroker,
    worker_factory: Callable[[Mapping[str, EventParser]], ProcessorWorker],
    topics: Topics,
    settings: BrokerSettings,
) -> Callable[[KafkaMessage], Awaitable[None]]:
    """Subscribe the processors to every normalised topic of hub.monitor.registry.EVENT_KINDS, manual ack."""
    load_plugins()
    parsers = {topics.normalised(kind): parse for kind, parse in EVENT_KINDS.items()}
    worker = worker_factory(parsers)

    @broker.subscriber(
        *parsers,
        group_id=PROCESSORS_GROUP,
        ack_policy=AckPolicy.MANUAL,
        title="processors",
        description="Stores the monitor's observations for every normalised event.",
        **group_options(settings),
    )
    async def on_event(msg: KafkaMessage) -> None:
        # The raw bytes: FastStream would decode an application/json value into a dict before we see it.
        await worker.handle(msg.body, msg)

    return on_event
