"""The monitor's tables (issue 5): observations made once per key, and the events the processors handled.

An observation is a fact derived from the trajectory state when the later message of a pair is processed;
its unique key makes a redelivered or replayed event, or a second replica, add nothing. No column holds
personal data: keys are sender codes with message numbers (ToewijzingNummer, ReferentieAanbieder) or row ids.
Imported by hub.store.tables, so SQLModel.metadata (and the migration check) always includes these tables.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Index, Text
from sqlmodel import Field, SQLModel

from hub.store.tables import StartRecord, StopRecord, ToewijzingRecord, UtcDateTime, _s, table_of

SLEUTEL_LENGTH = 128
REGIO_LENGTH = 100


class DoorlooptijdRecord(SQLModel, table=True):
    """One observation of jeugdhulp_doorlooptijd_seconds; (fase, sleutel) is observed at most once."""

    __tablename__ = "monitor_doorlooptijd"
    __table_args__ = (Index("ux_monitor_doorlooptijd_sleutel", "fase", "sleutel", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    fase: str = _s(32)
    sleutel: str = _s(SLEUTEL_LENGTH)
    regio: str = _s(REGIO_LENGTH)
    productcategorie: str = _s(16)
    seconden: int = Field(sa_type=BigInteger)
    bericht_id: str | None = _s(32, default=None)  # the later message of the pair, for track and trace
    observed_at: datetime = Field(sa_type=UtcDateTime)


class NormRecord(SQLModel, table=True):
    """One outcome of jeugdhulp_norm_total; (norm, sleutel) is counted at most once.

    begindatum and einddatum are the two dates the norm compared (migration 0013): `hub normen` counts an outcome
    in the month of one of them. Outcomes stored before 0013 have neither.
    """

    __tablename__ = "monitor_norm"
    __table_args__ = (
        Index("ux_monitor_norm_sleutel", "norm", "sleutel", unique=True),
        # A month's outcomes per norm, by either date (hub.monitor.maand).
        Index("ix_monitor_norm_einddatum", "norm", "einddatum"),
        Index("ix_monitor_norm_begindatum", "norm", "begindatum"),
    )

    id: int | None = Field(default=None, primary_key=True)
    norm: str = _s(64)
    sleutel: str = _s(SLEUTEL_LENGTH)
    uitkomst: str = _s(8)
    regio: str = _s(REGIO_LENGTH)
    bericht_id: str | None = _s(32, default=None)
    observed_at: datetime = Field(sa_type=UtcDateTime)
    begindatum: date | None = None
    einddatum: date | None = None


class BeeindigdRecord(SQLModel, table=True):
    """One accepted first stop line counted in jeugdhulp_beeindigd_total; sleutel names the stop line."""

    __tablename__ = "monitor_beeindigd"
    __table_args__ = (Index("ux_monitor_beeindigd_sleutel", "sleutel", unique=True),)

    id: int | None = Field(default=None, primary_key=True)
    sleutel: str = _s(SLEUTEL_LENGTH)
    reden: str = _s(2)
    regio: str = _s(REGIO_LENGTH)
    productcategorie: str = _s(16)
    bericht_id: str | None = _s(32, default=None)
    observed_at: datetime = Field(sa_type=UtcDateTime)


class SnapshotRecord(SQLModel, table=True):
    """The domain metrics as last computed, shared by the replicas (hub.store.monitor_snapshot); one row per set
    of dropped labels and of families. `claimed_until`: a replica computes them anew until then; None: nobody does."""

    __tablename__ = "monitor_snapshot"

    sleutel: str = _s(64, primary_key=True)  # dropped labels and a digest of the families (monitor.collector)
    vandaag: date | None = None  # the day the gauges were computed as of
    computed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    claimed_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
    families: str | None = Field(default=None, sa_type=Text)  # JSON: every family with its samples


class VerwerktEventRecord(SQLModel, table=True):
    """An event the processors handled: a redelivery finds it and changes nothing."""

    __tablename__ = "monitor_event"

    event_id: str = _s(36, primary_key=True)  # the event's uuid5, the same for every redelivery
    type: str = _s(64)
    bericht_id: str | None = _s(32, default=None, index=True)
    verwerkt_op: datetime = Field(sa_type=UtcDateTime)


# Lookups the processors and the gauges make on the intake's tables: by ReferentieAanbieder, and the starts
# of one toewijzing (a toewijzing is identified by gemeente and ToewijzingNummer).
Index(
    "ix_toewijzing_referentie",
    table_of(ToewijzingRecord).c.aanbieder,
    table_of(ToewijzingRecord).c.referentie_aanbieder,
)
Index("ix_startregel_nummer", table_of(StartRecord).c.gemeente, table_of(StartRecord).c.toewijzing_nummer)
# The stop lines of a JW307, which the processors read per stop event (hub.store.facts.stopregels); migration 0008.
Index("ix_stopregel_bericht_id", table_of(StopRecord).c.bericht_id)
