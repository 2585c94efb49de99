"""The GI messages (issue 4): bepalingen, maatregelen, capaciteit, GI referrals, links and statusmeldingen.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 36
PSEUDONYM = 64


def _s(name: str, length: int, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def _date(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Date(), nullable=nullable)


def _int(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _stamp(name: str, nullable: bool = True) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str = "bericht") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"))


def _pk(table: str) -> tuple[sa.Column[Any], sa.PrimaryKeyConstraint]:
    return sa.Column("id", sa.Integer(), nullable=False), sa.PrimaryKeyConstraint(
        "id", name=op.f(f"pk_{table}")
    )


def upgrade() -> None:
    op.create_table(
        "gi_bepaling",
        _s("gi", 8),
        _s("bepaling_id", ID),
        _s("client", PSEUDONYM),
        _s("gemeente", 4),
        _s("maatregel_id", ID),
        _s("maatregel_type", 2),
        _s("categorie", 2),
        _s("code", 5, True),
        _int("volume", True),
        _s("eenheid", 2, True),
        _s("frequentie", 1, True),
        _date("datum_bepaling"),
        _date("gewenste_ingangsdatum"),
        _s("urgentie", 1),
        _s("voorkeur_aanbieder", 8, True),
        _date("dagtekening"),
        sa.Column("ingetrokken", sa.Boolean(), nullable=False),
        _date("ingetrokken_op", True),
        _s("bericht_id", 32),
        _s("ingetrokken_bericht_id", 32, True),
        *_pk("gi_bepaling"),
        _fk("gi_bepaling", "bericht_id"),
        _fk("gi_bepaling", "ingetrokken_bericht_id"),
    )
    op.create_index(
        "ux_gi_bepaling_lopend",
        "gi_bepaling",
        ["gi", "bepaling_id"],
        unique=True,
        sqlite_where=sa.text("ingetrokken = 0"),
        postgresql_where=sa.text("NOT ingetrokken"),
    )
    op.create_index("ix_gi_bepaling_client", "gi_bepaling", ["client", "gemeente"])

    op.create_table(
        "gi_maatregel",
        _s("gi", 8),
        _s("maatregel_id", ID),
        _s("client", PSEUDONYM),
        _s("maatregel_type", 2),
        _s("gemeente", 4),
        _date("datum_uitspraak", True),
        _date("datum_vaste_jeugdbeschermer", True),
        _date("datum_gedragen_koers", True),
        _date("einddatum", True),
        _s("bericht_id", 32),
        *_pk("gi_maatregel"),
        _fk("gi_maatregel", "bericht_id"),
    )
    op.create_index("ux_gi_maatregel_id", "gi_maatregel", ["gi", "maatregel_id"], unique=True)

    op.create_table(
        "gi_capaciteit",
        _s("gi", 8),
        _s("regio", 100),
        _s("jeugdregio", 80),
        _date("peildatum"),
        sa.Column("jeugdbeschermers", sa.Numeric(6, 2), nullable=False),
        _int("caseload"),
        _int("beschikbare_plaatsen"),
        _int("wachtlijst"),
        _s("bericht_id", 32),
        *_pk("gi_capaciteit"),
        _fk("gi_capaciteit", "bericht_id"),
    )
    op.create_index("ux_gi_capaciteit_peil", "gi_capaciteit", ["gi", "regio", "peildatum"], unique=True)

    op.create_table(
        "gi_verwijzing",
        _s("aanbieder", 8),
        _s("referentie_aanbieder", ID),
        _s("gemeente", 4),
        _s("client", PSEUDONYM),
        _s("verwijzer_type", 2),
        _s("zorgverlener_code", 8, True),
        _s("bericht_id", 32),
        *_pk("gi_verwijzing"),
        _fk("gi_verwijzing", "bericht_id"),
    )
    op.create_index(
        "ux_gi_verwijzing_referentie", "gi_verwijzing", ["aanbieder", "referentie_aanbieder"], unique=True
    )

    op.create_table(
        "gi_koppeling",
        _int("bepaling_ref"),
        _s("gemeente", 4),
        _s("verzoek_aanbieder", 8, True),
        _s("verzoek_referentie", ID, True),
        _date("verzoek_datum", True),
        _s("toewijzing_aanbieder", 8, True),
        _int("toewijzing_nummer", True),
        _date("toewijzing_datum", True),
        _int("start_ref", True),
        _date("start_datum", True),
        _stamp("gewijzigd_op", nullable=False),
        *_pk("gi_koppeling"),
        _fk("gi_koppeling", "bepaling_ref", "gi_bepaling"),
        _fk("gi_koppeling", "start_ref", "startregel"),
    )
    op.create_index("ux_gi_koppeling_bepaling", "gi_koppeling", ["bepaling_ref"], unique=True)
    op.create_index("ix_gi_koppeling_toewijzing", "gi_koppeling", ["gemeente", "toewijzing_nummer"])
    op.create_index("ix_gi_koppeling_verzoek", "gi_koppeling", ["verzoek_aanbieder", "verzoek_referentie"])

    op.create_table(
        "gi_statusmelding",
        _s("id", 32),
        _int("bepaling_ref"),
        _s("gi", 8),
        _s("gemeente", 4),
        _s("client", PSEUDONYM),
        _s("bepaling_id", ID),
        _s("status", 2),
        _s("onderwerp", 64),
        _date("status_datum"),
        _int("toewijzing_nummer", True),
        _s("zorgaanbieder", 8, True),
        _s("categorie", 2, True),
        _s("code", 5, True),
        _date("begindatum", True),
        _s("identificatie", 12),
        _date("dagtekening"),
        sa.Column("xml", sa.Text(), nullable=False),
        _stamp("aangemaakt_op", nullable=False),
        _stamp("verstuurd_op"),
        _stamp("afgeleverd_op"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gi_statusmelding")),
        _fk("gi_statusmelding", "bepaling_ref", "gi_bepaling"),
    )
    op.create_index(
        "ux_gi_statusmelding_status", "gi_statusmelding", ["bepaling_ref", "status", "onderwerp"], unique=True
    )
    op.create_index("ix_gi_statusmelding_verstuurd", "gi_statusmelding", ["verstuurd_op"])


def downgrade() -> None:
    for table in (
        "gi_statusmelding",
        "gi_koppeling",
        "gi_verwijzing",
        "gi_capaciteit",
        "gi_maatregel",
        "gi_bepaling",
    ):
        op.drop_table(table)
