"""The SQL of jeugdhulp_verzoeken_onbeantwoord_boven_norm (hub.store.gauges.onbeantwoorde_verzoeken) on SQLite and
PostgreSQL: which requested products are unanswered as of a day, which of them are past the 5 working days, that
the answer is the one antwoord_verzoek_5_werkdagen reads (facts.eerste_antwoord), also on a random mixed store,
and SQLite's plans.

Rows are written straight into the tables as the intake leaves them, each under its own message accepted a second
after the one before (tests/hub/monitor/test_verzoeken_onbeantwoord.py sends the messages themselves).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import Engine, event, insert

from hub.monitor.norms import ANTWOORD_VERZOEK, termijn_grens, termijn_voorbij
from hub.store import facts, gauges
from hub.store.db import session_factory
from hub.store.tables import IN_FORCE, BerichtRecord

T, S, P, V, A = gauges.T, gauges.S, gauges.P, gauges.V, gauges.A
NOW = datetime(2026, 1, 1, tzinfo=UTC)
APELDOORN, ARNHEM = "0200", "0202"
AGB, AGB2 = "12345678", "87654321"
CLIENT = "c" * 64
Stand = dict[tuple[str, str | None], tuple[int, int]]


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
        self,
        ref: str,
        dag: date,
        *,
        soort: str = "VOT",
        gemeente: str = APELDOORN,
        aanbieder: str = AGB,
        categorie: str | None = "45",
    ) -> None:
        self.rows[V].append(
            {"aanbieder": aanbieder, "gemeente": gemeente, "client": CLIENT, "referentie_aanbieder": ref,
             "soort": soort, "dagtekening": dag, "categorie": categorie, "bericht_id": self._bericht()}
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


def stand(db: Engine, vandaag: date) -> Stand:
    """(gemeente, Categorie) -> (unanswered, of which past the term) as of vandaag, with the norm's cut-off."""
    return stand_met_grens(db, vandaag, termijn_grens(ANTWOORD_VERZOEK, vandaag))


def stand_met_grens(db: Engine, vandaag: date, grens: date | None) -> Stand:
    with session_factory(db)() as session:
        rows = gauges.onbeantwoorde_verzoeken(session, vandaag, grens)
    found = {(r.gemeente, r.productcategorie): (r.aantal, r.boven_termijn) for r in rows}
    assert len(found) == len(rows) and all(r.aantal > 0 for r in rows)  # one row per group, none empty
    return found


def een(aantal: int, boven: int, gemeente: str = APELDOORN, categorie: str | None = "45") -> Stand:
    return {(gemeente, categorie): (aantal, boven)}


def test_unanswered_past_the_5th_working_day_after_the_dagtekening(db: Engine) -> None:
    r = Rijen()
    r.verzoek("R1", date(2026, 10, 1))  # Thu 1 Oct 2026: Thu 8 Oct is the 5th working day after it
    r.schrijf(db)
    assert stand(db, date(2026, 9, 30)) == {}  # not sent yet
    assert stand(db, date(2026, 10, 1)) == een(1, 0)
    assert stand(db, date(2026, 10, 8)) == een(1, 0)
    assert stand(db, date(2026, 10, 9)) == een(1, 1)
    assert stand(db, date(2027, 10, 9)) == een(1, 1)  # unanswered, it stays


def test_holidays_and_weekends_are_no_working_days(db: Engine) -> None:
    r = Rijen()
    # Thu 23 Apr 2026: Koningsdag (Mon 27 Apr) is free, so Fri 1 May is the 5th working day and Mon 4 May the 6th.
    r.verzoek("R1", date(2026, 4, 23))
    # Sent on Koningsdag itself: 28, 29, 30 Apr, 1 and 4 May are its 5 working days (5 May 2026 is a working day).
    r.verzoek("R2", date(2026, 4, 27))
    r.schrijf(db)
    assert stand(db, date(2026, 5, 1)) == een(2, 0)
    assert stand(db, date(2026, 5, 3)) == een(2, 0)
    assert stand(db, date(2026, 5, 4)) == een(2, 1)
    assert stand(db, date(2026, 5, 5)) == een(2, 2)


def test_every_answer_the_norm_counts_ends_the_wait_a_vow_never_waits(db: Engine) -> None:
    r = Rijen()
    for ref in ("TOE", "AF", "ONDERZOEK", "VERWIJDERD", "OPEN"):
        r.verzoek(ref, date(2026, 10, 1))
    r.verzoek("VOW", date(2026, 10, 1), soort="VOW")  # a JW317: no requested product of a JW315
    r.toewijzing(1, date(2026, 10, 5), ref="TOE")
    r.antwoord("AF", date(2026, 10, 5), "1")  # afgewezen
    r.antwoord("ONDERZOEK", date(2026, 10, 5), "2")  # in onderzoek: an answer to the norm
    r.toewijzing(2, date(2026, 10, 5), ref="VERWIJDERD")
    r.toewijzing(2, date(2026, 10, 6), ref="VERWIJDERD", reden="13")  # deleted since: still answered on 5 Oct
    r.schrijf(db)
    assert stand(db, date(2026, 10, 2)) == een(5, 0)
    assert stand(db, date(2026, 10, 9)) == een(1, 1)  # OPEN only
    # jeugdhulp_wachtend{fase="verzoek"} keeps the one in onderzoek waiting: the norm's answer differs (6.9).
    with session_factory(db)() as session:
        wachtend = gauges.wachtende_verzoeken(session, date(2026, 10, 9), date(2026, 7, 1))
    assert sum(w.aantal for w in wachtend) == 2


def test_an_answer_of_another_gemeente_or_aanbieder_answers_nothing(db: Engine) -> None:
    """As facts.toegewezen and facts.eerste_antwoord: the answer comes from the gemeente the JW315 went to, for
    the aanbieder that sent it."""
    r = Rijen()
    r.verzoek("R1", date(2026, 10, 1))
    r.antwoord("R1", date(2026, 10, 2), "1", gemeente=ARNHEM)
    r.toewijzing(1, date(2026, 10, 2), ref="R1", gemeente=ARNHEM)
    r.toewijzing(2, date(2026, 10, 2), ref="R1", aanbieder=AGB2)
    r.schrijf(db)
    assert stand(db, date(2026, 10, 9)) == een(1, 1)


def test_as_of_a_past_day_an_answer_dated_later_has_not_come(db: Engine) -> None:
    r = Rijen()
    r.verzoek("TOE", date(2026, 10, 1))
    r.verzoek("AF", date(2026, 10, 1))
    r.toewijzing(1, date(2026, 10, 20), ref="TOE")
    r.antwoord("AF", date(2026, 10, 19), "1")
    r.schrijf(db)
    assert stand(db, date(2026, 10, 16)) == een(2, 2)
    assert stand(db, date(2026, 10, 19)) == een(1, 1)
    assert stand(db, date(2026, 10, 20)) == {}


def test_the_answer_is_the_first_accepted_with_its_date_as_the_norm_reads_it(db: Engine) -> None:
    """docs/definities.md 4.2 and 6.9: the answer accepted first wins, a toewijzing answers on its first version's
    Toewijzingsdatum; another answer dated earlier changes neither the norm nor the stand."""
    r = Rijen()
    r.verzoek("ONDERZOEK_EERST", date(2026, 10, 1))
    r.verzoek("TOEWIJZING_EERST", date(2026, 10, 1))
    r.verzoek("BESTAANDE_TOEWIJZING", date(2026, 10, 1))
    # In onderzoek on 12 Oct, accepted before a toewijzing whose first version is dated 5 Oct and whose version
    # of 20 Oct carries the reference: the norm's answer is the JW319 of 12 Oct.
    r.antwoord("ONDERZOEK_EERST", date(2026, 10, 12), "2")
    r.toewijzing(1, date(2026, 10, 5))
    r.toewijzing(1, date(2026, 10, 20), ref="ONDERZOEK_EERST")
    # A toewijzing of 6 Oct accepted before a JW319 dated 2 Oct: the norm's answer is the toewijzing of 6 Oct.
    r.toewijzing(2, date(2026, 10, 6), ref="TOEWIJZING_EERST")
    r.antwoord("TOEWIJZING_EERST", date(2026, 10, 2), "1")
    # A toewijzing of 1 Sep, before the request, that a version of 20 Oct gives the reference: answered on 1 Sep
    # (binnen, docs/definities.md 6.5), so as of any day the request is not waiting.
    r.toewijzing(3, date(2026, 9, 1))
    r.toewijzing(3, date(2026, 10, 20), ref="BESTAANDE_TOEWIJZING")
    r.schrijf(db)
    with session_factory(db)() as s:
        antwoorden = {
            ref: facts.eerste_antwoord(s, APELDOORN, AGB, ref, facts.toegewezen(s, APELDOORN, AGB, ref))
            for ref in ("ONDERZOEK_EERST", "TOEWIJZING_EERST", "BESTAANDE_TOEWIJZING")
        }
    assert antwoorden == {
        "ONDERZOEK_EERST": date(2026, 10, 12),
        "TOEWIJZING_EERST": date(2026, 10, 6),
        "BESTAANDE_TOEWIJZING": date(2026, 9, 1),
    }
    assert stand(db, date(2026, 10, 2)) == een(2, 0)
    assert stand(db, date(2026, 10, 6)) == een(1, 0)
    assert stand(db, date(2026, 10, 9)) == een(1, 1)  # waits for its answer of 12 Oct, which will be buiten
    assert stand(db, date(2026, 10, 12)) == {}


def test_per_gemeente_and_categorie(db: Engine) -> None:
    r = Rijen()
    r.verzoek("R1", date(2026, 10, 1))
    r.verzoek("R2", date(2026, 10, 8))
    r.verzoek("R3", date(2026, 10, 1), categorie="43")
    r.verzoek("R4", date(2026, 10, 1), categorie=None)
    r.verzoek("R5", date(2026, 10, 8), gemeente=ARNHEM)
    r.schrijf(db)
    assert stand(db, date(2026, 10, 9)) == (
        een(2, 1) | een(1, 1, categorie="43") | een(1, 1, categorie=None) | een(1, 0, gemeente=ARNHEM)
    )


def test_without_a_cut_off_nothing_is_past_its_term(db: Engine) -> None:
    r = Rijen()
    r.verzoek("R1", date(2026, 1, 5))
    r.schrijf(db)
    assert stand_met_grens(db, date(2026, 6, 1), None) == een(1, 0)
    assert stand_met_grens(db, date(2026, 6, 1), date(2026, 1, 4)) == een(1, 0)
    assert stand_met_grens(db, date(2026, 6, 1), date(2026, 1, 5)) == een(1, 1)


# ---- the norm's own reading, request by request, on a random store --------------------------------------

DAGEN = [date(2026, 1, 1) + timedelta(days=n) for n in range(0, 200, 3)]


def _dag(rnd: random.Random) -> date:
    return date(2026, 1, 1) + timedelta(days=rnd.randrange(200))


def _vul(rnd: random.Random, verzoeken: int = 150) -> Rijen:
    """Requests of both kinds at two gemeenten; answers of every kind, dated before and after the request, at
    its gemeente or another, some of them to toewijzingen with earlier versions; in a random order of acceptance."""
    r = Rijen()
    stappen: list[Callable[[], None]] = []
    for n in range(verzoeken):
        ref, gemeente = f"R{n}", rnd.choice((APELDOORN, ARNHEM))
        r.verzoek(ref, _dag(rnd), soort=rnd.choice(("VOT", "VOT", "VOT", "VOW")), gemeente=gemeente,
                  categorie=rnd.choice(("45", "43", None)))  # fmt: skip
        for _ in range(rnd.choice((0, 0, 1, 1, 2))):
            elders = rnd.choice((gemeente, gemeente, gemeente, APELDOORN if gemeente == ARNHEM else ARNHEM))
            if rnd.random() < 0.5:
                # A number drawn twice is one toewijzing with more versions.
                stappen.append(partial(r.toewijzing, rnd.randrange(40), _dag(rnd), ref=ref, gemeente=elders))
            else:
                stappen.append(partial(r.antwoord, ref, _dag(rnd), rnd.choice("12"), gemeente=elders))
    for _ in range(30):  # versions without a reference
        stappen.append(partial(r.toewijzing, rnd.randrange(40), _dag(rnd), gemeente=APELDOORN))
    rnd.shuffle(stappen)
    for stap in stappen:
        stap()
    return r


def _zoals_de_norm(db: Engine, vandaag: date, antwoorden: dict[tuple[str, str], date | None]) -> Stand:
    """The stand from each JW315's answer as antwoord_verzoek_5_werkdagen reads it, counted in Python."""
    found: Counter[tuple[str, str | None, bool]] = Counter()
    with db.connect() as conn:
        for v in conn.execute(V.select().where(V.c.soort == "VOT", V.c.dagtekening <= vandaag)):
            antwoord = antwoorden[(v.gemeente, v.referentie_aanbieder)]
            if antwoord is None or antwoord > vandaag:
                found[
                    (v.gemeente, v.categorie, termijn_voorbij(ANTWOORD_VERZOEK, v.dagtekening, vandaag))
                ] += 1
    groepen = {(g, c) for g, c, _ in found}
    return {(g, c): (found[(g, c, False)] + found[(g, c, True)], found[(g, c, True)]) for g, c in groepen}


@pytest.mark.parametrize("seed", [1, 2])
def test_the_same_requests_as_the_norms_own_reading_of_their_answers(db: Engine, seed: int) -> None:
    _vul(random.Random(seed)).schrijf(db)
    with session_factory(db)() as s, db.connect() as conn:
        antwoorden = {
            (v.gemeente, v.referentie_aanbieder): facts.eerste_antwoord(
                s, v.gemeente, AGB, v.referentie_aanbieder,
                facts.toegewezen(s, v.gemeente, AGB, v.referentie_aanbieder),
            )
            for v in conn.execute(V.select().where(V.c.soort == "VOT"))
        }  # fmt: skip
    seen: Counter[str] = Counter()
    for vandaag in DAGEN:
        verwacht = _zoals_de_norm(db, vandaag, antwoorden)
        assert stand(db, vandaag) == verwacht, vandaag
        seen["onbeantwoord"] += sum(n for n, _ in verwacht.values())
        seen["boven de termijn"] += sum(b for _, b in verwacht.values())
        # Unanswered as of the day although an answer dated by then exists: only the norm's reading says so.
        seen["later beantwoord"] += sum(
            1
            for (gemeente, ref), antwoord in antwoorden.items()
            if antwoord is not None and antwoord > vandaag and _eerder_antwoord(db, gemeente, ref, vandaag)
        )
    assert min(seen.values()) > 20, seen  # every case was there to get wrong


def _eerder_antwoord(db: Engine, gemeente: str, ref: str, vandaag: date) -> bool:
    """A JW319 or a toewijzing version about the request dated up to vandaag (not the answer the norm counts)."""
    with db.connect() as conn:
        return any(
            conn.execute(
                tabel.select().where(
                    tabel.c.gemeente == gemeente, tabel.c.referentie_aanbieder == ref, datum <= vandaag
                )
            ).first()
            is not None
            for tabel, datum in ((A, A.c.dagtekening), (T, T.c.toewijzingsdatum))
        )


# ---- SQLite's plans -------------------------------------------------------------------------------------


def test_sqlite_walks_the_requests_once_per_statement_and_finds_the_answers_by_their_key(
    sqlite_db: Engine,
) -> None:
    """A scrape's cost grows with the requests, no faster: each answer is found in an index on its whole key."""
    ran: list[tuple[str, Any]] = []

    def on_execute(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        ran.append((statement, parameters))

    engine = sqlite_db
    event.listen(engine, "before_cursor_execute", on_execute)
    stand(engine, date(2026, 6, 1))
    event.remove(engine, "before_cursor_execute", on_execute)
    with engine.connect() as conn:
        found = [
            [
                row[3]
                for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                if row[3].startswith(("SCAN", "SEARCH"))
            ]
            for statement, parameters in ran
        ]
    assert found == [
        [
            "SCAN verzoek",
            "SEARCH toewijzing USING INDEX ix_toewijzing_referentie (aanbieder=? AND referentie_aanbieder=?)",
            "SEARCH antwoord USING INDEX ix_antwoord_referentie (aanbieder=? AND referentie_aanbieder=?)",
        ],
        [
            "SCAN verzoek",
            "SEARCH met_referentie USING INDEX ix_toewijzing_referentie (aanbieder=? AND referentie_aanbieder=?)",
            "SEARCH versie USING INDEX ix_toewijzing_nummer (gemeente=? AND toewijzing_nummer=?)",
            "SEARCH antwoord USING INDEX ix_antwoord_referentie (aanbieder=? AND referentie_aanbieder=?)",
        ],
    ]
