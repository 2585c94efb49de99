"""retention.purge_batch called without `after` starts at the first id: the hub's ids are hex, some start with a digit."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from hub.store import audit, retention
from tests.hub.store.test_retention import BEFORE, NOW, RETOUR

IDS = ("0" * 31 + "1", "9" * 32, "f" * 32)  # the lowest and highest a uuid4 hex can start with


def test_a_first_batch_clears_every_due_row_from_the_lowest_id(session: Session) -> None:
    for bericht_id in IDS:
        audit.record(
            session,
            id=bericht_id,
            content_hash=audit.content_hash(bericht_id.encode()),
            outcome="rejected",
            retour=RETOUR,
            received_at=NOW - timedelta(days=100),
        )
        audit.mark(session, bericht_id, "retour_delivered_at", NOW - timedelta(days=91))
    session.commit()
    assert retention.purge_batch(session, BEFORE, NOW) == list(IDS)
    session.commit()
    session.expunge_all()
    assert [r.retour for r in (audit.get(session, i) for i in IDS) if r is not None] == [None] * len(IDS)
