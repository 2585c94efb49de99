"""Write the monitor's observations idempotently, and read them back as the aggregates the metrics need.

Every insert is INSERT ... ON CONFLICT DO NOTHING on the observation's unique key: a redelivered event, a
replayed archive or a second replica computing the same observation adds nothing, and never fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, Table, case, func
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from hub.monitor.model import Beeindiging, Doorlooptijd, NormUitkomst, Observatie
from hub.store.monitor_tables import BeeindigdRecord, DoorlooptijdRecord, NormRecord, VerwerktEventRecord
from hub.store.tables import BerichtRecord


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _insert_ignore(session: Session, model: type[Any], keys: Sequence[str], rows: list[dict[str, Any]]) -> None:
    """Insert the rows, skipping those whose unique key (`keys`) is already stored."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    stmt: Insert
    if dialect == "postgresql":
        stmt = postgresql.insert(_table(model)).on_conflict_do_nothing(index_elements=list(keys))
    elif dialect == "sqlite":
        stmt = sqlite.insert(_table(model)).on_conflict_do_nothing(index_elements=list(keys))
    else:  # pragma: no cover - the hub supports SQLite and PostgreSQL only
        raise NotImplementedError(f"no idempotent insert for {dialect}")
    session.execute(stmt, rows)


def record(session: Session, observaties: Iterable[Observatie], bericht_id: str | None, now: datetime) -> None:
    """Store the observations that are not stored yet; the caller commits."""
    doorlooptijden: list[dict[str, Any]] = []
    normen: list[dict[str, Any]] = []
    beeindigd: list[dict[str, Any]] = []
    common = {"bericht_id": bericht_id, "observed_at": now}
    for o in observaties:
        match o:
            case Doorlooptijd():
                doorlooptijden.append(
                    {"fase": o.fase, "sleutel": o.sleutel, "regio": o.regio,
                     "productcategorie": o.productcategorie, "seconden": o.seconden, **common}
                )
            case NormUitkomst():
                normen.append(
                    {"norm": o.norm, "sleutel": o.sleutel, "uitkomst": o.uitkomst, "regio": o.regio, **common}
                )
            case Beeindiging():
                beeindigd.append(
                    {"sleutel": o.sleutel, "reden": o.reden, "regio": o.regio,
                     "productcategorie": o.productcategorie, **common}
                )
    _insert_ignore(session, DoorlooptijdRecord, ("fase", "sleutel"), doorlooptijden)
    _insert_ignore(session, NormRecord, ("norm", "sleutel"), normen)
    _insert_ignore(session, BeeindigdRecord, ("sleutel",), beeindigd)


_IN_CHUNK = 500  # bound parameters per IN list: far below SQLite's and PostgreSQL's limits


def verwerkt(session: Session, event_ids: Iterable[uuid.UUID]) -> set[str]:
    """Which of these events the processors handled already (their ids as text): one query per 500 ids."""
    ids = [str(i) for i in event_ids]
    found: set[str] = set()
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        stmt = select(VerwerktEventRecord.event_id).where(col(VerwerktEventRecord.event_id).in_(chunk))
        found.update(session.exec(stmt))
    return found


def mark_verwerkt(session: Session, event_id: uuid.UUID, type_: str, bericht_id: str | None, now: datetime) -> None:
    row = {"event_id": str(event_id), "type": type_, "bericht_id": bericht_id, "verwerkt_op": now}
    _insert_ignore(session, VerwerktEventRecord, ("event_id",), [row])


def verwerkte_berichten(session: Session, bericht_ids: Iterable[str]) -> set[str]:
    """Which of these messages have an event the processors handled (`hub process` waits for them)."""
    ids = list(bericht_ids)
    if not ids:
        return set()
    stmt = select(VerwerktEventRecord.bericht_id).where(col(VerwerktEventRecord.bericht_id).in_(ids))
    return {b for b in session.exec(stmt) if b is not None}


# ---- aggregates for the collector -----------------------------------------------------------------


def doorlooptijd_buckets(
    session: Session, grenzen: Sequence[int]
) -> list[tuple[str, str, str, int, int, tuple[int, ...]]]:
    """Per (fase, regio, productcategorie): count, sum of seconds and the cumulative count at each bound."""
    d = DoorlooptijdRecord
    seconden = col(d.seconden)
    # SQLAlchemy's own select: sqlmodel's typed overloads stop at four columns.
    stmt = sa_select(
        col(d.fase),
        col(d.regio),
        col(d.productcategorie),
        func.count(),
        func.coalesce(func.sum(seconden), 0),
        *(func.sum(case((seconden <= grens, 1), else_=0)) for grens in grenzen),
    ).group_by(col(d.fase), col(d.regio), col(d.productcategorie))
    return [
        (fase, regio, cat, int(n), int(som), tuple(int(c) for c in cum))
        for fase, regio, cat, n, som, *cum in session.execute(stmt)
    ]


def norm_aantallen(session: Session) -> list[tuple[str, str, str, int]]:
    """Per (norm, uitkomst, regio): how many outcomes were counted."""
    n = NormRecord
    stmt = select(n.norm, n.uitkomst, n.regio, func.count()).group_by(col(n.norm), col(n.uitkomst), col(n.regio))
    return [(norm, uitkomst, regio, int(c)) for norm, uitkomst, regio, c in session.execute(stmt)]


def beeindigd_aantallen(session: Session) -> list[tuple[str, str, str, int]]:
    """Per (regio, productcategorie, reden): how many first stop lines were accepted."""
    b = BeeindigdRecord
    stmt = select(b.regio, b.productcategorie, b.reden, func.count()).group_by(
        col(b.regio), col(b.productcategorie), col(b.reden)
    )
    return [(regio, cat, reden, int(c)) for regio, cat, reden, c in session.execute(stmt)]


def retour_pending(session: Session) -> int:
    """Retourberichten produced (published) but not yet delivered, from the audit log."""
    stmt = select(func.count()).where(
        col(BerichtRecord.retour_produced_at).is_not(None), col(BerichtRecord.retour_delivered_at).is_(None)
    )
    return int(session.execute(stmt).scalar_one())
