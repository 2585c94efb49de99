"""How often the intake started a poll or a message, counted in the store, so that the count outlives the process.

The intake counts a failing message's attempts in memory (HUB_MAX_ATTEMPTS), which a message that ends the process
itself never reaches: an OOM kill, a segfault in a C library, a liveness kill while it hangs. The group then
redelivers it from the committed offset and the process dies on it again, for ever. So the intake records each start
here, in a short transaction committed before the risky work, and drops the row once that work is done: a row whose
count has grown says that earlier starts never finished (consumers.intake, migration 0017).

A position is (topic, partition, offset); its scope says what was started there: a whole poll (at each partition's
first offset in it) or one message. A row holds no content and no key, only where and how often.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeAlias

from sqlalchemy import BigInteger, Insert, Integer, String, and_, bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, SQLModel

from hub.store.db import SessionFactory, run, transient_failures
from hub.store.tables import UtcDateTime, table_of

__all__ = ["MESSAGE", "POLL", "IntakeAttemptRecord", "Position", "begin"]

POLL = "poll"
MESSAGE = "message"
SCOPES = (POLL, MESSAGE)

Position: TypeAlias = tuple[str, int, int]  # topic, partition, offset
Started: TypeAlias = tuple[str, Position]  # scope, position


class IntakeAttemptRecord(SQLModel, table=True):
    """The starts at one position that have not finished yet (a finished start's row is dropped)."""

    __tablename__ = "intake_attempt"

    topic: str = Field(sa_type=String(249), primary_key=True)  # 249: Kafka's longest topic name
    partition: int = Field(sa_type=Integer, primary_key=True)
    offset: int = Field(sa_type=BigInteger, primary_key=True)
    scope: str = Field(sa_type=String(8), primary_key=True)  # poll | message
    attempts: int = Field(sa_type=Integer)
    updated_at: datetime = Field(sa_type=UtcDateTime)  # the last start


_T = table_of(IntakeAttemptRecord)
_AT = and_(
    _T.c.topic == bindparam("t"),
    _T.c.partition == bindparam("p"),
    _T.c.offset == bindparam("o"),
    _T.c.scope == bindparam("s"),
)
_DONE = delete(_T).where(_AT)
# Below a poll's first offset the group has committed: whatever was started there is over.
_BELOW = delete(_T).where(
    _T.c.topic == bindparam("t"), _T.c.partition == bindparam("p"), _T.c.offset < bindparam("o")
)
_UPSERTS: dict[str, Insert] = {}


def _upsert(dialect: str) -> Insert:
    """INSERT the first start, or add one to the count: one statement, which a concurrent insert cannot fail."""
    stmt = _UPSERTS.get(dialect)
    if stmt is None:
        if dialect == "postgresql":
            made: Any = postgresql.insert(_T)
        elif dialect == "sqlite":
            made = sqlite.insert(_T)
        else:  # pragma: no cover - the hub supports SQLite and PostgreSQL only
            raise NotImplementedError(f"no upsert for {dialect}")
        stmt = _UPSERTS[dialect] = made.on_conflict_do_update(
            index_elements=[_T.c.topic, _T.c.partition, _T.c.offset, _T.c.scope],
            set_={"attempts": _T.c.attempts + 1, "updated_at": made.excluded.updated_at},
        ).returning(_T.c.attempts)
    return stmt


def begin(
    sessions: SessionFactory,
    scope: str,
    positions: Iterable[Position],
    *,
    done: Sequence[Started] = (),
    now: datetime | None = None,
) -> dict[Position, int]:
    """One start at each position, in ONE short transaction of its own; each position's starts, this one counted.

    `done`: earlier starts that finished since, whose rows go first (in the same transaction: no statement of
    its own). A poll's start also drops its partition's rows below it, whose offsets the group has committed.
    Raises TransientError while the store is unreachable (or busy: SQLite's lock, a PostgreSQL deadlock).
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    # One order for every caller: replicas touching the same rows (a rebalance) lock them alike.
    wanted = sorted(set(positions))
    at = now or datetime.now(UTC)
    counts: dict[Position, int] = {}
    with transient_failures(), sessions() as session:
        if done:
            run(session, _DONE, [{"t": t, "p": p, "o": o, "s": s} for s, (t, p, o) in done])
        if scope == POLL and wanted:
            run(session, _BELOW, [{"t": t, "p": p, "o": o} for t, p, o in wanted])
        upsert = _upsert(session.get_bind().dialect.name)
        for t, p, o in wanted:
            row = {"topic": t, "partition": p, "offset": o, "scope": scope, "attempts": 1, "updated_at": at}
            counts[(t, p, o)] = run(session, upsert, row).scalar_one()
        session.commit()
    return counts
