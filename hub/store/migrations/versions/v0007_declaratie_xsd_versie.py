"""The XsdVersie of an accepted JW323, kept with its declaratie for TR371 (a JW325's XsdVersieDeclaratie).

Declaraties stored before this revision keep NULL: their JW325 is not judged on TR371 (the version is unknown).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("basisschema_xsd_versie", "bericht_xsd_versie")


def upgrade() -> None:
    # Nullable without a default: a plain ALTER TABLE ... ADD COLUMN on SQLite and PostgreSQL alike.
    for name in COLUMNS:
        op.add_column("declaratie", sa.Column(name, sa.String(20), nullable=True))


def downgrade() -> None:
    # In place, as 0004 and 0005 do: a batch rebuild of `declaratie` would break the prestaties' foreign key.
    for name in COLUMNS:
        op.drop_column("declaratie", name)
