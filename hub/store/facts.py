"""The facts the monitor's observers read from the trajectory state, each fixed once it is in the store.

"First" means first accepted: the lowest row id within a table (the messages of one gemeente and aanbieder
share a partition, so the intake accepts them one after another), and across tables the earliest
`validated_at` of the accepting message. Rows written later never change a first row, so an observation
computed from these facts is the same whenever, and by whichever replica, its event is processed.
A toewijzing is identified by (gemeente, ToewijzingNummer); a requested product by (aanbieder, ReferentieAanbieder).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from hub.store.tables import (
    AntwoordRecord,
    BerichtRecord,
    StartRecord,
    StopRecord,
    ToewijzingRecord,
    VerzoekRecord,
)

VOT = "VOT"


def eerste_versie(session: Session, gemeente: str, nummer: int) -> ToewijzingRecord | None:
    """The first accepted version of a toewijzing: its Toewijzingsdatum is what waiting times count from."""
    stmt = (
        select(ToewijzingRecord)
        .where(ToewijzingRecord.gemeente == gemeente, ToewijzingRecord.toewijzing_nummer == nummer)
        .order_by(col(ToewijzingRecord.id))
        .limit(1)
    )
    return session.exec(stmt).first()


def verzoek_om_toewijzing(session: Session, gemeente: str, aanbieder: str, referentie: str) -> VerzoekRecord | None:
    """The JW315 requested product with this ReferentieAanbieder, sent to this gemeente (a VOW is not one)."""
    stmt = select(VerzoekRecord).where(
        VerzoekRecord.aanbieder == aanbieder,
        VerzoekRecord.referentie_aanbieder == referentie,
        VerzoekRecord.gemeente == gemeente,
        VerzoekRecord.soort == VOT,
    )
    return session.exec(stmt).first()


def eerste_toewijzing_met_referentie(
    session: Session, gemeente: str, aanbieder: str, referentie: str
) -> ToewijzingRecord | None:
    """The first accepted ToegewezenProduct that carried this ReferentieAanbieder (it answers the request)."""
    stmt = (
        select(ToewijzingRecord)
        .where(
            ToewijzingRecord.aanbieder == aanbieder,
            ToewijzingRecord.referentie_aanbieder == referentie,
            ToewijzingRecord.gemeente == gemeente,
        )
        .order_by(col(ToewijzingRecord.id))
        .limit(1)
    )
    return session.exec(stmt).first()


def eerste_antwoord(session: Session, gemeente: str, aanbieder: str, referentie: str) -> date | None:
    """The date of the first answer to a requested product: a toewijzing or a JW319 (any VerzoekAntwoord).

    A toewijzing answers on the Toewijzingsdatum of its first version, a JW319 on its Dagtekening. The answer
    accepted first wins (the earlier `validated_at` of the two messages); None while none came.
    """
    kandidaten: list[tuple[datetime | None, int, date]] = []
    toewijzing = eerste_toewijzing_met_referentie(session, gemeente, aanbieder, referentie)
    if toewijzing is not None:
        eerste = eerste_versie(session, gemeente, toewijzing.toewijzing_nummer) or toewijzing
        kandidaten.append((_validated_at(session, toewijzing.bericht_id), 0, eerste.toewijzingsdatum))
    stmt = (
        select(col(BerichtRecord.validated_at), col(AntwoordRecord.dagtekening))
        .join(BerichtRecord, col(BerichtRecord.id) == col(AntwoordRecord.bericht_id))
        .where(
            AntwoordRecord.aanbieder == aanbieder,
            AntwoordRecord.referentie_aanbieder == referentie,
            AntwoordRecord.gemeente == gemeente,
        )
        .order_by(col(BerichtRecord.validated_at), col(AntwoordRecord.id))
        .limit(1)
    )
    antwoord = session.exec(stmt).first()
    if antwoord is not None:
        kandidaten.append((antwoord[0], 1, antwoord[1]))
    if not kandidaten:
        return None
    # An unknown validation time sorts last; on equal times the toewijzing (0) goes first.
    return min(kandidaten, key=lambda k: (k[0] is None, k[0] or datetime.min, k[1]))[2]


def eerste_start(session: Session, gemeente: str, nummer: int) -> StartRecord | None:
    """The first accepted start line of a toewijzing, also when it was deleted or stopped since."""
    stmt = (
        select(StartRecord)
        .where(StartRecord.gemeente == gemeente, StartRecord.toewijzing_nummer == nummer)
        .order_by(col(StartRecord.id))
        .limit(1)
    )
    return session.exec(stmt).first()


def stopregels(session: Session, bericht_id: str) -> list[StopRecord]:
    """The stop lines (StatusAanlevering 1) this message added."""
    stmt = select(StopRecord).where(StopRecord.bericht_id == bericht_id).order_by(col(StopRecord.id))
    return list(session.exec(stmt))


def _validated_at(session: Session, bericht_id: str) -> datetime | None:
    record = session.get(BerichtRecord, bericht_id)
    return record.validated_at if record is not None else None
