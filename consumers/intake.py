"""The intake subscriber: raw XML from the inbound topic through `hub.intake`, answers and events out.

Order per message: 1 judge + store in one transaction (a worker thread; the event loop keeps the group
heartbeat)  2 publish retour, event or dead letter  3 mark published  4 commit the offset. A crash anywhere
replays the message; step 1 then finds the identity row and the replay publishes what is missing only.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka.errors import KafkaError  # type: ignore[import-untyped]
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from consumers.broker import BrokerSettings, group_options
from consumers.lag import observe_lag
from hub.errors import TransientError
from hub.events.models import TOPIC_KIND, DeadLetter
from hub.intake import OUTCOME_DUPLICATE, Intake, IntakeResult
from hub.metrics import HubMetrics
from hub.topics import Topics

log = logging.getLogger("hub.intake")

INTAKE_GROUP = "ijw-hub-intake"
HEADER_ID = "bericht-id"
HEADER_RECEIVED = "ontvangen-op"


def bericht_id_for(msg: KafkaMessage) -> str:
    """The door's id header, or one derived from the record so that a redelivery keeps its id."""
    headers = msg.headers or {}
    given = headers.get(HEADER_ID)
    if given:
        return str(given)
    record = msg.raw_message
    return uuid.uuid5(uuid.NAMESPACE_URL, f"kafka:{record.topic}/{record.partition}/{record.offset}").hex  # type: ignore[union-attr]


def received_at_for(msg: KafkaMessage) -> datetime:
    headers = msg.headers or {}
    value = headers.get(HEADER_RECEIVED)
    if value:
        try:
            return datetime.fromisoformat(str(value))
        except ValueError:
            pass
    return datetime.now(UTC)


@dataclass
class IntakeWorker:
    """Binds the transport-free intake to a broker: publishing and marking what was published."""

    intake: Intake
    broker: KafkaBroker
    topics: Topics
    metrics: HubMetrics
    mark_published: Callable[[str], None]
    max_attempts: int = 5
    backoff_seconds: float = 0.2
    on_done: Callable[[str], None] | None = None  # `hub process` counts what has drained

    async def handle(self, body: bytes, msg: KafkaMessage) -> None:
        bericht_id = bericht_id_for(msg)
        received_at = received_at_for(msg)
        key = msg.raw_message.key if msg.raw_message is not None else None  # type: ignore[union-attr]
        start = time.perf_counter()
        attempt = failures = 0
        while True:
            attempt += 1
            try:
                result = await asyncio.to_thread(self.intake.verwerk, body, bericht_id=bericht_id, received_at=received_at)
                await self.publish(result, key)
                _log_judged(result)
                break
            except (TransientError, KafkaError) as exc:
                # The store or the broker is down, not the message: wait and retry, never dead-letter.
                log.warning("dependency unavailable, retrying", extra={"bericht_id": bericht_id, "error": type(exc).__name__})
                await asyncio.sleep(min(self.backoff_seconds * 2 ** min(attempt, 6), 10.0))
            except Exception as exc:  # one poison message must not block its partition
                failures += 1
                log.warning(
                    "processing failed", extra={"bericht_id": bericht_id, "attempt": failures, "error": type(exc).__name__}
                )
                if failures >= self.max_attempts:
                    await self.dead_letter(body, bericht_id, received_at, failures, exc, msg)
                    break
                await asyncio.sleep(self.backoff_seconds * 2 ** (failures - 1))
        self.metrics.processing_seconds.labels(stage="intake").observe(time.perf_counter() - start)
        await msg.ack()
        await observe_lag(self.metrics, INTAKE_GROUP, getattr(msg, "consumer", None))
        if self.on_done is not None:
            self.on_done(bericht_id)

    async def publish(self, result: IntakeResult, key: bytes | None) -> None:
        fresh = result.outcome != OUTCOME_DUPLICATE and not result.redelivered
        if fresh:
            self.metrics.judged(result.bericht, result.outcome, [v.rule for v in result.errors])
        else:
            self.metrics.judged(result.bericht, OUTCOME_DUPLICATE, [])
        if result.already_published:
            return
        start = time.perf_counter()
        headers = {HEADER_ID: result.bericht_id}
        if result.retour is not None and result.retour_bericht:
            await self.broker.publish(
                result.retour,
                self.topics.retour,
                key=key,
                headers={
                    **headers,
                    "bericht": result.retour_bericht,
                    "ontvanger": result.retour_ontvanger or "",
                    "content-type": "application/xml",
                },
            )
            if fresh:
                self.metrics.retour.labels(bericht=result.retour_bericht).inc()
        if result.event is not None:
            topic = self.topics.normalised(TOPIC_KIND[type(result.event)])
            await self.broker.publish(
                result.event.model_dump_json().encode(),
                topic,
                key=(result.key or "").encode() or None,
                headers={**headers, "event-type": result.event.type, "content-type": "application/json"},
            )
        if result.outcome == "malformed":
            await self._publish_dead_letter(
                DeadLetter(
                    reason="malformed",
                    error="; ".join(f"{v.rule} at {v.location or '-'}" for v in result.errors)[:2000],
                    bericht_id=result.bericht_id,
                    raw_size=0,
                    first_seen=datetime.now(UTC),
                    attempts=1,
                ),
                key,
            )
        await asyncio.to_thread(self.mark_published, result.bericht_id)
        self.metrics.processing_seconds.labels(stage="publish").observe(time.perf_counter() - start)

    async def dead_letter(
        self, body: bytes, bericht_id: str, received_at: datetime, attempts: int, exc: BaseException, msg: KafkaMessage
    ) -> None:
        """After the last attempt: the dead-letter topic, and a 0001 retour when the message has a header."""
        letter = DeadLetter(
            reason="processing-failed",
            error=f"{type(exc).__name__} after {attempts} attempts",  # no str(exc): it may quote content
            bericht_id=bericht_id,
            raw_size=len(body),
            first_seen=received_at,
            attempts=attempts,
        )
        key = msg.raw_message.key if msg.raw_message is not None else None  # type: ignore[union-attr]
        try:
            await self._publish_dead_letter(letter, key, msg)
            retour = await asyncio.to_thread(self.intake.technical_retour, body)
            if retour is not None:
                xml, retour_bericht, ontvanger = retour
                await self.broker.publish(
                    xml,
                    self.topics.retour,
                    key=key,
                    headers={
                        HEADER_ID: bericht_id,
                        "bericht": retour_bericht,
                        "ontvanger": ontvanger,
                        "content-type": "application/xml",
                    },
                )
                self.metrics.retour.labels(bericht=retour_bericht).inc()
        except Exception as publish_exc:  # the broker itself is gone: do not ack, let the group redeliver
            raise publish_exc from exc

    async def _publish_dead_letter(self, letter: DeadLetter, key: bytes | None, msg: KafkaMessage | None = None) -> None:
        headers = {HEADER_ID: letter.bericht_id or "", "reason": letter.reason, "content-type": "application/json"}
        if msg is not None and msg.raw_message is not None:
            record: Any = msg.raw_message
            headers.update(
                {"source-topic": record.topic, "source-partition": str(record.partition), "source-offset": str(record.offset)}
            )
        await self.broker.publish(letter.model_dump_json().encode(), self.topics.dead_letter, key=key, headers=headers)
        self.metrics.dead_letters.labels(reason=letter.reason).inc()


def _log_judged(result: IntakeResult) -> None:
    """One line per message with its correlation fields and rule codes; never its content (BSN, names)."""
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
) -> Callable[[bytes, KafkaMessage], Awaitable[None]]:
    """Subscribe the intake to the inbound topic with manual acknowledgement (commit after publishing)."""
    worker: IntakeWorker | None = None

    @broker.subscriber(topics.inbound, group_id=INTAKE_GROUP, ack_policy=AckPolicy.MANUAL, **group_options(settings))
    async def on_inbound(body: bytes, msg: KafkaMessage) -> None:
        nonlocal worker
        if worker is None:
            worker = worker_factory()
        await worker.handle(body, msg)

    return on_inbound
