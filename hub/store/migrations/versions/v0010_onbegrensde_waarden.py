"""Columns as large as the XSD values they hold: an XSD-valid message must never fail on the store.

- declaratie.basisschema_xsd_versie and bericht_xsd_versie: LDT_Versie has no maxLength (VARCHAR(20) -> TEXT);
- gi_capaciteit.jeugdbeschermers: LDT_Fte (totalDigits 6, fractionDigits 2) goes up to 999999, which
  NUMERIC(6, 2) cannot hold (-> NUMERIC(8, 2)).

PostgreSQL refused such a message (a DataError: retried, then dead-lettered without a retour). SQLite enforces
neither a length nor a precision: there the version columns keep their declared type (rebuilding `declaratie`
would break the prestaties' foreign key, see hub.store.tables), and gi_capaciteit, which nothing refers to, is
rebuilt with the new one.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSIES = ("basisschema_xsd_versie", "bericht_xsd_versie")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in VERSIES:
            op.alter_column(
                "declaratie", name, type_=sa.Text(), existing_type=sa.String(20), existing_nullable=True
            )
    with op.batch_alter_table("gi_capaciteit") as batch:
        batch.alter_column(
            "jeugdbeschermers",
            type_=sa.Numeric(8, 2),
            existing_type=sa.Numeric(6, 2),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("gi_capaciteit") as batch:
        batch.alter_column(
            "jeugdbeschermers",
            type_=sa.Numeric(6, 2),
            existing_type=sa.Numeric(8, 2),
            existing_nullable=False,
        )
    if op.get_bind().dialect.name == "postgresql":
        for name in VERSIES:
            op.alter_column(
                "declaratie", name, type_=sa.String(20), existing_type=sa.Text(), existing_nullable=True
            )
