"""A door's id that already names other bytes (a producer on the raw topic reusing its bericht-ids) does not lose
the message: it is judged and recorded under an id derived from both, which a redelivery finds again (both
databases). Before, its insert failed on every attempt and it was dead-lettered without a retour."""

from __future__ import annotations

import logging
import re

import pytest
from lxml import etree
from sqlalchemy import Engine
from sqlmodel import select

from hub.intake import Inbound, Intake
from hub.store import audit
from hub.store.db import session_factory
from hub.store.tables import BerichtRecord, ToewijzingRecord
from hub.synth.berichten import spec
from hub.synth.build import edit, to_xml
from tests.hub.intake_helpers import new_intake

GIVEN = "a" * 32


@pytest.fixture
def intake(db: Engine) -> Intake:
    return new_intake(db)


def records(db: Engine) -> dict[str, BerichtRecord]:
    with session_factory(db)() as session:
        return {r.id: r for r in session.exec(select(BerichtRecord)).all()}


def retour_codes(xml: bytes | None) -> list[str]:
    assert xml is not None
    return [el.text or "" for el in etree.fromstring(xml).iterfind("{*}Header/{*}RetourCodes/{*}RetourCode")]


def invalid(raw: bytes) -> bytes:
    """The message made XSD-invalid (a letter in its first Bsn), its header still readable."""
    made = re.sub(rb"(<[a-z0-9]+:Bsn>)", rb"\1x", raw, count=1)
    assert made != raw
    return made


def test_a_reused_id_gets_the_message_an_id_of_its_own(
    intake: Intake, db: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = to_xml("JW301", spec("JW301")), to_xml("JW301", spec("JW301", identificatie="T2"))
    assert intake.verwerk(first, bericht_id=GIVEN).outcome == "accepted"
    with caplog.at_level(logging.WARNING, logger="hub.intake"):
        result = intake.verwerk(second, bericht_id=GIVEN)
    derived = audit.other_id(GIVEN, audit.content_hash(second))
    assert (result.bericht_id, result.outcome, result.redelivered) == (derived, "accepted", False)
    assert result.event is not None and retour_codes(result.retour) == ["0200"]
    rows = records(db)
    assert {i: r.outcome for i, r in rows.items()} == {GIVEN: "accepted", derived: "accepted"}
    assert rows[derived].identificatie == "T2"
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert (warning.__dict__["bericht_id"], warning.__dict__["gegeven_bericht_id"]) == (derived, GIVEN)


def test_a_redelivery_of_the_message_under_a_reused_id_is_answered_from_its_record(
    intake: Intake, db: Engine
) -> None:
    first, second = to_xml("JW301", spec("JW301")), to_xml("JW301", spec("JW301", identificatie="T2"))
    intake.verwerk(first, bericht_id=GIVEN)
    judged = intake.verwerk(second, bericht_id=GIVEN)
    before = toewijzingen(db)
    again = intake.verwerk(second, bericht_id=GIVEN)  # the same record after a crash before the commit
    assert (again.bericht_id, again.redelivered, again.retour) == (judged.bericht_id, True, judged.retour)
    assert len(records(db)) == 2 and toewijzingen(db) == before > 0


def toewijzingen(db: Engine) -> int:
    with session_factory(db)() as session:
        return len(session.exec(select(ToewijzingRecord)).all())


def test_two_messages_of_one_batch_under_one_id_are_both_recorded(intake: Intake, db: Engine) -> None:
    first, second = to_xml("JW301", spec("JW301")), to_xml("JW301", spec("JW301", identificatie="T2"))
    results = intake.verwerk_batch([Inbound(first, GIVEN), Inbound(second, GIVEN)])
    assert [r.outcome for r in results] == ["accepted", "accepted"]
    assert [r.bericht_id for r in results] == [GIVEN, audit.other_id(GIVEN, audit.content_hash(second))]
    assert records(db).keys() == {r.bericht_id for r in results}


def test_a_correction_under_the_id_of_the_original_gets_tr056(intake: Intake, db: Engine) -> None:
    """Same Identificatie, other content and the same bericht-id: judged as any such message, not as a redelivery."""
    s = spec("JW301")
    intake.verwerk(to_xml("JW301", s), bericht_id=GIVEN)
    other = to_xml("JW301", edit(s, "Client/ToegewezenProducten/ToegewezenProduct[1]/Commentaar", "Anders"))
    result = intake.verwerk(other, bericht_id=GIVEN)
    assert (result.bericht_id != GIVEN, result.outcome, retour_codes(result.retour)) == (
        True,
        "rejected",
        ["9056"],
    )
    assert records(db)[GIVEN].outcome == "accepted"


def test_a_malformed_message_under_a_used_id_is_recorded_under_its_own(intake: Intake, db: Engine) -> None:
    intake.verwerk(to_xml("JW301", spec("JW301")), bericht_id=GIVEN)
    malformed = invalid(to_xml("JW301", spec("JW301", identificatie="T2")))
    result = intake.verwerk(malformed, bericht_id=GIVEN)
    assert (result.outcome, result.redelivered) == ("malformed", False)
    assert result.bericht_id == audit.other_id(GIVEN, audit.content_hash(malformed))
    assert intake.verwerk(malformed, bericht_id=GIVEN).redelivered  # and its redelivery finds that record


def test_a_malformed_message_is_recorded_with_the_header_it_lets_read(intake: Intake, db: Engine) -> None:
    """Track and trace shows it to its sender, as for a message posted over HTTP (found by its Afzender)."""
    raw = to_xml("JW301", spec("JW301"))
    header = etree.fromstring(raw).find("{*}Header")
    assert header is not None
    malformed = invalid(raw)
    result = intake.verwerk(malformed, bericht_id=GIVEN)
    row = records(db)[result.bericht_id]
    assert (row.outcome, row.afzender, row.ontvanger, row.identificatie) == (
        "malformed",
        header.findtext("{*}Afzender"),
        header.findtext("{*}Ontvanger"),
        header.findtext("{*}BerichtIdentificatie/{*}Identificatie"),
    )


def test_a_dead_letter_under_a_reused_id_is_not_the_answer_to_other_bytes(intake: Intake, db: Engine) -> None:
    first, second = to_xml("JW305", spec("JW305")), to_xml("JW301", spec("JW301"))
    intake.record_dead_letter(intake.dead_letter(Inbound(first, GIVEN)))
    assert intake.dead_lettered(GIVEN, first) is not None
    assert intake.dead_lettered(GIVEN, second) is None
    result = intake.verwerk(second, bericht_id=GIVEN)
    assert (result.outcome, result.bericht_id != GIVEN) == ("accepted", True)


def test_a_message_dead_lettered_under_a_reused_id_is_recorded_and_answered_under_its_own(
    intake: Intake, db: Engine
) -> None:
    """It failed every attempt (the worker gave up): its 0001 record goes under the derived id, not lost behind
    the earlier message's, and its redelivery is answered from that record."""
    first, poison = to_xml("JW301", spec("JW301")), to_xml("JW305", spec("JW305"))
    intake.verwerk(first, bericht_id=GIVEN)
    dead = intake.dead_letter(Inbound(poison, GIVEN))
    derived = audit.other_id(GIVEN, audit.content_hash(poison))
    assert dead.result.bericht_id == derived == dead.record["id"]
    assert intake.record_dead_letter(dead)
    assert {i: r.outcome for i, r in records(db).items()} == {GIVEN: "accepted", derived: "failed"}
    again = intake.dead_lettered(GIVEN, poison)
    assert again is not None and (again.bericht_id, again.redelivered) == (derived, True)
    assert retour_codes(again.retour) == ["0001"]
