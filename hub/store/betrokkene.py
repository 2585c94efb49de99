"""What the store holds about one client, found by the pseudonym of the BSN: the answer to a request for inzage.

The store keeps no BSN: a client's rows carry the pseudonym (a `client` column) or the id of a message that does
(`bericht_id`). Only the retour XML of a message may still name the client, until the retention clears it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, func, select
from sqlmodel import Session, SQLModel, col
from sqlmodel import select as sm_select

from hub.store.tables import BerichtRecord


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
    """The client's messages and the number of rows per table that name the client or one of those messages."""
    rows = session.exec(
        sm_select(BerichtRecord)
        .where(col(BerichtRecord.client) == client)
        .order_by(col(BerichtRecord.received_at))
    ).all()
    berichten = tuple(_bericht(r) for r in rows)
    ids = [b.id for b in berichten]
    rijen: dict[str, int] = {}
    for table in SQLModel.metadata.sorted_tables:
        n = _rijen(session, table, client, ids)
        if n:
            rijen[table.name] = n
    return Overzicht(client, berichten, rijen)


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


def _rijen(session: Session, table: Table, client: str, ids: list[str]) -> int:
    """Rows of `table` that are the client's: by its pseudonym where the table has one, else by message id."""
    columns: Any = table.c
    if "client" in columns:
        where = columns.client == client
    elif "bericht_id" in columns and ids:
        where = columns.bericht_id.in_(ids)
    else:
        return 0
    return int(session.execute(select(func.count()).select_from(table).where(where)).scalar_one())
