"""The SQL of gi_maatregelen_wachtend (hub.store.gi_monitor.wachtende_maatregelen) on SQLite and PostgreSQL:
which maatregelen wait for which date as of a day, which of them are past the term, and SQLite's plan.

Rows are written straight into gi_maatregel, as the intake leaves them (tests/hub/gi_pipeline has the messages).
The definitions are docs/definities.md 3.5 and 6.15.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, insert

from hub.monitor.norms import GEDRAGEN_KOERS, JEUGDBESCHERMER, termijn_grens
from hub.store import gi_monitor
from hub.store.db import session_factory
from hub.store.tables import BerichtRecord
from tests.hub.store.plans import plans

M = gi_monitor.M
BERICHT = "0" * 32
GI, ANDERE_GI = "09990001", "09990002"
APELDOORN, ARNHEM = "0200", "0202"
JB, GK = "datum_vaste_jeugdbeschermer", "datum_gedragen_koers"
Rijen = dict[tuple[str, str, str], tuple[int, int]]


def maatregel_rijen(*maatregelen: dict[str, Any]) -> list[dict[str, Any]]:
    """gi_maatregel rows of message BERICHT: id, uitspraak, jb, gk, einde, gi and gemeente by name."""
    return [
        {
            "gi": m.get("gi", GI),
            "maatregel_id": m["id"],
            "client": "c" * 64,
            "maatregel_type": "01",
            "gemeente": m.get("gemeente", APELDOORN),
            "datum_uitspraak": m.get("uitspraak"),
            JB: m.get("jb"),
            GK: m.get("gk"),
            "einddatum": m.get("einde"),
            "bericht_id": BERICHT,
        }
        for m in maatregelen
    ]


def vul(db: Engine, *maatregelen: dict[str, Any]) -> None:
    """gi_maatregel rows (all of one accepted message): id, uitspraak, jb, gk, einde, gi and gemeente by name."""
    rows = maatregel_rijen(*maatregelen)
    with db.begin() as conn:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        conn.execute(
            insert(BerichtRecord),
            [{"id": BERICHT, "content_hash": "0" * 64, "outcome": "accepted", "received_at": now}],
        )
        conn.execute(M.insert(), rows)


def grenzen(vandaag: date) -> dict[str, date | None]:
    """The cut-offs the collector passes: the 5-working-day and the 6-week term as of vandaag."""
    return {JB: termijn_grens(JEUGDBESCHERMER, vandaag), GK: termijn_grens(GEDRAGEN_KOERS, vandaag)}


def wachtend(db: Engine, vandaag: date, grens: dict[str, date | None] | None = None) -> Rijen:
    """(gi, gemeente, date column) -> (waiting, of which past the term)."""
    with session_factory(db)() as session:
        rows = gi_monitor.wachtende_maatregelen(
            session, vandaag, grenzen(vandaag) if grens is None else grens
        )
    found = {(r.gi, r.gemeente, r.datum): (r.aantal, r.boven_norm) for r in rows}
    assert len(found) == len(rows)  # one row per group and date
    return found


def een(kolom: str, aantal: int, boven: int) -> Rijen:
    return {(GI, APELDOORN, kolom): (aantal, boven)}


def test_the_jeugdbeschermer_term_passes_after_the_5th_working_day(db: Engine) -> None:
    # Uitspraak Thu 1 Oct 2026; the 5th working day after it is Thu 8 Oct.
    vul(db, {"id": "M-1", "uitspraak": date(2026, 10, 1), "gk": date(2026, 10, 20)})
    assert wachtend(db, date(2026, 9, 30)) == {}  # the uitspraak is not known yet
    assert wachtend(db, date(2026, 10, 1)) == een(JB, 1, 0) | een(GK, 1, 0)
    assert wachtend(db, date(2026, 10, 8)) == een(JB, 1, 0) | een(GK, 1, 0)
    assert wachtend(db, date(2026, 10, 9)) == een(JB, 1, 1) | een(GK, 1, 0)
    assert wachtend(db, date(2026, 10, 20)) == een(JB, 1, 1)  # the koers is known from its own date


def test_holidays_and_weekends_are_no_working_days(db: Engine) -> None:
    # Uitspraak Thu 23 Apr 2026: Koningsdag (Mon 27 Apr) is free, so Fri 1 May is the 5th working day and the
    # weekend after it adds none; Mon 4 May is the 6th (5 May 2026 is no holiday: not a lustrum year).
    vul(db, {"id": "M-1", "uitspraak": date(2026, 4, 23), "gk": date(2026, 5, 1)})
    assert wachtend(db, date(2026, 5, 1)) == een(JB, 1, 0)
    assert wachtend(db, date(2026, 5, 3)) == een(JB, 1, 0)
    assert wachtend(db, date(2026, 5, 4)) == een(JB, 1, 1)


def test_the_gedragen_koers_term_is_6_weeks_exactly(db: Engine) -> None:
    vul(db, {"id": "M-1", "uitspraak": date(2026, 1, 1), "jb": date(2026, 1, 5)})
    assert wachtend(db, date(2026, 2, 12)) == een(GK, 1, 0)  # 42 days
    assert wachtend(db, date(2026, 2, 13)) == een(GK, 1, 1)  # 43 days


def test_a_date_known_ends_the_wait_from_that_day_and_one_after_today_is_not_known_yet(db: Engine) -> None:
    vul(db, {"id": "M-1", "uitspraak": date(2026, 3, 2), "jb": date(2026, 3, 12), "gk": date(2026, 4, 30)})
    assert wachtend(db, date(2026, 3, 11)) == een(JB, 1, 1) | een(GK, 1, 0)
    assert wachtend(db, date(2026, 3, 12)) == een(GK, 1, 0)
    assert wachtend(db, date(2026, 4, 29)) == een(GK, 1, 1)
    assert wachtend(db, date(2026, 4, 30)) == {}


def test_an_ended_maatregel_waits_up_to_its_einddatum(db: Engine) -> None:
    """docs/definities.md 3.5 and 6.15: up to and including the Einddatum; without one, for ever."""
    vul(
        db,
        {"id": "M-1", "uitspraak": date(2026, 3, 2), "einde": date(2026, 3, 20)},
        {"id": "M-2", "uitspraak": date(2026, 3, 2), "jb": date(2026, 3, 3), "einde": date(2027, 3, 1)},
        {"id": "M-3", "uitspraak": date(2026, 3, 2), "jb": date(2026, 3, 3)},
    )
    assert wachtend(db, date(2026, 3, 20)) == een(JB, 1, 1) | een(GK, 3, 0)  # an Einddatum of today counts
    assert wachtend(db, date(2026, 3, 21)) == een(GK, 2, 0)  # M-2's Einddatum lies ahead, M-3 has none
    assert wachtend(db, date(2030, 1, 2)) == een(GK, 1, 1)  # M-3 only


def test_without_an_uitspraak_nothing_waits(db: Engine) -> None:
    """A maatregel known from a GI001 only, or from a GI002 without its uitspraak, has no term yet."""
    vul(db, {"id": "M-1"}, {"id": "M-2", "jb": date(2026, 3, 3)}, {"id": "M-3", "gk": date(2026, 3, 3)})
    assert wachtend(db, date(2026, 6, 1)) == {}


def test_per_gi_and_gemeente(db: Engine) -> None:
    vul(
        db,
        {"id": "M-1", "uitspraak": date(2026, 3, 2)},
        {"id": "M-2", "uitspraak": date(2026, 3, 20), "jb": date(2026, 3, 23)},
        {"id": "M-1", "uitspraak": date(2026, 3, 2), "gi": ANDERE_GI},  # another GI's MaatregelId
        {"id": "M-3", "uitspraak": date(2026, 3, 2), "gemeente": ARNHEM, "gk": date(2026, 3, 30)},
        {"id": "M-4", "uitspraak": date(2026, 1, 5), "jb": date(2026, 1, 6), "gk": date(2026, 2, 1)},  # done
    )
    assert wachtend(db, date(2026, 3, 31)) == {
        (GI, APELDOORN, JB): (1, 1),
        (GI, APELDOORN, GK): (2, 0),
        (ANDERE_GI, APELDOORN, JB): (1, 1),
        (ANDERE_GI, APELDOORN, GK): (1, 0),
        (GI, ARNHEM, JB): (1, 1),  # nothing waits for Arnhem's koers: no row for it
    }


def test_a_date_without_a_cut_off_is_never_past_its_term(db: Engine) -> None:
    vul(db, {"id": "M-1", "uitspraak": date(2026, 1, 5)})
    assert wachtend(db, date(2026, 6, 1), {JB: None, GK: date(2026, 4, 1)}) == een(JB, 1, 0) | een(GK, 1, 1)
    assert wachtend(db, date(2026, 6, 1), {}) == {}


def test_sqlite_walks_gi_maatregel_once_and_nothing_else(sqlite_db: Engine) -> None:
    """One walk of the table and no lookups per row: the scrape's cost grows with the maatregelen, no faster."""
    found = plans(sqlite_db, lambda: wachtend(sqlite_db, date(2026, 6, 1)))
    assert found == {"gi_maatregel": ["SCAN gi_maatregel"]}
