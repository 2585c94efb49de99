"""The SQL of `hub normen`: the norm outcomes of `jeugdhulp_norm_total` whose begindatum or einddatum falls in a
period, per norm, regio and uitkomst, and the outcomes stored without those dates (before migration 0013).

Every query names the norms (`norm IN (...)`), so both SQLite and PostgreSQL read a period through the index on
(norm, date) of migration 0013 instead of the whole table.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Literal

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session

from hub.store.monitor_tables import NormRecord
from hub.store.tables import table_of

N = table_of(NormRecord)
Datum = Literal["einddatum", "begindatum"]


def _waar(normen: Collection[str], regios: Collection[str] | None) -> list[ColumnElement[bool]]:
    waar: list[ColumnElement[bool]] = [N.c.norm.in_(sorted(normen))]
    if regios is not None:
        waar.append(N.c.regio.in_(sorted(regios)))
    return waar


def aantallen(
    session: Session,
    normen: Collection[str],
    datum: Datum,
    van: date,
    tot_en_met: date,
    regios: Collection[str] | None = None,
) -> list[tuple[str, str, str, int]]:
    """(norm, regio, uitkomst, count) of the outcomes whose `datum` lies from `van` up to and including `tot_en_met`.

    Inclusive, so that December 9999 has an end (no day after it exists)."""
    kolom = N.c[datum]
    stmt = (
        select(N.c.norm, N.c.regio, N.c.uitkomst, func.count())
        .where(*_waar(normen, regios), kolom >= van, kolom <= tot_en_met)
        .group_by(N.c.norm, N.c.regio, N.c.uitkomst)
    )
    return [(norm, regio, uitkomst, int(c)) for norm, regio, uitkomst, c in session.execute(stmt)]


def zonder_datum(
    session: Session, normen: Collection[str], datum: Datum, regios: Collection[str] | None = None
) -> int:
    """How many outcomes have no `datum`: stored before migration 0013, they fall in no month."""
    stmt = select(func.count()).where(*_waar(normen, regios), N.c[datum].is_(None))
    return int(session.execute(stmt).scalar_one())


def opgeslagen_regios(session: Session) -> list[str]:
    """Every regio that has a norm outcome stored (a regio the gemeente list no longer names, too: 6.14)."""
    stmt = select(N.c.regio).distinct().order_by(N.c.regio)
    return [regio for (regio,) in session.execute(stmt)]
