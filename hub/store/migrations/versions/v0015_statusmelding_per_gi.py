"""An index on the statusmeldingen by GI and time made: GET /statusmeldingen reads one GI's meldingen in the order
they were made, from where that GI left off (hub.store.gi_link.voor_gi).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_gi_statusmelding_gi", "gi_statusmelding", ["gi", "aangemaakt_op", "id"])


def downgrade() -> None:
    op.drop_index("ix_gi_statusmelding_gi", table_name="gi_statusmelding")
