"""Retention of the retour XML: when a message's retour was cleared from the audit log (hub.store.retention).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column without a default: a plain ALTER TABLE ... ADD COLUMN on SQLite and PostgreSQL alike.
    op.add_column("bericht", sa.Column("retour_purged_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # In place (SQLite 3.35+ can): batch mode would drop and rebuild `bericht`, which the state rows' foreign keys
    # forbid once there are any.
    op.drop_column("bericht", "retour_purged_at")
