"""The validator's verdict memory: the same verdict for the same bytes and day, a fresh one otherwise, bounded; and
the users of a shared verdict (the intake, the retour builder, extraction) leave its tree as it was."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from lxml import etree
from sqlalchemy import Engine

from hub.familie import familie
from hub.ijw.catalog import RETOUR_KLASSEN
from hub.ijw.parse import ParseLimits
from hub.retour.build import build_retour
from hub.rules.registry import Level, Violation
from hub.synth.berichten import DEFAULT_DAGTEKENING, HEENBERICHTEN, spec
from hub.synth.build import edit, to_xml
from hub.validate import Validator, Verdict, VerdictMemory
from tests.hub.intake_helpers import new_intake

TODAY = date(2026, 11, 23)


def validator(memory: VerdictMemory | None = None) -> Validator:
    return Validator(clock=lambda: TODAY, memory=memory if memory is not None else VerdictMemory(8))


def jw301(identificatie: str = "ID-1") -> bytes:
    return to_xml("JW301", spec("JW301", identificatie=identificatie))


def test_same_bytes_and_day_give_the_same_verdict() -> None:
    v = validator()
    data = jw301()
    first = v.validate(data, remember=True)
    # Equal content in another object, with today made explicit (as the intake does).
    again = v.validate(bytes(bytearray(data)), today=TODAY)
    assert first.accepted and again is first
    assert v.memory is not None and (v.memory.hits, v.memory.misses) == (1, 1)


def test_other_bytes_give_a_fresh_verdict() -> None:
    v = validator()
    data = jw301()
    first = v.validate(data, remember=True)
    changed = v.validate(
        data + b"\n", remember=True
    )  # the same message to a reader, other bytes to the memory
    other = v.validate(jw301("ID-2"), remember=True)
    assert changed is not first and other is not first
    assert changed.accepted and other.accepted
    assert other.doc is not None and other.doc.identificatie == "ID-2"


def test_another_day_gives_a_fresh_verdict_judged_on_that_day() -> None:
    v = validator()
    data = to_xml("JW301", spec("JW301"))  # Dagtekening DEFAULT_DAGTEKENING
    before = DEFAULT_DAGTEKENING - timedelta(days=1)
    early = v.validate(data, today=before, remember=True)
    on_time = v.validate(data, today=DEFAULT_DAGTEKENING, remember=True)
    assert {e.rule for e in early.errors} == {"TR135"}  # Dagtekening after today
    assert on_time is not early and on_time.accepted
    assert v.validate(data, today=before) is early


def test_only_verdicts_asked_to_be_remembered_are_kept() -> None:
    """The intake's own calls (messages straight from Kafka) find what the gateway kept, and keep nothing."""
    v = validator()
    data = jw301()
    first = v.validate(data)
    assert v.validate(data) is not first and v.memory is not None and len(v.memory) == 0
    kept = v.validate(data, remember=True)
    assert v.validate(data, remember=True) is kept and len(v.memory) == 1  # another door's look leaves it
    assert v.validate(data) is kept and len(v.memory) == 0  # the intake takes it out
    assert v.memory.held_bytes == 0 and v.validate(data) is not kept


def test_malformed_bytes_are_remembered_too() -> None:
    v = validator()
    first = v.validate(b"<not xml", remember=True)
    assert first.outcome == "malformed" and v.validate(b"<not xml") is first


def test_memory_lets_the_oldest_go_first_and_a_taken_verdict_leave() -> None:
    memory = VerdictMemory(3)
    v = validator(memory)
    messages = [jw301(f"ID-{i}") for i in range(6)]
    verdicts = [v.validate(m, remember=True) for m in messages[:3]]
    assert v.validate(messages[1]) is verdicts[1]  # taken: room for one more without losing another
    v.validate(messages[3], remember=True)
    assert len(memory) == 3
    v.validate(messages[4], remember=True)  # full: the oldest (ID-0) makes room
    v.validate(messages[5], remember=True)  # and then ID-2
    assert len(memory) == 3
    assert memory.held_bytes == sum(len(m) for m in messages[3:])
    assert v.validate(messages[0]) is not verdicts[0] and v.validate(messages[2]) is not verdicts[2]


def test_memory_keeps_within_its_bytes() -> None:
    data = [jw301(f"ID-{i}") for i in range(4)]
    memory = VerdictMemory(100, max_bytes=2 * max(len(d) for d in data))
    v = validator(memory)
    for d in data:
        v.validate(d, remember=True)
    assert len(memory) == 2 and memory.held_bytes <= memory.max_bytes
    small = VerdictMemory(100, max_bytes=10)
    validator(small).validate(data[0], remember=True)  # larger than the whole memory: judged, not kept
    assert len(small) == 0 and small.held_bytes == 0
    # Nor does such a message push out the verdicts that fit.
    memory = VerdictMemory(100, max_bytes=len(data[0]) + 10)
    v = validator(memory)
    kept = v.validate(data[0], remember=True)
    v.validate(data[0] + b" " * 20, remember=True)
    assert len(memory) == 1 and memory.held_bytes == len(data[0])
    assert v.validate(data[0]) is kept


def test_memory_needs_room() -> None:
    with pytest.raises(ValueError):
        VerdictMemory(0)
    with pytest.raises(ValueError):
        VerdictMemory(1, max_bytes=0)
    assert len(VerdictMemory(1, max_bytes=1)) == 0  # the least room there is
    one = VerdictMemory(1, max_bytes=len(jw301()))  # room for one verdict, of exactly this message
    validator(one).validate(jw301(), remember=True)
    assert len(one) == 1 and one.held_bytes == one.max_bytes


def test_without_a_memory_every_call_judges_again() -> None:
    v = Validator(clock=lambda: TODAY)
    data = jw301()
    assert v.memory is None and v.validate(data, remember=True) is not v.validate(data)


def test_threads_judging_the_same_and_other_bytes_share_one_bounded_memory() -> None:
    memory = VerdictMemory(4)
    v = validator(memory)
    messages = [jw301(f"ID-{i}") for i in range(6)]
    seen: list[list[Verdict]] = [[] for _ in range(4)]

    def judge(out: list[Verdict]) -> None:
        for _ in range(5):
            out.extend(v.validate(m, remember=True) for m in messages)

    threads = [threading.Thread(target=judge, args=(out,)) for out in seen]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for out in seen:
        assert [d.doc.identificatie for d in out if d.doc is not None] == [f"ID-{i}" for i in range(6)] * 5
    assert len(memory) == 4 and memory.held_bytes == sum(len(m) for m in messages[2:])
    assert memory.hits + memory.misses == 4 * 5 * 6


# ---- the users of a remembered verdict only read it ----------------------------------------------------------


def tree(verdict: Verdict) -> bytes:
    assert verdict.doc is not None
    return etree.tostring(verdict.doc.root)


@pytest.mark.parametrize("bericht", HEENBERICHTEN)
def test_retour_and_extraction_leave_the_tree_as_it_was(bericht: str) -> None:
    verdict = validator().validate(to_xml(bericht, spec(bericht)))
    assert verdict.doc is not None and verdict.accepted, verdict.errors
    before = tree(verdict)
    familie(verdict.doc.bericht).extract(verdict.doc)
    build_retour(verdict, dagtekening=TODAY)
    header_only = Violation("CS002", "0001", None, "test", Level.XSLT)
    build_retour(Verdict(verdict.info, (header_only,), verdict.doc), dagtekening=TODAY)
    # A class rejected on level 3 copies the client (or the declaration's rejected prestaties) into the retour.
    retour = verdict.info.retour if verdict.info is not None else None
    paths = RETOUR_KLASSEN.get(retour or "", ()) or ("Declaratie/Clienten/Client/Prestaties/Prestatie",)
    klasse = verdict.doc.first(paths[-1])
    broken = Violation("TR019", "9019", None, "test", Level.STATEFUL, klasse=klasse)
    written = build_retour(Verdict(verdict.info, (broken,), verdict.doc), dagtekening=TODAY)
    assert retour is None or (written is not None and b"9019" in written)
    assert tree(verdict) == before


def test_intake_takes_the_remembered_verdict_and_leaves_its_tree_as_it_was(db: Engine) -> None:
    memory = VerdictMemory(8)
    intake = new_intake(db, TODAY, memory=memory)
    v = intake.validator  # the door judges with the intake's validator, as in one process: one memory
    rejected = edit(
        spec("JW301"), "Client/ToegewezenProducten/ToegewezenProduct[1]/ReferentieAanbieder", "ONBEKEND-1"
    )
    outcomes = []
    for data in (to_xml("JW301", spec("JW301")), to_xml("JW301", rejected)):
        door = v.validate(data, remember=True)  # what the gateway judged
        before, hits = tree(door), memory.hits
        outcomes.append(intake.verwerk(data).outcome)
        assert memory.hits == hits + 1  # the intake judged nothing again
        assert tree(door) == before and not door.errors  # level 3 made a new verdict; this one is as it was
    assert outcomes == ["accepted", "rejected"]  # the second breaks TR379 (no such verzoek), a stateful rule


def test_the_stateless_context_of_a_day_is_never_a_stateful_one() -> None:
    """The stateless Context is kept for the next message; a stateful one (the intake's) must not be."""
    v = validator()
    state = object()
    assert v.context(TODAY, state).state is state
    assert v.context(TODAY).state is None
    assert v.context(TODAY) is v.context(TODAY)


def test_a_schema_valid_message_deeper_than_the_configured_limit_is_unreadable() -> None:
    """HUB_MAX_XML_DEPTH below the XSD's own depth: the Validator measures a valid message too (rule XML)."""
    verdict = Validator(limits=ParseLimits(max_depth=3), clock=lambda: TODAY).validate(jw301())
    assert verdict.outcome == "malformed" and verdict.doc is None
    assert [(e.rule, e.message) for e in verdict.errors] == [("XML", "elements nested deeper than 3 levels")]
    depth = validator().validate(jw301()).doc.depth  # type: ignore[union-attr]
    assert Validator(limits=ParseLimits(max_depth=depth), clock=lambda: TODAY).validate(jw301()).accepted


def test_judge_state_leaves_a_verdict_that_did_not_pass_levels_1_and_2_or_a_retourbericht() -> None:
    """A 0001 verdict is final (OP286), a malformed one gets no retour, a retourbericht is judged on its XSD only:
    the stateful rules add nothing to any of them, whatever the state."""
    v = validator()
    rejected = v.validate(to_xml("JW301", edit(spec("JW301"), "Client/Bsn", "123456789")))  # CS002
    malformed = v.validate(jw301()[:-20])
    retour = build_retour(v.validate(jw301()), dagtekening=TODAY)
    assert rejected.level == Level.XSLT and malformed.outcome == "malformed" and retour is not None
    jw302 = v.validate(retour)
    assert jw302.accepted and jw302.info is not None and jw302.info.is_retour
    for verdict in (rejected, malformed, jw302):
        assert v.judge_state(verdict, object(), today=TODAY) is verdict
