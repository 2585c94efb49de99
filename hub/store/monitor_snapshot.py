"""The domain metrics as last computed, kept in the store so that replicas take turns computing them.

Each replica of the processors used to compute every domain metric from the store at each scrape: the database's
share grew with the history times the replicas. With a maximum age, the first replica to find the kept copy too
old claims the row, computes, and writes the copy back; the others serve the kept copy meanwhile. The claim is a
conditional UPDATE (one winner on SQLite and PostgreSQL alike) with a lease, so a replica that dies while
computing holds up nobody for longer than LEASE. What is kept is text the caller encodes; nothing here knows
Prometheus. No personal data: the metrics carry none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from hub.store.db import SessionFactory, run
from hub.store.monitor_tables import SnapshotRecord
from hub.store.tables import UtcDateTime, table_of

__all__ = ["LEASE", "Kept", "Snapshots"]

# Longer than a computation takes (a scrape times out after 10 s): a second replica starts only after a crash.
LEASE = timedelta(seconds=60)

_T = table_of(SnapshotRecord)
_NOW = bindparam("now", type_=UtcDateTime())
_UNTIL = bindparam("until", type_=UtcDateTime())
_READ = select(_T.c.vandaag, _T.c.computed_at, _T.c.families).where(_T.c.sleutel == bindparam("key"))
_CLAIM = (
    update(_T)
    .where(_T.c.sleutel == bindparam("key"), or_(_T.c.claimed_until.is_(None), _T.c.claimed_until <= _NOW))
    .values(claimed_until=_UNTIL)
)
_FIRST = insert(_T).values(sleutel=bindparam("key"), claimed_until=_UNTIL)
_SAVE = (
    update(_T)
    .where(_T.c.sleutel == bindparam("key"))
    .values(
        vandaag=bindparam("day"),
        computed_at=bindparam("at", type_=UtcDateTime()),
        families=bindparam("kept"),
    )
)
# Only the claim this replica holds: one that lapsed and was taken by another replica stays that replica's.
_RELEASE = (
    update(_T)
    .where(_T.c.sleutel == bindparam("key"), _T.c.claimed_until == _UNTIL)
    .values(claimed_until=None)
)


@dataclass(frozen=True, slots=True)
class Kept:
    """The copy in the store: computed as of `vandaag`, at `computed_at`."""

    vandaag: date
    computed_at: datetime
    families: str


class Snapshots:
    """The kept copy under one key (`sleutel`: what the copy holds), read, claimed, saved and released."""

    def __init__(self, sessions: SessionFactory, sleutel: str) -> None:
        self.sessions = sessions
        self.sleutel = sleutel

    def read(self) -> Kept | None:
        """The kept copy, or None when none was saved yet."""
        with self.sessions() as session:
            row = run(session, _READ, {"key": self.sleutel}).first()
        if row is None or row.families is None or row.vandaag is None or row.computed_at is None:
            return None
        return Kept(row.vandaag, row.computed_at, row.families)

    def claim(self, now: datetime) -> datetime | None:
        """Claim the computing until now + LEASE, unless another replica's claim holds: the claim's end, or None."""
        until = now + LEASE
        with self.sessions() as session:
            claimed = run(session, _CLAIM, {"key": self.sleutel, "now": now, "until": until}).rowcount == 1
            session.commit()
        if claimed:
            return until
        try:
            with self.sessions() as session:
                run(session, _FIRST, {"key": self.sleutel, "until": until})
                session.commit()
        except IntegrityError:  # the row exists: another replica's claim holds (or just took it)
            return None
        return until

    def save(self, vandaag: date, computed_at: datetime, families: str, until: datetime) -> None:
        """Keep a new copy and end the claim that ends at `until`."""
        params = {"key": self.sleutel, "until": until}
        with self.sessions() as session:
            run(session, _SAVE, {**params, "day": vandaag, "at": computed_at, "kept": families})
            run(session, _RELEASE, params)
            session.commit()

    def release(self, until: datetime) -> None:
        """End the claim that ends at `until` without a new copy (the computing failed): another replica may try."""
        with self.sessions() as session:
            run(session, _RELEASE, {"key": self.sleutel, "until": until})
            session.commit()
