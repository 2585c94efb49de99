"""The intake's promises that mutations of hub/intake.py, hub/oordeel.py and hub/familie.py showed no test held.

Levels 3 and 4 both judge a message that passed levels 1 and 2 (rules.md section 1), so a level-4 finding does not
hide a level-3 one, also not on another Prestatie of a JW323; a batch computes each BSN's pseudonym once.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import select

from hub.intake import Inbound, Intake
from hub.privacy import Pseudonymiser
from hub.reference.tarieven import Tarieven
from hub.store.db import session_factory
from hub.store.tables import PrestatieRecord
from hub.synth.berichten import spec
from hub.synth.build import edit, to_xml
from hub.validate import Validator
from tests.hub.intake_helpers import PSEUDONYMISER, TODAY, new_intake

PRESTATIE = "Declaratie/Clienten/Client/Prestaties/Prestatie"


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
