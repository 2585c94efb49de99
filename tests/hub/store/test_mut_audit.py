"""The audit log: a redelivery is answered from its own record, a dead-lettered record only to its own id, and a
record keeps the id and dates it is given (the intake logs under the gateway's bericht-id)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import Session

from hub.store import audit
from tests.hub.store.test_audit import _identity

T1, T2 = datetime(2026, 11, 2, 9, tzinfo=UTC), datetime(2026, 11, 3, 9, tzinfo=UTC)


def test_a_redelivery_is_answered_from_its_own_record_also_after_a_later_acceptance(session: Session) -> None:
    """Rejected as A, the same bytes accepted later as B: A's redelivery gets A's verdict, a new id gets B's."""
    a = audit.record(session, **_identity(), outcome="rejected", received_at=T1)
    b = audit.record(session, **_identity(), outcome="accepted", received_at=T2)
    session.commit()
    own = audit.seen(session, **_identity(), bericht_id=a.id)
    assert own.earlier is not None and own.earlier.id == a.id and own.identificatie_bekend
    other = audit.seen(session, **_identity(), bericht_id=audit.new_id())
    assert other.earlier is not None and other.earlier.id == b.id


def test_a_dead_lettered_record_is_the_earlier_one_only_to_its_own_redelivery(session: Session) -> None:
    """A `failed` message was never judged: the same bytes under a new id are judged as new (and not TR056)."""
    failed = audit.record(session, **_identity(), outcome="failed", received_at=T1)
    session.commit()
    assert audit.seen(session, **_identity(), bericht_id=audit.new_id()) == audit.Seen(None, False)
    assert audit.seen(session, **_identity()) == audit.Seen(None, False)
    own = audit.seen(session, **_identity(), bericht_id=failed.id)
    assert own.earlier is not None and own.earlier.id == failed.id and not own.identificatie_bekend


def test_a_dead_lettered_record_does_not_hide_a_rejected_one_from_a_new_id(session: Session) -> None:
    rejected = audit.record(session, **_identity(), outcome="rejected", received_at=T1)
    audit.record(session, **_identity(), outcome="failed", received_at=T2)  # newer, but never judged
    session.commit()
    found = audit.seen(session, **_identity(), bericht_id=audit.new_id())
    assert found.earlier is not None and found.earlier.id == rejected.id


@pytest.mark.parametrize("plain", [False, True], ids=["record", "insert_records"])
def test_a_record_keeps_the_id_dagtekening_and_validation_time_it_is_given(
    session: Session, plain: bool
) -> None:
    bericht_id = audit.new_id()
    fields: dict[str, Any] = dict(
        **_identity(), outcome="accepted", id=bericht_id, dagtekening=date(2026, 11, 1), validated_at=T2
    )
    if plain:
        audit.insert_records(session, [audit.values(**fields)])
    else:
        audit.record(session, **fields)
    session.commit()
    session.expunge_all()
    got = audit.get(session, bericht_id)
    assert got is not None
    assert (got.dagtekening, got.validated_at) == (date(2026, 11, 1), T2)


@pytest.mark.parametrize(
    "field", ["validated_at", "retour_produced_at", "retour_delivered_at", "events_published_at"]
)
def test_every_track_and_trace_timestamp_can_be_marked(session: Session, field: audit.Timestamp) -> None:
    row = audit.record(session, **_identity(), outcome="accepted")
    assert audit.mark(session, row.id, field, T1)
    session.commit()
    session.expunge_all()
    got = audit.get(session, row.id)
    assert got is not None and getattr(got, field) == T1
