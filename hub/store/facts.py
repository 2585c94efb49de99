"""The facts the monitor's observers read from the trajectory state, each fixed once it is in the store.

"First" means first accepted: the lowest row id within a table (the messages of one gemeente and aanbieder
share a partition, so the intake accepts them one after another), and across tables the earliest
`validated_at` of the accepting message. Rows written later never change a first row, so an observation
computed from these facts is the same whenever, and by whichever replica, its event is processed.
A toewijzing is identified by (gemeente, ToewijzingNummer); a requested product by (aanbieder, ReferentieAanbieder).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from hub.store.db import run
from hub.store.tables import (
    AntwoordRecord,
    BerichtRecord,
    StartRecord,
    StopRecord,
    ToewijzingRecord,
    VerzoekRecord,
)

VOT = "VOT"

# Statements are built once, with bind parameters: building a select() per call (coercing every `==`) cost
# more than running it, and the processors run several per event.
_EERSTE_VERSIE = (
    select(ToewijzingRecord)
    .where(
        col(ToewijzingRecord.gemeente) == bindparam("gemeente"),
        col(ToewijzingRecord.toewijzing_nummer) == bindparam("nummer"),
    )
    .order_by(col(ToewijzingRecord.id))
    .limit(1)
)


def eerste_versie(session: Session, gemeente: str, nummer: int) -> ToewijzingRecord | None:
    """The first accepted version of a toewijzing: its Toewijzingsdatum is what waiting times count from."""
    return session.exec(_EERSTE_VERSIE, params={"gemeente": gemeente, "nummer": nummer}).first()


_VERZOEK_OM_TOEWIJZING = select(VerzoekRecord).where(
    col(VerzoekRecord.aanbieder) == bindparam("aanbieder"),
    col(VerzoekRecord.referentie_aanbieder) == bindparam("referentie"),
    col(VerzoekRecord.gemeente) == bindparam("gemeente"),
    col(VerzoekRecord.soort) == VOT,
)


def verzoek_om_toewijzing(session: Session, gemeente: str, aanbieder: str, referentie: str) -> VerzoekRecord | None:
    """The JW315 requested product with this ReferentieAanbieder, sent to this gemeente (a VOW is not one)."""
    params = {"gemeente": gemeente, "aanbieder": aanbieder, "referentie": referentie}
    return session.exec(_VERZOEK_OM_TOEWIJZING, params=params).first()


_EERSTE_TOEWIJZING_MET_REFERENTIE = (
    select(ToewijzingRecord)
    .where(
        col(ToewijzingRecord.aanbieder) == bindparam("aanbieder"),
        col(ToewijzingRecord.referentie_aanbieder) == bindparam("referentie"),
        col(ToewijzingRecord.gemeente) == bindparam("gemeente"),
    )
    .order_by(col(ToewijzingRecord.id))
    .limit(1)
)


def eerste_toewijzing_met_referentie(
    session: Session, gemeente: str, aanbieder: str, referentie: str
) -> ToewijzingRecord | None:
    """The first accepted ToegewezenProduct that carried this ReferentieAanbieder (it answers the request)."""
    params = {"gemeente": gemeente, "aanbieder": aanbieder, "referentie": referentie}
    return session.exec(_EERSTE_TOEWIJZING_MET_REFERENTIE, params=params).first()


_EERSTE_JW319 = (
    select(col(BerichtRecord.validated_at), col(AntwoordRecord.dagtekening))
    .join(BerichtRecord, col(BerichtRecord.id) == col(AntwoordRecord.bericht_id))
    .where(
        col(AntwoordRecord.aanbieder) == bindparam("aanbieder"),
        col(AntwoordRecord.referentie_aanbieder) == bindparam("referentie"),
        col(AntwoordRecord.gemeente) == bindparam("gemeente"),
    )
    .order_by(col(BerichtRecord.validated_at), col(AntwoordRecord.id))
    .limit(1)
)


@dataclass(frozen=True, slots=True)
class Toegewezen:
    """The first accepted ToegewezenProduct that carried a ReferentieAanbieder, and its toewijzing's first version."""

    product: ToewijzingRecord  # its message's validated_at says when the answer was accepted
    eerste_versie: ToewijzingRecord  # its Toewijzingsdatum is the answer's date


def toegewezen(session: Session, gemeente: str, aanbieder: str, referentie: str) -> Toegewezen | None:
    """The toewijzing that answers the requested product with this reference; None while none came."""
    product = eerste_toewijzing_met_referentie(session, gemeente, aanbieder, referentie)
    if product is None:
        return None
    return Toegewezen(product, eerste_versie(session, gemeente, product.toewijzing_nummer) or product)


def eerste_antwoord(
    session: Session, gemeente: str, aanbieder: str, referentie: str, toewijzing: Toegewezen | None
) -> date | None:
    """The date of the first answer to a requested product: a toewijzing or a JW319 (any VerzoekAntwoord).

    `toewijzing` is what toegewezen() answers for the reference (the caller has it). A toewijzing answers on
    the Toewijzingsdatum of its first version, a JW319 on its Dagtekening. The answer accepted first wins (the
    earlier `validated_at` of the two messages); None while none came.
    """
    kandidaten: list[tuple[datetime | None, int, date]] = []
    if toewijzing is not None:
        validated_at = _validated_at(session, toewijzing.product.bericht_id)
        kandidaten.append((validated_at, 0, toewijzing.eerste_versie.toewijzingsdatum))
    params = {"gemeente": gemeente, "aanbieder": aanbieder, "referentie": referentie}
    antwoord = run(session, _EERSTE_JW319, params).first()
    if antwoord is not None:
        kandidaten.append((antwoord[0], 1, antwoord[1]))
    if not kandidaten:
        return None
    # An unknown validation time sorts last; on equal times the toewijzing (0) goes first.
    return min(kandidaten, key=lambda k: (k[0] is None, k[0] or datetime.min, k[1]))[2]


_EERSTE_START = (
    select(StartRecord)
    .where(
        col(StartRecord.gemeente) == bindparam("gemeente"),
        col(StartRecord.toewijzing_nummer) == bindparam("nummer"),
    )
    .order_by(col(StartRecord.id))
    .limit(1)
)


def eerste_start(session: Session, gemeente: str, nummer: int) -> StartRecord | None:
    """The first accepted start line of a toewijzing, also when it was deleted or stopped since."""
    return session.exec(_EERSTE_START, params={"gemeente": gemeente, "nummer": nummer}).first()


_STOPREGELS = select(StopRecord).where(col(StopRecord.bericht_id) == bindparam("bericht_id")).order_by(col(StopRecord.id))


def stopregels(session: Session, bericht_id: str) -> list[StopRecord]:
    """The stop lines (StatusAanlevering 1) this message added."""
    return list(session.exec(_STOPREGELS, params={"bericht_id": bericht_id}))


# The one column needed, not the whole message row (which holds its retour and event).
_VALIDATED_AT = select(col(BerichtRecord.validated_at)).where(col(BerichtRecord.id) == bindparam("id"))


def _validated_at(session: Session, bericht_id: str) -> datetime | None:
    validated_at: datetime | None = run(session, _VALIDATED_AT, {"id": bericht_id}).scalar()
    return validated_at
