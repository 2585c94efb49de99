"""Every stored value fits its column as PostgreSQL declares it: a value the XSD accepts but a column cannot hold
failed the intake on PostgreSQL (VARCHAR overflow, integer or numeric out of range)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Engine, Integer, Numeric, String, func
from sqlalchemy.dialects import postgresql
from sqlmodel import SQLModel, select

INT32 = 2**31 - 1
POSTGRESQL = postgresql.dialect()  # type: ignore[no-untyped-call]  # SQLAlchemy leaves it unannotated


def columns_hold_their_values(db: Engine) -> None:
    """What PostgreSQL enforces, asked of every backend: SQLite stores 100 characters in a VARCHAR(20)."""
    with db.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for c in table.columns:
                where = f"{table.name}.{c.name}"
                # A column may declare another type there (with_variant).
                kind = c.type.dialect_impl(POSTGRESQL)
                if isinstance(kind, String) and kind.length is not None:
                    longest = conn.execute(select(func.max(func.length(c)))).scalar()
                    assert (longest or 0) <= kind.length, (where, longest)
                elif isinstance(kind, Integer) and not isinstance(kind, BigInteger):
                    assert (conn.execute(select(func.max(func.abs(c)))).scalar() or 0) <= INT32, where
                elif isinstance(kind, Numeric) and kind.precision is not None:
                    biggest = conn.execute(select(func.max(func.abs(c)))).scalar() or 0
                    assert biggest < 10 ** (kind.precision - (kind.scale or 0)), (where, biggest)
