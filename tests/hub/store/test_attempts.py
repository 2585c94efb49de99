"""The intake's starts counted in the store (hub.store.attempts, migration 0017), on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, select, text

from hub.errors import TransientError
from hub.store import attempts
from hub.store.attempts import MESSAGE, POLL, IntakeAttemptRecord
from hub.store.db import alembic_config, is_current, make_engine, session_factory
from hub.store.tables import table_of

TOPIC = "ijw.berichten.inkomend"
OTHER_TOPIC = "acc.berichten.inkomend"
AT = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def rows(db: Engine) -> set[tuple[str, int, int, str, int]]:
    t = table_of(IntakeAttemptRecord)
    with db.connect() as conn:
        found = conn.execute(select(t.c.topic, t.c.partition, t.c.offset, t.c.scope, t.c.attempts)).all()
    return {tuple(r) for r in found}


def test_each_start_at_a_position_is_counted_per_scope(db: Engine) -> None:
    sessions = session_factory(db)
    first = (TOPIC, 0, 7)
    assert attempts.begin(sessions, POLL, [first], now=AT) == {first: 1}
    assert attempts.begin(sessions, POLL, [first], now=AT) == {first: 2}
    assert attempts.begin(sessions, MESSAGE, [first], now=AT) == {first: 1}  # its own count
    assert attempts.begin(sessions, POLL, [first, (TOPIC, 1, 3)], now=AT) == {first: 3, (TOPIC, 1, 3): 1}
    assert rows(db) == {(TOPIC, 0, 7, POLL, 3), (TOPIC, 0, 7, MESSAGE, 1), (TOPIC, 1, 3, POLL, 1)}


def test_a_poll_drops_what_its_partition_started_below_it_and_nothing_else(db: Engine) -> None:
    """Below a poll's first offset the group has committed: those starts are over."""
    sessions = session_factory(db)
    attempts.begin(sessions, POLL, [(TOPIC, 0, 5), (TOPIC, 1, 5), (OTHER_TOPIC, 0, 5)], now=AT)
    attempts.begin(sessions, MESSAGE, [(TOPIC, 0, 6)], now=AT)
    attempts.begin(sessions, MESSAGE, [(TOPIC, 0, 9)], now=AT)
    assert attempts.begin(sessions, POLL, [(TOPIC, 0, 9)], now=AT) == {(TOPIC, 0, 9): 1}
    assert rows(db) == {
        (TOPIC, 0, 9, POLL, 1),
        (TOPIC, 0, 9, MESSAGE, 1),  # at the poll's own offset: not committed yet
        (TOPIC, 1, 5, POLL, 1),
        (OTHER_TOPIC, 0, 5, POLL, 1),
    }


def test_a_message_start_keeps_the_poll_it_belongs_to(db: Engine) -> None:
    """A message handled alone lies above its poll's first offset: the poll's count must outlive it."""
    sessions = session_factory(db)
    attempts.begin(sessions, POLL, [(TOPIC, 0, 5)], now=AT)
    attempts.begin(sessions, MESSAGE, [(TOPIC, 0, 8)], now=AT)
    assert (TOPIC, 0, 5, POLL, 1) in rows(db)


def test_starts_done_since_go_before_counting(db: Engine) -> None:
    """A finished start leaves no count: a later start at the same position (a test broker's offset 0) is a first."""
    sessions = session_factory(db)
    position = (TOPIC, 0, 0)
    attempts.begin(sessions, POLL, [position], now=AT)
    attempts.begin(sessions, MESSAGE, [(TOPIC, 2, 4)], now=AT)
    done = [(POLL, position), (MESSAGE, (TOPIC, 2, 4))]
    assert attempts.begin(sessions, POLL, [position], done=done, now=AT) == {position: 1}
    assert rows(db) == {(TOPIC, 0, 0, POLL, 1)}
    assert attempts.begin(sessions, MESSAGE, [], done=[(POLL, position)], now=AT) == {}
    assert rows(db) == set()


def test_offsets_beyond_32_bits_are_kept(db: Engine) -> None:
    sessions = session_factory(db)
    far = (TOPIC, 3, 2**40 + 1)
    attempts.begin(sessions, MESSAGE, [far], now=AT)
    assert attempts.begin(sessions, MESSAGE, [far], now=AT) == {far: 2}


def test_replicas_counting_at_once_fail_no_poll_and_lose_no_start(db: Engine) -> None:
    """Two replicas own different partitions, but a rebalance may let two count one position: never an error."""
    sessions = session_factory(db)
    position = (TOPIC, 0, 11)
    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(lambda _: attempts.begin(sessions, POLL, [position])[position], range(16)))
    assert sorted(counts) == list(range(1, 17))
    assert rows(db) == {(TOPIC, 0, 11, POLL, 16)}


def test_an_unknown_scope_is_refused(db: Engine) -> None:
    with pytest.raises(ValueError, match="unknown scope"):
        attempts.begin(session_factory(db), "batch", [(TOPIC, 0, 1)])


def test_an_unreachable_store_is_transient() -> None:
    """The intake waits that out; it is never a reason to dead-letter a message."""
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    try:
        with pytest.raises(TransientError):
            attempts.begin(session_factory(engine), POLL, [(TOPIC, 0, 1)])
    finally:
        engine.dispose()


def test_migration_0017_goes_down_and_up(db: Engine) -> None:
    """The table is new and empty after an upgrade; the downgrade drops it (counts in progress only)."""
    attempts.begin(session_factory(db), POLL, [(TOPIC, 0, 1)], now=AT)
    with db.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0016")
        assert "intake_attempt" not in inspect(connection).get_table_names()
        command.upgrade(cfg, "head")
        assert "intake_attempt" in inspect(connection).get_table_names()
        assert connection.execute(text("SELECT count(*) FROM intake_attempt")).scalar() == 0
    assert is_current(db)
