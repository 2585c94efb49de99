"""The gateway's spool: an inbound message answered 202 while the broker was away waits here, not in memory.

A gateway that stopped unexpectedly during a broker outage lost the messages it held, although their senders had
a 202. Now it writes them to this table before it answers, and publishes them oldest first (`id`) once the broker
is back, deleting each after the broker acknowledged it; `claimed_by`/`claimed_until` is the lease of the replica
publishing them (hub.store.spool). A new, empty table: the upgrade needs no data step.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gateway_spool",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bericht_id", sa.String(length=32), nullable=False),
        sa.Column("kafka_key", sa.Text(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=32), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateway_spool")),
    )


def downgrade() -> None:
    # Messages still spooled would be lost with the table: publish them first (start a gateway with the broker up).
    op.drop_table("gateway_spool")
