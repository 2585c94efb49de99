"""Processor.verwerk_batch: one transaction for many events, storing exactly what they store one by one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from hub.errors import TransientError
from hub.store import observations
from tests.hub.monitor.batch import STORIES, forget, fresh, gi_events, ijw_events, poisoned, written


@pytest.mark.parametrize("story", sorted(STORIES))
def test_a_batch_stores_exactly_what_the_events_store_one_by_one(db: Engine, story: str) -> None:
    """Several events per client in one batch: each sees what the ones before it stored, as if committed."""
    events = STORIES[story](db)
    one = fresh(db)
    assert all(one.verwerk(e) for e in events)
    one_by_one = written(db)
    assert one_by_one["monitor_doorlooptijd"] and one_by_one["monitor_norm"]  # the story observes things
    if story == "gi":
        assert one_by_one["gi_koppeling"] and one_by_one["gi_statusmelding"]
    forget(db)
    assert written(db) == {table: [] for table in one_by_one}
    assert fresh(db).verwerk_batch(events) == [True] * len(events)
    assert written(db) == one_by_one


def test_a_redelivered_batch_changes_nothing(db: Engine) -> None:
    events = gi_events(db)
    p = fresh(db)
    p.verwerk_batch(events)
    before = written(db)
    assert p.verwerk_batch(events) == [False] * len(events)
    assert fresh(db).verwerk_batch(events[::-1]) == [False] * len(events)  # another replica, another order
    assert written(db) == before


def test_a_batch_overlapping_an_earlier_one_stores_only_what_is_new(db: Engine) -> None:
    """A rebalance hands a replica events another one already handled, in the same batch as new ones."""
    events = gi_events(db)
    one = fresh(db)
    assert all(one.verwerk(e) for e in events)
    one_by_one = written(db)
    forget(db)
    p = fresh(db)
    assert p.verwerk_batch(events[:4]) == [True] * 4
    assert p.verwerk_batch(events) == [False] * 4 + [True] * (len(events) - 4)
    assert written(db) == one_by_one


def test_an_event_twice_in_one_batch_counts_once(db: Engine) -> None:
    events = ijw_events(db)
    assert fresh(db).verwerk_batch([events[0], events[0], *events[1:], events[-1]]) == [
        True,
        False,
        *[True] * (len(events) - 1),
        False,
    ]
    again = written(db)
    forget(db)
    fresh(db).verwerk_batch(events)
    assert written(db) == again


def test_verwerk_is_a_batch_of_one(db: Engine) -> None:
    events = ijw_events(db)
    p = fresh(db)
    assert [p.verwerk(e) for e in events] == [True] * len(events)
    assert [p.verwerk(e) for e in events] == [False] * len(events)


@pytest.fixture
def poison(monkeypatch: pytest.MonkeyPatch) -> dict[str, BaseException]:
    return poisoned(monkeypatch)


def test_a_failing_event_leaves_the_store_as_it_was(db: Engine, poison: dict[str, BaseException]) -> None:
    events = ijw_events(db)
    p = fresh(db)
    p.verwerk_batch(events[:2])
    before = written(db)
    poison[events[-1].bericht_id] = RuntimeError("poison")
    with pytest.raises(RuntimeError):
        p.verwerk_batch(events)
    assert written(db) == before
    assert p.verwerk_batch(events[:-1]) == [
        False,
        False,
        *[True] * (len(events) - 3),
    ]  # the rest still stores


def test_an_unavailable_store_is_transient_and_leaves_the_store_as_it_was(
    db: Engine, poison: dict[str, BaseException]
) -> None:
    events = ijw_events(db)
    poison[events[-1].bericht_id] = OperationalError("UPDATE ...", {}, Exception("database is locked"))
    with pytest.raises(TransientError):
        fresh(db).verwerk_batch(events)
    assert all(rows == [] for rows in written(db).values())


def test_the_handled_events_of_a_large_batch_are_found_in_one_lookup(session: Session) -> None:
    ids = [uuid.uuid4() for _ in range(1201)]
    for event_id in ids[::500]:  # one in each chunk of the lookup
        observations.mark_verwerkt(session, event_id, "StartOntvangen", None, datetime.now(UTC))
    assert observations.verwerkt(session, ids) == {str(i) for i in ids[::500]}
    assert observations.verwerkt(session, []) == set()
