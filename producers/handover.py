"""Handing an accepted message to the inbound topic, and the 503 a sender gets when the publisher cannot keep it."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

from producers.problems import ProblemError
from producers.publisher import BufferFull, NotKept

log = logging.getLogger("hub.gateway")


class InboundPublisher(Protocol):
    """What the gateway needs of producers.publisher.RawPublisher (tests pass a fake)."""

    async def publish(
        self, raw: bytes, *, bericht_id: str, received_at: datetime, key: str | None = None
    ) -> None: ...


async def hand_over(
    publisher: InboundPublisher,
    raw: bytes,
    *,
    bericht_id: str,
    received_at: datetime,
    key: str | None,
    extra: dict[str, Any],
) -> None:
    """Publish the raw bytes, or have them spooled in the store; 503 with Retry-After when neither can be done.

    A return means the message is on the broker or committed to the store: only then may the sender get 202.
    `extra`: the log fields of the message (ids only, never a body).
    """
    try:
        await publisher.publish(raw, bericht_id=bericht_id, received_at=received_at, key=key)
    except NotKept as refused:
        if isinstance(refused, BufferFull):
            log.warning("bericht refused: broker unreachable and spool full", extra=extra)
        else:
            log.warning("bericht refused: broker unreachable and spool unavailable", extra=extra)
        raise ProblemError(
            503,
            "unavailable",
            "Broker unreachable",
            "the hub cannot keep more messages now; retry later",
            headers={"Retry-After": str(refused.retry_after)},
        ) from None
