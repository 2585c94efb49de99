"""Indexes for lookups that grew with the store: GI linking by client, GI bepalingen by id, a JW325's declaratie.

The existing indexes of toewijzing, verzoek and startregel start with (gemeente, aanbieder), so a search by client
and gemeente alone read every row of the gemeente; the partial unique index of gi_bepaling holds only bepalingen
in force, while the GI snapshot reads withdrawn ones too; a JW325 found its declaratie by walking every
declaratie of the aanbieder.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES: dict[str, tuple[str, list[str]]] = {
    "ix_toewijzing_client_gemeente": ("toewijzing", ["client", "gemeente"]),
    "ix_verzoek_client_gemeente": ("verzoek", ["client", "gemeente"]),
    "ix_startregel_client_gemeente": ("startregel", ["client", "gemeente"]),
    "ix_gi_bepaling_bepaling_id": ("gi_bepaling", ["gi", "bepaling_id"]),
    "ix_declaratie_bericht_id": ("declaratie", ["bericht_id"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
