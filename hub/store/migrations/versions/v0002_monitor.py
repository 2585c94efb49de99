"""The monitor: observations (doorlooptijden, norm outcomes, beëindigingen), handled events, lookup indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLEUTEL = 128
REGIO = 100


def _s(name: str, length: int, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _observed() -> tuple[sa.Column[Any], sa.Column[Any]]:
    return _s("bericht_id", 32, True), sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False)


def _pk(table: str) -> tuple[sa.Column[Any], sa.PrimaryKeyConstraint]:
    return sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint(
        "id", name=op.f(f"pk_{table}")
    )


def upgrade() -> None:
    op.create_table(
        "monitor_doorlooptijd",
        _s("fase", 32),
        _s("sleutel", SLEUTEL),
        _s("regio", REGIO),
        _s("productcategorie", 16),
        sa.Column("seconden", sa.BigInteger(), nullable=False),
        *_observed(),
        *_pk("monitor_doorlooptijd"),
    )
    op.create_index(
        "ux_monitor_doorlooptijd_sleutel", "monitor_doorlooptijd", ["fase", "sleutel"], unique=True
    )

    op.create_table(
        "monitor_norm",
        _s("norm", 64),
        _s("sleutel", SLEUTEL),
        _s("uitkomst", 8),
        _s("regio", REGIO),
        *_observed(),
        *_pk("monitor_norm"),
    )
    op.create_index("ux_monitor_norm_sleutel", "monitor_norm", ["norm", "sleutel"], unique=True)

    op.create_table(
        "monitor_beeindigd",
        _s("sleutel", SLEUTEL),
        _s("reden", 2),
        _s("regio", REGIO),
        _s("productcategorie", 16),
        *_observed(),
        *_pk("monitor_beeindigd"),
    )
    op.create_index("ux_monitor_beeindigd_sleutel", "monitor_beeindigd", ["sleutel"], unique=True)

    op.create_table(
        "monitor_event",
        _s("event_id", 36),
        _s("type", 64),
        _s("bericht_id", 32, True),
        sa.Column("verwerkt_op", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_monitor_event")),
    )
    op.create_index("ix_monitor_event_bericht_id", "monitor_event", ["bericht_id"])

    op.create_index("ix_toewijzing_referentie", "toewijzing", ["aanbieder", "referentie_aanbieder"])
    op.create_index("ix_startregel_nummer", "startregel", ["gemeente", "toewijzing_nummer"])


def downgrade() -> None:
    op.drop_index("ix_startregel_nummer", table_name="startregel")
    op.drop_index("ix_toewijzing_referentie", table_name="toewijzing")
    for table in ("monitor_event", "monitor_beeindigd", "monitor_norm", "monitor_doorlooptijd"):
        op.drop_table(table)
