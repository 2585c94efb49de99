"""RawPublisher: raw inbound XML onto the inbound topic, held in a bounded buffer while the broker is away.

Order of effects for one message: 1 hand it to the Kafka producer (key `gemeente:aanbieder`, headers bericht-id,
ontvangen-op, content-type)  2 wait for the broker's acknowledgement  3 on failure keep it, in arrival order, in
the buffer that a background task retries with backoff. A full buffer refuses new messages (`BufferFull`, HTTP 503)
rather than accepting what the gateway cannot keep. A message the producer already holds is never sent twice by
us: the retry waits for the producer's own delivery and sends again only when the producer gave up on it. Should a
copy still arrive twice, the intake's idempotency on bericht-id makes the second a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from faststream.kafka import KafkaBroker

from consumers.intake import HEADER_ID, HEADER_RECEIVED
from hub.errors import BerichtUnreadable, TransientError
from hub.ijw.parse import ParseLimits, parse_bericht
from hub.topics import Topics, inbound_key, pair_key

__all__ = ["CONTENT_TYPE", "BufferFull", "RawPublisher", "inbound_key", "key_of"]

log = logging.getLogger("hub.gateway.publisher")

CONTENT_TYPE = "application/xml"


class BufferFull(TransientError):
    """The broker is unreachable and the buffer is full: refuse; the sender retries after `retry_after` seconds."""

    def __init__(self, retry_after: int, pending: int) -> None:
        super().__init__(f"the broker is unreachable and {pending} messages are waiting to be published")
        self.retry_after = retry_after
        self.pending = pending


def key_of(raw: bytes, limits: ParseLimits | None = None) -> str:
    """The inbound key read from the header of raw XML; `-:-` when unreadable (the intake judges that message)."""
    try:
        parsed = parse_bericht(raw, limits)
    except BerichtUnreadable:
        return pair_key(None, None)
    afzender = (parsed.root.findtext("{*}Header/{*}Afzender") or "").strip() or None
    ontvanger = (parsed.root.findtext("{*}Header/{*}Ontvanger") or "").strip() or None
    return inbound_key(parsed.info, afzender, ontvanger)


def _retrieve(future: asyncio.Future[Any]) -> None:
    # A producer future nobody awaits any more (shutdown) must not log "exception was never retrieved".
    if not future.cancelled():
        future.exception()


@dataclass(slots=True)
class _Pending:
    raw: bytes
    key: str
    headers: dict[str, str]
    bericht_id: str
    future: asyncio.Future[Any] | None = field(default=None)  # set once the producer holds the message


class RawPublisher:
    """Publishes raw messages to `topics.inbound` through a FastStream KafkaBroker; `start()` first, `stop()` last.

    `start()` connects the broker (a no-op when it is already connected, so a shared broker is fine) and starts the
    retry task. `owns_broker`: `stop()` also stops the broker; pass False when another component (the intake's
    FastStream app in `hub run --role all`) runs the same broker and stops it itself.
    """

    def __init__(
        self,
        broker: KafkaBroker,
        topics: Topics,
        *,
        capacity: int = 1000,
        send_timeout: float = 2.0,
        connect_timeout: float = 10.0,
        backoff: tuple[float, float] = (0.2, 5.0),
        owns_broker: bool = True,
    ) -> None:
        if capacity < 0:
            raise ValueError("capacity must be >= 0")
        self.broker = broker
        self.topics = topics
        self.capacity = capacity
        self.send_timeout = send_timeout
        self.connect_timeout = connect_timeout
        self.backoff = backoff
        self.owns_broker = owns_broker
        self._queue: deque[_Pending] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._connected = False
        self._healthy = True
        self._stopping = False
        self._delay = backoff[0]

    # -- state ---------------------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Messages accepted but not yet acknowledged by the broker (the buffer)."""
        return len(self._queue)

    @property
    def healthy(self) -> bool:
        """False from a failed publish until the buffer has drained again."""
        return self._healthy and self._connected

    @property
    def running(self) -> bool:
        """The retry task is alive (for liveness)."""
        return self._task is not None and not self._task.done()

    @property
    def retry_after(self) -> int:
        """Seconds a refused sender should wait: the current retry interval, at least 1."""
        return max(1, math.ceil(self._delay))

    # -- lifecycle -----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect (when owned) and start the retry task; an unreachable broker only degrades, it does not fail."""
        self._stopping = False
        try:
            await self._ensure_connected()
        except Exception as exc:  # the gateway serves (and buffers) while the broker comes up
            self._degrade(exc)
        self._task = asyncio.create_task(self._drain(), name="raw-publisher-retry")

    async def stop(self, grace: float = 20.0) -> None:
        """Refuse new messages, flush the buffer within `grace` seconds, then stop the broker (when owned)."""
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        if task is not None:
            done, _ = await asyncio.wait({task}, timeout=grace)
            if not done:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._queue:
            log.error("buffered messages not published at shutdown", extra={"pending": len(self._queue)})
        if self.owns_broker and self._connected:
            try:
                await asyncio.wait_for(self.broker.stop(), grace)
            except Exception as exc:  # shutting down anyway; say why it was not clean
                log.warning("broker did not stop cleanly", extra={"error": type(exc).__name__})
            self._connected = False

    # -- publishing ----------------------------------------------------------------------------------

    async def publish(
        self, raw: bytes, *, bericht_id: str, received_at: datetime, key: str | None = None
    ) -> None:
        """Publish (or buffer) one raw message; raises BufferFull when it can neither publish nor keep it."""
        item = _Pending(
            raw=raw,
            key=key if key is not None else key_of(raw),
            headers={
                HEADER_ID: bericht_id,
                HEADER_RECEIVED: received_at.astimezone(UTC).isoformat(),
                "content-type": CONTENT_TYPE,
            },
            bericht_id=bericht_id,
        )
        if self._stopping:
            raise BufferFull(self.retry_after, len(self._queue))
        if self._queue or not self.healthy:  # behind the buffered ones, to keep arrival order
            self._enqueue(item)
            return
        try:
            await self._send(item)
        except Exception as exc:
            self._degrade(exc)
            if item.future is None and len(self._queue) >= self.capacity:
                raise BufferFull(self.retry_after, len(self._queue)) from exc
            # Kept even beyond capacity when the producer already holds it: refusing would invite a resend.
            self._queue.append(item)
            self._wake.set()

    def _enqueue(self, item: _Pending) -> None:
        if len(self._queue) >= self.capacity:
            raise BufferFull(self.retry_after, len(self._queue))
        self._queue.append(item)
        self._wake.set()

    async def _ensure_connected(self) -> None:
        if not self._connected:
            await asyncio.wait_for(self.broker.connect(), self.connect_timeout)
            self._connected = True

    async def _send(self, item: _Pending) -> None:
        """Hand the message to the producer (once) and wait for the broker's acknowledgement."""
        if item.future is None:
            async with asyncio.timeout(self.send_timeout):
                future = await self.broker.publish(
                    item.raw,
                    self.topics.inbound,
                    key=item.key.encode(),
                    headers=item.headers,
                    no_confirm=True,
                )
            future.add_done_callback(_retrieve)
            item.future = future
        future = item.future
        try:
            async with asyncio.timeout(self.send_timeout):
                await asyncio.shield(future)
        except asyncio.CancelledError:
            if not future.cancelled():
                raise  # we are being cancelled ourselves
            item.future = None
            raise TransientError("the producer dropped the message") from None
        except TimeoutError:
            raise  # still held by the producer: wait for the same future next time
        except Exception:
            item.future = None  # the producer gave up on it: send it again
            raise

    async def _drain(self) -> None:
        """Connect when not connected, then retry the buffered messages in order, with exponential backoff."""
        while True:
            if self._connected and not self._queue:
                self._wake.clear()
                if self._stopping:
                    return
                await self._wake.wait()
                continue
            if self._stopping and not self._queue:
                return
            try:
                await self._ensure_connected()
                if self._queue:
                    await self._send(self._queue[0])
                    self._queue.popleft()
            except Exception as exc:
                self._degrade(exc)
                await asyncio.sleep(self._delay)
                self._delay = min(self._delay * 2, self.backoff[1])
                continue
            if not self._queue:
                self._recover()

    def _degrade(self, exc: BaseException) -> None:
        if self._healthy:  # one line per outage, not one per retry
            log.warning(
                "broker unreachable; buffering inbound messages",
                extra={"error": type(exc).__name__, "pending": len(self._queue)},
            )
        self._healthy = False

    def _recover(self) -> None:
        if not self._healthy:
            log.info("broker reachable again; buffer flushed")
        self._healthy = True
        self._delay = self.backoff[0]
