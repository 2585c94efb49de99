"""hub.store.gauges, the cases a mutation pass found unpinned: the stands of jeugdhulp_wachtend, _boven_norm,
jeugdhulp_in_zorg and jeugdhulp_verzoeken_onbeantwoord_boven_norm as docs/definities.md 3.1-3.3 and 3.6 define them.

Rows are written straight into the tables as the intake leaves them, each under its own message accepted a second
after the one before (as tests/hub/store/test_verzoeken_onbeantwoord.py does).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine

from hub.store import gauges
from hub.store.db import session_factory
from tests.hub.store.test_verzoeken_onbeantwoord import AGB, APELDOORN, Rijen


def wachtend(db: Engine, fase: str, vandaag: date, grens: date | None = None) -> dict[Any, tuple[int, int]]:
    """(gemeente, aanbieder, Categorie) -> (waiting, of which above the norm) of one fase as of vandaag."""
    query = gauges.wachtende_toewijzingen if fase == "toewijzing" else gauges.wachtende_verzoeken
    with session_factory(db)() as session:
        rows = query(session, vandaag, grens or date(2000, 1, 1))
    assert all(r.fase == fase for r in rows)
    return {(r.gemeente, r.aanbieder, r.productcategorie): (r.aantal, r.boven_norm) for r in rows}


def in_zorg(db: Engine, vandaag: date) -> dict[Any, int]:
    with session_factory(db)() as session:
        return {(g, a, c): n for g, a, c, n in gauges.in_zorg(session, vandaag)}


DAG = date(2026, 10, 1)
EEN = {(APELDOORN, AGB, "45"): (1, 0)}


# ---- wachtende_toewijzingen -------------------------------------------------------------------------------


def test_a_toewijzing_deleted_on_the_day_it_begins_does_not_wait_that_day(db: Engine) -> None:
    """3.1: a version in force with RedenWijziging 13 (Einddatum = Ingangsdatum, CS335) counts as never sent, also
    on its Ingangsdatum, where an Einddatum of today still counts for any other RedenWijziging."""
    r = Rijen()
    r.toewijzing(1, DAG, ingang=DAG + timedelta(days=5))
    r.toewijzing(
        1, DAG + timedelta(days=1), ingang=DAG + timedelta(days=5), eind=DAG + timedelta(days=5), reden="13"
    )
    r.toewijzing(2, DAG, ingang=DAG + timedelta(days=5))
    r.toewijzing(
        2, DAG + timedelta(days=1), ingang=DAG + timedelta(days=5), eind=DAG + timedelta(days=5), reden="01"
    )
    r.schrijf(db)
    assert wachtend(db, "toewijzing", DAG + timedelta(days=5)) == EEN  # nummer 2 alone
    assert wachtend(db, "toewijzing", DAG + timedelta(days=6)) == {}


# ---- onbeantwoorde_verzoeken ------------------------------------------------------------------------------


def onbeantwoord(db: Engine, vandaag: date, grens: date | None) -> dict[Any, tuple[int, int]]:
    with session_factory(db)() as session:
        rows = gauges.onbeantwoorde_verzoeken(session, vandaag, grens)
    return {(r.gemeente, r.productcategorie): (r.aantal, r.boven_termijn) for r in rows}


def test_without_a_cut_off_a_request_answered_after_the_day_is_unanswered_and_within_its_term(
    db: Engine,
) -> None:
    """3.6 with --as-of in the past: a request whose answer is dated after vandaag is unanswered that day; with no
    cut-off date (grens None) none is past its term, also among those answered later."""
    r = Rijen()
    r.verzoek("R1", DAG)
    r.verzoek("R2", DAG)
    r.antwoord("R1", DAG + timedelta(days=20), "2")
    r.toewijzing(1, DAG + timedelta(days=20), ref="R2")
    r.schrijf(db)
    assert onbeantwoord(db, DAG, None) == {(APELDOORN, "45"): (2, 0)}  # sent that day, answered later
    vandaag = DAG + timedelta(days=10)
    assert onbeantwoord(db, vandaag, None) == {(APELDOORN, "45"): (2, 0)}
    assert onbeantwoord(db, vandaag, DAG) == {(APELDOORN, "45"): (2, 2)}
    assert onbeantwoord(db, vandaag, DAG - timedelta(days=1)) == {(APELDOORN, "45"): (2, 0)}
    assert onbeantwoord(db, DAG + timedelta(days=20), DAG) == {}
