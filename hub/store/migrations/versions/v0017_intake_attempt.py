"""The intake's starts of a poll or a message, counted in the store (hub.store.attempts): a message that ends the
process itself (an OOM kill, a segfault, a liveness kill) is dead-lettered after HUB_MAX_ATTEMPTS starts instead
of crash-looping its partition for ever.

A new, empty table of a few rows at most (one per partition, and one per message being retried).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "intake_attempt",
        sa.Column("topic", sa.String(length=249), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("topic", "partition", "offset", "scope", name=op.f("pk_intake_attempt")),
    )


def downgrade() -> None:
    # Only counts of starts in progress: a crash-looping message starts counting again from one.
    op.drop_table("intake_attempt")
