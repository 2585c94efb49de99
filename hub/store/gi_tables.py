"""The GI tables (issue 4): bepalingen, maatregelen, capaciteit, GI referrals, links and statusmeldingen sent.

Clients are stored by their pseudonym only; Toelichting (free text that may name people) is not stored. Every
row written by the intake names the accepted message that wrote it (`bericht_id`). The links and statusmeldingen
are written by the processors (hub.monitor.gi), derived from the other rows. Imported by hub.store.tables, so
SQLModel.metadata (and the migration check) always includes these tables.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Index, Numeric, Text, text
from sqlmodel import Field, SQLModel

from hub.store.tables import PSEUDONYM_LENGTH, UtcDateTime, _bericht_fk, _s

ID_LENGTH = 36  # LDT_BepalingId, LDT_MaatregelId, LDT_ReferentieAanbieder
REGIO_LENGTH = 100


class GiBepalingRecord(SQLModel, table=True):
    """One accepted new bepaling (StatusAanlevering 1); a withdrawal (3) marks it `ingetrokken`, never deletes it.

    A BepalingId is in use by at most one bepaling in force per GI (GB102); a withdrawn id may be used again,
    so (gi, bepaling_id) is unique only among the rows not withdrawn.
    """

    __tablename__ = "gi_bepaling"
    __table_args__ = (
        Index(
            "ux_gi_bepaling_lopend",
            "gi",
            "bepaling_id",
            unique=True,
            sqlite_where=text("ingetrokken = 0"),
            postgresql_where=text("NOT ingetrokken"),
        ),
        Index("ix_gi_bepaling_client", "client", "gemeente"),
        Index("ix_gi_bepaling_bepaling_id", "gi", "bepaling_id"),  # withdrawn ones too (the GI snapshot)
    )

    id: int | None = Field(default=None, primary_key=True)
    gi: str = _s(8)  # AGB code of the GI (Afzender)
    bepaling_id: str = _s(ID_LENGTH)
    client: str = _s(PSEUDONYM_LENGTH)
    gemeente: str = _s(4)  # Ontvanger of the GI001
    maatregel_id: str = _s(ID_LENGTH)
    maatregel_type: str = _s(2)
    categorie: str = _s(2)
    code: str | None = _s(5, default=None)
    volume: int | None = None
    eenheid: str | None = _s(2, default=None)
    frequentie: str | None = _s(1, default=None)
    datum_bepaling: date
    gewenste_ingangsdatum: date
    urgentie: str = _s(1)
    voorkeur_aanbieder: str | None = _s(8, default=None)
    dagtekening: date  # of the GI001 that brought it: from this day on the hub knows it
    ingetrokken: bool = False
    ingetrokken_op: date | None = None  # Dagtekening of the GI001 that withdrew it
    bericht_id: str = _bericht_fk()
    ingetrokken_bericht_id: str | None = _bericht_fk(default=None)


class GiMaatregelRecord(SQLModel, table=True):
    """What a GI told about one maatregel: client and type (GI001, GI002) and the GI002 dates as they arrive.

    A date absent from a later GI002 keeps its earlier value; one present replaces it.
    """

    __tablename__ = "gi_maatregel"
    __table_args__ = (Index("ux_gi_maatregel_id", "gi", "maatregel_id", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    gi: str = _s(8)
    maatregel_id: str = _s(ID_LENGTH)
    client: str = _s(PSEUDONYM_LENGTH)
    maatregel_type: str = _s(2)
    gemeente: str = _s(4)  # Ontvanger of the latest message about it: its regio labels the norms
    datum_uitspraak: date | None = None
    datum_vaste_jeugdbeschermer: date | None = None
    datum_gedragen_koers: date | None = None
    einddatum: date | None = None
    bericht_id: str = _bericht_fk()  # the latest message that changed it


class GiCapaciteitRecord(SQLModel, table=True):
    """A GI's capacity in one jeugdregio on one peildatum; a later GI003 with the same key replaces it."""

    __tablename__ = "gi_capaciteit"
    __table_args__ = (Index("ux_gi_capaciteit_peil", "gi", "regio", "peildatum", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    gi: str = _s(8)
    regio: str = _s(REGIO_LENGTH)  # the jeugdregio as the gemeente list spells it (the `regio` label)
    jeugdregio: str = _s(80)  # as the GI sent it
    peildatum: date
    # fte, exact. LDT_Fte is totalDigits 6, fractionDigits 2: up to 999999 (no decimals) and 9999.99, so 8, 2.
    jeugdbeschermers: Decimal = Field(sa_type=Numeric(8, 2))
    caseload: int
    beschikbare_plaatsen: int
    wachtlijst: int
    bericht_id: str = _bericht_fk()


class GiVerwijzingRecord(SQLModel, table=True):
    """The Verwijzer of a JW315 requested product: the linking needs to know which requests a GI made (Type 04)."""

    __tablename__ = "gi_verwijzing"
    __table_args__ = (Index("ux_gi_verwijzing_referentie", "aanbieder", "referentie_aanbieder", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    aanbieder: str = _s(8)
    referentie_aanbieder: str = _s(ID_LENGTH)
    gemeente: str = _s(4)
    client: str = _s(PSEUDONYM_LENGTH)
    verwijzer_type: str = _s(2)  # COD327; 04 is a gecertificeerde instelling
    zorgverlener_code: str | None = _s(8, default=None)  # the GI's AGB code when the aanbieder named it
    bericht_id: str = _bericht_fk()


class GiKoppelingRecord(SQLModel, table=True):
    """What one bepaling is linked to now (docs/gi-koppeling.md): written by the processors, derived from the store.

    A row exists while the bepaling has at least one link; the verzoek is (aanbieder, ReferentieAanbieder),
    the toewijzing (gemeente, ToewijzingNummer), the start a start line of that toewijzing.
    """

    __tablename__ = "gi_koppeling"
    __table_args__ = (
        Index("ux_gi_koppeling_bepaling", "bepaling_ref", unique=True),
        Index("ix_gi_koppeling_toewijzing", "gemeente", "toewijzing_nummer"),
        Index("ix_gi_koppeling_verzoek", "verzoek_aanbieder", "verzoek_referentie"),
    )

    id: int | None = Field(default=None, primary_key=True)
    bepaling_ref: int = Field(foreign_key="gi_bepaling.id")
    gemeente: str = _s(4)
    verzoek_aanbieder: str | None = _s(8, default=None)
    verzoek_referentie: str | None = _s(ID_LENGTH, default=None)
    verzoek_datum: date | None = None  # Dagtekening of the JW315
    toewijzing_aanbieder: str | None = _s(8, default=None)
    toewijzing_nummer: int | None = None
    toewijzing_datum: date | None = None  # Toewijzingsdatum of its first version
    start_ref: int | None = Field(default=None, foreign_key="startregel.id")
    start_datum: date | None = None  # Begindatum
    gewijzigd_op: datetime = Field(sa_type=UtcDateTime)


class GiStatusmeldingRecord(SQLModel, table=True):
    """One GI102 the hub sends: at most one per (bepaling, status, onderwerp), so each status goes out once.

    `onderwerp` names what the status is about (the verzoek or toewijzing; empty for 04 and 06). The message is
    written once, when the row is made; the processors publish it on the retour topic (`verstuurd_op`) and the
    retour dispatcher records its delivery (`afgeleverd_op`). Once delivered, the retention clears the XML.
    """

    __tablename__ = "gi_statusmelding"
    __table_args__ = (
        Index("ux_gi_statusmelding_status", "bepaling_ref", "status", "onderwerp", unique=True),
        Index("ix_gi_statusmelding_verstuurd", "verstuurd_op"),
        Index("ix_gi_statusmelding_gi", "gi", "aangemaakt_op", "id"),  # GET /statusmeldingen (migration 0015)
    )

    id: str = _s(32, primary_key=True)  # uuid5 hex of the unique key: the same on every replica
    bepaling_ref: int = Field(foreign_key="gi_bepaling.id")
    gi: str = _s(8)
    gemeente: str = _s(4)
    client: str = _s(PSEUDONYM_LENGTH)
    bepaling_id: str = _s(ID_LENGTH)
    status: str = _s(2)  # GIC03
    onderwerp: str = _s(64)
    status_datum: date
    toewijzing_nummer: int | None = None
    zorgaanbieder: str | None = _s(8, default=None)
    categorie: str | None = _s(2, default=None)
    code: str | None = _s(5, default=None)
    begindatum: date | None = None
    identificatie: str = _s(12)
    dagtekening: date
    xml: str = Field(sa_type=Text)
    aangemaakt_op: datetime = Field(sa_type=UtcDateTime)
    verstuurd_op: datetime | None = Field(default=None, sa_type=UtcDateTime)
    afgeleverd_op: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # hub.store.retention empties `xml` some days after delivery (NOT NULL: the outbox reads it as str, and only
    # for rows not yet sent) and sets this, so "removed after the retention period" stays distinguishable.
    xml_purged_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
