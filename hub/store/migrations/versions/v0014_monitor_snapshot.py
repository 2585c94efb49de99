"""The domain metrics as last computed, shared by the processors' replicas (HUB_DOMAIN_METRICS_MAX_AGE_SECONDS).

Every replica used to compute every domain metric from the store at each scrape. With a maximum age set, one
replica computes them and keeps them here, and the others serve this copy while it is young enough
(hub.store.monitor_snapshot). A new, empty table: the upgrade needs no data step.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitor_snapshot",
        sa.Column("sleutel", sa.String(length=64), nullable=False),
        sa.Column("vandaag", sa.Date(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("families", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("sleutel", name=op.f("pk_monitor_snapshot")),
    )


def downgrade() -> None:
    # A copy of what the store holds anyway: nothing is lost with it.
    op.drop_table("monitor_snapshot")
