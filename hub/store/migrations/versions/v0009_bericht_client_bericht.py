"""An index on the audit log by client, message type and validation time: the GI002 replay behind the
jeugdbescherming norms reads one client's GI002s newest first (hub.store.gi_monitor.gi002_events_terug).

Without it the replay reads every message of the client (ix_bericht_client) for each GI002. That index, on the
client alone, is the new one's prefix and had no other reader: dropped, so each message costs one index write less.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_bericht_client_bericht", "bericht", ["client", "bericht", "validated_at"])
    op.drop_index("ix_bericht_client", table_name="bericht")


def downgrade() -> None:
    op.create_index("ix_bericht_client", "bericht", ["client"])
    op.drop_index("ix_bericht_client_bericht", table_name="bericht")
