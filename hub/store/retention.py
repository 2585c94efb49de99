"""Retention of the personal data in the audit log: a retour's XML is cleared some days after its delivery.

A retourbericht may copy the heenbericht's Client (BSN, name). The audit row itself (identity, outcome, rule
codes, timestamps, the pseudonymised event) is kept; `retour_purged_at` records the clearing, so track and
trace can tell "removed after the retention period" from "no retour". A retour not yet delivered is never
cleared: a redelivery to the intake publishes it again from the row.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, col, select

from hub.store.db import SessionFactory, run
from hub.store.tables import BerichtRecord, UtcDateTime

BATCH = 1000  # rows per transaction: a long write would hold up the intake (SQLite has one writer at a time)
DAY = 24 * 3600.0

log = logging.getLogger("hub.store")

# Built once, with bind parameters (as hub.store.audit does).
_DUE = (
    col(BerichtRecord.retour).is_not(None),
    col(BerichtRecord.retour_delivered_at).is_not(None),
    col(BerichtRecord.retour_delivered_at) < bindparam("before", type_=UtcDateTime()),
)
_COUNT = select(func.count()).select_from(BerichtRecord).where(*_DUE)
# Keyset paging on the primary key: one pass over the table in all, however many rows are due, and no index on
# retour_delivered_at for the intake to maintain.
_NEXT = (
    select(BerichtRecord.id)
    .where(*_DUE, col(BerichtRecord.id) > bindparam("after"))
    .order_by(col(BerichtRecord.id))
    .limit(bindparam("limit"))
)
_CLEAR = (
    update(BerichtRecord)
    # Due still: a purge on another replica may have cleared some since they were selected.
    .where(col(BerichtRecord.id).in_(bindparam("ids", expanding=True)), *_DUE)
    .values(retour=None, retour_purged_at=bindparam("purged_at", type_=UtcDateTime()))
)


def cutoff(days: int, now: datetime) -> datetime:
    """Retouren delivered before this moment are older than `days` days."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    return now - timedelta(days=days)


def count_due(session: Session, before: datetime) -> int:
    """How many messages have a retour delivered before `before` that is still stored (the dry run)."""
    return int(run(session, _COUNT, {"before": before}).scalar_one())


def purge_batch(
    session: Session, before: datetime, now: datetime, *, after: str = "", limit: int = BATCH
) -> list[str]:
    """Clear the retour of up to `limit` due messages with an id above `after`; their ids. Never commits."""
    ids = [r.id for r in run(session, _NEXT, {"before": before, "after": after, "limit": limit})]
    if ids:
        run(session, _CLEAR, {"ids": ids, "before": before, "purged_at": now})
    return ids


def _utcnow() -> datetime:
    return datetime.now(UTC)


def purge(
    sessions: SessionFactory, before: datetime, *, now: datetime | None = None, batch: int = BATCH
) -> int:
    """Clear the retour XML of every message whose retour was delivered before `before`; one commit per batch.

    Returns how many were cleared. Safe to run again, or on several replicas at once: a cleared retour is no
    longer due, and a crash midway leaves whole batches done and the rest for the next run.
    """
    when = now or _utcnow()
    cleared, after = 0, ""
    while True:
        with sessions() as session:
            ids = purge_batch(session, before, when, after=after, limit=batch)
            session.commit()
        cleared += len(ids)
        if len(ids) < batch:
            return cleared
        after = ids[-1]


async def retention_loop(
    sessions: SessionFactory, days: int, *, interval: float = DAY, clock: Callable[[], datetime] = _utcnow
) -> None:
    """Clear retouren delivered more than `days` days ago, now and every `interval` seconds, until cancelled.

    A failed round (the store away) waits for the next one: the retention is a daily chore, not a deadline.
    """
    while True:
        now = clock()
        try:
            cleared = await asyncio.to_thread(purge, sessions, cutoff(days, now), now=now)
        except Exception as exc:  # the loop must outlive one failed round; no str(exc): it may quote data
            log.warning("retour retention postponed", extra={"error": type(exc).__name__})
        else:
            if cleared:
                extra = {"cleared": cleared, "days": days}
                log.info("retour XML cleared after the retention period", extra=extra)
        await asyncio.sleep(interval)
