"""The spool: a claim made without an owner (as consumers/serve.py makes it) and the very end of a lease."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from hub.store.db import session_factory
from hub.store.spool import Spool
from tests.hub.store.test_spool import LEASE, Clock, add


def test_a_spool_without_an_owner_claims_as_one_of_its_own(db: Engine) -> None:
    sessions = session_factory(db)
    clock = Clock()
    first, second = Spool(sessions, now=clock), Spool(sessions, now=clock)
    assert first.owner != second.owner and len(first.owner) == 32
    ids = [add(first, n) for n in range(2)]
    assert [r.id for r in first.claim(1)] == ids[:1]
    assert second.claim(10) == []  # another gateway: it waits for the first one's claim
    assert [r.id for r in first.claim(10)] == ids  # its own claim is renewed and grows


def test_a_claim_has_lapsed_at_the_very_end_of_its_lease(db: Engine) -> None:
    """Claimed until t: from t on another gateway may claim (the claim holds while claimed_until > now)."""
    clock = Clock()
    first, second = (Spool(session_factory(db), lease=LEASE, owner=owner, now=clock) for owner in "ab")
    ids = [add(first, n) for n in range(2)]
    first.claim(10)
    clock.at += LEASE - timedelta(microseconds=1)
    assert second.claim(10) == []
    clock.at += timedelta(microseconds=1)
    assert [r.id for r in second.claim(10)] == ids
