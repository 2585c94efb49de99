"""RawPublisher: raw inbound XML onto the inbound topic, spooled in the store while the broker is away.

Order of effects for one message: 1 hand it to the Kafka producer (key `gemeente:aanbieder`, headers bericht-id,
ontvangen-op, content-type)  2 wait for the broker's acknowledgement  3 on failure write it, behind the spooled
ones, to the store's spool (hub.store.spool) and commit; only then is it accepted (202). A background task
publishes the spool oldest first, with backoff, and deletes each row after the broker's acknowledgement, also
the rows a gateway that stopped unexpectedly left behind. A full spool, or a store that is away too, refuses
the message (`BufferFull`, `SpoolUnavailable`: HTTP 503) rather than accepting what the gateway cannot keep.
A message the producer already holds is not sent again by this gateway: the retry waits for the producer's own
delivery and sends again only when the producer gave up on it. Should a copy still arrive twice (another
replica took over the row, a delete failed), the intake's idempotency on bericht-id makes the second a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka.errors import MessageSizeTooLargeError, TopicAuthorizationFailedError
from faststream.kafka import KafkaBroker
from sqlalchemy.exc import SQLAlchemyError

from consumers.intake import HEADER_ID, HEADER_RECEIVED
from hub.errors import BerichtUnreadable, TransientError
from hub.ijw.parse import ParseLimits, parse_bericht
from hub.store.spool import Spool, Spooled, SpoolFull
from hub.topics import Topics, inbound_key, pair_key

__all__ = [
    "CONTENT_TYPE",
    "BufferFull",
    "NotKept",
    "RawPublisher",
    "SpoolUnavailable",
    "inbound_key",
    "key_of",
]

log = logging.getLogger("hub.gateway.publisher")

CONTENT_TYPE = "application/xml"

# What a broker refuses for a message however often it is sent, until an operator changes the configuration (the
# producer's or the topic's size limit, an ACL). Such a spooled row is set aside so the ones behind it go on.
REFUSED_FOR_GOOD = (MessageSizeTooLargeError, TopicAuthorizationFailedError)


class NotKept(TransientError):
    """The broker is unreachable and the message could not be spooled: refuse; retry after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int, pending: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.pending = pending


class BufferFull(NotKept):
    """The broker is unreachable and the spool is full (HUB_GATEWAY_BUFFER rows), or the gateway is stopping."""

    def __init__(self, retry_after: int, pending: int) -> None:
        super().__init__(
            f"the broker is unreachable and {pending} messages are waiting to be published",
            retry_after,
            pending,
        )


class SpoolUnavailable(NotKept):
    """The broker is unreachable and the store did not take the message either."""

    def __init__(self, retry_after: int, pending: int) -> None:
        super().__init__("the broker and the store are unreachable", retry_after, pending)


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
    received_at: datetime
    future: asyncio.Future[Any] | None = field(default=None)  # set once the producer holds the message


class RawPublisher:
    """Publishes raw messages to `topics.inbound` through a FastStream KafkaBroker; `start()` first, `stop()` last.

    `start()` connects the broker (a no-op when it is already connected, so a shared broker is fine) and starts the
    task that publishes the spool. `owns_broker`: `stop()` also stops the broker; pass False when another
    component (the intake's FastStream app in `hub run --role all`) runs the same broker and stops it itself.
    `capacity` bounds the spool's rows (of every gateway on the store); `poll` is how often an idle gateway looks
    for rows another one left; `store_timeout` bounds a spool write a sender waits for, and the look at start.
    A row the broker refuses for good stays in the spool, is passed over, and is tried again every
    `retry_refused` seconds (the configuration may have been mended meanwhile).
    """

    def __init__(
        self,
        broker: KafkaBroker,
        topics: Topics,
        spool: Spool,
        *,
        capacity: int = 1000,
        send_timeout: float = 2.0,
        connect_timeout: float = 10.0,
        store_timeout: float = 10.0,
        backoff: tuple[float, float] = (0.2, 5.0),
        poll: float = 10.0,
        batch: int = 50,
        retry_refused: float = 600.0,
        owns_broker: bool = True,
    ) -> None:
        if capacity < 0:
            raise ValueError("capacity must be >= 0")
        self.broker = broker
        self.topics = topics
        self.spool = spool
        self.capacity = capacity
        self.send_timeout = send_timeout
        self.connect_timeout = connect_timeout
        self.store_timeout = store_timeout
        self.backoff = backoff
        self.poll = poll
        self.batch = batch
        self.retry_refused = retry_refused
        self.owns_broker = owns_broker
        self._spooled = 0  # rows in the spool as last seen: new messages go behind them
        self._adds = 0  # messages this publisher spooled, so a count that may have missed one is known
        self._held: dict[int, asyncio.Future[Any]] = {}  # spooled rows the producer still holds
        self._acked: set[int] = set()  # rows the broker acknowledged whose delete failed
        self._refused: dict[int, float] = {}  # rows set aside (REFUSED_FOR_GOOD) -> when, on the loop's clock
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._connected = False
        self._healthy = True
        self._store_ok = True
        self._stopping = False
        self._delay = backoff[0]

    # -- state ---------------------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        """Messages accepted but not yet acknowledged by the broker: the spool's rows, as last seen."""
        return self._spooled

    @property
    def healthy(self) -> bool:
        """False from a failed publish until the spool has drained again."""
        return self._healthy and self._connected

    @property
    def running(self) -> bool:
        """The task that publishes the spool is alive (for liveness)."""
        return self._task is not None and not self._task.done()

    @property
    def retry_after(self) -> int:
        """Seconds a refused sender should wait: the current retry interval, at least 1."""
        return max(1, math.ceil(self._delay))

    # -- lifecycle -----------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect (when owned), find what is spooled and start publishing it; an unreachable broker only degrades."""
        self._stopping = False
        try:
            await self._ensure_connected()
        except Exception as exc:  # the gateway serves (and spools) while the broker comes up
            self._degrade(exc)
        await self._recount()  # rows an earlier gateway left: new messages go behind them
        if self._spooled:
            log.info("spooled messages found at start; publishing them", extra={"pending": self._spooled})
        self._task = asyncio.create_task(self._drain(), name="raw-publisher-retry")

    async def stop(self, grace: float = 20.0) -> None:
        """Refuse new messages, publish the spool within `grace` seconds, then stop the broker (when owned)."""
        self._stopping = True
        self._wake.set()
        task, self._task = self._task, None
        if task is not None:
            done, _ = await asyncio.wait({task}, timeout=grace)
            if not done:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        with contextlib.suppress(
            SQLAlchemyError, TimeoutError
        ):  # unreleased, the claim lapses after the lease
            await asyncio.wait_for(asyncio.to_thread(self.spool.release), self.store_timeout)
        if self._spooled:
            log.warning(
                "spooled messages not published at shutdown; a gateway publishes them when it starts",
                extra={"pending": self._spooled},
            )
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
        """Publish or spool one raw message; raises NotKept (BufferFull, SpoolUnavailable) when it can do neither."""
        item = _Pending(
            raw=raw,
            key=key if key is not None else key_of(raw),
            headers={
                HEADER_ID: bericht_id,
                HEADER_RECEIVED: received_at.astimezone(UTC).isoformat(),
                "content-type": CONTENT_TYPE,
            },
            bericht_id=bericht_id,
            received_at=received_at,
        )
        if self._stopping:
            raise BufferFull(self.retry_after, self._spooled)
        if self._spooled or not self.healthy:  # behind the spooled ones, to keep arrival order
            await self._spool(item, bounded=True)
            return
        try:
            await self._send(item)
        except Exception as exc:
            self._degrade(exc)
            # Kept even beyond capacity when the producer already holds it: refusing would invite a resend.
            await self._spool(item, bounded=item.future is None)

    async def _spool(self, item: _Pending, *, bounded: bool) -> None:
        """Write the message to the store's spool and commit: from then on it survives this process."""
        add = functools.partial(
            self.spool.add,
            bericht_id=item.bericht_id,
            key=item.key,
            headers=item.headers,
            raw=item.raw,
            received_at=item.received_at,
            capacity=self.capacity if bounded else None,
        )
        try:
            # A write that outlasts the timeout may still commit: then the sender's resend is a duplicate, which
            # the intake answers with the first one's retour.
            added = await asyncio.wait_for(asyncio.to_thread(add), self.store_timeout)
        except SpoolFull as full:
            self._spooled = full.pending
            raise BufferFull(self.retry_after, full.pending) from None
        except (SQLAlchemyError, TimeoutError) as exc:
            self._store_failed(exc)
            raise SpoolUnavailable(self.retry_after, self._spooled) from exc
        self._store_recovered()
        if item.future is not None:
            self._held[added.id] = item.future
        self._adds += 1
        self._spooled = added.pending
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

    # -- the spool -----------------------------------------------------------------------------------

    async def _drain(self) -> None:
        """Connect when not connected, then publish the spool oldest first, with exponential backoff on failure."""
        while True:
            if self._connected and not self._spooled:
                self._wake.clear()
                if self._stopping:
                    return
                await self._idle()
                continue
            if self._stopping and not self._spooled:
                return
            try:
                await self._ensure_connected()
                claimed = await self._publish_spooled() if self._spooled else True
            except Exception as exc:
                with contextlib.suppress(SQLAlchemyError):  # let another gateway try while this one waits
                    await asyncio.to_thread(self.spool.release)
                if isinstance(exc, SQLAlchemyError):
                    self._store_failed(exc)
                else:
                    self._degrade(exc)
                await asyncio.sleep(self._delay)
                self._delay = min(self._delay * 2, self.backoff[1])
                continue
            if not claimed:  # another gateway is publishing the spool: its turn
                if self._stopping:
                    return
                await asyncio.sleep(self.backoff[1])
            elif not self._spooled:
                self._recover()

    async def _idle(self) -> None:
        """Wait for a spooled message; every `poll` seconds look for rows another gateway left."""
        try:
            async with asyncio.timeout(self.poll):
                await self._wake.wait()
        except TimeoutError:
            await self._recount()

    async def _count(self) -> int:
        """Rows in the spool; at least 1 when a message was spooled meanwhile, which the count may have missed."""
        adds = self._adds
        counted = await asyncio.wait_for(asyncio.to_thread(self.spool.count), self.store_timeout)
        counted = max(
            counted - len(self._still_refused()), 0
        )  # rows set aside wait for their retry, not in line
        return counted if self._adds == adds else max(counted, 1)

    async def _recount(self) -> None:
        try:
            self._spooled = await self._count()
        except (SQLAlchemyError, TimeoutError) as exc:  # the drain looks again later
            self._store_failed(exc)
        else:
            self._store_recovered()

    async def _publish_spooled(self) -> bool:
        """Publish one claimed batch, deleting each row after its acknowledgement; False: another gateway's turn."""
        rows = await asyncio.to_thread(self.spool.claim, self.batch, self._still_refused())
        self._store_recovered()
        if not rows:
            self._spooled = await self._count()
            return not self._spooled
        self._forget_before(rows[0].id)
        for row in rows:
            if row.id not in self._acked:
                try:
                    await self._send_row(row)
                except REFUSED_FOR_GOOD as exc:
                    await self._set_aside(row, exc)
                    continue
                self._acked.add(row.id)
            await asyncio.to_thread(self.spool.delete, row.id)
            self._acked.discard(row.id)
        # Counted again, with what was spooled meanwhile; until then new messages stay behind these.
        self._spooled = await self._count()
        return True

    async def _send_row(self, row: Spooled) -> None:
        item = _Pending(
            row.raw, row.key, row.headers, row.bericht_id, row.received_at, self._held.pop(row.id, None)
        )
        try:
            await self._send(item)
        except BaseException:
            # Still the producer's (or delivered just as the wait ran out): wait for that one next time.
            if item.future is not None:
                self._held[row.id] = item.future
            raise

    def _still_refused(self) -> tuple[int, ...]:
        """The rows set aside whose next try is not due yet."""
        now = asyncio.get_running_loop().time()
        self._refused = {i: at for i, at in self._refused.items() if now - at < self.retry_refused}
        return tuple(self._refused)

    async def _set_aside(self, row: Spooled, exc: BaseException) -> None:
        """Keep a row the broker refuses for good in the spool, unclaimed, and go on with the ones behind it."""
        await asyncio.to_thread(self.spool.unclaim, row.id)
        if row.id not in self._refused:
            log.error(
                "a spooled message is refused by the broker; kept in the spool, the ones behind it go on",
                extra={
                    "bericht_id": row.bericht_id,
                    "error": type(exc).__name__,
                    "retry_in_s": self.retry_refused,
                },
            )
        self._refused[row.id] = asyncio.get_running_loop().time()

    def _forget_before(self, oldest: int) -> None:
        # Rows older than the oldest claimed one are gone (published by this or another gateway).
        for row_id in [i for i in self._held if i < oldest]:
            del self._held[row_id]
        self._acked = {i for i in self._acked if i >= oldest}

    # -- log lines: one per outage, not one per retry ----------------------------------------------------

    def _degrade(self, exc: BaseException) -> None:
        if self._healthy:
            log.warning(
                "broker unreachable; spooling inbound messages",
                extra={"error": type(exc).__name__, "pending": self._spooled},
            )
        self._healthy = False

    def _recover(self) -> None:
        if not self._healthy:
            log.info("broker reachable again; spool published")
        self._healthy = True
        self._delay = self.backoff[0]

    def _store_failed(self, exc: BaseException) -> None:
        if self._store_ok:
            log.warning("spool unavailable: the store did not answer", extra={"error": type(exc).__name__})
        self._store_ok = False

    def _store_recovered(self) -> None:
        if not self._store_ok:
            log.info("spool available again")
        self._store_ok = True
