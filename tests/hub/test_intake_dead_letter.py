"""A message the worker dead-letters is recorded as failed with its 0001 retour, in its own transaction, and a
redelivery is answered from that record instead of being judged again (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree
from sqlalchemy import Engine
from sqlmodel import select

from hub.intake import OUTCOME_FAILED, Inbound, Intake
from hub.store import audit
from hub.store.db import session_factory
from hub.store.tables import BerichtRecord, DeclaratieRecord, ToewijzingRecord
from hub.synth.berichten import spec
from hub.synth.build import edit, to_xml
from tests.hub.intake_helpers import TODAY, new_intake

NOON = datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC)
RECEIVED = datetime(TODAY.year, TODAY.month, TODAY.day, 11, 59, tzinfo=UTC)
DEAD = "d" * 32


@pytest.fixture
def intake(db: Engine) -> Intake:
    return new_intake(db)


def retour_codes(xml: bytes | None) -> list[str]:
    assert xml is not None
    return [el.text or "" for el in etree.fromstring(xml).iterfind("{*}Header/{*}RetourCodes/{*}RetourCode")]


def record_of(db: Engine, bericht_id: str) -> BerichtRecord:
    with session_factory(db)() as session:
        row = audit.get(session, bericht_id)
    assert row is not None
    return row


def records(db: Engine) -> list[BerichtRecord]:
    with session_factory(db)() as session:
        return list(session.exec(select(BerichtRecord)).all())


def test_a_dead_lettered_message_is_recorded_as_failed_with_its_0001_retour(
    intake: Intake, db: Engine
) -> None:
    raw = to_xml("JW305", spec("JW305"))
    dead = intake.dead_letter(Inbound(raw, DEAD, RECEIVED))
    result = dead.result
    assert (result.bericht_id, result.outcome, result.bericht, result.retour_bericht) == (
        DEAD, OUTCOME_FAILED, "JW305", "JW306",
    )  # fmt: skip
    assert retour_codes(result.retour) == ["0001"]
    afzender = etree.fromstring(raw).findtext("{*}Header/{*}Afzender")
    assert result.retour_ontvanger == afzender and result.event is None

    assert intake.record_dead_letter(dead)
    row = record_of(db, DEAD)
    assert (row.outcome, row.bericht, row.afzender, row.retour_bericht, row.error_codes) == (
        "failed", "JW305", afzender, "JW306", [],
    )  # fmt: skip
    assert row.retour is not None and row.retour.encode() == result.retour
    assert row.content_hash == audit.content_hash(raw) and (row.client, row.event) == (None, None)
    # Received when the door says; validated_at is when the intake gave up; nothing published yet.
    assert (row.received_at, row.validated_at) == (RECEIVED, NOON)
    assert (row.retour_produced_at, row.events_published_at, row.retour_delivered_at) == (None, None, None)


def test_a_dead_letter_is_answered_without_running_the_rules_that_may_have_failed(
    intake: Intake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 0001 needs the header alone: the rules (which may be what failed, or killed a process) do not run."""

    def failing_rules(*_: object, **__: object) -> None:
        raise RuntimeError("a rule that fails on this message")

    monkeypatch.setattr("hub.validate.iter_violations", failing_rules)
    with pytest.raises(RuntimeError):
        intake.validator.validate(to_xml("JW301", spec("JW301")))
    dead = intake.dead_letter(Inbound(to_xml("JW301", spec("JW301")), DEAD, RECEIVED))
    assert (dead.result.bericht, dead.result.retour_bericht) == ("JW301", "JW302")
    assert retour_codes(dead.result.retour) == ["0001"]


def test_a_dead_letter_is_recorded_once(intake: Intake, db: Engine) -> None:
    dead = intake.dead_letter(Inbound(to_xml("JW305", spec("JW305")), DEAD, RECEIVED))
    assert intake.record_dead_letter(dead)
    assert not intake.record_dead_letter(dead)  # a second dead-lettering of the same record adds nothing
    assert [r.id for r in records(db)] == [DEAD]


def test_a_redelivered_dead_letter_is_answered_from_its_record_and_publishes_what_is_missing(
    intake: Intake,
) -> None:
    raw = to_xml("JW305", spec("JW305"))
    dead = intake.dead_letter(Inbound(raw, DEAD, RECEIVED))
    assert intake.dead_lettered(DEAD, raw) is None  # not recorded yet: the worker judges it as any other
    intake.record_dead_letter(dead)
    again = intake.dead_lettered(DEAD, raw)
    assert again is not None
    assert (again.outcome, again.redelivered, again.already_published) == (OUTCOME_FAILED, True, False)
    assert (again.retour, again.retour_bericht, again.event) == (dead.result.retour, "JW306", None)
    assert again.retour_ontvanger == dead.result.retour_ontvanger

    intake.mark_published(DEAD)  # the dead letter and its retour went out
    published = intake.dead_lettered(DEAD, raw)
    assert published is not None and published.already_published


def test_a_redelivery_through_the_batch_is_not_judged_again(intake: Intake, db: Engine) -> None:
    """Should the message no longer fail, its redelivery still finds its record: no state, no event."""
    raw = to_xml("JW301", spec("JW301"))
    intake.record_dead_letter(intake.dead_letter(Inbound(raw, DEAD, RECEIVED)))
    [again] = intake.verwerk_batch([Inbound(raw, DEAD, RECEIVED)])
    assert (again.outcome, again.redelivered, again.event) == (OUTCOME_FAILED, True, None)
    assert retour_codes(again.retour) == ["0001"]
    with session_factory(db)() as session:
        assert session.exec(select(ToewijzingRecord)).all() == []
    assert [(r.id, r.outcome) for r in records(db)] == [(DEAD, "failed")]


def test_a_resend_of_a_dead_lettered_message_is_judged_afresh(intake: Intake, db: Engine) -> None:
    """A failed record is not an accepted one: the same bytes under a new id are judged, and TR056 does not fire."""
    raw = to_xml("JW301", spec("JW301"))
    intake.record_dead_letter(intake.dead_letter(Inbound(raw, DEAD, RECEIVED)))
    resent = intake.verwerk(raw, bericht_id="e" * 32)
    assert resent.outcome == "accepted" and not resent.redelivered, resent.errors
    assert resent.event is not None and retour_codes(resent.retour) == ["0200"]
    assert {r.id: r.outcome for r in records(db)} == {DEAD: "failed", "e" * 32: "accepted"}


def test_a_dead_letter_leaves_a_judged_record_as_it_is(intake: Intake, db: Engine) -> None:
    """Judged, then failing to publish until dead-lettered: its record keeps its verdict."""
    raw = to_xml("JW301", spec("JW301"))
    judged = intake.verwerk(raw, bericht_id=DEAD)
    assert not intake.record_dead_letter(intake.dead_letter(Inbound(raw, DEAD, RECEIVED)))
    row = record_of(db, DEAD)
    assert (row.outcome, row.retour) == ("accepted", (judged.retour or b"").decode())
    assert intake.dead_lettered(DEAD, raw) is None  # not a dead letter: verwerk answers its redelivery


@pytest.mark.parametrize("kind", ["unreadable", "retourbericht"])
def test_a_message_without_a_retour_is_recorded_without_one(intake: Intake, db: Engine, kind: str) -> None:
    """No readable header, or a retourbericht (the standard answers it with none): recorded, no retour."""
    if kind == "unreadable":
        raw, bericht = b"<niet-ijw/>", None
    else:
        jw302 = intake.verwerk(to_xml("JW301", spec("JW301")), bericht_id="f" * 32).retour
        assert jw302 is not None
        raw, bericht = jw302, "JW302"
    dead = intake.dead_letter(Inbound(raw, DEAD, RECEIVED))
    assert (dead.result.retour, dead.result.retour_bericht) == (None, None)
    assert intake.technical_retour(raw) is None
    assert intake.record_dead_letter(dead)
    row = record_of(db, DEAD)
    assert (row.outcome, row.bericht, row.retour, row.retour_bericht) == ("failed", bericht, None, None)


def test_a_rejected_resend_of_a_dead_lettered_jw323_is_kept_as_not_sent(intake: Intake, db: Engine) -> None:
    """The failed record was never judged and recorded no state: the first judgement of the same bytes records
    the declaration a JW323 rejected within its Declaratie leaves (hub.oordeel vastleggen), as without it."""
    assert intake.verwerk(to_xml("JW301", spec("JW301"))).outcome == "accepted"
    onbekend = to_xml("JW323", edit(spec("JW323"), "Declaratie/Clienten/Client/Bsn", "999990019"))  # TR304
    intake.record_dead_letter(intake.dead_letter(Inbound(onbekend, DEAD, RECEIVED)))
    resent = intake.verwerk(onbekend, bericht_id="e" * 32)
    assert (resent.outcome, [v.rule for v in resent.errors]) == ("rejected", ["TR304"])
    with session_factory(db)() as session:
        assert [d.afgewezen for d in session.exec(select(DeclaratieRecord))] == [True]
    again = intake.verwerk(onbekend, bericht_id="f" * 32)  # judged again, recorded once
    assert (again.outcome, [v.rule for v in again.errors]) == ("rejected", ["TR304"])
    with session_factory(db)() as session:
        assert [d.afgewezen for d in session.exec(select(DeclaratieRecord))] == [True]
