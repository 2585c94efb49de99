"""hub.store.gi_monitor: the SQL behind the GI figures in cases no other test pins down: the 3-month check's
selection, the counter of bepalingen, the batch's clients with a bepaling, a GI's maatregel rows, an empty store,
and the first and last dates a message can bring (docs/definities.md 3.1, 3.5, 4.3).

Rows are written straight into the tables, as the intake and the processors leave them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, insert

from hub.monitor.norms import GEDRAGEN_KOERS, JEUGDBESCHERMER, boven_norm_grens, termijn_grens
from hub.store import gi_monitor
from hub.store.db import session_factory
from hub.store.gi_tables import GiStatusmeldingRecord
from hub.store.tables import BerichtRecord
from tests.hub.store.test_gi_maatregelen import (
    ANDERE_GI,
    APELDOORN,
    ARNHEM,
    BERICHT,
    GI,
    GK,
    JB,
    maatregel_rijen,
)

CLIENT = "c" * 64
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _bericht(conn: Any) -> None:
    conn.execute(
        insert(BerichtRecord),
        [{"id": BERICHT, "content_hash": "0" * 64, "outcome": "accepted", "received_at": NOW}],
    )


def bepaling(id: int, datum: date, dagtekening: date, **kolommen: Any) -> dict[str, Any]:
    """A gi_bepaling row of CLIENT at Apeldoorn (GI, Categorie 45, not withdrawn unless told)."""
    return {
        "id": id,
        "gi": GI,
        "bepaling_id": f"B-{id}",
        "client": CLIENT,
        "gemeente": APELDOORN,
        "maatregel_id": "M-1",
        "maatregel_type": "01",
        "categorie": "45",
        "datum_bepaling": datum,
        "gewenste_ingangsdatum": datum,
        "urgentie": "1",
        "dagtekening": dagtekening,
        "ingetrokken": False,
        "bericht_id": BERICHT,
    } | kolommen


def vul(
    db: Engine,
    bepalingen: Sequence[dict[str, Any]] = (),
    starts: Sequence[tuple[int, date]] = (),
    statussen: Sequence[tuple[int, str]] = (),
    maatregelen: Sequence[dict[str, Any]] = (),
) -> None:
    """Bepalingen, a linked start's Begindatum per bepaling, statusmeldingen made, and gi_maatregel rows."""
    with db.begin() as conn:
        _bericht(conn)
        if bepalingen:
            conn.execute(gi_monitor.B.insert(), list(bepalingen))
        for ref, begindatum in starts:
            conn.execute(
                gi_monitor.K.insert(),
                [
                    {
                        "bepaling_ref": ref,
                        "gemeente": APELDOORN,
                        "start_datum": begindatum,
                        "gewijzigd_op": NOW,
                    }
                ],
            )
        for ref, status in statussen:
            conn.execute(
                insert(GiStatusmeldingRecord),
                [
                    {
                        "id": f"{ref:016d}{status:0>16}",
                        "bepaling_ref": ref,
                        "gi": GI,
                        "gemeente": APELDOORN,
                        "client": CLIENT,
                        "bepaling_id": f"B-{ref}",
                        "status": status,
                        "onderwerp": "",
                        "status_datum": date(2026, 7, 1),
                        "identificatie": f"S{ref}{status}",
                        "dagtekening": date(2026, 7, 1),
                        "xml": "<x/>",
                        "aangemaakt_op": NOW,
                    }
                ],
            )
        if maatregelen:
            conn.execute(gi_monitor.M.insert(), maatregel_rijen(*maatregelen))


def niet_gestart(db: Engine, vandaag: date) -> list[str]:
    with session_factory(db)() as session:
        return [b.bepaling_id for b in gi_monitor.niet_gestart(session, vandaag, boven_norm_grens(vandaag))]


def test_the_3_month_check_selects_bepalingen_above_the_norm_not_started_by_today_and_not_told_so(
    db: Engine,
) -> None:
    # 30 June + 3 months = 30 September: above the norm on 1 October (docs/definities.md 1.4).
    juni, juli = date(2026, 6, 30), date(2026, 7, 1)
    vul(
        db,
        [
            bepaling(1, juni, juli),  # waits
            bepaling(2, juni, juli),  # help begins today: started
            bepaling(3, juni, juli),  # help begins tomorrow: not started yet
            bepaling(4, juni, juli, ingetrokken=True, ingetrokken_op=juli),
            bepaling(5, juni, juli),  # told so before
            bepaling(6, juli, juli),  # 3 months are up only today, not passed
            bepaling(7, juni, date(2026, 10, 1)),  # the hub knows it from today
            bepaling(8, juni, date(2026, 10, 2)),  # known from tomorrow only
        ],
        starts=[(2, date(2026, 10, 1)), (3, date(2026, 10, 2))],
        statussen=[(1, "02"), (5, "04")],  # another status is no reason to skip it
    )
    assert niet_gestart(db, date(2026, 10, 1)) == ["B-1", "B-3", "B-7"]
    assert niet_gestart(db, date(2026, 10, 2)) == ["B-1", "B-6", "B-7", "B-8"]


def test_bepalingen_received_count_per_gi_gemeente_and_categorie_withdrawn_ones_too(db: Engine) -> None:
    dag = date(2026, 3, 2)
    vul(
        db,
        [
            bepaling(1, dag, dag),
            bepaling(2, dag, dag, ingetrokken=True, ingetrokken_op=dag),
            bepaling(3, dag, dag, categorie="43"),
            bepaling(4, dag, dag, gemeente=ARNHEM),
            bepaling(5, dag, dag, gi=ANDERE_GI),
        ],
    )
    with session_factory(db)() as session:
        assert sorted(gi_monitor.bepalingen_aantallen(session)) == [
            (GI, APELDOORN, "43", 1),
            (GI, APELDOORN, "45", 2),
            (GI, ARNHEM, "45", 1),
            (ANDERE_GI, APELDOORN, "45", 1),
        ]


def test_the_clients_with_a_bepaling_are_found_beyond_one_chunk_of_500(db: Engine) -> None:
    clients = [f"{i:064d}" for i in range(501)]
    dag = date(2026, 3, 2)
    vul(
        db,
        [
            bepaling(1, dag, dag, client=clients[0]),
            bepaling(2, dag, dag, client=clients[500], ingetrokken=True, ingetrokken_op=dag),
            bepaling(3, dag, dag, client=clients[7], gemeente=ARNHEM),
        ],
    )
    paren = [(c, APELDOORN) for c in clients]
    with session_factory(db)() as session:
        assert gi_monitor.met_bepalingen(session, paren) == {
            (clients[0], APELDOORN),
            (clients[500], APELDOORN),
        }
        assert gi_monitor.met_bepalingen(session, []) == set()


def test_a_gis_maatregel_rows_only_for_the_ids_asked(db: Engine) -> None:
    u, v = date(2026, 3, 2), date(2026, 3, 4)
    vul(
        db,
        maatregelen=[
            {"id": "M-1", "uitspraak": u, "jb": v},
            {"id": "M-2", "uitspraak": u, "gk": v},
            {"id": "M-3"},
            {"id": "M-1", "gi": ANDERE_GI, "uitspraak": v},  # another GI's MaatregelId
        ],
    )
    with session_factory(db)() as session:
        rijen = gi_monitor.maatregel_rijen(session, GI, ["M-1", "M-3", "M-9"])
        assert {
            i: (r.datum_uitspraak, r.datum_vaste_jeugdbeschermer, r.datum_gedragen_koers)
            for i, r in rijen.items()
        } == {
            "M-1": (u, v, None),
            "M-3": (None, None, None),
        }
        assert rijen["M-1"].id != gi_monitor.maatregel_rijen(session, ANDERE_GI, ["M-1"])["M-1"].id
        assert gi_monitor.maatregel_rijen(session, GI, []) == {}


def test_an_empty_store_gives_no_rows_on_any_day(db: Engine) -> None:
    with session_factory(db)() as session:
        for vandaag in (date.min, date(2026, 3, 2), date.max):
            grenzen = {
                JB: termijn_grens(JEUGDBESCHERMER, vandaag),
                GK: termijn_grens(GEDRAGEN_KOERS, vandaag),
            }
            assert gi_monitor.wachtende_maatregelen(session, vandaag, grenzen) == []
            assert gi_monitor.wachtende_bepalingen(session, vandaag, boven_norm_grens(vandaag)) == []
            assert gi_monitor.niet_gestart(session, vandaag, boven_norm_grens(vandaag)) == []
            assert gi_monitor.laatste_capaciteit(session, vandaag) == []
        assert gi_monitor.bepalingen_aantallen(session) == []
        with gi_monitor.gi002_events_terug(session, GI, CLIENT, BERICHT) as eerder:
            assert list(eerder) == []


def test_maatregelen_at_the_first_and_last_date_wait_and_pass_their_terms(db: Engine) -> None:
    # Uitspraak Monday 1 January of year 1: its 5th working day is Monday 8 January, its 42nd day 12 February.
    vul(db, maatregelen=[{"id": "M-1", "uitspraak": date.min}, {"id": "M-2", "uitspraak": date.max}])

    def wachtend(vandaag: date) -> dict[str, tuple[int, int]]:
        grenzen = {JB: termijn_grens(JEUGDBESCHERMER, vandaag), GK: termijn_grens(GEDRAGEN_KOERS, vandaag)}
        with session_factory(db)() as session:
            rows = gi_monitor.wachtende_maatregelen(session, vandaag, grenzen)
        return {r.datum: (r.aantal, r.boven_norm) for r in rows}

    assert wachtend(date.min) == {JB: (1, 0), GK: (1, 0)}
    assert wachtend(date(1, 1, 8)) == {JB: (1, 0), GK: (1, 0)}
    assert wachtend(date(1, 1, 9)) == {JB: (1, 1), GK: (1, 0)}
    assert wachtend(date(1, 2, 13)) == {JB: (1, 1), GK: (1, 1)}
    assert wachtend(date.max) == {JB: (2, 1), GK: (2, 1)}  # M-2's uitspraak is today


def test_a_bepaling_of_the_first_date_is_above_the_norm_from_the_day_after_1_april(db: Engine) -> None:
    vul(db, [bepaling(1, date.min, date.min), bepaling(2, date.max, date.max)])

    def wachtend(vandaag: date) -> list[tuple[int, int]]:
        with session_factory(db)() as session:
            rows = gi_monitor.wachtende_bepalingen(session, vandaag, boven_norm_grens(vandaag))
        return [(r.aantal, r.boven_norm) for r in rows]

    assert wachtend(date.min) == [(1, 0)]
    assert wachtend(date(1, 4, 1)) == [(1, 0)]
    assert wachtend(date(1, 4, 2)) == [(1, 1)]
    assert wachtend(date.max) == [(2, 1)]
    assert niet_gestart(db, date(1, 4, 1)) == []
    assert niet_gestart(db, date(1, 4, 2)) == ["B-1"]
    assert niet_gestart(db, date.max) == ["B-1"]
