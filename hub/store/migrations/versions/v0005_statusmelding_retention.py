"""Retention of the GI102 XML: when a statusmelding's XML was cleared from the store (hub.store.retention).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column without a default: a plain ALTER TABLE ... ADD COLUMN on SQLite and PostgreSQL alike.
    op.add_column("gi_statusmelding", sa.Column("xml_purged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # In place, as 0004 does. A cleared GI102 keeps its empty `xml`; only the moment of clearing is lost.
    op.drop_column("gi_statusmelding", "xml_purged_at")
