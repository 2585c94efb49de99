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
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlmodel import Session

from hub.store.db import run
from hub.store.tables import (
    AntwoordRecord,
    BerichtRecord,
    StartRecord,
    StopRecord,
    ToewijzingRecord,
    VerzoekRecord,
    table_of,
)

VOT = "VOT"

T = table_of(ToewijzingRecord)
V = table_of(VerzoekRecord)
A = table_of(AntwoordRecord)
ST = table_of(StartRecord)
SP = table_of(StopRecord)
BERICHT = table_of(BerichtRecord)

# Statements are built once, with bind parameters, and run on the connection (hub.store.db.run): building a
# select() per call (coercing every `==`) cost more than running it, and loading an ORM entity about three
# times what reading the few columns an observer uses does; the processors run several per event.


class Toewijzing(NamedTuple):
    """The columns of one toewijzing version (ToegewezenProduct) that the observers read."""

    toewijzing_nummer: int
    categorie: str | None
    toewijzingsdatum: date
    bericht_id: str  # the message that brought it


_TOEWIJZING = (T.c.toewijzing_nummer, T.c.categorie, T.c.toewijzingsdatum, T.c.bericht_id)
_EERSTE_VERSIE = (
    select(*_TOEWIJZING)
    .where(T.c.gemeente == bindparam("gemeente"), T.c.toewijzing_nummer == bindparam("nummer"))
    .order_by(T.c.id)
    .limit(1)
)


def eerste_versie(session: Session, gemeente: str, nummer: int) -> Toewijzing | None:
    """The first accepted version of a toewijzing: its Toewijzingsdatum is what waiting times count from."""
    row = run(session, _EERSTE_VERSIE, {"gemeente": gemeente, "nummer": nummer}).first()
    return None if row is None else Toewijzing(*row)


class Verzoek(NamedTuple):
    """The columns of a requested product that the observers read."""

    gemeente: str
    dagtekening: date  # of the JW315


_VERZOEK_OM_TOEWIJZING = select(V.c.gemeente, V.c.dagtekening).where(
    V.c.aanbieder == bindparam("aanbieder"),
    V.c.referentie_aanbieder == bindparam("referentie"),
    V.c.gemeente == bindparam("gemeente"),
    V.c.soort == VOT,
)


def verzoek_om_toewijzing(session: Session, gemeente: str, aanbieder: str, referentie: str) -> Verzoek | None:
    """The JW315 requested product with this ReferentieAanbieder, sent to this gemeente (a VOW is not one)."""
    params = {"gemeente": gemeente, "aanbieder": aanbieder, "referentie": referentie}
    row = run(session, _VERZOEK_OM_TOEWIJZING, params).first()
    return None if row is None else Verzoek(*row)


_EERSTE_TOEWIJZING_MET_REFERENTIE = (
    select(*_TOEWIJZING)
    .where(
        T.c.aanbieder == bindparam("aanbieder"),
        T.c.referentie_aanbieder == bindparam("referentie"),
        T.c.gemeente == bindparam("gemeente"),
    )
    .order_by(T.c.id)
    .limit(1)
)


def eerste_toewijzing_met_referentie(
    session: Session, gemeente: str, aanbieder: str, referentie: str
) -> Toewijzing | None:
    """The first accepted ToegewezenProduct that carried this ReferentieAanbieder (it answers the request)."""
    params = {"gemeente": gemeente, "aanbieder": aanbieder, "referentie": referentie}
    row = run(session, _EERSTE_TOEWIJZING_MET_REFERENTIE, params).first()
    return None if row is None else Toewijzing(*row)


_EERSTE_JW319 = (
    select(BERICHT.c.validated_at, A.c.dagtekening)
    .join(BERICHT, BERICHT.c.id == A.c.bericht_id)
    .where(
        A.c.aanbieder == bindparam("aanbieder"),
        A.c.referentie_aanbieder == bindparam("referentie"),
        A.c.gemeente == bindparam("gemeente"),
    )
    .order_by(BERICHT.c.validated_at, A.c.id)
    .limit(1)
)


@dataclass(frozen=True, slots=True)
class Toegewezen:
    """The first accepted ToegewezenProduct that carried a ReferentieAanbieder, and its toewijzing's first version."""

    product: Toewijzing  # its message's validated_at says when the answer was accepted
    eerste_versie: Toewijzing  # its Toewijzingsdatum is the answer's date


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
    select(ST.c.begindatum)
    .where(ST.c.gemeente == bindparam("gemeente"), ST.c.toewijzing_nummer == bindparam("nummer"))
    .order_by(ST.c.id)
    .limit(1)
)


def eerste_begindatum(session: Session, gemeente: str, nummer: int) -> date | None:
    """The Begindatum of the first accepted start line of a toewijzing, also when it was deleted or stopped since."""
    begindatum: date | None = run(session, _EERSTE_START, {"gemeente": gemeente, "nummer": nummer}).scalar()
    return begindatum


class Stopregel(NamedTuple):
    """The columns of a stop line that the observers read."""

    id: int
    gemeente: str
    toewijzing_nummer: int | None
    categorie: str | None
    reden_beeindiging: str


# By ix_stopregel_bericht_id (migration 0008): without it every stop line in the store is read per JW307.
_STOPREGELS = (
    select(SP.c.id, SP.c.gemeente, SP.c.toewijzing_nummer, SP.c.categorie, SP.c.reden_beeindiging)
    .where(SP.c.bericht_id == bindparam("bericht_id"))
    .order_by(SP.c.id)
)


def stopregels(session: Session, bericht_id: str) -> list[Stopregel]:
    """The stop lines (StatusAanlevering 1) this message added."""
    return [Stopregel(*r) for r in run(session, _STOPREGELS, {"bericht_id": bericht_id})]


# The one column needed, not the whole message row (which holds its retour and event).
_VALIDATED_AT = select(BERICHT.c.validated_at).where(BERICHT.c.id == bindparam("id"))


def _validated_at(session: Session, bericht_id: str) -> datetime | None:
    validated_at: datetime | None = run(session, _VALIDATED_AT, {"id": bericht_id}).scalar()
    return validated_at
