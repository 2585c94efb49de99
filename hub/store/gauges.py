"""The gauges' SQL: open requests and care in progress as of a day, as GROUP BY queries over the state.

As of `vandaag` (today or --as-of): a JW315 exists from its Dagtekening, a toewijzing version from its
Toewijzingsdatum (the version in force is the latest one dated up to vandaag, IV013), a start from its
Begindatum, and an answer (toewijzing or rejection) from its own date. Deleted start and stop lines
(StatusAanlevering 3) count as never sent. Rows come back grouped by gemeente, aanbieder and Categorie.
The requested products still without the answer antwoord_verzoek_5_werkdagen counts take that norm's answer
(hub.store.facts.eerste_antwoord) and its date instead.

The earliest known moment of a chain is pluggable: HERKOMST holds, per stage, functions returning a subquery
with the key columns and `begin` (the GI pipeline adds its datum bepaling), tried before the built-in dates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Subquery, and_, case, exists, false, func, or_, select
from sqlmodel import Session

from hub.monitor.model import WachtRij
from hub.store import facts
from hub.store.tables import (
    IN_FORCE,
    AntwoordRecord,
    StartRecord,
    StopRecord,
    ToewijzingRecord,
    VerzoekRecord,
    table_of,
)

VOT = "VOT"
VERWIJDERD = "13"  # RedenWijziging: deleted, counts as never sent
AFGEWEZEN = "1"  # VerzoekAntwoord: afgewezen (2, in onderzoek, keeps the request open)

T = table_of(ToewijzingRecord)
S = table_of(StartRecord)
P = table_of(StopRecord)
V = table_of(VerzoekRecord)
A = table_of(AntwoordRecord)

# Stage -> functions returning a subquery of (key columns, begin): "toewijzing" keys on (gemeente,
# toewijzing_nummer), "verzoek" on (aanbieder, referentie_aanbieder); one row per key (PostgreSQL reads it as a
# scalar subquery, which refuses a second row).
HERKOMST: dict[str, list[Callable[[], Subquery]]] = {"toewijzing": [], "verzoek": []}


def actuele_versies(vandaag: date) -> Subquery:
    """Per toewijzing the version in force as of vandaag (the latest dated up to vandaag, IV013), with the id
    of its first accepted version (`eerste_id`, whatever its date).

    One sort of the table gives both: a join of two per-toewijzing subqueries made both databases compare every
    toewijzing with every other (SQLite indexed the ranked rows on the rank alone; PostgreSQL, expecting one
    row, rescanned an aggregate per row).
    """
    # Versions dated after vandaag rank last: rank 1 is then the one in force, if any version is dated by vandaag.
    # The whole partition is the frame of both functions, so one window (one sort) serves them.
    window: dict[str, Any] = {
        "partition_by": (T.c.gemeente, T.c.toewijzing_nummer),
        "order_by": (
            case((T.c.toewijzingsdatum <= vandaag, 0), else_=1),
            T.c.toewijzingsdatum.desc(),
            T.c.toewijzingstijd.desc(),
            T.c.id.desc(),
        ),
        "rows": (None, None),
    }
    ranked = select(
        T.c.gemeente, T.c.toewijzing_nummer, T.c.ingangsdatum, T.c.einddatum, T.c.reden_wijziging,
        T.c.toewijzingsdatum, func.min(T.c.id).over(**window).label("eerste_id"),
        func.row_number().over(**window).label("rang"),
    ).subquery("versies")  # fmt: skip
    return select(ranked).where(ranked.c.rang == 1, ranked.c.toewijzingsdatum <= vandaag).subquery("actueel")


def _eerste_id(gemeente: ColumnElement[Any], nummer: ColumnElement[Any]) -> ColumnElement[Any]:
    """The id of a toewijzing's first accepted version, looked up in ix_toewijzing_nummer."""
    return (
        select(func.min(T.c.id))
        .where(T.c.gemeente == gemeente, T.c.toewijzing_nummer == nummer)
        .scalar_subquery()
    )


def _vot_begin(gemeente: ColumnElement[Any], nummer: ColumnElement[Any], vandaag: date) -> ColumnElement[Any]:
    """The Dagtekening of the earliest JW315 whose ReferentieAanbieder one of the toewijzing's versions carried,
    both known by vandaag (a later JW315 or version does not move the start of a wait as of an earlier day).

    Looked up per row through ix_toewijzing_nummer and ux_verzoek_referentie: only waiting toewijzingen need it.
    """
    t = T.alias("met_referentie")
    return (
        select(func.min(V.c.dagtekening))
        .select_from(t)
        .join(
            V,
            and_(
                V.c.aanbieder == t.c.aanbieder,
                V.c.gemeente == t.c.gemeente,
                V.c.referentie_aanbieder == t.c.referentie_aanbieder,
                V.c.soort == VOT,
            ),
        )
        .where(
            t.c.gemeente == gemeente,
            t.c.toewijzing_nummer == nummer,
            t.c.toewijzingsdatum <= vandaag,
            V.c.dagtekening <= vandaag,
        )
        .scalar_subquery()
    )


def _met_herkomst(
    session: Session, joined: Any, herkomsten: list[Subquery], **key: ColumnElement[Any]
) -> tuple[Any, list[ColumnElement[Any]]]:
    """`joined` and, per herkomst, its `begin` for the row's key (NULL when it has none), found per row.

    Each database gets the shape it can look up without walking the subquery per row: SQLite cannot push a
    correlated key into a GROUP BY, but computes an outer-joined subquery once and searches it through an automatic
    index; PostgreSQL pushes the key of a correlated subquery into its GROUP BY and searches the table's index,
    where an outer join made it, misjudging how many versions rank first, rescan the whole subquery per row.
    """
    begins: list[ColumnElement[Any]] = []
    for h in herkomsten:
        match = [h.c[name] == value for name, value in key.items()]
        if session.get_bind().dialect.name == "sqlite":
            joined = joined.outerjoin(h, and_(*match))
            begins.append(h.c.begin)
        else:
            begins.append(select(h.c.begin).where(*match).scalar_subquery())
    return joined, begins


def _eerste_bekend(*dates: ColumnElement[Any]) -> ColumnElement[Any]:
    """The first non-null of the dates, in order of preference (SQLite refuses COALESCE of one argument)."""
    return dates[0] if len(dates) == 1 else func.coalesce(*dates)


def _telling(
    herkomst: ColumnElement[Any], grens: date | None
) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    return func.count(), func.sum(case((tot_en_met(herkomst, grens), 1), else_=0))


def tot_en_met(kolom: ColumnElement[Any], grens: date | None) -> ColumnElement[bool]:
    """`kolom <= grens`; no row at all when there is no such date (None)."""
    return false() if grens is None else kolom <= grens


def wachtende_toewijzingen(session: Session, vandaag: date, grens: date | None) -> list[WachtRij]:
    """Toegewezen products waiting for care: in force as of vandaag, not deleted, not ended, not started.

    "Without a current start" is read as "care has not started": no start in force with a Begindatum up to
    vandaag. A product whose care started and was stopped has passed the waiting stage (each request is
    counted at its latest stage) and is neither waiting nor in zorg; a deleted start counts as never sent.
    """
    a = actuele_versies(vandaag)
    e = T.alias("eerste")
    joined, begins = _met_herkomst(
        session, a.join(e, e.c.id == a.c.eerste_id), [plugin() for plugin in HERKOMST["toewijzing"]],
        gemeente=a.c.gemeente, toewijzing_nummer=a.c.toewijzing_nummer,
    )  # fmt: skip
    herkomst = func.coalesce(
        *begins, _vot_begin(a.c.gemeente, a.c.toewijzing_nummer, vandaag), e.c.toewijzingsdatum
    )
    gestart = exists().where(
        S.c.gemeente == a.c.gemeente,
        S.c.toewijzing_nummer == a.c.toewijzing_nummer,
        S.c.status == IN_FORCE,
        S.c.begindatum <= vandaag,
    )
    stmt = (
        select(e.c.gemeente, e.c.aanbieder, e.c.categorie, *_telling(herkomst, grens))
        .select_from(joined)
        .where(
            or_(a.c.reden_wijziging.is_(None), a.c.reden_wijziging != VERWIJDERD),
            or_(a.c.einddatum.is_(None), a.c.einddatum >= vandaag),
            a.c.ingangsdatum <= vandaag,
            ~gestart,
        )
        .group_by(e.c.gemeente, e.c.aanbieder, e.c.categorie)
    )
    return [_rij("toewijzing", row) for row in session.execute(stmt)]


def verzoek_open(vandaag: date) -> ColumnElement[bool]:
    """The requested product V has neither a toewijzing carrying its ReferentieAanbieder nor a rejection (JW319 1)
    dated by vandaag; for this module and hub.store.gi_monitor."""
    toegewezen = exists().where(
        T.c.aanbieder == V.c.aanbieder,
        T.c.gemeente == V.c.gemeente,
        T.c.referentie_aanbieder == V.c.referentie_aanbieder,
        T.c.toewijzingsdatum <= vandaag,
    )
    afgewezen = exists().where(
        A.c.aanbieder == V.c.aanbieder,
        A.c.gemeente == V.c.gemeente,
        A.c.referentie_aanbieder == V.c.referentie_aanbieder,
        A.c.verzoek_antwoord == AFGEWEZEN,
        A.c.dagtekening <= vandaag,
    )
    return and_(~toegewezen, ~afgewezen)


def wachtende_verzoeken(session: Session, vandaag: date, grens: date | None) -> list[WachtRij]:
    """JW315 requested products sent by vandaag with neither a toewijzing nor a rejection (JW319 1) by then."""
    joined, begins = _met_herkomst(
        session, V, [plugin() for plugin in HERKOMST["verzoek"]],
        aanbieder=V.c.aanbieder, referentie_aanbieder=V.c.referentie_aanbieder,
    )  # fmt: skip
    herkomst = _eerste_bekend(*begins, V.c.dagtekening)
    stmt = (
        select(V.c.gemeente, V.c.aanbieder, V.c.categorie, *_telling(herkomst, grens))
        .select_from(joined)
        .where(V.c.soort == VOT, V.c.dagtekening <= vandaag, verzoek_open(vandaag))
        .group_by(V.c.gemeente, V.c.aanbieder, V.c.categorie)
    )
    return [_rij("verzoek", row) for row in session.execute(stmt)]


@dataclass(frozen=True, slots=True)
class OnbeantwoordRij:
    """Requested products of one gemeente and Categorie without their answer as of a day: `aantal` of them,
    `boven_termijn` of them sent on or before the cut-off of the answer term."""

    gemeente: str
    productcategorie: str | None
    aantal: int
    boven_termijn: int


def _met_referentie(tabel: FromClause, *voorwaarden: ColumnElement[bool]) -> ColumnElement[bool]:
    """A row of `tabel` (toewijzing or antwoord) about the requested product V, found in its
    (aanbieder, referentie_aanbieder) index; the gemeente as facts.toegewezen and facts.eerste_antwoord match it."""
    return exists().where(
        tabel.c.aanbieder == V.c.aanbieder,
        tabel.c.referentie_aanbieder == V.c.referentie_aanbieder,
        tabel.c.gemeente == V.c.gemeente,
        *voorwaarden,
    )


def onbeantwoorde_verzoeken(session: Session, vandaag: date, grens: date | None) -> list[OnbeantwoordRij]:
    """JW315 requested products sent by vandaag whose answer, as antwoord_verzoek_5_werkdagen counts it, has not
    come by vandaag; per gemeente and Categorie, with how many were sent on or before `grens` (None: none).

    The answer is facts.eerste_antwoord's: the first accepted of a toewijzing carrying the ReferentieAanbieder
    (dated by its first version's Toewijzingsdatum) and a JW319 of any VerzoekAntwoord (by its Dagtekening). So
    a product unanswered as of a day D whose answer then comes dated D is counted `buiten` exactly when it was
    sent on or before grens = norms.termijn_grens(ANTWOORD_VERZOEK, D). A product without any answer row is unanswered (one grouped query); one
    with an answer row dated after vandaag (only with --as-of in the past: an answer's date is not after its
    Dagtekening, TR134, nor that after the day it came, TR135) is judged by eerste_antwoord itself.
    A JW317 (VOW) is no JW315 and never counts, as for the norm (docs/definities.md 6.10).
    """
    boven = tot_en_met(V.c.dagtekening, grens)
    zonder_antwoord = (
        select(V.c.gemeente, V.c.categorie, func.count(), func.sum(case((boven, 1), else_=0)))
        .where(V.c.soort == VOT, V.c.dagtekening <= vandaag, ~_met_referentie(T), ~_met_referentie(A))
        # Categorie first: grouped by gemeente first, SQLite walks ix_verzoek_client for its order and looks every
        # row up in the table again, where a plain walk and a sort of the few groups does.
        .group_by(V.c.categorie, V.c.gemeente)
    )
    telling: dict[tuple[str, str | None], list[int]] = {}
    for gemeente, categorie, aantal, n_boven in session.execute(zonder_antwoord):
        telling[(gemeente, categorie)] = [int(aantal), int(n_boven or 0)]
    for gemeente, categorie, dagtekening in _later_beantwoord(session, vandaag):
        rij = telling.setdefault((gemeente, categorie), [0, 0])
        rij[0] += 1
        rij[1] += grens is not None and dagtekening <= grens
    return [OnbeantwoordRij(g, c, aantal, n_boven) for (g, c), (aantal, n_boven) in telling.items()]


def _later_beantwoord(session: Session, vandaag: date) -> list[tuple[str, str | None, date]]:
    """(gemeente, Categorie, Dagtekening) of the requested products sent by vandaag whose counted answer is dated
    after vandaag: found among those with an answer row dated after it (any version of a toewijzing carrying
    the reference, any JW319), then decided by facts.eerste_antwoord, the norm's own reading."""
    t, versie = T.alias("met_referentie"), T.alias("versie")
    later_versie = exists().where(
        versie.c.gemeente == t.c.gemeente,
        versie.c.toewijzing_nummer == t.c.toewijzing_nummer,
        versie.c.toewijzingsdatum > vandaag,
    )
    stmt = select(
        V.c.gemeente, V.c.aanbieder, V.c.referentie_aanbieder, V.c.categorie, V.c.dagtekening
    ).where(
        V.c.soort == VOT,
        V.c.dagtekening <= vandaag,
        or_(_met_referentie(t, later_versie), _met_referentie(A, A.c.dagtekening > vandaag)),
    )
    found = []
    for gemeente, aanbieder, referentie, categorie, dagtekening in session.execute(stmt).all():
        toewijzing = facts.toegewezen(session, gemeente, aanbieder, referentie)
        antwoord = facts.eerste_antwoord(session, gemeente, aanbieder, referentie, toewijzing)
        if antwoord is None or antwoord > vandaag:
            found.append((gemeente, categorie, dagtekening))
    return found


def in_zorg(session: Session, vandaag: date) -> list[tuple[str, str, str | None, int]]:
    """Per (gemeente, aanbieder, Categorie) the toewijzingen with a current start as of vandaag.

    A start is current from its Begindatum until a stop of it ends before vandaag: a stop ending today is
    still in zorg.
    """
    gestopt = exists().where(
        P.c.gemeente == S.c.gemeente,
        P.c.aanbieder == S.c.aanbieder,
        P.c.client == S.c.client,
        P.c.toewijzing_nummer == S.c.toewijzing_nummer,
        P.c.categorie.is_not_distinct_from(S.c.categorie),
        P.c.code.is_not_distinct_from(S.c.code),
        P.c.begindatum == S.c.begindatum,
        P.c.status == IN_FORCE,
        P.c.einddatum < vandaag,
    )
    # The toewijzingen as the ids of their first versions: distinct ids are distinct toewijzingen, and each id
    # finds its version by primary key (a start of an unknown toewijzing has none and joins nothing).
    lopend = (
        select(_eerste_id(S.c.gemeente, S.c.toewijzing_nummer).label("eerste_id"))
        .distinct()
        .where(
            S.c.status == IN_FORCE, S.c.toewijzing_nummer.is_not(None), S.c.begindatum <= vandaag, ~gestopt
        )
        .subquery("lopend")
    )
    e = T.alias("eerste")
    stmt = (
        select(e.c.gemeente, e.c.aanbieder, e.c.categorie, func.count())
        .select_from(lopend.join(e, e.c.id == lopend.c.eerste_id))
        .group_by(e.c.gemeente, e.c.aanbieder, e.c.categorie)
    )
    return [
        (gemeente, aanbieder, categorie, int(n))
        for gemeente, aanbieder, categorie, n in session.execute(stmt)
    ]


def _rij(fase: str, row: Any) -> WachtRij:
    gemeente, aanbieder, categorie, aantal, boven = row
    return WachtRij(fase, gemeente, aanbieder, categorie, int(aantal), int(boven or 0))
