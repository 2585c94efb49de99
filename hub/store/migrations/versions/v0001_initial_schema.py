"""Initial schema: the message audit log and the trajectory state.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACCEPTED = "outcome = 'accepted'"


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _s(name: str, length: int, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _date(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Date(), nullable=nullable)


def _int(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _bool(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Boolean(), nullable=nullable)


def _stamp(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str = "bericht") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def upgrade() -> None:
    op.create_table(
        "bericht",
        _s("id", 32),
        _s("bericht", 5, True),
        _s("afzender", 8, True),
        _s("ontvanger", 8, True),
        _s("identificatie", 12, True),
        _date("dagtekening", True),
        _s("content_hash", 64),
        _s("outcome", 10),
        sa.Column("error_codes", sa.JSON(), nullable=False),
        sa.Column("retour", sa.Text(), nullable=True),
        _s("retour_bericht", 5, True),
        _s("client", 64, True),
        sa.Column("event", sa.Text(), nullable=True),
        _stamp("received_at", nullable=False),
        _stamp("validated_at"),
        _stamp("retour_produced_at"),
        _stamp("retour_delivered_at"),
        _stamp("events_published_at"),
        _pk("bericht"),
    )
    op.create_index("ix_bericht_client", "bericht", ["client"])
    op.create_index("ix_bericht_identificatie", "bericht", ["afzender", "bericht", "identificatie"])
    op.create_index(
        "ux_bericht_identity",
        "bericht",
        ["afzender", "bericht", "identificatie", "content_hash"],
        unique=True,
        sqlite_where=sa.text(ACCEPTED),
        postgresql_where=sa.text(ACCEPTED),
    )

    op.create_table(
        "toewijzing",
        _id(),
        _s("gemeente", 4),
        _s("aanbieder", 8),
        _s("client", 64),
        _int("toewijzing_nummer"),
        _s("categorie", 2, True),
        _s("code", 5, True),
        _date("ingangsdatum"),
        _date("einddatum", True),
        _s("reden_wijziging", 2, True),
        _int("volume", True),
        _s("eenheid", 2, True),
        _s("frequentie", 1, True),
        _int("budget", True),
        _s("referentie_aanbieder", 36, True),
        _date("toewijzingsdatum"),
        sa.Column("toewijzingstijd", sa.Time(), nullable=False),
        _s("bericht_id", 32),
        _fk("toewijzing", "bericht_id"),
        _pk("toewijzing"),
    )
    op.create_index("ix_toewijzing_client", "toewijzing", ["gemeente", "aanbieder", "client"])
    op.create_index("ix_toewijzing_nummer", "toewijzing", ["gemeente", "toewijzing_nummer"])

    for table, stop in (("startregel", False), ("stopregel", True)):
        op.create_table(
            table,
            _id(),
            _s("gemeente", 4),
            _s("aanbieder", 8),
            _s("client", 64),
            _int("toewijzing_nummer", True),
            _s("categorie", 2, True),
            _s("code", 5, True),
            _date("begindatum"),
            *((_date("einddatum"), _s("reden_beeindiging", 2)) if stop else ()),
            _date("toewijzing_ingangsdatum", True),
            _s("status", 8),
            _s("bericht_id", 32),
            _s("verwijderd_bericht_id", 32, True),
            _fk(table, "bericht_id"),
            _fk(table, "verwijderd_bericht_id"),
            _pk(table),
        )
        op.create_index(f"ix_{table}_client", table, ["gemeente", "aanbieder", "client", "status"])

    op.create_table(
        "verzoek",
        _id(),
        _s("aanbieder", 8),
        _s("gemeente", 4),
        _s("client", 64),
        _s("referentie_aanbieder", 36),
        _s("soort", 3),
        _date("dagtekening"),
        _s("reden_verzoek", 1, True),
        _s("categorie", 2, True),
        _s("code", 5, True),
        _date("ingangsdatum", True),
        _date("einddatum", True),
        _int("volume", True),
        _s("eenheid", 2, True),
        _s("frequentie", 1, True),
        _int("budget", True),
        _bool("toegewezen"),
        _s("bericht_id", 32),
        _fk("verzoek", "bericht_id"),
        _pk("verzoek"),
    )
    op.create_index("ux_verzoek_referentie", "verzoek", ["aanbieder", "referentie_aanbieder"], unique=True)
    op.create_index("ix_verzoek_client", "verzoek", ["gemeente", "aanbieder", "client"])

    op.create_table(
        "antwoord",
        _id(),
        _s("aanbieder", 8),
        _s("gemeente", 4),
        _s("referentie_aanbieder", 36),
        _s("verzoek_antwoord", 1),
        _s("reden", 1, True),
        _s("woonplaatsbeginsel", 4, True),
        _date("dagtekening"),
        _s("bericht_id", 32),
        _fk("antwoord", "bericht_id"),
        _pk("antwoord"),
    )
    op.create_index("ix_antwoord_referentie", "antwoord", ["aanbieder", "referentie_aanbieder"])

    op.create_table(
        "declaratie",
        _id(),
        _s("aanbieder", 8),
        _s("gemeente", 4),
        _s("declaratie_nummer", 12),
        _date("periode_begin"),
        _date("periode_eind"),
        _date("declaratie_dagtekening"),
        _bool("afgewezen"),
        _s("bericht_id", 32),
        _fk("declaratie", "bericht_id"),
        _pk("declaratie"),
    )
    op.create_index("ix_declaratie_nummer", "declaratie", ["aanbieder", "declaratie_nummer"])
    op.create_index("ix_declaratie_periode", "declaratie", ["aanbieder", "gemeente", "periode_begin"])

    op.create_table(
        "prestatie",
        _id(),
        _int("declaratie_id"),
        _s("aanbieder", 8),
        _s("gemeente", 4),
        _s("client", 64),
        _s("referentie_nummer", 20),
        _s("vorig_referentie_nummer", 20, True),
        _int("toewijzing_nummer"),
        _s("categorie", 2),
        _s("code", 5, True),
        _date("begindatum"),
        _date("einddatum"),
        _int("volume"),
        _s("eenheid", 2),
        _int("tarief", True),
        _int("bedrag"),
        _bool("debet"),
        _bool("toegekend", True),
        _bool("gecrediteerd"),
        _s("antwoord_bericht_id", 32, True),
        _fk("prestatie", "declaratie_id", "declaratie"),
        _fk("prestatie", "antwoord_bericht_id"),
        _pk("prestatie"),
    )
    op.create_index("ix_prestatie_declaratie_id", "prestatie", ["declaratie_id"])
    op.create_index("ix_prestatie_referentie", "prestatie", ["aanbieder", "referentie_nummer"])
    op.create_index("ix_prestatie_toewijzing", "prestatie", ["aanbieder", "gemeente", "toewijzing_nummer"])


def downgrade() -> None:
    # Children before parents; dropping a table drops its indexes.
    for table in ("prestatie", "declaratie", "antwoord", "verzoek", "stopregel", "startregel", "toewijzing"):
        op.drop_table(table)
    op.drop_table("bericht")
