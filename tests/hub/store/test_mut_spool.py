"""The spool as the gateway makes it (consumers/serve.py: no owner given): each instance claims as its own owner."""

from __future__ import annotations

from sqlalchemy import Engine

from hub.store.db import session_factory
from hub.store.spool import Spool
from tests.hub.store.test_spool import Clock, add


def test_a_spool_without_an_owner_claims_as_one_of_its_own(db: Engine) -> None:
    sessions = session_factory(db)
    clock = Clock()
    first, second = Spool(sessions, now=clock), Spool(sessions, now=clock)
    assert first.owner != second.owner and len(first.owner) == 32
    ids = [add(first, n) for n in range(2)]
    assert [r.id for r in first.claim(1)] == ids[:1]
    assert second.claim(10) == []  # another gateway: it waits for the first one's claim
    assert [r.id for r in first.claim(10)] == ids  # its own claim is renewed and grows
