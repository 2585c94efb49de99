"""load_snapshot: scoping, TR056 and the query budget (a batch per message, not a query per line)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import ClauseElement, Engine, event
from sqlmodel import Session

from hub.state.snapshot import Snapshot
from hub.store import snapshot as store_snapshot
from hub.store.db import InQuery, session_factory
from hub.store.snapshot import load_snapshot
from hub.synth import berichten
from hub.synth.build import Spec, edit
from tests.hub.prestaties import specifieke_prestatie
from tests.hub.store.plans import plans
from tests.hub.store.scenario import (
    ANDER,
    ASPECIFIEK,
    CLIENT,
    DAG,
    INGANG,
    PS,
    SPECIFIEK,
    accept,
    model,
    record,
    snapshot,
    spec,
)


@contextmanager
def _count_queries(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def on_execute(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def test_identificatie_bekend_only_after_an_accepted_message(session: Session) -> None:
    assert not snapshot(session, "JW305", spec("JW305")).identificatie_bekend
    record(session, "JW305", spec("JW305"), outcome="rejected")  # a rejected message counts as not sent
    assert not snapshot(session, "JW305", spec("JW305")).identificatie_bekend
    accept(session, "JW305", spec("JW305"))
    assert snapshot(session, "JW305", spec("JW305")).identificatie_bekend
    # Per sender and message type (TR056): another aanbieder or type may use the same Identificatie.
    assert not snapshot(session, "JW305", spec("JW305", aanbieder="87654321")).identificatie_bekend
    assert not snapshot(session, "JW307", spec("JW307", "JW305261102")).identificatie_bekend


def test_jw301_sees_the_client_of_each_known_nummer(session: Session) -> None:
    accept(session, "JW301", spec("JW301"))
    other = spec("JW301", "JW301B", persoon=ANDER)
    snap = snapshot(session, "JW301", other)
    assert dict(snap.toewijzing_clients) == {SPECIFIEK: PS(CLIENT.bsn), ASPECIFIEK: PS(CLIENT.bsn)}
    assert snap.toewijzingen == ()  # ANDER has none of its own
    # Another gemeente's numbers are its own.
    assert dict(snapshot(session, "JW301", spec("JW301", "JW301C", gemeente="0363")).toewijzing_clients) == {}


def test_jw301_sees_the_clients_toewijzingen_under_the_numbers_it_names_only(session: Session) -> None:
    # TR332, TR379 and TR385 ask about the named numbers; the client's other toewijzingen are not read.
    eerste = spec("JW301")
    accept(session, "JW301", eerste)
    later = date(2026, 11, 5)
    p = "Client/ToegewezenProducten/ToegewezenProduct"
    alleen_specifiek = edit(
        spec("JW301", "JW301B", dagtekening=later),
        p,
        [eerste["Client"]["ToegewezenProducten"]["ToegewezenProduct"][0]],
    )
    snap = snapshot(session, "JW301", alleen_specifiek)
    assert [t.toewijzing_nummer for t in snap.toewijzingen] == [SPECIFIEK]
    assert snap.toewijzing(ASPECIFIEK) is None
    assert dict(snap.toewijzing_clients) == {SPECIFIEK: PS(CLIENT.bsn)}


def test_jw301_sees_the_referenties_it_names_and_the_clients_verzoeken(session: Session) -> None:
    accept(session, "JW315", spec("JW315"))
    ref = f"VOT{DAG:%Y%m%d}A"
    s = edit(spec("JW301"), "Client/ToegewezenProducten/ToegewezenProduct[1]/ReferentieAanbieder", ref)
    snap = snapshot(session, "JW301", s)
    assert set(snap.referenties) == {ref}
    assert len(snap.verzoeken) == 2
    assert snap.prestaties == ()  # no deletion in it: TR385 needs nothing


def test_jw301_deletion_loads_the_declared_lines_of_that_toewijzing(session: Session) -> None:
    accept(session, "JW323", spec("JW323"))
    p = "Client/ToegewezenProducten/ToegewezenProduct[1]"
    s = edit(edit(spec("JW301"), f"{p}/RedenWijziging", "13"), f"{p}/Einddatum", INGANG)
    assert [x.toewijzing_nummer for x in snapshot(session, "JW301", s).prestaties] == [SPECIFIEK]


def test_snapshot_mappings_are_read_only(session: Session) -> None:
    accept(session, "JW301", spec("JW301"))
    snap = snapshot(session, "JW301", spec("JW301", "JW301B"))
    with pytest.raises(TypeError):
        snap.toewijzing_clients[1] = "x"  # type: ignore[index]  # read-only: the write must fail


def test_retour_messages_get_an_empty_snapshot(session: Session) -> None:
    accept(session, "JW301", spec("JW301"))
    retour = spec("JW301")
    retour["Header"].update(
        BerichtCode="437",
        IdentificatieRetour="R1",
        DagtekeningRetour=DAG,
        XsdVersieRetour=berichten.xsd_versie(),
    )
    snap = load_snapshot(session, model("JW302", retour), PS, DAG)
    assert snap == Snapshot(pseudonym=PS)


def _jw323_with(n: int) -> Spec:
    """A JW323 whose one client has n prestaties on the specific toewijzing (distinct references)."""
    lines = [specifieke_prestatie(f"Q{i}", volume=1) for i in range(n)]
    d = berichten.declaratie(
        [(CLIENT.bsn, lines)], nummer="D9", periode_begin=INGANG, declaratie_dagtekening=DAG
    )
    return edit(spec("JW323", "JW323Q"), "Declaratie", d)


@pytest.mark.parametrize(
    ("bericht", "small", "large"),
    [
        ("JW323", _jw323_with(1), _jw323_with(40)),
        (
            "JW305",
            spec("JW305"),
            edit(
                spec("JW305"),
                "Client/StartProducten/StartProduct",
                [
                    berichten.start_product(
                        SPECIFIEK, categorie="45", code="45A53", begindatum=date(2026, 10, d)
                    )
                    for d in range(1, 31)
                ],
            ),
        ),
    ],
)
def test_query_count_does_not_grow_with_the_lines(
    db: Engine, session: Session, bericht: str, small: Spec, large: Spec
) -> None:
    accept(session, "JW301", spec("JW301"))
    accept(session, "JW323", spec("JW323"))
    counts = []
    for s in (small, large):
        m = model(bericht, s)
        session.expunge_all()
        with _count_queries(db) as seen:
            load_snapshot(session, m, PS, DAG)
        counts.append(len(seen))
    assert counts[0] == counts[1] <= 6


def test_a_given_identificatie_bekend_is_used_without_a_query(db: Engine, session: Session) -> None:
    # The intake answers TR056 with its identity lookup (hub.store.audit.seen) and hands the answer over.
    accept(session, "JW305", spec("JW305"))
    m = model("JW305", spec("JW305"))
    session.expunge_all()
    with _count_queries(db) as looked_up:
        assert load_snapshot(session, m, PS, DAG).identificatie_bekend
    with _count_queries(db) as handed:
        assert not load_snapshot(session, m, PS, DAG, bekend=False).identificatie_bekend
    assert len(handed) == len(looked_up) - 1
    assert not any("bericht" in q.split("FROM")[1] for q in handed)


def test_the_latest_toewijzing_version_wins_whatever_order_it_was_stored_in(session: Session) -> None:
    # Versions are ordered by Toewijzingsdatum and -tijd, not by arrival: an older version stored later loses.
    later = date(2026, 11, 5)
    changed = spec("JW301", "JW301B", dagtekening=later)
    changed = edit(changed, "Client/ToegewezenProducten/ToegewezenProduct[1]/Einddatum", date(2026, 12, 31))
    accept(session, "JW301", changed)
    accept(session, "JW301", spec("JW301"))
    t = snapshot(session, "JW307", spec("JW307")).toewijzing(SPECIFIEK)
    assert t is not None
    assert (t.einddatum, t.toewijzingsdatum, t.eerste_toewijzingsdatum) == (date(2026, 12, 31), later, DAG)


_PARAMS = {
    "gemeente": "0200",
    "aanbieder": "12345678",
    "client": "c" * 64,
    "clients": ["c" * 64, "d" * 64],
    "refs": ["R1", "R2", "R3"],
    "nummers": [1, 2],
}
# Each shape of each query: the lists (and the client scope) it is called with.
_SHAPES: dict[str, list[tuple[InQuery, tuple[str, ...]]]] = {
    "_TOEWIJZINGEN": [(store_snapshot._TOEWIJZINGEN, ("clients",))],
    "_NUMMERS": [(store_snapshot._NUMMERS, ("nummers",))],
    "_VERZOEKEN": [
        (store_snapshot._VERZOEKEN[False], ("refs",)),
        (store_snapshot._VERZOEKEN[True], ()),
        (store_snapshot._VERZOEKEN[True], ("refs",)),
    ],
    "_PRESTATIES": [
        (store_snapshot._PRESTATIES, lists) for lists in (("refs",), ("nummers",), ("refs", "nummers"))
    ],
}


@pytest.mark.parametrize("name", list(_SHAPES))
def test_sqlite_searches_an_index_that_fits_the_scope(db: Engine, name: str) -> None:
    """No walk through every row of a gemeente or aanbieder: its cost would grow with the store."""
    if db.dialect.name != "sqlite":
        pytest.skip("query plans are SQLite's; PostgreSQL plans by its statistics")
    for query, lists in _SHAPES[name]:
        scalars = {k: v for k, v in _PARAMS.items() if not isinstance(v, list)}
        stmt, _ = query.prepare({**scalars, **{k: _PARAMS[k] for k in lists}})
        assert isinstance(stmt, ClauseElement)  # a SELECT: what compiles to SQL
        # Rendered as it runs: a `?` per bind, so the planner sees each branch of an OR on its own.
        compiled = stmt.compile(db)
        with db.connect() as conn:
            explain = f"EXPLAIN QUERY PLAN {compiled}"
            plan = [row[3] for row in conn.exec_driver_sql(explain, ("x",) * str(compiled).count("?"))]
        searches = [step for step in plan if step.startswith(("SEARCH", "SCAN"))]
        assert searches and all(step.startswith("SEARCH") for step in searches), plan
        # every index search binds all the equality columns of its index, not only the first
        assert not any(step.endswith(("(gemeente=?)", "(aanbieder=?)")) for step in searches), plan


def test_a_jw307_sees_the_starts_and_stops_in_force_from_one_query(db: Engine, session: Session) -> None:
    accept(session, "JW301", spec("JW301"))
    accept(session, "JW305", spec("JW305"))
    accept(session, "JW307", spec("JW307"))
    m = model("JW307", spec("JW307", "JW307B"))
    session.expunge_all()
    with _count_queries(db) as seen:
        snap = load_snapshot(session, m, PS, DAG, bekend=False)
    assert len(seen) == 2  # the toewijzingen; the starts and stops together
    assert [s.sleutel for s in snap.starts] == [
        (SPECIFIEK, "45", "45A53", INGANG),
        (ASPECIFIEK, "43", None, INGANG),
    ]
    assert [s.sleutel for s in snap.stops] == [(SPECIFIEK, "45", "45A53", INGANG, date(2026, 10, 31), "31")]
    assert snap.stops[0].toewijzing_ingangsdatum == snap.starts[0].toewijzing_ingangsdatum == INGANG


def test_a_jw323_sees_its_declaratienummer_and_the_last_period_from_one_query(
    db: Engine, session: Session
) -> None:
    accept(session, "JW323", spec("JW323"))
    nummer = spec("JW323")["Declaratie"]["DeclaratieNummer"]
    anders = edit(spec("JW323", "JW323C"), "Declaratie/DeclaratieNummer", "D999")
    session.expunge_all()
    with _count_queries(db) as seen:
        snap = load_snapshot(session, model("JW323", spec("JW323", "JW323B")), PS, DAG, bekend=False)
    assert (snap.declaratie_nummers, snap.laatste_declaratieperiode) == (frozenset({nummer}), INGANG)
    assert len(seen) == 3  # the toewijzingen, the prestaties, and both questions about earlier declaraties
    other = snapshot(session, "JW323", anders)
    assert (other.declaratie_nummers, other.laatste_declaratieperiode) == (frozenset(), INGANG)


@pytest.fixture
def store_0006(sqlite_db: Engine) -> Engine:
    return sqlite_db


def test_starts_stops_and_earlier_declaraties_are_searched_by_indexes_that_fit(store_0006: Engine) -> None:
    """Each branch binds every equality column of its index; TR318's max walks ix_declaratie_periode from its end."""
    with session_factory(store_0006)() as session:
        accept(session, "JW301", spec("JW301"))
        accept(session, "JW305", spec("JW305"))
        jw307, jw323 = model("JW307", spec("JW307")), model("JW323", spec("JW323"))
        regels = plans(store_0006, lambda: load_snapshot(session, jw307, PS, DAG, bekend=False))
        declaraties = plans(store_0006, lambda: load_snapshot(session, jw323, PS, DAG, bekend=False))
    assert regels["startregel"] == [
        "SEARCH startregel USING INDEX ix_startregel_client (gemeente=? AND aanbieder=? AND client=? AND status=?)",
        "SEARCH stopregel USING INDEX ix_stopregel_client (gemeente=? AND aanbieder=? AND client=? AND status=?)",
    ]
    assert declaraties["declaratie"] == [
        "SEARCH declaratie USING INDEX ix_declaratie_periode (aanbieder=? AND gemeente=?)",
        "SEARCH declaratie USING INDEX ix_declaratie_nummer (aanbieder=? AND declaratie_nummer=?)",
    ]


def _jw325_op(jw323: Spec, **header: Any) -> Spec:
    """The JW325 answering a JW323 spec, its Header changed by `header` (DeclaratieIdentificatie, Afzender)."""
    s = berichten.declaratie_antwoord(jw323, dagtekening=DAG, identificatie="JW325A")
    for path, value in header.items():
        s = edit(s, f"Header/{path}", value)
    return s


def test_a_jw325_sees_the_jw323_it_answers_from_one_query(db: Engine, session: Session) -> None:
    jw323 = spec("JW323")
    accept(session, "JW323", jw323)
    accept(session, "JW323", edit(spec("JW323", "JW323B"), "Declaratie/DeclaratieNummer", "D2"))
    m = model("JW325", _jw325_op(jw323))
    session.expunge_all()
    with _count_queries(db) as seen:
        snap = load_snapshot(session, m, PS, DAG, bekend=False)
    assert len(seen) == 1
    declaratie = snap.beantwoorde_declaratie
    assert declaratie is not None and declaratie.declaratie_nummer == jw323["Declaratie"]["DeclaratieNummer"]
    assert declaratie.clients == {PS(CLIENT.bsn)}
    lines = berichten.prestaties_van(jw323["Declaratie"])
    assert set(declaratie.prestaties) == {p["ProductReferentie"]["ReferentieNummer"] for _, p in lines}
    assert [(p.volume, p.tarief) for (p,) in declaratie.prestaties.values()] == [
        (p["GeleverdVolume"], p["ProductTarief"]) for _, p in lines
    ]
    xsd = jw323["Header"]["XsdVersie"]  # kept with the declaratie since migration 0007 (TR371)
    assert declaratie.xsd_versie == (xsd["BasisschemaXsdVersie"], xsd["BerichtXsdVersie"])


@pytest.mark.parametrize(
    "header",
    [
        {"DeclaratieIdentificatie/Identificatie": "JW323X"},  # no such JW323
        {"DeclaratieIdentificatie/Dagtekening": date(2026, 11, 1)},  # the Identificatie of another day
        {"Afzender": "0363"},  # a JW323 to another gemeente
        {"Ontvanger": "87654321"},  # from another aanbieder
    ],
)
def test_a_jw325_knows_no_jw323_that_its_header_does_not_name(
    session: Session, header: dict[str, Any]
) -> None:
    jw323 = spec("JW323")
    accept(session, "JW323", jw323)
    assert snapshot(session, "JW325", _jw325_op(jw323, **header)).beantwoorde_declaratie is None


def test_a_jw325_finds_its_jw323_and_the_lines_by_indexes(store_0006: Engine) -> None:
    """The JW323's audit row by ix_bericht_identificatie, then its declaratie and lines by their foreign keys."""
    with session_factory(store_0006)() as session:
        jw323 = spec("JW323")
        accept(session, "JW323", jw323)
        accept(session, "JW323", edit(spec("JW323", "JW323B"), "Declaratie/DeclaratieNummer", "D2"))
        jw325 = model("JW325", _jw325_op(jw323))
        steps = plans(store_0006, lambda: load_snapshot(session, jw325, PS, DAG, bekend=False))
    assert steps == {
        "bericht": [
            "SEARCH bericht USING INDEX ix_bericht_identificatie (afzender=? AND bericht=? AND identificatie=?)",
            "SEARCH declaratie USING INDEX ix_declaratie_bericht_id (bericht_id=?)",
            "SEARCH prestatie USING INDEX ix_prestatie_declaratie_id (declaratie_id=?)",
        ]
    }
