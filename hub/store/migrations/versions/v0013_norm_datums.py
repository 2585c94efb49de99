"""The two dates each norm outcome compared, so `hub normen` can count the outcomes of a calendar month.

`monitor_norm.begindatum` (the JW315's Dagtekening, the DatumBepaling, the DatumUitspraak) and `einddatum` (the
answer, the start, the date of the vaste jeugdbeschermer or gedragen koers), with an index per date that serves a
month's query per norm. Outcomes stored before this revision keep NULL: a replay into an empty database with
`hub process` gives them their dates (docs/definities.md 4.4).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-09
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("begindatum", "einddatum")


def upgrade() -> None:
    # Nullable without a default: a plain ALTER TABLE ... ADD COLUMN on SQLite and PostgreSQL alike.
    for name in COLUMNS:
        op.add_column("monitor_norm", sa.Column(name, sa.Date(), nullable=True))
        op.create_index(f"ix_monitor_norm_{name}", "monitor_norm", ["norm", name])


def downgrade() -> None:
    # In place, as 0007 does.
    for name in COLUMNS:
        op.drop_index(f"ix_monitor_norm_{name}", table_name="monitor_norm")
        op.drop_column("monitor_norm", name)
