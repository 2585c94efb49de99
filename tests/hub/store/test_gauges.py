"""The gauges' SQL: the same counts as the SQL it replaced on a mixed store, and SQLite plans that stay linear."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import ColumnElement, Engine, Subquery, and_, case, exists, func, insert, or_, select
from sqlmodel import Session

from hub.monitor.model import WachtRij
from hub.monitor.norms import boven_norm_grens
from hub.store import gauges, gi_monitor
from hub.store.db import session_factory
from hub.store.tables import DELETED, IN_FORCE, BerichtRecord

T, S, P, V, A = gauges.T, gauges.S, gauges.P, gauges.V, gauges.A
B, K = gi_monitor.B, gi_monitor.K
BERICHT = "0" * 32
DAGEN = [date(2026, 1, 1) + timedelta(days=n) for n in range(0, 330, 14)]
GEMEENTEN, AANBIEDERS = ("0200", "0301"), ("12345678", "87654321")


@pytest.fixture
def gi_herkomst(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chain origins a running hub has: the GI pipeline's datum bepaling, before the built-in dates."""
    monkeypatch.setitem(gauges.HERKOMST, "toewijzing", [gi_monitor.herkomst_toewijzing])
    monkeypatch.setitem(gauges.HERKOMST, "verzoek", [gi_monitor.herkomst_verzoek])


# ---- the SQL before it was made linear (issue: a scrape spent seconds in wachtende_toewijzingen) ---------


def _eerste_versies() -> Subquery:
    first = (
        select(T.c.gemeente, T.c.toewijzing_nummer, func.min(T.c.id).label("id"))
        .group_by(T.c.gemeente, T.c.toewijzing_nummer)
        .subquery("eerste_id")
    )
    t = T.alias("eerste_rij")
    return (
        select(t.c.gemeente, t.c.toewijzing_nummer, t.c.aanbieder, t.c.categorie, t.c.toewijzingsdatum)
        .join(first, t.c.id == first.c.id)
        .subquery("eerste")
    )


def _actuele_versies(vandaag: date) -> Subquery:
    rang = func.row_number().over(
        partition_by=(T.c.gemeente, T.c.toewijzing_nummer),
        order_by=(T.c.toewijzingsdatum.desc(), T.c.toewijzingstijd.desc(), T.c.id.desc()),
    )
    ranked = (
        select(
            T.c.gemeente, T.c.toewijzing_nummer, T.c.ingangsdatum, T.c.einddatum, T.c.reden_wijziging,
            rang.label("rang"),
        )
        .where(T.c.toewijzingsdatum <= vandaag)
        .subquery("versies")
    )  # fmt: skip
    return select(ranked).where(ranked.c.rang == 1).subquery("actueel")


def _vot_herkomst(vandaag: date) -> Subquery:
    t = T.alias("met_referentie")
    return (
        select(t.c.gemeente, t.c.toewijzing_nummer, func.min(V.c.dagtekening).label("begin"))
        .join(
            V,
            and_(
                V.c.aanbieder == t.c.aanbieder, V.c.gemeente == t.c.gemeente,
                V.c.referentie_aanbieder == t.c.referentie_aanbieder, V.c.soort == gauges.VOT,
            ),
        )
        .where(t.c.toewijzingsdatum <= vandaag, V.c.dagtekening <= vandaag)
        .group_by(t.c.gemeente, t.c.toewijzing_nummer)
        .subquery("vot_herkomst")
    )  # fmt: skip


def oude_wachtende_toewijzingen(session: Session, vandaag: date, grens: date) -> list[WachtRij]:
    a, e, vot = _actuele_versies(vandaag), _eerste_versies(), _vot_herkomst(vandaag)
    joined = a.join(e, and_(e.c.gemeente == a.c.gemeente, e.c.toewijzing_nummer == a.c.toewijzing_nummer))
    begins: list[ColumnElement[Any]] = []
    for plugin in gauges.HERKOMST["toewijzing"]:
        h = plugin()
        joined = joined.outerjoin(
            h, and_(h.c.gemeente == a.c.gemeente, h.c.toewijzing_nummer == a.c.toewijzing_nummer)
        )
        begins.append(h.c.begin)
    joined = joined.outerjoin(
        vot, and_(vot.c.gemeente == a.c.gemeente, vot.c.toewijzing_nummer == a.c.toewijzing_nummer)
    )
    herkomst = func.coalesce(*begins, vot.c.begin, e.c.toewijzingsdatum)
    gestart = exists().where(
        S.c.gemeente == a.c.gemeente, S.c.toewijzing_nummer == a.c.toewijzing_nummer, S.c.status == IN_FORCE,
        S.c.begindatum <= vandaag,
    )  # fmt: skip
    stmt = (
        select(
            e.c.gemeente,
            e.c.aanbieder,
            e.c.categorie,
            func.count(),
            func.sum(case((herkomst <= grens, 1), else_=0)),
        )
        .select_from(joined)
        .where(
            or_(a.c.reden_wijziging.is_(None), a.c.reden_wijziging != gauges.VERWIJDERD),
            or_(a.c.einddatum.is_(None), a.c.einddatum >= vandaag),
            a.c.ingangsdatum <= vandaag,
            ~gestart,
        )
        .group_by(e.c.gemeente, e.c.aanbieder, e.c.categorie)
    )
    return [gauges._rij("toewijzing", row) for row in session.execute(stmt)]


def oude_wachtende_verzoeken(session: Session, vandaag: date, grens: date) -> list[WachtRij]:
    toegewezen = exists().where(
        T.c.aanbieder == V.c.aanbieder, T.c.gemeente == V.c.gemeente,
        T.c.referentie_aanbieder == V.c.referentie_aanbieder, T.c.toewijzingsdatum <= vandaag,
    )  # fmt: skip
    afgewezen = exists().where(
        A.c.aanbieder == V.c.aanbieder, A.c.gemeente == V.c.gemeente,
        A.c.referentie_aanbieder == V.c.referentie_aanbieder, A.c.verzoek_antwoord == gauges.AFGEWEZEN,
        A.c.dagtekening <= vandaag,
    )  # fmt: skip
    joined: Any = V
    begins: list[ColumnElement[Any]] = []
    for plugin in gauges.HERKOMST["verzoek"]:
        h = plugin()
        joined = joined.outerjoin(
            h, and_(h.c.aanbieder == V.c.aanbieder, h.c.referentie_aanbieder == V.c.referentie_aanbieder)
        )
        begins.append(h.c.begin)
    herkomst = gauges._eerste_bekend(*begins, V.c.dagtekening)
    stmt = (
        select(
            V.c.gemeente,
            V.c.aanbieder,
            V.c.categorie,
            func.count(),
            func.sum(case((herkomst <= grens, 1), else_=0)),
        )
        .select_from(joined)
        .where(V.c.soort == gauges.VOT, V.c.dagtekening <= vandaag, ~toegewezen, ~afgewezen)
        .group_by(V.c.gemeente, V.c.aanbieder, V.c.categorie)
    )
    return [gauges._rij("verzoek", row) for row in session.execute(stmt)]


def oude_in_zorg(session: Session, vandaag: date) -> list[tuple[str, str, str | None, int]]:
    gestopt = exists().where(
        P.c.gemeente == S.c.gemeente, P.c.aanbieder == S.c.aanbieder, P.c.client == S.c.client,
        P.c.toewijzing_nummer == S.c.toewijzing_nummer, P.c.categorie.is_not_distinct_from(S.c.categorie),
        P.c.code.is_not_distinct_from(S.c.code), P.c.begindatum == S.c.begindatum, P.c.status == IN_FORCE,
        P.c.einddatum < vandaag,
    )  # fmt: skip
    lopend = (
        select(S.c.gemeente, S.c.toewijzing_nummer)
        .distinct()
        .where(
            S.c.status == IN_FORCE, S.c.toewijzing_nummer.is_not(None), S.c.begindatum <= vandaag, ~gestopt
        )
        .subquery("lopend")
    )
    e = _eerste_versies()
    stmt = (
        select(e.c.gemeente, e.c.aanbieder, e.c.categorie, func.count())
        .select_from(
            lopend.join(
                e,
                and_(e.c.gemeente == lopend.c.gemeente, e.c.toewijzing_nummer == lopend.c.toewijzing_nummer),
            )
        )
        .group_by(e.c.gemeente, e.c.aanbieder, e.c.categorie)
    )
    return [(g, a, c, int(n)) for g, a, c, n in session.execute(stmt)]


# ---- a mixed store: every case the queries tell apart, drawn at random ----------------------------------


def _dag(rnd: random.Random) -> date:
    return date(2026, 1, 1) + timedelta(days=rnd.randrange(330))


def _fill(engine: Engine, seed: int, toewijzingen: int = 240) -> None:
    """Versions out of date order and dated after any day asked, deleted and ended ones, starts deleted or
    ahead, stops before and after, requests assigned in another gemeente, answers of each kind, and bepalingen
    (some withdrawn) linked to toewijzingen and requests."""
    rnd = random.Random(seed)
    rows: dict[Any, list[dict[str, Any]]] = {T: [], S: [], P: [], V: [], A: [], B: [], K: []}
    common = {"client": "c" * 64, "bericht_id": BERICHT}
    for ref in range(toewijzingen):
        rows[V].append({
            **common, "aanbieder": rnd.choice(AANBIEDERS), "gemeente": rnd.choice(GEMEENTEN), "referentie_aanbieder":
            f"R{ref}", "soort": rnd.choice(("VOT", "VOT", "VOW")), "dagtekening": _dag(rnd),
            "categorie": rnd.choice(("43", "45", None)),
        })  # fmt: skip
        for _ in range(rnd.choice((0, 0, 1, 2))):
            rows[A].append({
                "aanbieder": rows[V][-1]["aanbieder"], "gemeente": rnd.choice((rows[V][-1]["gemeente"], "0301")),
                "referentie_aanbieder": f"R{ref}", "verzoek_antwoord": rnd.choice("123"), "dagtekening": _dag(rnd),
                "bericht_id": BERICHT,
            })  # fmt: skip
    for _toewijzing in range(toewijzingen):
        gemeente, aanbieder, nummer = (
            rnd.choice(GEMEENTEN),
            rnd.choice(AANBIEDERS),
            rnd.randrange(toewijzingen // 2),
        )
        for _ in range(rnd.choice((1, 1, 2, 3))):  # a number drawn twice gets more versions
            ingang = _dag(rnd)
            rows[T].append({
                **common, "gemeente": gemeente, "aanbieder": rnd.choice((aanbieder, aanbieder, "11112222")),
                "toewijzing_nummer": nummer, "categorie": rnd.choice(("45", "45", "43", None)), "ingangsdatum": ingang,
                "einddatum": rnd.choice((None, ingang + timedelta(days=rnd.randrange(200)))),
                "reden_wijziging": rnd.choice((None, None, "01", "13")),
                "referentie_aanbieder": rnd.choice((None, f"R{rnd.randrange(toewijzingen)}")),
                "toewijzingsdatum": _dag(rnd), "toewijzingstijd": time(rnd.choice((9, 10, 10))),
            })  # fmt: skip
        for _ in range(rnd.choice((0, 0, 1, 2))):
            start: dict[str, Any] = {
                **common, "gemeente": rnd.choice((gemeente, gemeente, "0301")), "aanbieder": aanbieder,
                "toewijzing_nummer": rnd.choice((nummer, nummer, None)), "categorie": rnd.choice(("45", None)),
                "code": None, "begindatum": _dag(rnd), "status": rnd.choice((IN_FORCE, IN_FORCE, DELETED)),
            }  # fmt: skip
            rows[S].append(start)
            if rnd.random() < 0.6:
                rows[P].append({
                    **start, "einddatum": start["begindatum"] + timedelta(days=rnd.randrange(120)),
                    "reden_beeindiging": "02", "status": rnd.choice((IN_FORCE, IN_FORCE, DELETED)),
                    "categorie": rnd.choice((start["categorie"], start["categorie"], "43")),
                })  # fmt: skip
        if rnd.random() < 0.3:
            bepaling = len(rows[B]) + 1
            rows[B].append({
                **common, "id": bepaling, "gi": "09990001", "bepaling_id": f"B{bepaling}", "gemeente": gemeente,
                "maatregel_id": f"M{bepaling}", "maatregel_type": "01", "categorie": "45", "datum_bepaling": _dag(rnd),
                "gewenste_ingangsdatum": _dag(rnd), "urgentie": "1", "dagtekening": _dag(rnd),
                "ingetrokken": rnd.random() < 0.2,
            })  # fmt: skip
            verzoek = f"R{rnd.randrange(toewijzingen)}"
            rows[K].append({
                "bepaling_ref": bepaling, "gemeente": gemeente,
                "verzoek_aanbieder": rnd.choice((aanbieder, None)), "verzoek_referentie": verzoek,
                "toewijzing_nummer": rnd.choice((nummer, nummer, None)), "gewijzigd_op": datetime(2026, 1, 1, tzinfo=UTC),
            })  # fmt: skip
    with engine.begin() as conn:
        now = datetime(2026, 1, 1, tzinfo=UTC)
        conn.execute(
            insert(BerichtRecord),
            [{"id": BERICHT, "content_hash": "0" * 64, "outcome": "accepted", "received_at": now}],
        )
        for table, values in rows.items():
            conn.execute(table.insert(), values)


def _zelfde(nieuw: list[Any], oud: list[Any]) -> Counter[Any]:
    assert Counter(nieuw) == Counter(oud)
    return Counter(nieuw)


@pytest.mark.parametrize(
    "plugins", [pytest.param(True, id="gi-herkomst"), pytest.param(False, id="ijw-only")]
)
def test_the_counts_equal_those_of_the_sql_it_replaced(
    db: Engine, monkeypatch: pytest.MonkeyPatch, plugins: bool
) -> None:
    """Every gauge query, as of a day each week of the year, on two random mixed stores."""
    monkeypatch.setitem(gauges.HERKOMST, "toewijzing", [gi_monitor.herkomst_toewijzing] if plugins else [])
    monkeypatch.setitem(gauges.HERKOMST, "verzoek", [gi_monitor.herkomst_verzoek] if plugins else [])
    seen: Counter[str] = Counter()
    for seed in (1, 2):
        _leeg(db)
        _fill(db, seed)
        with session_factory(db)() as session:
            for vandaag in DAGEN:
                grens = boven_norm_grens(vandaag)
                assert grens is not None
                for naam, nieuw, oud in (
                    ("toewijzing", gauges.wachtende_toewijzingen, oude_wachtende_toewijzingen),
                    ("verzoek", gauges.wachtende_verzoeken, oude_wachtende_verzoeken),
                ):
                    rijen = _zelfde(nieuw(session, vandaag, grens), oud(session, vandaag, grens))
                    seen[naam] += sum(r.aantal for r in rijen)
                    seen[f"{naam} boven norm"] += sum(r.boven_norm for r in rijen)
                zorg = _zelfde(gauges.in_zorg(session, vandaag), oude_in_zorg(session, vandaag))
                seen["in zorg"] += sum(n for *_, n in zorg)
    # The store exercised each count, so equal results say something.
    assert min(seen.values()) > 50, seen


def _leeg(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in (K, B, A, V, P, S, T, gi_monitor.BERICHT):
            conn.execute(table.delete())


# ---- SQLite's plans -------------------------------------------------------------------------------------

# Index searches that find one toewijzing, verzoek or client, or one row: a search on anything broader (the
# old plan searched the ranked versions on their rank alone) costs a walk through a share of the store.
_EEN_SLEUTEL = re.compile(r"\((?:[^)]*\b(?:rowid|toewijzing_nummer|referentie_aanbieder|client)=\?)")
_GAUGES: dict[str, Callable[[Session], Any]] = {
    "wachtende_toewijzingen": lambda s: gauges.wachtende_toewijzingen(s, DAGEN[-1], DAGEN[0]),
    "wachtende_verzoeken": lambda s: gauges.wachtende_verzoeken(s, DAGEN[-1], DAGEN[0]),
    "in_zorg": lambda s: gauges.in_zorg(s, DAGEN[-1]),
}


class _Opname:
    """A session stand-in that keeps the statement a gauge query would run."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[Any] = []

    def get_bind(self) -> Engine:
        return self.engine

    def execute(self, stmt: Any) -> Iterator[Any]:
        self.statements.append(stmt)
        return iter(())


def plan(engine: Engine, query: Callable[[Session], Any]) -> list[tuple[int, int, str]]:
    """The EXPLAIN QUERY PLAN of the one statement a gauge query runs: (id, parent, detail) per step."""
    opname = _Opname(engine)
    query(opname)  # type: ignore[arg-type]  # _Opname stands in for a Session
    (stmt,) = opname.statements
    compiled = stmt.compile(engine)
    with engine.connect() as conn:
        explain = f"EXPLAIN QUERY PLAN {compiled}"
        params = [compiled.params[name] for name in compiled.positiontup]
        return [(row[0], row[1], row[3]) for row in conn.exec_driver_sql(explain, tuple(params))]


def lussen(steps: list[tuple[int, int, str]]) -> Iterator[tuple[str, list[str]]]:
    """The loops of each SELECT in the plan, outer first, with what contains that SELECT."""
    detail = {step_id: text for step_id, _, text in steps}
    per_parent: dict[int, list[str]] = {}
    for _, parent, text in steps:
        if text.startswith(("SCAN", "SEARCH")):
            per_parent.setdefault(parent, []).append(text)
    for parent, loops in per_parent.items():
        yield detail.get(parent, ""), loops


@pytest.mark.usefixtures("gi_herkomst")
@pytest.mark.parametrize("name", list(_GAUGES))
def test_sqlite_plans_visit_each_row_a_bounded_number_of_times(db: Engine, name: str) -> None:
    """Each SELECT walks one table or subquery and reaches everything else by an index search on one key."""
    if db.dialect.name != "sqlite":
        pytest.skip("query plans are SQLite's; PostgreSQL plans by its statistics")
    steps = plan(db, _GAUGES[name])
    for container, (outer, *inner) in lussen(steps):
        where = f"{container or 'top level'}: {[s for _, _, s in steps]}"
        # A correlated subquery runs per row: a walk there is a walk per row.
        assert not container.startswith("CORRELATED") or outer.startswith("SEARCH"), where
        for step in [outer, *inner] if outer.startswith("SEARCH") else inner:
            assert step.startswith("SEARCH") and _EEN_SLEUTEL.search(step), where
