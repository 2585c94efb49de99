"""What the store holds about one client, found by the pseudonym of the BSN: the answer to a request for inzage,
and the erasure of those rows on the controller's decision (`hub client wis`).

The store keeps no BSN: a client's rows carry the pseudonym (a `client` column), the id of a message that does
(`bericht_id` and the other columns that refer to `bericht`), or refer to such a row (`gi_koppeling`). Which rows
those are is said once, in `van_client`: what `overzicht` counts is what `wis` erases. Only the retour XML of a
message may still name the client, until the retention clears it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Table, delete, func, or_, select
from sqlmodel import Session, SQLModel, col
from sqlmodel import select as sm_select

from hub.store.db import run
from hub.store.tables import BerichtRecord, table_of

_BERICHT = table_of(BerichtRecord)


@dataclass(frozen=True, slots=True)
class Bericht:
    """One message about the client, as the audit log has it."""

    id: str
    bericht: str | None
    identificatie: str | None
    dagtekening: date | None
    outcome: str
    received_at: datetime
    retour: str  # "bewaard" (the XML, which may name the client), "gewist" (cleared on a date), "geen"
    retour_gewist_op: datetime | None


@dataclass(frozen=True, slots=True)
class Overzicht:
    client: str  # the pseudonym: what the rows carry in their `client` column
    berichten: tuple[Bericht, ...]
    rijen: dict[str, int]  # rows per table that belong to the client, tables without any left out


def overzicht(session: Session, client: str) -> Overzicht:
    """The client's messages and the number of rows per table that are the client's (`van_client`)."""
    rows = session.exec(
        sm_select(BerichtRecord)
        .where(col(BerichtRecord.client) == client)
        .order_by(col(BerichtRecord.received_at))
    ).all()
    rijen: dict[str, int] = {}
    for table in SQLModel.metadata.sorted_tables:
        where = van_client(table, client)
        if where is not None:
            n = int(session.execute(select(func.count()).select_from(table).where(where)).scalar_one())
            if n:
                rijen[table.name] = n
    return Overzicht(client, tuple(_bericht(r) for r in rows), rijen)


def wis(session: Session, client: str) -> dict[str, int]:
    """Delete every row that is the client's (`van_client`); the rows deleted per table, tables without any left
    out. The caller commits: erasing several clients is one transaction.

    Tables referring to others go first (the foreign keys), `bericht` last: until then the rows that name one of
    the client's messages are found through it.
    """
    gewist: dict[str, int] = {}
    for table in reversed(SQLModel.metadata.sorted_tables):
        where = van_client(table, client)
        if where is not None:
            n = run(session, delete(table).where(where), {}).rowcount
            if n:
                gewist[table.name] = n
    return gewist


def van_client(table: Table, client: str) -> ColumnElement[bool] | None:
    """Which rows of `table` are the client's; None for a table that holds nobody's (the key, the intake's
    attempts, the metrics snapshot).

    A table with a `client` column: the rows with the pseudonym (`bericht` too: the client's messages). Another
    table: the rows that name one of those messages (a column referring to `bericht`, or a `bericht_id` that
    refers to it without a foreign key: the monitor's tables, the gateway's spool), or refer to a row that is the
    client's (`gi_koppeling`, by its bepaling or its start). Such a row of a table with a `client` column of
    another client is not followed: it would stop the erasure at its foreign key rather than be erased with it.
    """
    if "client" in table.c:
        return table.c.client == client
    berichten = select(_BERICHT.c.id).where(_BERICHT.c.client == client)
    found: list[ColumnElement[bool]] = []
    for column in table.c:
        refers = [fk.column for fk in column.foreign_keys]
        if any(target.table is _BERICHT for target in refers) or (column.name == "bericht_id" and not refers):
            found.append(column.in_(berichten))
            continue
        for target in refers:
            where = van_client(target.table, client)
            if where is not None:
                found.append(column.in_(select(target).where(where)))
    return or_(*found) if found else None


def _bericht(row: BerichtRecord) -> Bericht:
    retour = "bewaard" if row.retour else "gewist" if row.retour_purged_at else "geen"
    return Bericht(
        row.id,
        row.bericht,
        row.identificatie,
        row.dagtekening,
        row.outcome,
        row.received_at,
        retour,
        row.retour_purged_at,
    )
