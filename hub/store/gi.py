"""The GI messages in the store: the snapshot their stateful rules judge against, and what an accepted one writes.

Only accepted parts change the state (docs/gi-berichten.md 4.1): a part rejected by a level-3 rule (GB102-GB105)
counts as not sent while the other parts of the message are processed. `onderdelen` names the accepted parts by
their index in document order; None means all. Clients are known by their pseudonym only.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import replace
from types import MappingProxyType
from typing import TypeVar

from sqlmodel import Session, col, select

from hub.gi.codes import INTREKKING, NIEUW
from hub.gi.models import Gi001, Gi002, Gi003, GiBericht
from hub.gi.regio import regio_naam
from hub.gi.state import BepalingState, GiSnapshot, MaatregelState
from hub.ijw.models import Bericht, Jw315
from hub.store.gi_tables import (
    GiBepalingRecord,
    GiCapaciteitRecord,
    GiMaatregelRecord,
    GiVerwijzingRecord,
)
from hub.store.tables import BerichtRecord

Pseudonym = Callable[[str], str]
T = TypeVar("T")
HEENBERICHTEN = frozenset({"GI001", "GI002", "GI003"})


def _accepted(items: Iterable[T], onderdelen: Collection[int] | None) -> list[T]:
    return [item for i, item in enumerate(items) if onderdelen is None or i in onderdelen]


# ---- snapshot -------------------------------------------------------------------------------------


def load_snapshot(session: Session, model: GiBericht, pseudonym: Pseudonym) -> GiSnapshot:
    """What GB101-GB105 need: the GI's earlier Identificatie, and the bepalingen and maatregelen the message names."""
    base = GiSnapshot(pseudonym=pseudonym)
    if model.bericht not in HEENBERICHTEN:
        return base  # the hub's own answers have no stateful rules
    gi = model.header.afzender
    base = replace(base, identificatie_bekend=identificatie_bekend(session, model))
    match model:
        case Gi001():
            bepalingen = model.client.bepalingen
            return replace(
                base,
                bepalingen=_bepalingen(session, gi, {b.bepaling_id for b in bepalingen}),
                maatregelen=_maatregelen(session, gi, {b.maatregel.maatregel_id for b in bepalingen}),
            )
        case Gi002():
            ids = {m.maatregel_id for m in model.client.maatregelen}
            return replace(base, maatregelen=_maatregelen(session, gi, ids))
    return base


def identificatie_bekend(session: Session, model: GiBericht) -> bool:
    """GB101: an accepted earlier message of this GI with the same message type and Identificatie."""
    h = model.header
    stmt = (
        select(BerichtRecord.id)
        .where(
            BerichtRecord.afzender == h.afzender,
            BerichtRecord.bericht == model.bericht,
            BerichtRecord.identificatie == h.identificatie,
            BerichtRecord.outcome == "accepted",
        )
        .limit(1)
    )
    return session.exec(stmt).first() is not None


def bepaling_state(r: GiBepalingRecord) -> BepalingState:
    return BepalingState(
        gi=r.gi,
        bepaling_id=r.bepaling_id,
        client=r.client,
        gemeente=r.gemeente,
        maatregel_id=r.maatregel_id,
        maatregel_type=r.maatregel_type,
        categorie=r.categorie,
        code=r.code,
        datum_bepaling=r.datum_bepaling,
        gewenste_ingangsdatum=r.gewenste_ingangsdatum,
        urgentie=r.urgentie,
        dagtekening=r.dagtekening,
        ingetrokken=r.ingetrokken,
    )


def _bepalingen(session: Session, gi: str, ids: Collection[str]) -> MappingProxyType[str, BepalingState]:
    """Per BepalingId the bepaling in force, else the latest withdrawn one (an id may be used again)."""
    stmt = (
        select(GiBepalingRecord)
        .where(GiBepalingRecord.gi == gi, col(GiBepalingRecord.bepaling_id).in_(ids))
        .order_by(col(GiBepalingRecord.id))
    )
    found: dict[str, BepalingState] = {}
    for r in session.exec(stmt):
        earlier = found.get(r.bepaling_id)
        if earlier is None or earlier.ingetrokken:
            found[r.bepaling_id] = bepaling_state(r)
    return MappingProxyType(found)


def _maatregelen(session: Session, gi: str, ids: Collection[str]) -> MappingProxyType[str, MaatregelState]:
    stmt = select(GiMaatregelRecord).where(
        GiMaatregelRecord.gi == gi, col(GiMaatregelRecord.maatregel_id).in_(ids)
    )
    return MappingProxyType(
        {
            r.maatregel_id: MaatregelState(
                gi=r.gi,
                maatregel_id=r.maatregel_id,
                client=r.client,
                maatregel_type=r.maatregel_type,
                datum_uitspraak=r.datum_uitspraak,
                datum_vaste_jeugdbeschermer=r.datum_vaste_jeugdbeschermer,
                datum_gedragen_koers=r.datum_gedragen_koers,
                einddatum=r.einddatum,
            )
            for r in session.exec(stmt)
        }
    )


# ---- apply ----------------------------------------------------------------------------------------


def apply_accepted(
    session: Session,
    model: GiBericht,
    bericht_id: str,
    pseudonym: Pseudonym,
    onderdelen: Collection[int] | None = None,
) -> None:
    """Write the accepted parts of one GI heenbericht; the hub's own GI101/GI102 change nothing."""
    match model:
        case Gi001():
            _gi001(session, model, bericht_id, pseudonym, onderdelen)
        case Gi002():
            _gi002(session, model, bericht_id, pseudonym, onderdelen)
        case Gi003():
            _gi003(session, model, bericht_id, onderdelen)
    session.flush()


def _gi001(
    session: Session, m: Gi001, bericht_id: str, pseudonym: Pseudonym, onderdelen: Collection[int] | None
) -> None:
    """Withdrawals (3) before new bepalingen (1), as the rules judge them, so one message can correct."""
    gi, gemeente, client = m.header.afzender, m.header.ontvanger, pseudonym(m.client.bsn)
    dagtekening = m.header.dagtekening
    parts = _accepted(m.client.bepalingen, onderdelen)
    for b in parts:
        if b.status_aanlevering != INTREKKING:
            continue
        row = lopende_bepaling(session, gi, b.bepaling_id)
        if row is not None and row.client == client:  # GB103 rejects anything else
            row.ingetrokken = True
            row.ingetrokken_op = dagtekening
            row.ingetrokken_bericht_id = bericht_id
            session.add(row)
    session.flush()  # the withdrawn id is free before a new bepaling may take it (the partial unique index)
    for b in parts:
        if b.status_aanlevering != NIEUW:
            continue
        omvang = b.omvang
        session.add(
            GiBepalingRecord(
                gi=gi,
                bepaling_id=b.bepaling_id,
                client=client,
                gemeente=gemeente,
                maatregel_id=b.maatregel.maatregel_id,
                maatregel_type=b.maatregel.maatregel_type,
                categorie=b.product.categorie,
                code=b.product.code,
                volume=omvang.volume if omvang else None,
                eenheid=omvang.eenheid if omvang else None,
                frequentie=omvang.frequentie if omvang else None,
                datum_bepaling=b.datum_bepaling,
                gewenste_ingangsdatum=b.gewenste_ingangsdatum,
                urgentie=b.urgentie,
                voorkeur_aanbieder=b.voorkeur_aanbieder,
                dagtekening=dagtekening,
                bericht_id=bericht_id,
            )
        )
        _maatregel(session, gi, b.maatregel.maatregel_id, b.maatregel.maatregel_type, client, gemeente, bericht_id)


def lopende_bepaling(session: Session, gi: str, bepaling_id: str) -> GiBepalingRecord | None:
    stmt = select(GiBepalingRecord).where(
        GiBepalingRecord.gi == gi,
        GiBepalingRecord.bepaling_id == bepaling_id,
        col(GiBepalingRecord.ingetrokken).is_(False),
    )
    return session.exec(stmt).first()


def _maatregel(
    session: Session, gi: str, maatregel_id: str, maatregel_type: str, client: str, gemeente: str, bericht_id: str
) -> GiMaatregelRecord:
    """The maatregel row, made on first mention; its gemeente follows the latest message about it."""
    stmt = select(GiMaatregelRecord).where(GiMaatregelRecord.gi == gi, GiMaatregelRecord.maatregel_id == maatregel_id)
    row = session.exec(stmt).first()
    if row is None:
        row = GiMaatregelRecord(
            gi=gi, maatregel_id=maatregel_id, client=client, maatregel_type=maatregel_type, gemeente=gemeente,
            bericht_id=bericht_id,
        )
    else:
        row.gemeente = gemeente
        row.bericht_id = bericht_id
    session.add(row)
    session.flush()  # a second bepaling under the same maatregel in this message finds it
    return row


_DATUMS = ("datum_uitspraak", "datum_vaste_jeugdbeschermer", "datum_gedragen_koers", "einddatum")


def _gi002(
    session: Session, m: Gi002, bericht_id: str, pseudonym: Pseudonym, onderdelen: Collection[int] | None
) -> None:
    """A date present replaces the earlier one; a date absent keeps it (docs/gi-berichten.md 2.5)."""
    gi, gemeente, client = m.header.afzender, m.header.ontvanger, pseudonym(m.client.bsn)
    for part in _accepted(m.client.maatregelen, onderdelen):
        row = _maatregel(session, gi, part.maatregel_id, part.maatregel_type, client, gemeente, bericht_id)
        for name in _DATUMS:
            value = getattr(part, name)
            if value is not None:
                setattr(row, name, value)
        session.add(row)


def _gi003(session: Session, m: Gi003, bericht_id: str, onderdelen: Collection[int] | None) -> None:
    gi = m.header.afzender
    for c in _accepted(m.capaciteiten, onderdelen):
        regio = regio_naam(c.jeugdregio)
        stmt = select(GiCapaciteitRecord).where(
            GiCapaciteitRecord.gi == gi, GiCapaciteitRecord.regio == regio, GiCapaciteitRecord.peildatum == c.peildatum
        )
        row = session.exec(stmt).first() or GiCapaciteitRecord(
            gi=gi, regio=regio, jeugdregio=c.jeugdregio, peildatum=c.peildatum, jeugdbeschermers=c.jeugdbeschermers,
            caseload=c.caseload, beschikbare_plaatsen=c.beschikbare_plaatsen, wachtlijst=c.wachtlijst,
            bericht_id=bericht_id,
        )
        row.jeugdregio = c.jeugdregio
        row.jeugdbeschermers = c.jeugdbeschermers
        row.caseload = c.caseload
        row.beschikbare_plaatsen = c.beschikbare_plaatsen
        row.wachtlijst = c.wachtlijst
        row.bericht_id = bericht_id
        session.add(row)
        session.flush()  # GB032 allows one row per key per message; flushing keeps a later message's lookup exact


# ---- the iJw side: which requests a GI made ---------------------------------------------------------


def apply_ijw(session: Session, model: Bericht, bericht_id: str, pseudonym: Pseudonym) -> None:
    """Record the Verwijzer of every requested product of an accepted JW315 (the linking asks for Type 04)."""
    if not isinstance(model, Jw315):
        return
    gemeente, aanbieder, client = model.header.ontvanger, model.header.afzender, pseudonym(model.client.bsn)
    for p in model.client.aangevraagde_producten:
        session.add(
            GiVerwijzingRecord(
                aanbieder=aanbieder,
                referentie_aanbieder=p.referentie_aanbieder,
                gemeente=gemeente,
                client=client,
                verwijzer_type=p.verwijzer.type,
                zorgverlener_code=p.verwijzer.zorgverlener_code,  # an AGB code; the Verwijzer's Naam stays behind
                bericht_id=bericht_id,
            )
        )
    session.flush()
