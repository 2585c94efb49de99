"""The audit log: records, message identity for idempotency, duplicates and track-and-trace timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypedDict

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session

from hub.gi.catalog import ONTVANGSTBEVESTIGING
from hub.ijw.catalog import BERICHTEN
from hub.store import audit
from hub.store.db import session_factory
from hub.store.tables import RETOURBERICHTEN
from tests.hub.store.scenario import AANBIEDER, CLIENT, DAG, PS, accept, record, spec

HASH = audit.content_hash(b"<Bericht/>")


class Identity(TypedDict):
    afzender: str
    bericht: str
    identificatie: str
    content_hash: str


def _identity(
    afzender: str = "0200",
    bericht: str = "JW301",
    identificatie: str = "JW301261102",
    content_hash: str = HASH,
) -> Identity:
    return Identity(
        afzender=afzender, bericht=bericht, identificatie=identificatie, content_hash=content_hash
    )


def _afgewezen() -> dict[str, Any]:
    """A rejected message with its retour, as both round trips store it."""
    return {
        "outcome": "rejected",
        "ontvanger": "12345678",
        "error_codes": ["TR019", "TR063"],
        "retour": "<Bericht/>",
        "retour_bericht": "JW302",
        "client": PS("999990019"),
    }


def test_record_and_get_round_trip(session: Session) -> None:
    received = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    row = audit.record(
        session, **_identity(), **_afgewezen(), event='{"type": "StartZorgOntvangen"}', received_at=received
    )
    session.commit()
    session.expunge_all()
    got = audit.get(session, row.id)
    assert got is not None
    assert (got.outcome, got.error_codes, got.retour_bericht) == ("rejected", ["TR019", "TR063"], "JW302")
    assert got.received_at == received and got.received_at.tzinfo is not None
    assert got.client == PS("999990019") and len(got.id) == 32
    assert got.event == '{"type": "StartZorgOntvangen"}'


def test_find_identity_matches_header_and_bytes(session: Session) -> None:
    row = audit.record(session, **_identity(), outcome="accepted")
    session.commit()
    found = audit.find_identity(session, **_identity())
    assert found is not None and found.id == row.id
    assert audit.find_identity(session, **_identity(content_hash=audit.content_hash(b"other"))) is None
    assert audit.find_identity(session, **_identity(identificatie="OTHER")) is None
    assert audit.find_identity(session, **_identity(afzender="0363")) is None


def test_same_message_cannot_be_accepted_twice(db: Engine) -> None:
    # Two intakes racing on one message: the second commit fails instead of applying the state twice.
    with session_factory(db)() as session:
        audit.record(session, **_identity(), outcome="accepted")
        session.commit()
        with pytest.raises(IntegrityError):
            audit.record(session, **_identity(), outcome="accepted")


def test_two_messages_with_one_identificatie_cannot_both_be_accepted(db: Engine) -> None:
    # Two intakes racing on two messages of one sender with the same Identificatie (TR056), each finding no
    # earlier one: the second commit fails, and its poll is judged again against the first.
    with session_factory(db)() as session:
        audit.record(session, **_identity(), outcome="accepted")
        session.commit()
        other = _identity(content_hash=audit.content_hash(b"<Bericht>other</Bericht>"))
        audit.record(session, **other, outcome="rejected")  # judged against the first: TR056
        audit.record(session, **_identity(bericht="JW305"), outcome="accepted")  # another BerichtCode
        audit.record(session, **_identity(afzender="0363"), outcome="accepted")  # another sender
        session.commit()
        with pytest.raises(IntegrityError):
            audit.record(session, **other, outcome="accepted")


def test_a_rejected_message_may_be_judged_again(session: Session) -> None:
    # A rejected message counts as not sent (OP286): resending the same bytes later is a new submission.
    first = audit.record(
        session, **_identity(), outcome="rejected", received_at=datetime(2026, 11, 2, tzinfo=UTC)
    )
    found = audit.find_identity(session, **_identity())
    assert found is not None and found.id == first.id
    again = audit.record(
        session, **_identity(), outcome="rejected", received_at=datetime(2026, 11, 3, tzinfo=UTC)
    )
    found = audit.find_identity(session, **_identity())
    assert found is not None and found.id == again.id  # the latest verdict
    accepted = audit.record(
        session, **_identity(), outcome="accepted", received_at=datetime(2026, 11, 4, tzinfo=UTC)
    )
    audit.record(session, **_identity(), outcome="rejected", received_at=datetime(2026, 11, 5, tzinfo=UTC))
    session.commit()
    found = audit.find_identity(session, **_identity())
    assert found is not None and found.id == accepted.id  # once accepted, always the answer


def test_duplicates_are_logged_but_never_found_as_the_original(session: Session) -> None:
    original = audit.record(session, **_identity(), outcome="accepted")
    audit.record(session, **_identity(), outcome="duplicate")
    audit.record(session, **_identity(), outcome="duplicate")
    session.commit()
    found = audit.find_identity(session, **_identity())
    assert found is not None and found.id == original.id


def test_mark_sets_track_and_trace_timestamps(session: Session) -> None:
    row = audit.record(session, **_identity(), outcome="accepted")
    amsterdam = timezone(timedelta(hours=1))
    when = datetime(2026, 11, 2, 10, 0, tzinfo=amsterdam)
    assert audit.mark(session, row.id, "retour_delivered_at", when)
    assert audit.mark(session, row.id, "events_published_at")
    session.commit()
    session.expunge_all()
    got = audit.get(session, row.id)
    assert got is not None
    assert got.retour_delivered_at == when and got.retour_delivered_at.tzinfo == UTC
    assert got.events_published_at is not None and got.retour_produced_at is None
    assert not audit.mark(session, "0" * 32, "validated_at")


def test_mark_published_sets_the_retour_time_once_and_only_where_there_is_a_retour(session: Session) -> None:
    with_retour = audit.record(session, **_identity(), outcome="rejected", retour="<JW302/>")
    without = audit.record(session, **_identity(identificatie="JW301261103"), outcome="malformed")
    first, later = datetime(2026, 11, 2, 10, 0, tzinfo=UTC), datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
    audit.mark_published(session, [with_retour.id, without.id], first)
    audit.mark_published(
        session, [with_retour.id, without.id, "0" * 32], later
    )  # a redelivery publishes again
    session.commit()
    session.expunge_all()
    got = {
        r.id: r for r in (audit.get(session, with_retour.id), audit.get(session, without.id)) if r is not None
    }
    assert (got[with_retour.id].retour_produced_at, got[with_retour.id].events_published_at) == (first, later)
    assert (got[without.id].retour_produced_at, got[without.id].events_published_at) == (None, later)
    assert audit.mark_delivered(session, [with_retour.id, "0" * 32], later) == {with_retour.id}
    assert audit.mark_delivered(session, [with_retour.id], later) == set()


def test_mark_refuses_other_columns(session: Session) -> None:
    row = audit.record(session, **_identity(), outcome="accepted")
    with pytest.raises(ValueError, match="unknown timestamp"):
        audit.mark(session, row.id, "outcome", datetime.now(UTC))  # type: ignore[arg-type]  # on purpose


def test_naive_timestamps_are_refused(session: Session) -> None:
    with pytest.raises(StatementError, match="timezone-aware"):
        audit.record(session, **_identity(), outcome="accepted", received_at=datetime(2026, 11, 2, 10, 0))


def test_client_must_be_a_pseudonym_never_a_bsn(session: Session) -> None:
    with pytest.raises(ValueError, match="pseudonym"):
        audit.record(session, **_identity(), outcome="accepted", client="999990019")


def test_malformed_header_values_are_clipped_to_fit(session: Session) -> None:
    row = audit.record(
        session, content_hash=HASH, outcome="malformed", identificatie="X" * 40, afzender="0" * 20
    )
    session.commit()
    assert (row.identificatie, row.afzender) == ("X" * 12, "0" * 8)


def test_header_values_that_fit_are_kept_whole_and_longer_ones_clipped_to_their_column(
    session: Session,
) -> None:
    """A JW301's ontvanger is an 8-digit AGB code: the log keeps it whole; only what does not fit is cut."""
    whole = audit.record(session, **_identity(), ontvanger="12345678", outcome="accepted")
    cut = audit.record(
        session, content_hash=HASH, outcome="malformed", bericht="JW301JW301", ontvanger="1" * 20
    )
    session.commit()
    assert (whole.bericht, whole.afzender, whole.ontvanger) == ("JW301", "0200", "12345678")
    assert (cut.bericht, cut.ontvanger) == ("JW301", "1" * 8)


def test_marking_an_unknown_message_or_no_message_marks_nothing(session: Session) -> None:
    assert audit.mark(session, "0" * 32, "retour_delivered_at") is False
    assert audit.mark_delivered(session, [], datetime(2026, 11, 2, tzinfo=UTC)) == set()


def test_a_duplicates_own_redelivery_is_answered_from_the_original(session: Session) -> None:
    """Rows logged as duplicates are never the earlier record, not even for their own id: they point back."""
    original = audit.record(session, **_identity(), outcome="accepted")
    duplicate = audit.record(session, **_identity(), outcome="duplicate")
    session.commit()
    found = audit.seen(session, **_identity(), bericht_id=duplicate.id)
    assert found.earlier is not None and found.earlier.id == original.id


def test_unknown_outcome_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="outcome"):
        audit.record(session, content_hash=HASH, outcome="lost")


def test_record_from_a_typed_message(session: Session) -> None:
    m, bericht_id = record(session, "JW305", spec("JW305"))
    session.commit()
    got = audit.get(session, bericht_id)
    assert got is not None
    assert (got.bericht, got.afzender, got.ontvanger, got.identificatie) == (
        "JW305",
        m.header.afzender,
        m.header.ontvanger,
        m.header.identificatie,
    )


def test_client_of_referentie_finds_the_verzoeks_client(session: Session) -> None:
    accept(session, "JW315", spec("JW315"))
    ref = f"VOT{DAG:%Y%m%d}A"
    assert audit.client_of_referentie(session, AANBIEDER, ref) == PS(CLIENT.bsn)
    assert audit.client_of_referentie(session, "87654321", ref) is None
    assert audit.client_of_referentie(session, AANBIEDER, "ONBEKEND") is None


# ---- the intake's path: one lookup for identity and TR056, plain inserts --------------------------------


def test_seen_answers_identity_and_identificatie_bekend_together(session: Session) -> None:
    assert audit.seen(session, **_identity()) == audit.Seen(None, False)
    rejected = audit.record(session, **_identity(), outcome="rejected")
    found = audit.seen(session, **_identity())
    assert found.earlier is not None and found.earlier.id == rejected.id
    assert not found.identificatie_bekend  # a rejected message counts as not sent (TR056)
    audit.record(session, **_identity(content_hash=audit.content_hash(b"first")), outcome="accepted")
    other = audit.seen(session, **_identity())  # same header, other bytes: not this message, but TR056
    assert other.earlier is not None and other.earlier.id == rejected.id and other.identificatie_bekend
    fresh = audit.seen(session, **_identity(content_hash=audit.content_hash(b"third")))
    assert fresh.earlier is None and fresh.identificatie_bekend
    assert audit.seen(session, **_identity(bericht="JW305")) == audit.Seen(None, False)  # per message type


def test_seen_is_one_query_for_a_new_message(db: Engine, session: Session) -> None:
    audit.record(session, **_identity(content_hash=audit.content_hash(b"other")), outcome="accepted")
    statements: list[str] = []

    def on_execute(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db, "before_cursor_execute", on_execute)
    try:
        found = audit.seen(session, **_identity())
    finally:
        event.remove(db, "before_cursor_execute", on_execute)
    assert found == audit.Seen(None, True)
    assert len(statements) == 1


def test_insert_records_round_trip_like_record(session: Session) -> None:
    received = datetime(2026, 11, 2, 9, 30, tzinfo=timezone(timedelta(hours=1)))

    def values(identity: Identity) -> dict[str, Any]:
        return audit.values(**identity, **_afgewezen(), received_at=received)

    first, second = values(_identity()), values(_identity(identificatie="X" * 40))
    audit.insert_records(session, [first, second])
    assert audit.known(session, first["id"]) and not audit.known(session, "0" * 32)
    session.commit()
    got = audit.get(session, first["id"])
    assert got is not None
    assert (got.outcome, got.error_codes, got.retour_bericht, got.client) == (
        "rejected",
        ["TR019", "TR063"],
        "JW302",
        PS("999990019"),
    )
    assert got.received_at == received and got.received_at.tzinfo == UTC
    got_second = audit.get(session, second["id"])
    assert got_second is not None and got_second.identificatie == "X" * 12


def test_insert_records_checks_like_record(session: Session) -> None:
    with pytest.raises(ValueError, match="pseudonym"):
        audit.values(**_identity(), outcome="accepted", client="999990019")
    with pytest.raises(StatementError, match="timezone-aware"):
        row = audit.values(**_identity(), outcome="accepted", received_at=datetime(2026, 11, 2, 10, 0))
        audit.insert_records(session, [row])


def test_the_retourberichten_outside_the_identity_index_are_the_catalogs() -> None:
    # Judged on their XSD only and naming the heenbericht's Identificatie: two retouren may share one.
    retouren = {b for b, info in BERICHTEN.items() if info.is_retour} | {ONTVANGSTBEVESTIGING}
    assert set(RETOURBERICHTEN) == retouren
