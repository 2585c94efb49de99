"""At most one accepted message per sender, message type and Identificatie (TR056), also when intakes race.

TR056 rejects a second message with an Identificatie the sender used before, but two intake replicas judging two
such messages at the same moment (of the same aanbieder to two gemeenten, on two partitions) both found none
before them. The unique index on accepted messages now leaves out the content hash: the second insert fails, its
poll is handled again one by one, and it is judged against the first (TR056). Same bytes twice were already kept
out by the old index, which this one implies. Retourberichten stay outside it: their header names the heenbericht's
Identificatie, which a rejected heenbericht and its corrected resend share, and each gets its retour.

A store in which two accepted messages already share an identity (such a race before this revision) cannot take
the index: the upgrade stops and names them; an operator decides which counts (docs/operations.md).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACCEPTED = sa.text("outcome = 'accepted'")
# hub.store.tables.RETOURBERICHTEN as of this revision.
_HEENBERICHT = (
    "outcome = 'accepted' AND bericht NOT IN ('GI101', 'JW302', 'JW306', 'JW308', 'JW316', 'JW318', 'JW320')"
)
_SHARED = sa.text(
    f"SELECT afzender, bericht, identificatie, count(*) FROM bericht WHERE {_HEENBERICHT} "
    "GROUP BY afzender, bericht, identificatie HAVING count(*) > 1"
)


def upgrade() -> None:
    shared = op.get_bind().execute(_SHARED).all()
    if shared:
        named = ", ".join(f"{a}/{b}/{i} ({n}x)" for a, b, i, n in shared[:10])
        raise RuntimeError(
            f"migration 0011: {len(shared)} sender identities have more than one accepted message ({named}); "
            "keep one accepted per identity (docs/operations.md, section 4, migration 0011) and upgrade again"
        )
    op.create_index(
        "ux_bericht_identificatie",
        "bericht",
        ["afzender", "bericht", "identificatie"],
        unique=True,
        sqlite_where=sa.text(_HEENBERICHT),
        postgresql_where=sa.text(_HEENBERICHT),
    )
    op.drop_index("ux_bericht_identity", table_name="bericht")


def downgrade() -> None:
    op.create_index(
        "ux_bericht_identity",
        "bericht",
        ["afzender", "bericht", "identificatie", "content_hash"],
        unique=True,
        sqlite_where=_ACCEPTED,
        postgresql_where=_ACCEPTED,
    )
    op.drop_index("ux_bericht_identificatie", table_name="bericht")
