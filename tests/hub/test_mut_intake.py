"""The intake's promises that mutations of hub/intake.py, hub/oordeel.py and hub/familie.py showed no test held.

Levels 3 and 4 both judge a message that passed levels 1 and 2 (rules.md section 1), so a level-4 finding does not
hide a level-3 one, also not on another Prestatie of a JW323; a batch computes each BSN's pseudonym once.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import Engine
from sqlmodel import col, select

from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc, Element
from hub.intake import Inbound, Intake
from hub.oordeel import Oordeel, oordeel
from hub.privacy import Pseudonymiser
from hub.reference.tarieven import Tarieven
from hub.rules.registry import Level, Violation
from hub.store.db import session_factory
from hub.store.tables import BerichtRecord, PrestatieRecord
from hub.synth.berichten import spec
from hub.synth.build import edit, to_tree, to_xml
from hub.validate import Validator, Verdict
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline.helpers import Pipeline, xml
from tests.hub.intake_helpers import PSEUDONYMISER, TODAY, new_intake
from tests.hub.rules.stateful.jw323 import ANDER_BSN, jw323, lijn
from tests.hub.rules.stateful.level3 import BSN

PRESTATIE = "Declaratie/Clienten/Client/Prestaties/Prestatie"
GI_D = date(2026, 9, 1)


def _lines(db: Engine) -> dict[str, bool | None]:
    with session_factory(db)() as session:
        return {p.referentie_nummer: p.toegekend for p in session.exec(select(PrestatieRecord))}


def test_a_level_4_finding_does_not_hide_a_level_3_finding(db: Engine) -> None:
    """A JW305 dated after today (TR135, level 4) without a toewijzing (TR019, level 3): the retour names both."""
    morgen = TODAY + timedelta(days=1)
    start = edit(spec("JW305"), "Header/BerichtIdentificatie/Dagtekening", morgen)
    result = new_intake(db, clock=lambda: TODAY).verwerk(to_xml("JW305", start))
    assert result.outcome == "rejected"
    assert {v.rule for v in result.errors} == {"TR135", "TR019"}


def test_a_jw323_line_rejected_on_level_4_leaves_the_other_lines_judged_on_level_3(db: Engine) -> None:
    """Line 1's tariff differs from the contract (TR418, level 4); line 2 names no toewijzing (TR338, level 3):
    the JW325 returns both lines and grants none, instead of declaring line 2 unchecked (process.md 5.3)."""
    tarieven = Tarieven.per_code({"45A53": 8100})  # line 1 is sent at 8000
    validator = Validator(clock=lambda: TODAY, tarieven=tarieven)
    intake = Intake(validator, session_factory(db), PSEUDONYMISER, clock=lambda: TODAY)
    assert intake.verwerk(to_xml("JW301", spec("JW301"))).outcome == "accepted"
    jw323 = edit(spec("JW323"), f"{PRESTATIE}[2]/ToewijzingNummer", 999999)
    result = intake.verwerk(to_xml("JW323", jw323))
    assert sorted(v.rule for v in result.errors) == ["TR338", "TR418"]
    assert (result.outcome, result.event) == ("rejected", None)
    refs = [p["ProductReferentie"]["ReferentieNummer"] for p in jw323["Declaratie"]["Clienten"]["Client"][0]["Prestaties"]["Prestatie"]]  # fmt: skip
    assert _lines(db) == dict.fromkeys(refs, False)  # sent and returned whole: both lines count as not sent


def test_a_batch_computes_each_bsn_pseudonym_once(db: Engine) -> None:
    """hub.intake._Remembered: the snapshot, the rules, the event and the state each ask it; one HMAC is enough."""
    asked: Counter[str] = Counter()

    def counting(bsn: str) -> str:
        asked[bsn] += 1
        return PSEUDONYMISER(bsn)

    intake = new_intake(db, pseudonym=Pseudonymiser(b"k" * 32))
    intake.pseudonym = counting  # type: ignore[assignment]
    results = intake.verwerk_batch([Inbound(to_xml(b, spec(b))) for b in ("JW301", "JW305")])
    assert [r.outcome for r in results] == ["accepted", "accepted"], [r.errors for r in results]
    assert asked and set(asked.values()) == {1}
    assert results[0].key == results[1].key == PSEUDONYMISER(spec("JW301")["Client"]["Bsn"])


def test_today_is_the_clock_of_the_intake_not_of_the_message(db: Engine) -> None:
    """Guard for the TR135 test above: on the next day the same start is judged on TR019 alone."""
    morgen = TODAY + timedelta(days=1)
    start = edit(spec("JW305"), "Header/BerichtIdentificatie/Dagtekening", morgen)
    result = new_intake(db, today=morgen).verwerk(to_xml("JW305", start))
    assert {v.rule for v in result.errors} == {"TR019"}


def test_a_redelivered_duplicate_is_answered_again_and_recorded_once(db: Engine) -> None:
    """A resend answered as a duplicate, then redelivered (a crash before the offset commit): the same answer,
    no event, and its one audit row (the lookup never returns duplicate rows, so the id itself is checked)."""
    intake = new_intake(db)
    data = to_xml("JW301", spec("JW301"))
    first = intake.verwerk(data, bericht_id="1" * 32)
    resend = intake.verwerk(data, bericht_id="2" * 32)
    again = intake.verwerk(data, bericht_id="2" * 32)
    assert [r.outcome for r in (first, resend, again)] == ["accepted", "duplicate", "duplicate"]
    assert again.retour == resend.retour == first.retour and again.event is None
    assert again.key == first.key and again.retour_ontvanger == first.retour_ontvanger
    with session_factory(db)() as session:
        rows = session.exec(select(BerichtRecord).order_by(col(BerichtRecord.id))).all()
    assert [(r.id, r.outcome) for r in rows] == [("1" * 32, "accepted"), ("2" * 32, "duplicate")]


def test_a_dead_lettered_message_the_xsd_refuses_gets_no_retour(db: Engine) -> None:
    """Level 1 has no retourbericht (rules.md 1), also when the intake gives up on the message: its record names
    no retour type either (the type would promise a retour that does not exist)."""
    intake = new_intake(db)
    raw = to_xml("JW301", edit(spec("JW301"), "Client/ToegewezenProducten/ToegewezenProduct[1]/ToewijzingNummer", "12a"))  # fmt: skip
    assert (
        intake.verwerk(raw, bericht_id="9" * 32).outcome == "malformed"
    )  # the header is read, the XSD refuses
    dead = intake.dead_letter(Inbound(raw, "8" * 32))
    assert (dead.result.bericht, dead.result.retour, dead.result.retour_bericht) == ("JW301", None, None)
    assert (dead.record["retour"], dead.record["retour_bericht"]) == (None, None)
    assert intake.technical_retour(raw) is None


def test_a_redelivery_publishes_what_had_not_gone_out(db: Engine) -> None:
    """Judged, then a crash before the publish: the redelivery (another poll) must publish its retour and event;
    only once they are marked published is it answered as already published."""
    intake = new_intake(db)
    data = to_xml("JW301", spec("JW301"))
    first = intake.verwerk(data, bericht_id="c" * 32)
    again = intake.verwerk(data, bericht_id="c" * 32)
    assert (again.redelivered, again.already_published) == (True, False)
    assert again.event == first.event and again.event is not None
    [batched] = intake.verwerk_batch([Inbound(data, "c" * 32)])
    assert (batched.redelivered, batched.already_published) == (True, False)
    intake.mark_published(first.bericht_id)
    assert intake.verwerk(data, bericht_id="c" * 32).already_published


def test_a_dead_lettered_message_keeps_its_identificatie_for_the_logs(db: Engine) -> None:
    """IntakeResult.identificatie is a correlation field of the logs, also for a message given up on."""
    s = spec("JW305", identificatie="DOOD-1")
    dead = new_intake(db).dead_letter(Inbound(to_xml("JW305", s), "7" * 32))
    assert (dead.result.identificatie, dead.record["identificatie"]) == ("DOOD-1", "DOOD-1")
    assert new_intake(db).dead_letter(Inbound(b"<niet-ijw/>", "6" * 32)).result.identificatie is None


def test_a_message_without_a_retour_is_redelivered_and_resent_without_one(db: Engine) -> None:
    """A retourbericht gets no retour (rules.md 1): its redelivery and its resend answer with none, too."""
    intake = new_intake(db)
    jw302 = intake.verwerk(to_xml("JW301", spec("JW301"))).retour
    assert jw302 is not None
    first = intake.verwerk(jw302, bericht_id="a" * 32)
    again = intake.verwerk(jw302, bericht_id="a" * 32)
    resend = intake.verwerk(jw302, bericht_id="b" * 32)
    assert [(r.outcome, r.redelivered, r.retour, r.retour_bericht) for r in (first, again, resend)] == [
        ("accepted", False, None, None),
        ("accepted", True, None, None),
        ("duplicate", False, None, None),
    ]


def test_an_unreadable_dead_letter_is_redelivered_without_a_retour(db: Engine) -> None:
    intake = new_intake(db)
    intake.record_dead_letter(intake.dead_letter(Inbound(b"<niet-ijw/>", "5" * 32)))
    again = intake.dead_lettered("5" * 32, b"<niet-ijw/>")
    assert again is not None and (again.outcome, again.retour, again.retour_bericht) == ("failed", None, None)


def test_a_redelivered_capaciteit_keeps_the_gis_kafka_key(db: Engine) -> None:
    """A GI003 is about no client: its event is keyed by the GI (docs/gi-berichten.md), also when redelivered."""
    intake = Pipeline(db).intake
    raw = xml("GI003", m.gi003(GI_D, "C1", m.capaciteit(GI_D, "40.00", 600, 10, 12)))
    first = intake.verwerk(raw, bericht_id="4" * 32)
    again = intake.verwerk(raw, bericht_id="4" * 32)
    assert first.outcome == "accepted" and first.key == m.GI
    assert (again.redelivered, again.key, again.event) == (True, m.GI, first.event)


# ---- hub.oordeel: which parts of a JW323 a finding rejects (rules.md 1, process.md 5.3) ---------------------


def _two_clients() -> Verdict:
    """A JW323 of two clients with two Prestaties each (parts 0, 1 and 2, 3), as a verdict without findings."""
    s = jw323((BSN, [lijn("P1"), lijn("P2")]), (ANDER_BSN, [lijn("P3"), lijn("P4")]))
    doc = Doc(to_tree("JW323", s), BERICHTEN["JW323"])
    assert len(doc.all(PRESTATIE)) == 4
    return Verdict(BERICHTEN["JW323"], (), doc)


def _with(verdict: Verdict, *errors: Violation) -> Verdict:
    return Verdict(verdict.info, errors, verdict.doc)


def _stateful(location: str | None, klasse: Element | None = None) -> Violation:
    return Violation("TR999", "9999", location, "synthetic", Level.STATEFUL, klasse=klasse)


def test_a_clean_jw323_processes_every_prestatie() -> None:
    assert oordeel(_two_clients()) == Oordeel(True, frozenset(range(4)))


def test_a_finding_on_a_client_rejects_that_clients_prestaties_only() -> None:
    """Its klasse (the Client) decides, not its location (the Bsn, beside the Prestaties)."""
    verdict = _two_clients()
    assert verdict.doc is not None
    client = verdict.doc.all("Declaratie/Clienten/Client")[0]
    finding = _stateful(verdict.doc.locatie(client) + "/Bsn", klasse=client)
    assert oordeel(_with(verdict, finding)) == Oordeel(True, frozenset({2, 3}), vastleggen=True)


def test_a_finding_without_a_klasse_rejects_the_prestatie_it_lies_in() -> None:
    verdict = _two_clients()
    assert verdict.doc is not None
    tarief = verdict.doc.locatie(verdict.doc.all(PRESTATIE)[1]) + "/ProductTarief"
    assert oordeel(_with(verdict, _stateful(tarief))) == Oordeel(True, frozenset({0, 2, 3}), vastleggen=True)


def test_a_finding_on_the_header_rejects_every_prestatie_and_is_not_kept() -> None:
    """Nowhere in the Declaratie (TR056 names an Identificatie already used): rejected whole, not recorded."""
    verdict = _two_clients()
    for finding in (_stateful(None), _stateful("/Bericht/Header/BerichtIdentificatie/Identificatie")):
        assert oordeel(_with(verdict, finding)) == Oordeel(False, frozenset(), vastleggen=False)


def test_a_level_2_finding_rejects_the_whole_jw323() -> None:
    """Level 2 rejects the message whole (header-only 0001), even when it lies in one Prestatie."""
    verdict = _two_clients()
    assert verdict.doc is not None
    volume = verdict.doc.locatie(verdict.doc.all(PRESTATIE)[0]) + "/GeleverdVolume"
    level2 = Violation("TR999", "0001", volume, "synthetic", Level.XSLT)
    assert oordeel(_with(verdict, level2)) == Oordeel(False, frozenset())


def test_an_unreadable_message_has_no_parts() -> None:
    unreadable = Verdict(None, (Violation("XML", None, None, "not iJw", Level.XSD),))
    assert oordeel(unreadable) == Oordeel(False)
    # A JW323 the XSD refuses: its type is known, it has no Doc to find its Prestaties in.
    refused = Verdict(BERICHTEN["JW323"], (Violation("XSD", None, "/Bericht", "invalid", Level.XSD),))
    assert oordeel(refused) == Oordeel(False)
