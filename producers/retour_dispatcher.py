"""The retour dispatcher: delivers retourberichten from the retour topic and records their delivery.

Delivery here means: written to the outbox directory of the receiver (`<dir>/<afzender of the heenbericht>/`),
where a backoffice's transport picks them up, and available at GET /berichten/{id}/retour. Idempotent: a
redelivered retour overwrites the same file and keeps the first delivery time.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from consumers.broker import BrokerSettings, group_options
from consumers.intake import HEADER_ID
from consumers.lag import observe_lag
from hub.errors import TransientError
from hub.metrics import HubMetrics
from hub.topics import Topics

RETOUR_GROUP = "ijw-hub-retour"
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass
class RetourDispatcher:
    outbox: Path | None
    mark_delivered: Callable[[str], bool]  # returns True the first time
    metrics: HubMetrics
    file_name: Callable[[str, str], str] = lambda bericht_id, bericht: f"{bericht_id}.{bericht}.xml"
    per_receiver: bool = True  # one outbox directory per receiver; `hub process` writes one flat directory
    on_done: Callable[[str], None] | None = None

    def deliver(self, body: bytes, bericht_id: str, bericht: str, ontvanger: str) -> None:
        if self.outbox is not None:
            target = self.outbox / _SAFE.sub("_", ontvanger or "onbekend") if self.per_receiver else self.outbox
            target.mkdir(parents=True, exist_ok=True)
            tmp = target / f".{_SAFE.sub('_', self.file_name(bericht_id, bericht))}.tmp"
            tmp.write_bytes(body)
            tmp.replace(target / _SAFE.sub("_", self.file_name(bericht_id, bericht)))
        if self.mark_delivered(bericht_id):
            self.metrics.retour_delivered.labels(bericht=bericht).inc()

    async def handle(self, body: bytes, msg: KafkaMessage) -> None:
        headers = msg.headers or {}
        bericht_id = str(headers.get(HEADER_ID, ""))
        bericht = str(headers.get("bericht", "onbekend"))
        ontvanger = str(headers.get("ontvanger", ""))
        delay = 0.2
        while True:
            try:
                await asyncio.to_thread(self.deliver, body, bericht_id, bericht, ontvanger)
                break
            except (TransientError, OSError):  # store or outbox unavailable: retry, the retour must not be lost
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        await msg.ack()
        await observe_lag(self.metrics, RETOUR_GROUP, getattr(msg, "consumer", None))
        if self.on_done is not None:
            self.on_done(bericht_id)


def register_retour_dispatcher(
    broker: KafkaBroker, dispatcher: RetourDispatcher, topics: Topics, settings: BrokerSettings
) -> None:
    @broker.subscriber(topics.retour, group_id=RETOUR_GROUP, ack_policy=AckPolicy.MANUAL, **group_options(settings))
    async def on_retour(body: bytes, msg: KafkaMessage) -> None:
        await dispatcher.handle(body, msg)
