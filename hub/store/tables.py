"""The hub's tables: the message audit log and the trajectory state the stateful rules judge against.

Clients are stored by their pseudonym only (64 hex, hub.privacy), never by BSN or name; free-text fields
(Commentaar) are not stored because they may name people. Every state row names the accepted message that
wrote it (`bericht_id`), so track and trace can go from any state back to its message.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Index, LargeBinary, String, Table, Text, TypeDecorator, text
from sqlmodel import Field, SQLModel

# Values of the status columns of StartRecord and StopRecord (rules.md 6.1: in force / deleted).
IN_FORCE = "in_force"
DELETED = "deleted"

# Free text in the store (a String(10), no constraint): a new value needs no migration. failed: dead-lettered.
OUTCOMES = ("accepted", "rejected", "duplicate", "malformed", "failed")
PSEUDONYM_LENGTH = 64

# Named constraints, so later migrations (SQLite batch mode included) can address them on every backend.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every backend: SQLite keeps no offset, so UTC is put back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("track-and-trace timestamps must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def table_of(record: type[SQLModel]) -> Table:
    """The record's table, for statements on its columns: SQLModel declares no `__table__` to type checkers."""
    table: Table = record.__table__  # type: ignore[attr-defined]
    return table


def _s(length: int, **kwargs: Any) -> Any:
    """A string column of the iJw length (datatypes.md), so PostgreSQL enforces what the XSD does."""
    return Field(sa_type=String(length), **kwargs)


def _bericht_fk(**kwargs: Any) -> Any:
    """A reference to the message (BerichtRecord.id) that wrote or changed the row."""
    return Field(sa_type=String(32), foreign_key="bericht.id", **kwargs)


# ---- audit log ------------------------------------------------------------------------------------


# The retourberichten, judged on their XSD only (hub.ijw.catalog.BerichtInfo.is_retour, and the GI101); a test
# holds this list to the catalogs.
RETOURBERICHTEN = ("GI101", "JW302", "JW306", "JW308", "JW316", "JW318", "JW320")
_GEEN_RETOUR = text(
    "outcome = 'accepted' AND bericht NOT IN (" + ", ".join(f"'{b}'" for b in RETOURBERICHTEN) + ")"
)


class BerichtRecord(SQLModel, table=True):
    """One received message: its identity, outcome, retour and track-and-trace timestamps."""

    __tablename__ = "bericht"
    __table_args__ = (
        # One accepted message per sender identity (TR056), also when two intakes race: the same message is
        # accepted (and its state applied) at most once, and another one with its Identificatie is judged against
        # it when its poll is handled again (migration 0011). Rejected ones count as not sent (OP286), so a resend
        # may be judged again, and duplicates are logged too; both stay outside the constraint. So do retouren:
        # their header names the heenbericht's Identificatie, which a rejected and a corrected heenbericht share.
        Index(
            "ux_bericht_identificatie",
            "afzender",
            "bericht",
            "identificatie",
            unique=True,
            sqlite_where=_GEEN_RETOUR,
            postgresql_where=_GEEN_RETOUR,
        ),
        Index("ix_bericht_identificatie", "afzender", "bericht", "identificatie"),  # TR056
        # A client's messages of one type by time: the GI002 replay of the jeugdbescherming norms (migration 0009).
        Index("ix_bericht_client_bericht", "client", "bericht", "validated_at"),
    )

    id: str = _s(32, primary_key=True)  # uuid4 hex, the hub's message id
    bericht: str | None = _s(5, default=None)  # JW301..; None when the message could not be read
    afzender: str | None = _s(8, default=None)
    ontvanger: str | None = _s(8, default=None)
    identificatie: str | None = _s(12, default=None)
    dagtekening: date | None = None
    content_hash: str = _s(64)  # sha256 hex of the raw bytes
    outcome: str = _s(10)  # one of OUTCOMES
    error_codes: list[str] = Field(default_factory=list, sa_type=JSON)  # rule codes, in finding order
    retour: str | None = Field(default=None, sa_type=Text)
    retour_bericht: str | None = _s(5, default=None)
    client: str | None = _s(PSEUDONYM_LENGTH, default=None)  # indexed by ix_bericht_client_bericht
    event: str | None = Field(
        default=None, sa_type=Text
    )  # the normalised event (JSON), replayed on redelivery
    received_at: datetime = Field(sa_type=UtcDateTime)
    validated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    retour_produced_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    retour_delivered_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    events_published_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # The retour XML may copy the Client (BSN, name): hub.store.retention clears it some days after delivery and
    # sets this, so "removed after the retention period" stays distinguishable from "no retour".
    retour_purged_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


# ---- toewijzingen (JW301) -------------------------------------------------------------------------


class ToewijzingRecord(SQLModel, table=True):
    """One accepted version of a ToegewezenProduct; the latest per number is current (IV013)."""

    __tablename__ = "toewijzing"
    __table_args__ = (
        Index("ix_toewijzing_client", "gemeente", "aanbieder", "client"),
        Index("ix_toewijzing_nummer", "gemeente", "toewijzing_nummer"),  # TR332 looks across clients
        Index("ix_toewijzing_client_gemeente", "client", "gemeente"),  # the GI linking's group
    )

    id: int | None = Field(default=None, primary_key=True)
    gemeente: str = _s(4)
    aanbieder: str = _s(8)
    client: str = _s(PSEUDONYM_LENGTH)
    toewijzing_nummer: int
    categorie: str | None = _s(2, default=None)
    code: str | None = _s(5, default=None)
    ingangsdatum: date
    einddatum: date | None = None
    reden_wijziging: str | None = _s(2, default=None)
    volume: int | None = None
    eenheid: str | None = _s(2, default=None)
    frequentie: str | None = _s(1, default=None)
    budget: int | None = None
    referentie_aanbieder: str | None = _s(36, default=None)
    toewijzingsdatum: date
    toewijzingstijd: time
    bericht_id: str = _bericht_fk()


# ---- deliveries (JW305, JW307) --------------------------------------------------------------------


class StartRecord(SQLModel, table=True):
    """A start line; key (ToewijzingNummer, Categorie, Code, Begindatum), deleted by StatusAanlevering 3."""

    __tablename__ = "startregel"
    __table_args__ = (
        Index("ix_startregel_client", "gemeente", "aanbieder", "client", "status"),
        Index("ix_startregel_client_gemeente", "client", "gemeente"),  # the GI linking's group
    )

    id: int | None = Field(default=None, primary_key=True)
    gemeente: str = _s(4)
    aanbieder: str = _s(8)
    client: str = _s(PSEUDONYM_LENGTH)
    toewijzing_nummer: int | None = None
    categorie: str | None = _s(2, default=None)
    code: str | None = _s(5, default=None)
    begindatum: date
    toewijzing_ingangsdatum: date | None = None
    status: str = _s(8, default=IN_FORCE)
    bericht_id: str = _bericht_fk()
    verwijderd_bericht_id: str | None = _bericht_fk(default=None)


class StopRecord(SQLModel, table=True):
    """A stop line; its key adds Einddatum and RedenBeeindiging to the start's key."""

    __tablename__ = "stopregel"
    __table_args__ = (Index("ix_stopregel_client", "gemeente", "aanbieder", "client", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    gemeente: str = _s(4)
    aanbieder: str = _s(8)
    client: str = _s(PSEUDONYM_LENGTH)
    toewijzing_nummer: int | None = None
    categorie: str | None = _s(2, default=None)
    code: str | None = _s(5, default=None)
    begindatum: date
    einddatum: date
    reden_beeindiging: str = _s(2)
    toewijzing_ingangsdatum: date | None = None
    status: str = _s(8, default=IN_FORCE)
    bericht_id: str = _bericht_fk()
    verwijderd_bericht_id: str | None = _bericht_fk(default=None)


# ---- requests and answers (JW315, JW317, JW319) ---------------------------------------------------


class VerzoekRecord(SQLModel, table=True):
    """A ReferentieAanbieder: one VOT AangevraagdProduct or one whole VOW, with what it asked for."""

    __tablename__ = "verzoek"
    __table_args__ = (
        Index("ux_verzoek_referentie", "aanbieder", "referentie_aanbieder", unique=True),  # OP361, TR347
        Index("ix_verzoek_client", "gemeente", "aanbieder", "client"),
        Index("ix_verzoek_client_gemeente", "client", "gemeente"),  # the GI linking's group
    )

    id: int | None = Field(default=None, primary_key=True)
    aanbieder: str = _s(8)
    gemeente: str = _s(4)
    client: str = _s(PSEUDONYM_LENGTH)
    referentie_aanbieder: str = _s(36)
    soort: str = _s(3)  # VOT or VOW
    dagtekening: date
    reden_verzoek: str | None = _s(1, default=None)  # VOW only
    # What a VOT product asked for (a VOW's products stay in its message).
    categorie: str | None = _s(2, default=None)
    code: str | None = _s(5, default=None)
    ingangsdatum: date | None = None
    einddatum: date | None = None
    volume: int | None = None
    eenheid: str | None = _s(2, default=None)
    frequentie: str | None = _s(1, default=None)
    budget: int | None = None
    toegewezen: bool = False  # a JW301 ToegewezenProduct carried this ReferentieAanbieder
    bericht_id: str = _bericht_fk()


class AntwoordRecord(SQLModel, table=True):
    """An accepted JW319 Antwoord on a ReferentieAanbieder."""

    __tablename__ = "antwoord"
    __table_args__ = (Index("ix_antwoord_referentie", "aanbieder", "referentie_aanbieder"),)

    id: int | None = Field(default=None, primary_key=True)
    aanbieder: str = _s(8)
    gemeente: str = _s(4)
    referentie_aanbieder: str = _s(36)
    verzoek_antwoord: str = _s(1)
    reden: str | None = _s(1, default=None)  # RedenAfwijzingVerzoek
    woonplaatsbeginsel: str | None = _s(4, default=None)  # the gemeente named responsible
    dagtekening: date
    bericht_id: str = _bericht_fk()


# ---- declarations (JW323, JW325) ------------------------------------------------------------------


_VERSIE = String(20).with_variant(Text(), "postgresql")


class DeclaratieRecord(SQLModel, table=True):
    """An accepted JW323 Declaratie; `afgewezen` when its JW325 rejected it as a whole (counts as not sent)."""

    __tablename__ = "declaratie"
    __table_args__ = (
        Index("ix_declaratie_nummer", "aanbieder", "declaratie_nummer"),
        Index("ix_declaratie_periode", "aanbieder", "gemeente", "periode_begin"),
        Index("ix_declaratie_bericht_id", "bericht_id"),  # the declaratie a JW325 answers
    )

    id: int | None = Field(default=None, primary_key=True)
    aanbieder: str = _s(8)
    gemeente: str = _s(4)
    declaratie_nummer: str = _s(12)
    periode_begin: date
    periode_eind: date
    declaratie_dagtekening: date
    # The JW323's XsdVersie, for TR371; None for declaraties stored before migration 0007 (not judged).
    # LDT_Versie has no maxLength: TEXT on PostgreSQL (migration 0010). SQLite enforces no length, and changing the
    # declared type there means rebuilding `declaratie`, which the prestaties' foreign key forbids.
    basisschema_xsd_versie: str | None = Field(default=None, sa_type=_VERSIE)
    bericht_xsd_versie: str | None = Field(default=None, sa_type=_VERSIE)
    afgewezen: bool = False
    bericht_id: str = _bericht_fk()


class PrestatieRecord(SQLModel, table=True):
    """A declared line with the JW325 outcome: toegekend None until answered, False when returned (by the
    gemeente's JW325, or at intake by the hub's own retour)."""

    __tablename__ = "prestatie"
    __table_args__ = (
        Index("ix_prestatie_referentie", "aanbieder", "referentie_nummer"),
        Index("ix_prestatie_toewijzing", "aanbieder", "gemeente", "toewijzing_nummer"),
    )

    id: int | None = Field(default=None, primary_key=True)
    declaratie_id: int = Field(foreign_key="declaratie.id", index=True)
    aanbieder: str = _s(8)
    gemeente: str = _s(4)
    client: str = _s(PSEUDONYM_LENGTH)
    referentie_nummer: str = _s(20)
    vorig_referentie_nummer: str | None = _s(20, default=None)
    toewijzing_nummer: int
    categorie: str = _s(2)
    code: str | None = _s(5, default=None)
    begindatum: date
    einddatum: date
    volume: int
    eenheid: str = _s(2)
    tarief: int | None = None
    bedrag: int  # euro cents, unsigned; `debet` gives the sign
    debet: bool
    toegekend: bool | None = None
    gecrediteerd: bool = False  # an accepted credit line names this line as VorigReferentieNummer
    antwoord_bericht_id: str | None = _bericht_fk(default=None)  # the JW325 that answered it


# ---- the gateway's spool (hub.store.spool) --------------------------------------------------------


class SpoolRecord(SQLModel, table=True):
    """An inbound message the gateway answered 202 while the broker was away, kept until the broker acknowledged it.

    Holds the raw message (it may name a client): a row lives only until the broker is back.
    """

    __tablename__ = "gateway_spool"

    id: int | None = Field(default=None, primary_key=True)  # the order: published oldest (lowest) first
    bericht_id: str = _s(32)  # the hub's message id, also in `headers`
    kafka_key: str = Field(sa_type=Text)  # gemeente:aanbieder as read from an unchecked header: no length
    headers: dict[str, str] = Field(sa_type=JSON)  # bericht-id, ontvangen-op, content-type, as published
    raw: bytes = Field(sa_type=LargeBinary)
    received_at: datetime = Field(sa_type=UtcDateTime)
    # The lease of the gateway publishing the row now (hub.store.spool.Spool.claim); None: nobody.
    claimed_by: str | None = _s(32, default=None)
    claimed_until: datetime | None = Field(default=None, sa_type=UtcDateTime)


# The monitor's tables (issue 5), the GI tables (issue 4), the key's fingerprint and the intake's attempts live in
# their own modules; importing them here puts them on SQLModel.metadata.
from hub.store import attempts, gi_tables, key_fingerprint, monitor_tables  # noqa: E402, F401
