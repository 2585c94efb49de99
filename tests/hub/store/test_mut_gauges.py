"""hub.store.gauges, the cases a mutation pass found unpinned: the stands of jeugdhulp_wachtend, _boven_norm,
jeugdhulp_in_zorg and jeugdhulp_verzoeken_onbeantwoord_boven_norm as docs/definities.md 3.1-3.3 and 3.6 define them.

Rows are written straight into the tables as the intake leaves them, each under its own message accepted a second
after the one before (as tests/hub/store/test_verzoeken_onbeantwoord.py does).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, insert

from hub.store import gauges
from hub.store.db import session_factory
from hub.store.tables import IN_FORCE, BerichtRecord

T, S, P, V, A = gauges.T, gauges.S, gauges.P, gauges.V, gauges.A
NOW = datetime(2026, 1, 1, tzinfo=UTC)
APELDOORN, ARNHEM = "0200", "0202"
AGB, AGB2 = "12345678", "87654321"
CLIENT = "c" * 64


class Rijen:
    """toewijzing, start, stop, verzoek and antwoord rows, each under its own accepted message, in call order."""

    def __init__(self) -> None:
        self.rows: dict[Any, list[dict[str, Any]]] = {T: [], S: [], P: [], V: [], A: []}
        self.berichten: list[dict[str, Any]] = []

    def _bericht(self) -> str:
        bid = f"{len(self.berichten) + 1:032x}"
        validated = NOW + timedelta(seconds=len(self.berichten))
        self.berichten.append(
            {"id": bid, "content_hash": "0" * 64, "outcome": "accepted", "received_at": validated,
             "validated_at": validated}
        )  # fmt: skip
        return bid

    def toewijzing(
        self,
        nummer: int,
        datum: date,
        *,
        ingang: date | None = None,
        eind: date | None = None,
        reden: str | None = None,
        ref: str | None = None,
        categorie: str | None = "45",
        aanbieder: str = AGB,
        gemeente: str = APELDOORN,
        tijd: time = time(10),
    ) -> None:
        self.rows[T].append(
            {"gemeente": gemeente, "aanbieder": aanbieder, "client": CLIENT, "toewijzing_nummer": nummer,
             "categorie": categorie, "ingangsdatum": ingang or datum, "einddatum": eind, "reden_wijziging": reden,
             "referentie_aanbieder": ref, "toewijzingsdatum": datum, "toewijzingstijd": tijd,
             "bericht_id": self._bericht()}
        )  # fmt: skip

    def start(
        self, nummer: int | None, begin: date, *, status: str = IN_FORCE, gemeente: str = APELDOORN
    ) -> dict[str, Any]:
        row = {"gemeente": gemeente, "aanbieder": AGB, "client": CLIENT, "toewijzing_nummer": nummer,
               "categorie": "45", "code": None, "begindatum": begin, "status": status,
               "bericht_id": self._bericht()}  # fmt: skip
        self.rows[S].append(row)
        return row

    def stop(self, start: dict[str, Any], eind: date, *, status: str = IN_FORCE, **anders: Any) -> None:
        row = {**start, "einddatum": eind, "reden_beeindiging": "02", "status": status,
               "bericht_id": self._bericht(), **anders}  # fmt: skip
        self.rows[P].append(row)

    def verzoek(
        self, ref: str, dag: date, *, soort: str = "VOT", gemeente: str = APELDOORN, aanbieder: str = AGB
    ) -> None:
        self.rows[V].append(
            {"aanbieder": aanbieder, "gemeente": gemeente, "client": CLIENT, "referentie_aanbieder": ref,
             "soort": soort, "dagtekening": dag, "categorie": "45", "bericht_id": self._bericht()}
        )  # fmt: skip

    def antwoord(
        self, ref: str, dag: date, verzoek_antwoord: str, *, gemeente: str = APELDOORN, aanbieder: str = AGB
    ) -> None:
        self.rows[A].append(
            {"aanbieder": aanbieder, "gemeente": gemeente, "referentie_aanbieder": ref,
             "verzoek_antwoord": verzoek_antwoord, "dagtekening": dag, "bericht_id": self._bericht()}
        )  # fmt: skip

    def schrijf(self, db: Engine) -> None:
        with db.begin() as conn:
            conn.execute(insert(BerichtRecord), self.berichten)
            for table, values in self.rows.items():
                if values:
                    conn.execute(table.insert(), values)


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
