"""Processor: what an observer adds to the session is stored, and each event reads the store afresh.

The module docstring promises both (an event sees what the events before it stored; the observers' rows are
flushed into the batch's one transaction). The stories' own observers write with plain statements, so these
tests register a stand-in observer of their own event type that uses the ORM session as a plugin may.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, update
from sqlmodel import Session

from hub.monitor import registry
from hub.monitor.processor import Processor
from hub.store.db import session_factory
from hub.store.tables import SpoolRecord, table_of
from tests.hub.monitor.helpers import REGIOS, ticking

TYPE = "test.mut.processor"  # an event type no plugin observes
MOMENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SPOOL = table_of(SpoolRecord)  # a table no plugin writes, for the stand-in observers


@dataclass(frozen=True)
class Event:
    event_id: uuid.UUID
    type: str = TYPE
    bericht_id: str = "0" * 32


def _events(n: int) -> list[Event]:
    return [Event(uuid.UUID(int=i + 1)) for i in range(n)]


@pytest.fixture
def observers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The observers of TYPE; the registry is restored afterwards."""
    registry.load_plugins()
    found: list[Any] = []
    monkeypatch.setitem(registry.OBSERVERS, TYPE, found)
    yield found


def _spool_row(key: str) -> SpoolRecord:
    return SpoolRecord(bericht_id="1" * 32, kafka_key=key, headers={}, raw=b"x", received_at=MOMENT)


def _processor(db: Engine) -> Processor:
    return Processor(session_factory(db), REGIOS, now=ticking())


def test_a_row_an_observer_adds_to_the_session_is_stored(db: Engine, observers: list[Any]) -> None:
    """Flushed before the session forgets what it loaded: expunging would drop a pending row."""

    def adds(session: Session, event: Any, context: Any) -> list[Any]:
        session.add(_spool_row(str(event.event_id)))
        return []

    observers.append(adds)
    assert _processor(db).verwerk_batch(_events(2)) == [True, True]
    with db.connect() as conn:
        keys = sorted(conn.execute(select(SPOOL.c.kafka_key)).scalars())
    assert keys == sorted(str(e.event_id) for e in _events(2))


def test_the_next_event_of_a_batch_reads_a_row_as_changed_not_as_loaded_before(
    db: Engine, observers: list[Any]
) -> None:
    """An event's observer loads a row and changes it with a plain statement; the next event sees the change."""
    with session_factory(db)() as session:
        row = _spool_row("voor")
        session.add(row)
        session.commit()
        row_id = row.id
    seen: list[str] = []
    kept: list[
        SpoolRecord
    ] = []  # held on to, as a plugin's cache may: the identity map keeps only weak references

    def reads_then_changes(session: Session, event: Any, context: Any) -> list[Any]:
        loaded = session.get(SpoolRecord, row_id)
        assert loaded is not None
        seen.append(loaded.kafka_key)
        kept.append(loaded)
        # On the connection: an ORM-enabled update would bring the loaded entity in step itself.
        change = update(SPOOL).where(SPOOL.c.id == row_id).values(kafka_key=f"na {len(seen)}")
        session.connection().execute(change)
        return []

    observers.append(reads_then_changes)
    assert _processor(db).verwerk_batch(_events(3)) == [True, True, True]
    assert seen == ["voor", "na 1", "na 2"]
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(SPOOL)).scalar_one() == 1
