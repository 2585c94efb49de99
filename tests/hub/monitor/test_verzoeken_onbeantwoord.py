"""jeugdhulp_verzoeken_onbeantwoord_boven_norm through intake, processors and /metrics on both databases, and how
antwoord_verzoek_5_werkdagen then counts the same requests (docs/definities.md 3.6).

One child per request (TR374 refuses a second request of a client while one is open), gemeente 0200 (regio Midden
IJssel-Oost Veluwe), aanbieder 12345678, category 45: every request lands in one series.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from sqlmodel import select

from hub.monitor.contract import VERZOEKEN_ONBEANTWOORD_BOVEN_NORM
from hub.monitor.norms import ANTWOORD_VERZOEK
from hub.store.db import session_factory
from hub.store.monitor_tables import NormRecord
from hub.synth import berichten as b
from hub.synth.build import Spec, edit
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline.helpers import Pipeline, xml
from tests.hub.monitor.helpers import registry

NAAM = VERZOEKEN_ONBEANTWOORD_BOVEN_NORM.name
LABELS = {"norm": ANTWOORD_VERZOEK, "regio": m.REGIO, "gemeente": m.GEMEENTE, "productcategorie": m.CAT}
D = date(2026, 5, 4)  # Monday after Koningsdag (Mon 27 Apr 2026)
# Request -> (child, Dagtekening of its JW315). Working days after the Dagtekening up to and including D:
VERZOEKEN = {
    "WO22APR": (1, date(2026, 4, 22)),  # 23, 24, 28, 29, 30 Apr, 1 and 4 May: 7
    "DO23APR": (2, date(2026, 4, 23)),  # 6: Fri 1 May was the 5th
    "VR24APR": (3, date(2026, 4, 24)),  # 5
    "MA27APR": (4, date(2026, 4, 27)),  # sent on Koningsdag: 28, 29, 30 Apr, 1 and 4 May, 5
}


def jw315(ref: str) -> Spec:
    kind, dag = VERZOEKEN.get(ref, (5, date(2026, 4, 14)))
    return m.jw315(m.kind(kind), dag, ref[:12], referentie=ref)


def jw319(ref: str, dag: date, verzoek_antwoord: str) -> Spec:
    s = b.spec("JW319", dagtekening=dag, identificatie=f"A{ref}"[:12])
    reden = "4" if verzoek_antwoord == "1" else None
    return edit(s, "Antwoord", b.antwoord(ref, verzoek_antwoord=verzoek_antwoord, reden_afwijzing=reden))


def jw301(ref: str, nummer: int, dag: date) -> Spec:
    kind, _ = VERZOEKEN[ref]
    return m.jw301(m.kind(kind), dag, f"T{ref}"[:12], m.toegewezen(nummer, dag, referentie=ref))


def onbeantwoord(db: Engine, as_of: date) -> float | None:
    return registry(db, as_of).get_sample_value(NAAM, LABELS)


def wachtend_verzoek(db: Engine, as_of: date) -> float | None:
    labels = {"fase": "verzoek", "regio": m.REGIO, "gemeente": m.GEMEENTE, "productcategorie": m.CAT}
    return registry(db, as_of).get_sample_value("jeugdhulp_wachtend", {**labels, "aanbieder": m.AANBIEDER})


def uitkomst(db: Engine, ref: str) -> str | None:
    """What antwoord_verzoek_5_werkdagen counted for the request, if anything."""
    with session_factory(db)() as s:
        rows = s.exec(
            select(NormRecord.uitkomst).where(
                NormRecord.norm == ANTWOORD_VERZOEK, NormRecord.sleutel == f"{m.AANBIEDER}:{ref}"
            )
        ).all()
    assert len(rows) <= 1
    return rows[0] if rows else None


def test_a_request_in_the_stand_on_the_day_of_its_answer_is_buiten_one_not_in_it_binnen(db: Engine) -> None:
    p = Pipeline(db, today=D)
    for ref in VERZOEKEN:
        p.stuur("JW315", jw315(ref))
    # In onderzoek (VerzoekAntwoord 2) within the term: answered for the norm, still waiting for jeugdhulp_wachtend.
    p.stuur("JW315", jw315("ONDERZOCHT"))
    p.stuur("JW319", jw319("ONDERZOCHT", date(2026, 4, 20), "2"))
    assert uitkomst(db, "ONDERZOCHT") == "binnen"
    # A second request of child 1 while its first is open: rejected (TR374), so never sent (OP286).
    geweigerd = p.intake.verwerk(xml("JW315", m.jw315(m.kind(1), date(2026, 4, 28), "TWEEDE")))
    assert geweigerd.outcome == "rejected" and [v.rule for v in geweigerd.errors] == ["TR374"]

    assert (
        onbeantwoord(db, date(2026, 4, 21)) is None
    )  # ONDERZOCHT answered on the 20th, the rest not sent yet
    assert onbeantwoord(db, date(2026, 4, 30)) == 0  # 4 unanswered, none past its term: a series at 0
    assert onbeantwoord(db, date(2026, 5, 1)) == 1  # WO22APR: its 6th working day
    assert onbeantwoord(db, D) == 2  # and DO23APR
    assert wachtend_verzoek(db, D) == 5  # the 4 and ONDERZOCHT

    # On D the gemeente answers each in turn, in each of the ways the norm counts; each answer dated D.
    antwoorden = {
        "DO23APR": ("JW301", jw301("DO23APR", 300201, D)),
        "VR24APR": ("JW319", jw319("VR24APR", D, "2")),  # in onderzoek
        "WO22APR": ("JW319", jw319("WO22APR", D, "1")),  # afgewezen
        "MA27APR": ("JW301", jw301("MA27APR", 300202, D)),
    }
    in_de_stand: dict[str, bool] = {}
    for ref, (bericht, spec) in antwoorden.items():
        voor = onbeantwoord(db, D)
        assert uitkomst(db, ref) is None  # not counted while unanswered
        p.stuur(bericht, spec)
        na = onbeantwoord(db, D)
        assert voor is not None and (na or 0) in (voor, voor - 1)
        in_de_stand[ref] = (na or 0) == voor - 1
        assert uitkomst(db, ref) == ("buiten" if in_de_stand[ref] else "binnen"), ref
    assert in_de_stand == {"DO23APR": True, "VR24APR": False, "WO22APR": True, "MA27APR": False}
    assert onbeantwoord(db, D) is None  # nothing unanswered: no series
    # As of a day before the answers the requests wait again (an --as-of in the past).
    assert onbeantwoord(db, date(2026, 5, 1)) == 1


def test_an_answer_dated_before_the_day_it_comes_can_be_binnen_and_leaves_the_earlier_stands(
    db: Engine,
) -> None:
    """docs/definities.md 3.6: the stand of D promises `buiten` for an answer dated D or later, not for one that
    arrives later dated back within the term; the stands of the days from that date on then no longer hold it."""
    p = Pipeline(db, today=D)
    p.stuur("JW315", jw315("DO23APR"))
    assert onbeantwoord(db, D) == 1
    p.stuur(
        "JW319", jw319("DO23APR", date(2026, 4, 30), "1")
    )  # sent late: dated Thu 30 Apr, its 4th working day
    assert uitkomst(db, "DO23APR") == "binnen"
    assert onbeantwoord(db, D) is None
    assert onbeantwoord(db, date(2026, 4, 30)) is None
    assert onbeantwoord(db, date(2026, 4, 29)) == 0  # unanswered then, within its term


def test_a_request_is_in_the_stands_from_its_own_dagtekening(db: Engine) -> None:
    """docs/definities.md 3.1 and 3.6: a JW315 sent by today counts, also one sent today, also when its answer
    (dated later) has come in since; the day before it is in no stand."""
    p = Pipeline(db, today=D)
    p.stuur("JW315", jw315("VR24APR"))
    assert wachtend_verzoek(db, date(2026, 4, 24)) == 1
    assert onbeantwoord(db, date(2026, 4, 24)) == 0  # in the stand, within its term
    assert wachtend_verzoek(db, date(2026, 4, 23)) is None
    assert onbeantwoord(db, date(2026, 4, 23)) is None
    p.stuur("JW319", jw319("VR24APR", date(2026, 4, 28), "2"))  # in onderzoek: answered for the norm
    assert onbeantwoord(db, date(2026, 4, 24)) == 0  # as of its own day the answer had not come
    assert onbeantwoord(db, date(2026, 4, 28)) is None
