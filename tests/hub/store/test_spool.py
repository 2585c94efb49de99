"""The gateway's spool on both stores: oldest first, bounded, exact bytes, and one publishing gateway at a time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from hub.store.db import session_factory
from hub.store.spool import Spool, SpoolFull

RECEIVED = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=15)


class Clock:
    """A settable `now` for the leases."""

    def __init__(self) -> None:
        self.at = RECEIVED

    def __call__(self) -> datetime:
        return self.at


def spool_of(db: Engine, owner: str, clock: Clock | None = None) -> Spool:
    return Spool(session_factory(db), lease=LEASE, owner=owner, now=clock or Clock())


def add(spool: Spool, n: int, *, capacity: int | None = None, raw: bytes | None = None) -> int:
    added = spool.add(
        bericht_id=f"{n:032x}",
        key="0200:12345678",
        headers={
            "bericht-id": f"{n:032x}",
            "ontvangen-op": RECEIVED.isoformat(),
            "content-type": "application/xml",
        },
        raw=raw if raw is not None else f"<Bericht n='{n}'/>".encode(),
        received_at=RECEIVED,
        capacity=capacity,
    )
    return added.id


def test_rows_come_back_oldest_first_exactly_as_added(db: Engine) -> None:
    spool = spool_of(db, "a")
    binary = bytes(range(256)) * 4000  # every byte value, ~1 MB: bytes in, the same bytes out
    for n in (1, 2):
        add(spool, n)
    add(spool, 3, raw=binary)
    first, second, third = spool.claim(10)
    assert first.id < second.id < third.id
    assert [r.bericht_id for r in (first, second, third)] == [f"{n:032x}" for n in (1, 2, 3)]
    assert (first.raw, third.raw) == (b"<Bericht n='1'/>", binary)
    assert first.key == "0200:12345678" and first.received_at == RECEIVED
    assert first.headers == {
        "bericht-id": f"{1:032x}",
        "ontvangen-op": "2026-11-23T12:00:00+00:00",
        "content-type": "application/xml",
    }


def test_delete_and_count(db: Engine) -> None:
    spool = spool_of(db, "a")
    ids = [add(spool, n) for n in range(3)]
    assert spool.count() == 3
    spool.delete(ids[0])
    assert spool.count() == 2 and [r.id for r in spool.claim(10)] == ids[1:]


def test_a_batch_is_the_oldest_rows(db: Engine) -> None:
    spool = spool_of(db, "a")
    ids = [add(spool, n) for n in range(5)]
    assert [r.id for r in spool.claim(2)] == ids[:2]
    spool.delete(ids[0])
    assert [r.id for r in spool.claim(2)] == ids[1:3]  # its own claim renewed, one more row


def test_a_new_row_goes_behind_the_spooled_ones_also_after_the_spool_was_empty(db: Engine) -> None:
    spool = spool_of(db, "a")
    old = add(spool, 1)
    spool.delete(old)
    newer, newest = add(spool, 2), add(spool, 3)
    assert [r.id for r in spool.claim(10)] == [newer, newest]


def test_capacity_refuses_and_keeps_nothing(db: Engine) -> None:
    spool = spool_of(db, "a")
    add(spool, 1, capacity=2)
    add(spool, 2, capacity=2)
    with pytest.raises(SpoolFull) as full:
        add(spool, 3, capacity=2)
    assert full.value.pending == 2 and spool.count() == 2
    add(spool, 4)  # unbounded: the producer already holds this one
    assert spool.count() == 3
    with pytest.raises(SpoolFull):
        add(spool, 5, capacity=0)


def test_concurrent_adds_never_pass_the_capacity(db: Engine) -> None:
    spool = spool_of(db, "a")

    def one(n: int) -> bool:
        try:
            add(spool, n, capacity=5)
        except SpoolFull:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        kept = sum(pool.map(one, range(20)))
    assert kept == 5 and spool.count() == 5


def test_another_gateway_waits_for_the_lease_then_takes_over(db: Engine) -> None:
    clock = Clock()
    first, second = spool_of(db, "a", clock), spool_of(db, "b", clock)
    ids = [add(first, n) for n in range(3)]
    assert [r.id for r in first.claim(1)] == ids[:1]
    assert second.claim(10) == []  # "a" holds a claim: "b" must not publish behind or beside it
    clock.at += LEASE - timedelta(seconds=1)
    assert second.claim(10) == []
    clock.at += timedelta(seconds=2)  # "a" stopped unexpectedly: its claim lapsed
    assert [r.id for r in second.claim(10)] == ids
    assert first.claim(10) == []  # now "a" waits


def test_a_delete_renews_the_lease(db: Engine) -> None:
    clock = Clock()
    first, second = spool_of(db, "a", clock), spool_of(db, "b", clock)
    ids = [add(first, n) for n in range(3)]
    first.claim(10)
    clock.at += LEASE - timedelta(seconds=1)
    first.delete(ids[0])
    clock.at += timedelta(seconds=2)
    assert second.claim(10) == []
    assert [r.id for r in first.claim(10)] == ids[1:]


def test_release_lets_another_gateway_claim_at_once(db: Engine) -> None:
    first, second = spool_of(db, "a"), spool_of(db, "b")
    ids = [add(first, n) for n in range(2)]
    first.claim(10)
    first.release()
    assert [r.id for r in second.claim(10)] == ids


def test_concurrent_claims_go_to_one_gateway(db: Engine) -> None:
    """Replicas claiming at the same moment: one gets the rows, the others none (PostgreSQL: the advisory lock)."""
    spools = [spool_of(db, f"g{n}") for n in range(6)]
    ids = [add(spools[0], n) for n in range(4)]
    for _ in range(5):
        with ThreadPoolExecutor(len(spools)) as pool:
            claims = list(pool.map(lambda s: [r.id for r in s.claim(10)], spools))
        assert sorted(claims) == [[] for _ in spools[1:]] + [ids]
        for spool in spools:
            spool.release()


def test_a_claim_passes_over_the_rows_set_aside_and_unclaim_keeps_the_row(db: Engine) -> None:
    spool = spool_of(db, "a")
    first, second, third = (add(spool, n) for n in (1, 2, 3))
    assert [r.id for r in spool.claim(2, skip=(first,))] == [second, third]
    spool.unclaim(second)  # the broker refused it for good: kept, no longer claimed by "a"
    other = spool_of(db, "b")
    assert other.claim(10) == []  # "a" still holds a live claim on `third`
    spool.delete(third)
    assert [r.id for r in other.claim(10)] == [first, second] and spool.count() == 2


def test_a_late_unclaim_leaves_the_claim_of_the_gateway_that_took_over(db: Engine) -> None:
    """Gateway "a" refuses a row for good after its lease lapsed and "b" took it: "b" keeps it, no third joins."""
    clock = Clock()
    first, second, third = (spool_of(db, owner, clock) for owner in "abc")
    ids = [add(first, n) for n in range(2)]
    assert [r.id for r in first.claim(10)] == ids
    clock.at += LEASE + timedelta(seconds=1)
    assert [r.id for r in second.claim(1)] == ids[:1]
    first.unclaim(ids[0])
    assert third.claim(10) == []  # "b" is publishing it: one gateway at a time, in order
    assert [r.id for r in second.claim(1)] == ids[:1]


def test_a_gateways_claim_lapses_after_15_seconds_by_default(db: Engine) -> None:
    """docs/operations.md section 8: a killed gateway's lease lapses after 15 s."""
    clock = Clock()
    sessions = session_factory(db)
    first, second = Spool(sessions, owner="a", now=clock), Spool(sessions, owner="b", now=clock)
    ids = [add(first, n) for n in range(2)]
    first.claim(10)
    clock.at += timedelta(seconds=14.9)
    assert second.claim(10) == []
    clock.at += timedelta(seconds=0.2)
    assert [r.id for r in second.claim(10)] == ids
