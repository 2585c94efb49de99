"""Write the monitor's observations idempotently, and read them back as the aggregates the metrics need.

Every insert is INSERT ... ON CONFLICT DO NOTHING on the observation's unique key: a redelivered event, a
replayed archive or a second replica computing the same observation adds nothing, and never fails.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, bindparam, case, func
from sqlalchemy import select as sa_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from hub.monitor.model import Beeindiging, Doorlooptijd, NormUitkomst, Observatie
from hub.store.db import run
from hub.store.monitor_tables import BeeindigdRecord, DoorlooptijdRecord, NormRecord, VerwerktEventRecord
from hub.store.tables import BerichtRecord, table_of

# Built once per dialect, table and key: building the statement per call cost more than running it.
_INSERTS: dict[tuple[str, type[Any], tuple[str, ...]], Insert] = {}


def _insert_statement(dialect: str, model: type[Any], keys: tuple[str, ...]) -> Insert:
    """INSERT ... ON CONFLICT (keys) DO NOTHING into the model's table."""
    stmt = _INSERTS.get((dialect, model, keys))
    if stmt is None:
        if dialect == "postgresql":
            stmt = postgresql.insert(table_of(model)).on_conflict_do_nothing(index_elements=list(keys))
        elif dialect == "sqlite":
            stmt = sqlite.insert(table_of(model)).on_conflict_do_nothing(index_elements=list(keys))
        else:  # pragma: no cover - the hub supports SQLite and PostgreSQL only
            raise NotImplementedError(f"no idempotent insert for {dialect}")
        _INSERTS[(dialect, model, keys)] = stmt
    return stmt


def _insert_ignore(
    session: Session, model: type[Any], keys: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """Insert the rows in their order, skipping those whose unique key (`keys`) is already stored."""
    if not rows:
        return
    run(session, _insert_statement(session.get_bind().dialect.name, model, tuple(keys)), rows)


@dataclass
class Waarnemingen:
    """What a batch of events writes to the monitor's tables, kept in order and inserted together by `schrijf`.

    Nothing the processors do reads these tables while a batch runs (only the lookup before it), so writing
    them at the batch's end stores what writing them per event would: in the same order, the first of a key wins.
    """

    doorlooptijden: list[dict[str, Any]] = field(default_factory=list)
    normen: list[dict[str, Any]] = field(default_factory=list)
    beeindigd: list[dict[str, Any]] = field(default_factory=list)
    verwerkt: list[dict[str, Any]] = field(default_factory=list)

    def observaties(self, observaties: Iterable[Observatie], bericht_id: str | None, now: datetime) -> None:
        common = {"bericht_id": bericht_id, "observed_at": now}
        for o in observaties:
            match o:
                case Doorlooptijd():
                    self.doorlooptijden.append(
                        {
                            "fase": o.fase,
                            "sleutel": o.sleutel,
                            "regio": o.regio,
                            "productcategorie": o.productcategorie,
                            "seconden": o.seconden,
                            **common,
                        }
                    )
                case NormUitkomst():
                    self.normen.append(
                        {
                            "norm": o.norm,
                            "sleutel": o.sleutel,
                            "uitkomst": o.uitkomst,
                            "regio": o.regio,
                            "begindatum": o.begin,
                            "einddatum": o.eind,
                            **common,
                        }
                    )
                case Beeindiging():
                    self.beeindigd.append(
                        {
                            "sleutel": o.sleutel,
                            "reden": o.reden,
                            "regio": o.regio,
                            "productcategorie": o.productcategorie,
                            **common,
                        }
                    )

    def event(self, event_id: uuid.UUID, type_: str, bericht_id: str | None, now: datetime) -> None:
        self.verwerkt.append(
            {"event_id": str(event_id), "type": type_, "bericht_id": bericht_id, "verwerkt_op": now}
        )

    def schrijf(self, session: Session) -> None:
        """Store what is not stored yet, one executemany per table; the caller commits."""
        _insert_ignore(session, DoorlooptijdRecord, ("fase", "sleutel"), self.doorlooptijden)
        _insert_ignore(session, NormRecord, ("norm", "sleutel"), self.normen)
        _insert_ignore(session, BeeindigdRecord, ("sleutel",), self.beeindigd)
        _insert_ignore(session, VerwerktEventRecord, ("event_id",), self.verwerkt)


_IN_CHUNK = 500  # bound parameters per IN list: far below SQLite's and PostgreSQL's limits


_VERWERKT = select(VerwerktEventRecord.event_id).where(
    col(VerwerktEventRecord.event_id).in_(bindparam("ids", expanding=True))
)


def verwerkt(session: Session, event_ids: Iterable[uuid.UUID]) -> set[str]:
    """Which of these events the processors handled already (their ids as text): one query per 500 ids."""
    ids = [str(i) for i in event_ids]
    found: set[str] = set()
    for start in range(0, len(ids), _IN_CHUNK):
        found.update(
            event_id for (event_id,) in run(session, _VERWERKT, {"ids": ids[start : start + _IN_CHUNK]})
        )
    return found


def mark_verwerkt(
    session: Session, event_id: uuid.UUID, type_: str, bericht_id: str | None, now: datetime
) -> None:
    w = Waarnemingen()
    w.event(event_id, type_, bericht_id, now)
    w.schrijf(session)


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
    stmt = select(n.norm, n.uitkomst, n.regio, func.count()).group_by(
        col(n.norm), col(n.uitkomst), col(n.regio)
    )
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
