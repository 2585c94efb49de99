"""The fingerprint of the pseudonymisation key the store's pseudonyms were made with (hub.store.key_fingerprint):
a process under another key refuses to start instead of meeting every known client as a stranger.

A new, empty table: the first process that pseudonymises after the upgrade records its key's fingerprint. A store
that was already used under some key takes the key of that first process: start it with the key the store was made
with.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "key_fingerprint",
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("throwaway", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("purpose", name=op.f("pk_key_fingerprint")),
    )


def downgrade() -> None:
    # Without the row the next start records its key again, unchecked: a check lost, no data.
    op.drop_table("key_fingerprint")
