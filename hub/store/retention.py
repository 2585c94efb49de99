"""Retention of the personal data in the store: the XML of a retour or a GI102 is cleared days after delivery.

A retourbericht may copy the heenbericht's Client (BSN, name); a statusmelding (GI102) tells a GI how the care
of one of its clients goes. The rows themselves are kept: the audit row (identity, outcome, rule codes,
timestamps, the pseudonymised event), and the statusmelding's columns the linking and the monitor read.
`retour_purged_at` and `xml_purged_at` record the clearing, so track and trace can tell "removed after the
retention period" from "no retour". Nothing is cleared before its delivery: a redelivery to the intake
publishes a retour again from its row, and the processors send a statusmelding from its row.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, Update, bindparam, func, select, update
from sqlmodel import Session

from hub.store.db import SessionFactory, run
from hub.store.gi_tables import GiStatusmeldingRecord
from hub.store.tables import BerichtRecord, UtcDateTime, table_of

BATCH = 1000  # rows per transaction: a long write would hold up the intake (SQLite has one writer at a time)
DAY = 24 * 3600.0

log = logging.getLogger("hub.store")


@dataclass(frozen=True, slots=True)
class Bewaard:
    """One kind of XML the retention clears: its statements, built once with bind parameters."""

    count: Select[Any]
    next: Select[Any]
    clear: Update


def _bewaard(table: Any, due: tuple[Any, ...], cleared: dict[str, Any]) -> Bewaard:
    return Bewaard(
        count=select(func.count()).select_from(table).where(*due),
        # Keyset paging on the primary key: one pass over the table in all, however many rows are due, and no
        # index on the delivery time for the intake or the dispatcher to maintain.
        next=select(table.c.id)
        .where(*due, table.c.id > bindparam("after"))
        .order_by(table.c.id)
        .limit(bindparam("limit")),
        # Due still: a purge on another replica may have cleared some since they were selected.
        clear=update(table).where(table.c.id.in_(bindparam("ids", expanding=True)), *due).values(**cleared),
    )


_BEFORE = bindparam("before", type_=UtcDateTime())
_NOW = bindparam("purged_at", type_=UtcDateTime())
_B = table_of(BerichtRecord)
_S = table_of(GiStatusmeldingRecord)

RETOUREN = _bewaard(
    _B,
    (_B.c.retour.is_not(None), _B.c.retour_delivered_at.is_not(None), _B.c.retour_delivered_at < _BEFORE),
    {"retour": None, "retour_purged_at": _NOW},
)
# Only once the GI102 reached the GI's outbox (`afgeleverd_op`): one made or published but not delivered is
# still to send (hub_retour_pending counts it). `xml` is NOT NULL, so clearing leaves it empty.
STATUSMELDINGEN = _bewaard(
    _S,
    (_S.c.xml_purged_at.is_(None), _S.c.afgeleverd_op.is_not(None), _S.c.afgeleverd_op < _BEFORE),
    {"xml": "", "xml_purged_at": _NOW},
)


def cutoff(days: int, now: datetime) -> datetime:
    """Messages delivered before this moment are older than `days` days."""
    if days < 0:
        raise ValueError("days must be 0 or more")
    return now - timedelta(days=days)


def count_due(session: Session, before: datetime, what: Bewaard = RETOUREN) -> int:
    """How many rows have XML delivered before `before` that is still stored (the dry run)."""
    return int(run(session, what.count, {"before": before}).scalar_one())


def purge_batch(
    session: Session,
    before: datetime,
    now: datetime,
    *,
    after: str = "",
    limit: int = BATCH,
    what: Bewaard = RETOUREN,
) -> list[str]:
    """Clear the XML of up to `limit` due rows with an id above `after`; their ids. Never commits."""
    ids = [r.id for r in run(session, what.next, {"before": before, "after": after, "limit": limit})]
    if ids:
        run(session, what.clear, {"ids": ids, "before": before, "purged_at": now})
    return ids


def _utcnow() -> datetime:
    return datetime.now(UTC)


def purge(
    sessions: SessionFactory,
    before: datetime,
    *,
    now: datetime | None = None,
    batch: int = BATCH,
    what: Bewaard = RETOUREN,
) -> int:
    """Clear the XML of every row (default: the retouren) delivered before `before`; one commit per batch.

    Returns how many were cleared. Safe to run again, or on several replicas at once: a cleared row is no
    longer due, and a crash midway leaves whole batches done and the rest for the next run.
    """
    when = now or _utcnow()
    cleared, after = 0, ""
    while True:
        with sessions() as session:
            ids = purge_batch(session, before, when, after=after, limit=batch, what=what)
            session.commit()
        cleared += len(ids)
        if len(ids) < batch:
            return cleared
        after = ids[-1]


def purge_all(sessions: SessionFactory, before: datetime, *, now: datetime | None = None) -> tuple[int, int]:
    """Clear the retouren, then the statusmeldingen, delivered before `before`: how many of each."""
    when = now or _utcnow()
    return purge(sessions, before, now=when), purge(sessions, before, now=when, what=STATUSMELDINGEN)


async def retention_loop(
    sessions: SessionFactory, days: int, *, interval: float = DAY, clock: Callable[[], datetime] = _utcnow
) -> None:
    """Clear what was delivered over `days` days ago (purge_all), now and every `interval` s, until cancelled.

    A failed round (the store away) waits for the next one: the retention is a daily chore, not a deadline.
    """
    while True:
        now = clock()
        try:
            retouren, meldingen = await asyncio.to_thread(purge_all, sessions, cutoff(days, now), now=now)
        except Exception as exc:  # the loop must outlive one failed round; no str(exc): it may quote data
            log.warning("retour retention postponed", extra={"error": type(exc).__name__})
        else:
            if retouren:
                extra = {"cleared": retouren, "days": days}
                log.info("retour XML cleared after the retention period", extra=extra)
            if meldingen:
                extra = {"cleared": meldingen, "days": days}
                log.info("GI102 XML cleared after the retention period", extra=extra)
        await asyncio.sleep(interval)
