"""The kept copy of the domain metrics in the store, by itself (hub.store.monitor_snapshot), on both databases: the
lease's length, what a read gives back, and which claim a save or a release ends (a mutation pass)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from hub.store.db import session_factory
from hub.store.monitor_snapshot import LEASE, Kept, Snapshots

T0 = datetime(2026, 11, 23, 12, tzinfo=UTC)
DAG = date(2026, 11, 23)


def replicas(db: Engine, n: int, sleutel: str = "|abc") -> list[Snapshots]:
    """`n` replicas' views of the same kept copy, each with its own sessions."""
    return [Snapshots(session_factory(db), sleutel) for _ in range(n)]


def test_the_lease_is_sixty_seconds_and_lapses_on_its_last_moment(db: Engine) -> None:
    """docs: a replica that dies while computing holds up the others for at most a minute."""
    first, second = replicas(db, 2)
    assert first.claim(T0) == T0 + timedelta(seconds=60)
    assert second.claim(T0 + timedelta(seconds=59, microseconds=999_999)) is None
    # Claimed again on the update path (the row exists): the same lease.
    assert second.claim(T0 + timedelta(seconds=60)) == T0 + timedelta(seconds=120)
    assert first.claim(T0 + timedelta(seconds=119)) is None


def test_a_saved_copy_reads_back_as_it_was_saved(db: Engine) -> None:
    [snapshots] = replicas(db, 1)
    assert snapshots.read() is None  # no row at all
    until = snapshots.claim(T0)
    assert until is not None
    assert snapshots.read() is None  # a row with a claim, no copy yet
    at = T0 + timedelta(seconds=3, microseconds=250)
    snapshots.save(DAG, at, '[["x", "", "gauge", "", []]]', until)
    kept = snapshots.read()
    assert kept == Kept(DAG, at, '[["x", "", "gauge", "", []]]')
    assert kept is not None and kept.computed_at.utcoffset() == timedelta(0)


def test_each_key_has_its_own_copy_and_claim(db: Engine) -> None:
    [full] = replicas(db, 1, "|abc")
    [dropped] = replicas(db, 1, "gemeente|abc")
    until = full.claim(T0)
    assert until is not None
    assert dropped.claim(T0) is not None  # another key's claim holds nobody up
    full.save(DAG, T0, "[]", until)
    assert dropped.read() is None
    assert full.read() == Kept(DAG, T0, "[]")


def test_a_late_save_keeps_its_copy_but_leaves_the_claim_another_replica_took(db: Engine) -> None:
    """The first replica's claim lapsed while it computed and a second one claimed: the first one's save must not
    end the second one's claim, or a third replica would compute at the same time."""
    slow, second, third = replicas(db, 3)
    lapsed = slow.claim(T0)
    assert lapsed is not None
    taken = second.claim(lapsed)
    assert taken == lapsed + LEASE
    slow.save(DAG, T0, "[]", lapsed)
    assert second.read() == Kept(DAG, T0, "[]")
    assert third.claim(lapsed + timedelta(seconds=1)) is None  # the second replica's claim holds
    slow.release(lapsed)
    assert third.claim(lapsed + timedelta(seconds=1)) is None
    second.release(taken)  # its computing failed: another may try at once
    assert third.claim(lapsed + timedelta(seconds=1)) == lapsed + timedelta(seconds=1) + LEASE


def test_a_save_ends_the_claim_and_keeps_the_copy_until_the_next_save(db: Engine) -> None:
    first, second = replicas(db, 2)
    # A wall clock's now: the end of the claim a save ends must match to the microsecond.
    at = T0 + timedelta(microseconds=123_456)
    until = first.claim(at)
    assert until is not None
    first.save(DAG, T0, "[1]", until)
    later = at + timedelta(seconds=1)
    again = second.claim(later)  # ended by the save, not by the lease
    assert again == later + LEASE
    second.release(again)  # failed: the copy stays the first replica's
    assert first.read() == Kept(DAG, T0, "[1]")
