"""The transport-free intake on both databases: verdicts, retouren, events, idempotency, TR056 across messages."""

from __future__ import annotations

import random
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from hub.events.models import StartOntvangen, ToewijzingOntvangen
from hub.ijw.doc import text
from hub.intake import OUTCOME_DUPLICATE, Inbound, Intake, IntakeResult
from hub.privacy import Pseudonymiser
from hub.store import audit
from hub.store.db import make_engine, session_factory
from hub.store.tables import DeclaratieRecord, PrestatieRecord
from hub.synth.berichten import declaratie_antwoord, spec
from hub.synth.build import Spec, edit, to_xml
from hub.synth.declaratie import declaratie
from hub.synth.persons import persoon
from tests.hub.intake_helpers import TODAY, new_intake
from tests.hub.prestaties import OKTOBER, specifieke_prestatie


@pytest.fixture
def intake(db: Engine) -> Intake:
    return new_intake(db)


def retour_codes(xml: bytes | None, path: str = "{*}Header/{*}RetourCodes/{*}RetourCode") -> list[str]:
    assert xml is not None
    return [el.text or "" for el in etree.fromstring(xml).iterfind(path)]


def test_toewijzing_then_start_are_accepted_with_events(intake: Intake) -> None:
    r301 = intake.verwerk(to_xml("JW301", spec("JW301")), bericht_id="a" * 32)
    assert r301.outcome == "accepted", r301.errors
    assert isinstance(r301.event, ToewijzingOntvangen)
    assert r301.retour_bericht == "JW302" and retour_codes(r301.retour) == ["0200"]
    assert r301.key == r301.event.client and len(r301.key) == 64
    r305 = intake.verwerk(to_xml("JW305", spec("JW305")), bericht_id="b" * 32)
    assert r305.outcome == "accepted", r305.errors
    assert isinstance(r305.event, StartOntvangen)
    assert r305.key == r301.key  # same client, same pseudonym, same partition downstream


def test_start_without_toewijzing_is_rejected_with_9019_on_the_startproduct(intake: Intake) -> None:
    result = intake.verwerk(to_xml("JW305", spec("JW305")))
    assert result.outcome == "rejected"
    assert {v.rule for v in result.errors} == {"TR019"}
    assert result.event is None
    assert retour_codes(result.retour) == ["0200"]
    producten = etree.fromstring(result.retour or b"").findall(".//{*}StartProduct")
    assert [text(p, "RetourCodes/RetourCode") for p in producten] == ["9019"] * len(producten)


def test_rejected_message_changes_no_state(intake: Intake) -> None:
    bad = edit(
        spec("JW301"), "Client/ToegewezenProducten/ToegewezenProduct[1]/ReferentieAanbieder", "ONBEKEND-1"
    )
    assert intake.verwerk(to_xml("JW301", bad)).outcome == "rejected"  # TR379: no such verzoek
    assert intake.verwerk(to_xml("JW305", spec("JW305"))).outcome == "rejected"  # so no toewijzing exists


def test_redelivery_is_answered_from_the_record(intake: Intake) -> None:
    data = to_xml("JW301", spec("JW301"))
    first = intake.verwerk(data, bericht_id="c" * 32)
    again = intake.verwerk(data, bericht_id="c" * 32)
    assert again.redelivered and again.retour == first.retour
    assert again.event == first.event  # the very same event (same id), published only if it had not gone out
    intake.mark_published(first.bericht_id)
    assert intake.verwerk(data, bericht_id="c" * 32).already_published


def test_resend_with_same_content_is_a_duplicate_without_event(intake: Intake, db: Engine) -> None:
    data = to_xml("JW301", spec("JW301"))
    first = intake.verwerk(data)
    resend = intake.verwerk(data)
    assert resend.outcome == OUTCOME_DUPLICATE and resend.event is None
    assert resend.retour == first.retour
    with session_factory(db)() as session:
        row = audit.get(session, resend.bericht_id)
        assert row is not None and row.outcome == OUTCOME_DUPLICATE


def test_a_redelivery_is_answered_from_its_own_record_after_the_same_bytes_came_again(intake: Intake) -> None:
    # A rejected message sent twice: a redelivery of the first was judged again (the lookup found the other
    # record) and its audit row inserted a second time (IntegrityError: retried, then dead-lettered).
    data = to_xml("JW305", spec("JW305"))  # no toewijzing: TR019
    first, second = (intake.verwerk(data, bericht_id=i * 32) for i in "12")
    assert first.outcome == second.outcome == "rejected"
    for earlier in (first, second):
        again = intake.verwerk(data, bericht_id=earlier.bericht_id)
        assert (again.redelivered, again.outcome, again.retour) == (True, "rejected", earlier.retour)
    # Accepted under a third id (after its toewijzing), the first is still answered as it was.
    assert intake.verwerk(to_xml("JW301", spec("JW301"))).outcome == "accepted"
    assert intake.verwerk(data, bericht_id="3" * 32).outcome == "accepted"
    again = intake.verwerk(data, bericht_id=first.bericht_id)
    assert (again.redelivered, again.outcome, again.retour) == (True, "rejected", first.retour)


def test_two_retouren_on_one_heenbericht_identificatie_are_both_recorded(intake: Intake) -> None:
    # A rejected message counts as not sent, so its corrected resend may keep its Identificatie (OP286): both
    # get a retour, and both retouren name that one Identificatie.
    unknown = "Client/ToegewezenProducten/ToegewezenProduct[1]/ReferentieAanbieder"
    rejected = intake.verwerk(to_xml("JW301", edit(spec("JW301"), unknown, "ONBEKEND-1")))  # TR379
    accepted = intake.verwerk(to_xml("JW301", spec("JW301")))
    assert (rejected.outcome, accepted.outcome) == ("rejected", "accepted")
    assert rejected.retour is not None and accepted.retour is not None
    answers = [intake.verwerk(retour) for retour in (rejected.retour, accepted.retour)]
    assert [(a.bericht, a.outcome) for a in answers] == [("JW302", "accepted")] * 2


def test_same_identificatie_with_other_content_gets_9056(intake: Intake) -> None:
    s = spec("JW301")
    first = intake.verwerk(to_xml("JW301", s))
    assert first.outcome == "accepted"
    other = edit(s, "Client/ToegewezenProducten/ToegewezenProduct[1]/Commentaar", "Andere inhoud")
    result = intake.verwerk(to_xml("JW301", other))
    assert [v.rule for v in result.errors] == ["TR056"]
    assert retour_codes(result.retour) == ["9056"]
    assert etree.fromstring(result.retour or b"").find("{*}Client") is None  # header-only

    # Two retouren, two identifications: a backoffice keeping one retour per IdentificatieRetour keeps both.
    def identificatie(retour: bytes | None) -> str | None:
        return etree.fromstring(retour or b"").findtext("{*}Header/{*}IdentificatieRetour")

    assert identificatie(first.retour) != identificatie(result.retour)
    again = intake.verwerk(to_xml("JW301", s))  # the first message redelivered: its own retour again
    assert identificatie(again.retour) == identificatie(first.retour)


def test_a_known_toewijzingnummer_changes_only_what_iv066_allows(intake: Intake) -> None:
    """TR332 against the store: the toewijzing the client already has under this number is read back, so a new
    Product/Code is 9332 and a new Einddatum is a new version."""
    assert intake.verwerk(to_xml("JW301", spec("JW301"))).outcome == "accepted"
    eerste = "Client/ToegewezenProducten/ToegewezenProduct[1]"
    code = edit(spec("JW301", identificatie="T2"), f"{eerste}/Product/Code", "45A54")
    result = intake.verwerk(to_xml("JW301", code))
    assert [(v.rule, v.retourcode) for v in result.errors] == [("TR332", "9332")]
    einde = edit(spec("JW301", identificatie="T3"), f"{eerste}/Einddatum", date(2027, 1, 31))
    assert intake.verwerk(to_xml("JW301", einde)).outcome == "accepted"


def test_malformed_message_is_recorded_without_retour(intake: Intake, db: Engine) -> None:
    result = intake.verwerk(b"<not-ijw/>", bericht_id="d" * 32)
    assert result.outcome == "malformed" and result.retour is None
    assert result.raw_size == len(b"<not-ijw/>")  # for its dead letter, which never carries the content
    assert result.problems and result.problems[0]["rule"] == "XML"
    assert intake.verwerk(b"<not-ijw/>", bericht_id="d" * 32).outcome == "malformed"  # recorded once
    with session_factory(db)() as session:
        row = audit.get(session, "d" * 32)
        assert row is not None and row.outcome == "malformed"


def test_in_message_rule_gives_0001_and_is_recorded(intake: Intake) -> None:
    result = intake.verwerk(to_xml("JW305", edit(spec("JW305"), "Client/Bsn", "123456789")))
    assert result.outcome == "rejected" and [v.rule for v in result.errors] == ["CS002"]
    assert retour_codes(result.retour) == ["0001"]


def test_antwoord_is_keyed_by_the_client_of_its_verzoek(intake: Intake) -> None:
    vot = spec("JW315")
    assert intake.verwerk(to_xml("JW315", vot)).outcome == "accepted"
    referentie = vot["Client"]["AangevraagdeProducten"]["AangevraagdProduct"][0]["ReferentieAanbieder"]
    antwoord = edit(spec("JW319"), "Antwoord/ReferentieAanbieder", referentie)
    result = intake.verwerk(to_xml("JW319", antwoord))
    assert result.outcome == "accepted", result.errors
    assert result.event is not None and result.event.client == Pseudonymiser(b"k" * 32)(vot["Client"]["Bsn"])


def test_delivery_is_marked_once(intake: Intake) -> None:
    result = intake.verwerk(to_xml("JW305", spec("JW305")))
    assert intake.mark_delivered(result.bericht_id) is True
    assert intake.mark_delivered(result.bericht_id) is False


# ---- batches: one transaction for a poll of messages ----------------------------------------------------


def _trajectory() -> list[bytes]:
    """A toewijzing, its start, a start without toewijzing (TR019) and malformed bytes: every kind of outcome."""
    toewijzing = to_xml("JW301", spec("JW301"))
    start = to_xml("JW305", spec("JW305"))
    los = to_xml(
        "JW305", edit(spec("JW305"), "Client/StartProducten/StartProduct[1]/ToewijzingNummer", "77777777")
    )
    return [toewijzing, start, los, b"<not-xml"]


def _summary(r: IntakeResult) -> tuple[object, ...]:
    return (r.bericht_id, r.outcome, sorted(v.rule for v in r.errors), r.retour, r.key, r.already_published)


def test_a_batch_ends_like_the_same_messages_one_by_one(db: Engine) -> None:
    one_by_one, batched = new_intake(db), new_intake(db)
    messages = _trajectory()
    singles = [one_by_one.verwerk(m, bericht_id=f"{i:032x}") for i, m in enumerate(messages)]
    # The same messages again under other ids, in one batch: a later one sees what an earlier one recorded.
    again = batched.verwerk_batch([Inbound(m, f"{i + 100:032x}") for i, m in enumerate(messages)])
    assert [r.outcome for r in singles] == ["accepted", "accepted", "rejected", "malformed"]
    assert [r.outcome for r in again] == ["duplicate", "duplicate", "rejected", "malformed"]
    assert again[0].retour == singles[0].retour and again[0].event is None


def test_a_batch_judges_like_one_by_one_on_a_fresh_store(
    db: Engine, sqlite_template: Path, tmp_path: Path
) -> None:
    messages = _trajectory()
    shutil.copyfile(sqlite_template, tmp_path / "singles.sqlite")
    singles_db = make_engine(f"sqlite:///{tmp_path / 'singles.sqlite'}")
    singles = [new_intake(singles_db).verwerk(m, bericht_id=f"{i:032x}") for i, m in enumerate(messages)]
    singles_db.dispose()
    batched = new_intake(db).verwerk_batch([Inbound(m, f"{i:032x}") for i, m in enumerate(messages)])
    assert [_summary(r) for r in batched] == [_summary(r) for r in singles]
    assert [r.event for r in batched] == [r.event for r in singles]
    assert [r.outcome for r in batched] == ["accepted", "accepted", "rejected", "malformed"]
    assert "TR019" in {v.rule for v in batched[2].errors}


def test_the_same_record_twice_in_one_batch_is_published_once(db: Engine) -> None:
    data = to_xml("JW301", spec("JW301"))
    first, second = new_intake(db).verwerk_batch([Inbound(data, "d" * 32), Inbound(data, "d" * 32)])
    assert first.outcome == "accepted" and not first.already_published
    assert second.redelivered and second.already_published and second.event == first.event


def test_a_failing_batch_leaves_nothing_behind(db: Engine) -> None:
    intake = new_intake(db)
    data = to_xml("JW301", spec("JW301"))

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug in a later message")

    intake.pseudonym = broken  # type: ignore[assignment]  # the second message's client fails
    with pytest.raises(RuntimeError):
        intake.verwerk_batch([Inbound(b"<not-xml", "e" * 32), Inbound(data, "f" * 32)])
    with session_factory(db)() as session:
        assert audit.get(session, "e" * 32) is None  # rolled back with the rest of its batch


def test_marks_are_set_for_a_whole_batch_at_once(db: Engine) -> None:
    intake = new_intake(db)
    results = intake.verwerk_batch([Inbound(m, f"{i:032x}") for i, m in enumerate(_trajectory()[:2])])
    intake.mark_published(*(r.bericht_id for r in results))
    assert intake.mark_delivered_batch([r.bericht_id for r in results] + ["0" * 32]) == {
        r.bericht_id for r in results
    }
    assert intake.mark_delivered_batch([r.bericht_id for r in results]) == set()
    with session_factory(db)() as session:
        rows = [audit.get(session, r.bericht_id) for r in results]
    assert all(r is not None and r.retour_produced_at and r.events_published_at for r in rows)


def test_a_later_message_in_a_batch_sees_the_audit_records_of_earlier_ones(db: Engine) -> None:
    # The audit rows are plain inserts inside the batch's transaction: the next message's lookups find them.
    s = spec("JW301")
    data = to_xml("JW301", s)
    other = to_xml("JW301", edit(s, "Client/ToegewezenProducten/ToegewezenProduct[1]/Commentaar", "Anders"))
    results = new_intake(db).verwerk_batch(
        [
            Inbound(data, "1" * 32),
            Inbound(data, "2" * 32),  # the same bytes under another id: a resend
            Inbound(other, "3" * 32),  # the same Identificatie with other content: TR056
            Inbound(b"<not-xml", "4" * 32),
            Inbound(b"<not-xml", "4" * 32),  # a malformed message redelivered: recorded once
        ]
    )
    assert [r.outcome for r in results] == [
        "accepted",
        OUTCOME_DUPLICATE,
        "rejected",
        "malformed",
        "malformed",
    ]
    assert results[1].retour == results[0].retour and results[1].event is None
    assert [v.rule for v in results[2].errors] == ["TR056"]
    with session_factory(db)() as session:
        rows = {i: audit.get(session, i * 32) for i in "1234"}
        assert [r.outcome if r else None for r in rows.values()] == [
            "accepted",
            OUTCOME_DUPLICATE,
            "rejected",
            "malformed",
        ]
        duplicate = rows["2"]
        assert duplicate is not None and rows["1"] is not None
        assert (duplicate.retour, duplicate.client, duplicate.identificatie, duplicate.received_at) == (
            rows["1"].retour,
            rows["1"].client,
            rows["1"].identificatie,
            datetime(2026, 11, 23, 12, tzinfo=UTC),
        )
        assert rows["3"] is not None and rows["3"].error_codes == ["TR056"]


def _declaratie_lines(db: Engine) -> dict[str, bool | None]:
    with session_factory(db)() as session:
        return {p.referentie_nummer: p.toegekend for p in session.exec(select(PrestatieRecord))}


def test_a_jw325_is_accepted_only_as_the_answer_on_a_known_jw323(db: Engine) -> None:
    intake = new_intake(db)
    jw323 = spec("JW323")
    for bericht, s in (("JW301", spec("JW301")), ("JW323", jw323)):
        result = intake.verwerk(to_xml(bericht, s))
        assert result.outcome == "accepted", result.errors
    lines = _declaratie_lines(db)
    returned = next(iter(lines))
    antwoord = declaratie_antwoord(
        jw323, dagtekening=TODAY, identificatie="JW325A", afgewezen={returned: "9307"}
    )

    # About a JW323 the hub never accepted: rejected on TR337, without a retour (none exists for a JW325).
    unknown = edit(antwoord, "Header/DeclaratieIdentificatie/Identificatie", "JW323X")
    result = intake.verwerk(to_xml("JW325", unknown))
    assert (result.outcome, [v.rule for v in result.errors], result.retour) == ("rejected", ["TR337"], None)
    assert _declaratie_lines(db) == lines == dict.fromkeys(lines)  # no line marked
    with session_factory(db)() as session:
        row = audit.get(session, result.bericht_id)
        assert row is not None and (row.outcome, row.error_codes) == ("rejected", ["TR337"])

    # Naming the JW323 under another XsdVersie than it was sent with: rejected on TR371, likewise.
    release = edit(antwoord, "Header/XsdVersieDeclaratie/BerichtXsdVersie", "3.1.9")
    release = edit(release, "Header/BerichtIdentificatie/Identificatie", "JW325R")
    result = intake.verwerk(to_xml("JW325", release))
    assert (result.outcome, [v.rule for v in result.errors], result.retour) == ("rejected", ["TR371"], None)
    assert _declaratie_lines(db) == dict.fromkeys(lines)

    result = intake.verwerk(
        to_xml("JW325", edit(antwoord, "Header/BerichtIdentificatie/Identificatie", "JW325B"))
    )
    assert (result.outcome, result.errors, result.retour) == ("accepted", (), None)
    assert _declaratie_lines(db) == {ref: ref != returned for ref in lines}


def test_the_0001_retour_of_a_dead_lettered_message_goes_to_its_afzender(intake: Intake) -> None:
    """docs/operations.md, section 2: the retour topic's `ontvanger` header, also for a dead-lettered message."""
    raw = to_xml("JW305", spec("JW305"))
    answer = intake.technical_retour(raw)
    assert answer is not None
    xml, retour_bericht, ontvanger = answer
    assert retour_bericht == "JW306" and retour_codes(xml) == ["0001"]
    assert ontvanger == text(etree.fromstring(raw), "Header/Afzender") and ontvanger


# ---- a JW323 is judged per Prestatie (rules.md 1, process.md 5.3) -----------------------------------------

PRESTATIE = "Declaratie/Clienten/Client/Prestaties/Prestatie"


def _jw323_na_toewijzing(db: Engine) -> tuple[Intake, Spec]:
    intake = new_intake(db)
    assert intake.verwerk(to_xml("JW301", spec("JW301"))).outcome == "accepted"
    return intake, spec("JW323")


def test_a_jw323_with_one_rejected_prestatie_keeps_the_granted_ones(db: Engine) -> None:
    intake, jw323 = _jw323_na_toewijzing(db)
    refs = [p["ProductReferentie"]["ReferentieNummer"] for p in jw323["Declaratie"]["Clienten"]["Client"][0]["Prestaties"]["Prestatie"]]  # fmt: skip
    result = intake.verwerk(to_xml("JW323", edit(jw323, f"{PRESTATIE}[2]/ToewijzingNummer", 999999)))
    # The JW325 rejects the second line (TR338) and grants the first: the granted line is declared.
    assert result.outcome == "accepted"
    assert [(v.rule, v.retourcode) for v in result.errors] == [("TR338", "9338")]
    assert result.retour is not None and b"<jw325:RetourCode>9338</jw325:RetourCode>" in result.retour
    assert _declaratie_lines(db) == {refs[0]: None, refs[1]: False}  # the rejected line counts as not sent
    with session_factory(db)() as session:
        row = audit.get(session, result.bericht_id)
        assert row is not None and (row.outcome, row.error_codes) == ("accepted", ["TR338"])
    # The same declaration again, corrected: the first line is now declared twice and rejected, while the
    # second line's ReferentieNummer is free (its earlier sending counts as not sent) and it is granted.
    opnieuw = edit(spec("JW323", identificatie="JW323B"), "Declaratie/DeclaratieNummer", "D2")
    again = intake.verwerk(to_xml("JW323", opnieuw))
    assert again.outcome == "accepted" and again.errors
    assert all(v.location and v.location.startswith(f"/Bericht/{PRESTATIE}[1]") for v in again.errors)
    assert set(_declaratie_lines(db)) == {refs[0], refs[1]}


def test_the_gemeentes_jw325_may_name_a_line_the_hub_rejected(db: Engine) -> None:
    """TR366/TR367 compare with the JW323 as it was sent, the lines the hub returned included."""
    intake, jw323 = _jw323_na_toewijzing(db)
    sent = edit(jw323, f"{PRESTATIE}[2]/ToewijzingNummer", 999999)
    refs = [p["ProductReferentie"]["ReferentieNummer"] for p in sent["Declaratie"]["Clienten"]["Client"][0]["Prestaties"]["Prestatie"]]  # fmt: skip
    assert intake.verwerk(to_xml("JW323", sent)).errors  # TR338 on the second line
    antwoord = declaratie_antwoord(
        sent, dagtekening=TODAY, identificatie="JW325G", afgewezen={refs[1]: "9338"}
    )
    result = intake.verwerk(to_xml("JW325", antwoord))
    assert (result.outcome, result.errors) == ("accepted", ())
    assert _declaratie_lines(db) == {refs[0]: True, refs[1]: False}


TOEGEWEZEN = "Client/ToegewezenProducten/ToegewezenProduct"
REFERENTIE = "Prestaties/Prestatie/ProductReferentie/ReferentieNummer"


def _jw323_met_herhaalde_referentie(intake: Intake) -> Spec:
    """A JW323 whose second client repeats the first client's ReferentieNummer (each on its own toewijzing)."""
    tweede = persoon(random.Random(7), TODAY)
    jw301 = edit(
        spec("JW301", identificatie="JW301B", persoon=tweede), f"{TOEGEWEZEN}[1]/ToewijzingNummer", 300211
    )
    jw301 = edit(jw301, f"{TOEGEWEZEN}[2]/ToewijzingNummer", 300212)
    for s in (spec("JW301"), jw301):
        assert intake.verwerk(to_xml("JW301", s)).errors == ()
    jw323 = spec("JW323")
    eerste = spec("JW301")["Client"]["Bsn"]
    d = declaratie(
        [
            (eerste, [specifieke_prestatie("R1")]),
            (tweede.bsn, [specifieke_prestatie("R1", toewijzing_nummer=300211)]),
        ],
        nummer="D1",
        periode_begin=OKTOBER[0],
        declaratie_dagtekening=jw323["Header"]["BerichtIdentificatie"]["Dagtekening"],
    )
    return edit(jw323, "Declaratie", d)


@pytest.mark.parametrize("teruggegeven", [1, 2])
def test_a_referentienummer_repeated_under_another_client_is_a_line_of_each(
    db: Engine, teruggegeven: int
) -> None:
    """The gemeente's JW325 may return either line (TR304: both Clients occur in the JW323; TR367 compares a line
    with the one of its own Client); only the returned one counts as not sent."""
    intake = new_intake(db)
    jw323 = _jw323_met_herhaalde_referentie(intake)
    judged = intake.verwerk(to_xml("JW323", jw323))
    assert [(v.rule, v.location) for v in judged.errors] == [
        ("TR314", f"/Bericht/Declaratie/Clienten/Client[2]/{REFERENTIE}")
    ]
    behouden = 2 if teruggegeven == 1 else 1  # the other line's ReferentieNummer is hidden from the JW325
    verborgen = edit(jw323, f"Declaratie/Clienten/Client[{behouden}]/{REFERENTIE}", "NIET")
    antwoord = declaratie_antwoord(
        verborgen, dagtekening=TODAY, identificatie="JW325G", afgewezen={"R1": "8021"}
    )
    result = intake.verwerk(to_xml("JW325", antwoord))
    assert (result.outcome, result.errors) == ("accepted", ())
    with session_factory(db)() as session:
        toegekend = {p.toewijzing_nummer: p.toegekend for p in session.exec(select(PrestatieRecord))}
    assert toegekend == {300201: teruggegeven != 1, 300211: teruggegeven != 2}


def test_a_jw323_rejected_on_its_client_or_declaratie_is_kept_as_not_sent(db: Engine) -> None:
    intake, jw323 = _jw323_na_toewijzing(db)
    onbekend = edit(
        jw323, "Declaratie/Clienten/Client/Bsn", "999990019"
    )  # no toewijzing: TR304 on the Client
    result = intake.verwerk(to_xml("JW323", onbekend))
    assert (result.outcome, [v.rule for v in result.errors]) == ("rejected", ["TR304"])
    assert result.event is None
    # Sent, and returned whole: every line counts as not sent, and its DeclaratieNummer is free again ...
    assert set(_declaratie_lines(db).values()) == {False}
    resent = intake.verwerk(to_xml("JW323", onbekend))  # the same bytes again: judged again, recorded once
    assert (resent.outcome, [v.rule for v in resent.errors]) == ("rejected", ["TR304"])
    with session_factory(db)() as session:
        assert [d.afgewezen for d in session.exec(select(DeclaratieRecord))] == [True]
    again = intake.verwerk(to_xml("JW323", spec("JW323", identificatie="JW323B")))
    assert (again.outcome, again.errors) == ("accepted", ())
    # ... and the gemeente's own JW325 on the rejected one is an answer on a JW323 that was sent (TR337).
    antwoord = declaratie_antwoord(onbekend, dagtekening=TODAY, identificatie="JW325R")
    antwoord = edit(antwoord, "DeclaratieAntwoord/RetourCodes/RetourCode", "9333")
    # Nothing granted (TR342).
    antwoord = edit(antwoord, "DeclaratieAntwoord/TotaalToegekendBedrag/TotaalBedrag", 0)
    result = intake.verwerk(to_xml("JW325", antwoord))
    assert (result.outcome, [v.rule for v in result.errors]) == ("accepted", []), result.errors


# ---- two intakes racing on one Identificatie (migration 0011) ----------------------------------------------
# Each finds no earlier message when it looks (they judge at the same moment, on two partitions); the store keeps
# one accepted message per sender identity, so the second insert fails and its poll is handled again, now against
# the first. Simulated by hiding the first from the second's lookup.


def test_the_second_of_two_racing_messages_fails_to_commit_and_is_then_judged_tr056(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = to_xml("JW301", spec("JW301"))
    # Same sender and Identificatie, other content (another client's Bsn would do as well).
    second = to_xml(
        "JW301", edit(spec("JW301"), "Client/ToegewezenProducten/ToegewezenProduct/Commentaar", "x")
    )
    assert first != second
    intake = new_intake(db)
    assert intake.verwerk(first).outcome == "accepted"

    real_seen = audit.seen

    def blind(*args: Any, **kwargs: Any) -> audit.Seen:
        return audit.Seen(
            None, identificatie_bekend=False
        )  # as the second intake saw it, before the first commit

    monkeypatch.setattr(audit, "seen", blind)
    with pytest.raises(IntegrityError):
        intake.verwerk(second)
    monkeypatch.setattr(audit, "seen", real_seen)

    again = intake.verwerk(second)  # the consumer handles the failed poll's messages again, one by one
    assert again.outcome == "rejected"
    assert [v.rule for v in again.errors] == ["TR056"]
