"""An index on the stop lines by message: the processors read a JW307's stop lines per stop event.

Without it SQLite and PostgreSQL read every stop line in the store for each stop event (hub.store.facts.stopregels).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_stopregel_bericht_id", "stopregel", ["bericht_id"])


def downgrade() -> None:
    op.drop_index("ix_stopregel_bericht_id", table_name="stopregel")
