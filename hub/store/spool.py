"""The gateway's spool: inbound messages answered 202 while the broker was away, kept until it acknowledged them.

The gateway writes a message here (and commits) before it answers 202, so a gateway that stops unexpectedly
loses nothing: the next one to start publishes what is left. Rows are published oldest first (`id`) and each is
deleted after the broker's acknowledgement. Replicas that share one PostgreSQL take turns through a lease: a
gateway claims the oldest rows only while no other holds an unexpired claim, so two never publish the same row
at once and the order holds; a crashed gateway's claim lapses after `lease`. A row published twice after all (a
lapsed lease, a delete that failed) is harmless: the intake answers the second copy of a bericht-id from its
record. SQLite serves one process, whose one publisher claims alone. Nothing here knows Kafka.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, delete, exists, func, insert, select, text, update
from sqlmodel import Session

from hub.errors import TransientError
from hub.store.db import SessionFactory, run
from hub.store.tables import SpoolRecord, UtcDateTime, table_of

__all__ = ["Added", "Spool", "SpoolFull", "Spooled"]

# "ijwspool": the advisory lock that makes adds (count against the capacity) and claims (is another gateway
# publishing?) take turns on PostgreSQL; held until the transaction ends.
SPOOL_LOCK = 0x696A_7773_706F_6F6C
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")

_T = table_of(SpoolRecord)
_OTHER = _T.alias("other")
_NOW = bindparam("now", type_=UtcDateTime())
_UNTIL = bindparam("until", type_=UtcDateTime())
_COUNT = select(func.count()).select_from(_T)
_INSERT = insert(_T)
# The oldest rows, when no other gateway holds an unexpired claim (its own earlier claims are renewed).
_CLAIM = (
    update(_T)
    .where(
        _T.c.id.in_(
            select(_T.c.id)
            .where(_T.c.id.not_in(bindparam("skip", expanding=True)))
            .order_by(_T.c.id)
            .limit(bindparam("limit"))
        ),
        ~exists().where(_OTHER.c.claimed_by != bindparam("owner"), _OTHER.c.claimed_until > _NOW),
    )
    .values(claimed_by=bindparam("owner"), claimed_until=_UNTIL)
)
_CLAIMED = select(_T).where(_T.c.claimed_by == bindparam("owner")).order_by(_T.c.id)
_DELETE = delete(_T).where(_T.c.id == bindparam("row"))
_RENEW = update(_T).where(_T.c.claimed_by == bindparam("owner")).values(claimed_until=_UNTIL)
_RELEASE = update(_T).where(_T.c.claimed_by == bindparam("owner")).values(claimed_by=None, claimed_until=None)
_UNCLAIM = (
    update(_T)
    .where(_T.c.id == bindparam("row"), _T.c.claimed_by == bindparam("owner"))
    .values(claimed_by=None, claimed_until=None)
)


class SpoolFull(TransientError):
    """The spool holds `capacity` rows: the message is not kept (the gateway answers 503)."""

    def __init__(self, pending: int) -> None:
        super().__init__(f"the spool is full ({pending} messages)")
        self.pending = pending


@dataclass(frozen=True, slots=True)
class Spooled:
    """One spooled message, as it is to be published."""

    id: int  # the order: lower ids first
    bericht_id: str
    key: str
    headers: dict[str, str]
    raw: bytes
    received_at: datetime


class Added(NamedTuple):
    id: int  # the new row
    pending: int  # rows in the spool with it, of every gateway


class Spool:
    """The spool on the hub's store; one per publisher, whose claims it makes as `owner`. Each call commits."""

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        lease: timedelta = timedelta(seconds=15),
        owner: str | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sessions = sessions
        self.lease = lease
        self.owner = owner or uuid.uuid4().hex
        self.now = now

    def add(
        self,
        *,
        bericht_id: str,
        key: str,
        headers: Mapping[str, str],
        raw: bytes,
        received_at: datetime,
        capacity: int | None,
    ) -> Added:
        """Keep one message behind the spooled ones and commit; SpoolFull beyond `capacity` rows (None: no bound)."""
        with self.sessions() as session:
            _take_turns(session)
            result = run(
                session,
                _INSERT,
                {
                    "bericht_id": bericht_id,
                    "kafka_key": key,
                    "headers": dict(headers),
                    "raw": raw,
                    "received_at": received_at,
                },
            )
            # Counted after the insert, in its transaction: on SQLite the insert holds the write lock, on
            # PostgreSQL the advisory lock keeps other adds out, so no two adds both see room for one.
            pending = int(run(session, _COUNT, {}).scalar_one())
            if capacity is not None and pending > capacity:
                session.rollback()
                raise SpoolFull(pending - 1)
            session.commit()
            [row_id] = result.inserted_primary_key or (None,)
        assert isinstance(row_id, int)
        return Added(row_id, pending)

    def claim(self, limit: int, skip: Collection[int] = ()) -> list[Spooled]:
        """The oldest `limit` rows but `skip`, claimed for `lease`; [] when none or another gateway's claim holds."""
        now = self.now()
        with self.sessions() as session:
            _take_turns(session)
            params = {
                "owner": self.owner,
                "now": now,
                "until": now + self.lease,
                "limit": limit,
                "skip": list(skip),
            }
            run(session, _CLAIM, params)
            rows = run(session, _CLAIMED, {"owner": self.owner}).all()
            session.commit()
        return [
            Spooled(r.id, r.bericht_id, r.kafka_key, dict(r.headers), bytes(r.raw), r.received_at)
            for r in rows
        ]

    def delete(self, row_id: int) -> None:
        """Forget a published row, and renew the lease on the rest of this owner's claim."""
        with self.sessions() as session:
            run(session, _DELETE, {"row": row_id})
            run(session, _RENEW, {"owner": self.owner, "until": self.now() + self.lease})
            session.commit()

    def unclaim(self, row_id: int) -> None:
        """Give up this owner's claim on one row (one the broker refuses for good), keeping the row."""
        with self.sessions() as session:
            run(session, _UNCLAIM, {"row": row_id, "owner": self.owner})
            session.commit()

    def release(self) -> None:
        """Give up this owner's claims (a failed publish): another gateway, or this one, may claim them at once."""
        with self.sessions() as session:
            run(session, _RELEASE, {"owner": self.owner})
            session.commit()

    def count(self) -> int:
        """Rows in the spool, of every gateway."""
        with self.sessions() as session:
            return int(run(session, _COUNT, {}).scalar_one())


def _take_turns(session: Session) -> None:
    # Read committed gives every later statement of the transaction a snapshot from after the lock was granted.
    if session.get_bind().dialect.name == "postgresql":
        run(session, _LOCK, {"key": SPOOL_LOCK})
