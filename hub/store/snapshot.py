"""Load the Snapshot (hub.state.snapshot) that a message's stateful rules judge it against.

A few batched queries per message, scoped to its gemeente, aanbieder, client pseudonyms and the numbers and
references it names; never a query per product line. Everything in the store came from accepted messages.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from datetime import date
from types import MappingProxyType

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import Session, col, select

from hub.ijw.models import Bericht, Header, Jw301, Jw305, Jw307, Jw315, Jw317, Jw319, Jw323, Jw325
from hub.state.snapshot import (
    PrestatieState,
    Snapshot,
    StartRegel,
    StopRegel,
    ToewijzingState,
    VerzoekState,
)
from hub.store.tables import (
    IN_FORCE,
    AntwoordRecord,
    BerichtRecord,
    DeclaratieRecord,
    PrestatieRecord,
    StartRecord,
    StopRecord,
    ToewijzingRecord,
    VerzoekRecord,
)

Pseudonym = Callable[[str], str]
VERWIJDERING = "13"  # RedenWijziging that deletes a toewijzing; TR385 then needs the declared lines


def load_snapshot(session: Session, model: Bericht, pseudonym: Pseudonym, today: date) -> Snapshot:
    """What the stateful rules of this message type need (field comments of hub.state.snapshot.Snapshot).

    `today` is not used to filter: state is loaded whole (deleted and ended toewijzingen included), and the
    rules decide what is current with `ToewijzingState.actueel(today)`.
    """
    if model.bericht not in _HEENBERICHTEN:
        return Snapshot(pseudonym=pseudonym)  # retourberichten are judged on their XSD only
    base = Snapshot(pseudonym=pseudonym, identificatie_bekend=identificatie_bekend(session, model))
    match model:
        case Jw301():
            return _jw301(session, model, base)
        case Jw305() | Jw307():
            return _start_stop(session, model, base)
        case Jw315() | Jw317():
            return _verzoek(session, model, base)
        case Jw319():
            return _jw319(session, model, base)
        case Jw323():
            return _jw323(session, model, base)
        case Jw325():
            return _jw325(session, model, base)
    return base


_HEENBERICHTEN = frozenset({"JW301", "JW305", "JW307", "JW315", "JW317", "JW319", "JW323", "JW325"})


def identificatie_bekend(session: Session, model: Bericht) -> bool:
    """TR056: an accepted earlier message with the same Afzender, message type and Identificatie."""
    h: Header = model.header
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


# ---- per message type -----------------------------------------------------------------------------


def _jw301(session: Session, m: Jw301, base: Snapshot) -> Snapshot:
    gemeente, aanbieder = m.header.afzender, m.header.ontvanger
    client = base.pseudonym(m.client.bsn)
    producten = m.client.toegewezen_producten
    nummers = {p.toewijzing_nummer for p in producten}
    refs = {p.referentie_aanbieder for p in producten if p.referentie_aanbieder is not None}
    verzoeken, referenties = _verzoeken(session, aanbieder, refs, (gemeente, client))
    deletes = {p.toewijzing_nummer for p in producten if p.reden_wijziging == VERWIJDERING}
    return replace(
        base,
        toewijzingen=_toewijzingen(session, gemeente, aanbieder, {client}),
        toewijzing_clients=_toewijzing_clients(session, gemeente, nummers),
        verzoeken=verzoeken,
        referenties=referenties,
        prestaties=_prestaties(session, aanbieder, gemeente, deletes, ()) if deletes else (),
    )


def _start_stop(session: Session, m: Jw305 | Jw307, base: Snapshot) -> Snapshot:
    gemeente, aanbieder = m.header.ontvanger, m.header.afzender
    client = base.pseudonym(m.client.bsn)
    return replace(
        base,
        toewijzingen=_toewijzingen(session, gemeente, aanbieder, {client}),
        starts=_starts(session, gemeente, aanbieder, client),
        stops=_stops(session, gemeente, aanbieder, client),
    )


def _verzoek(session: Session, m: Jw315 | Jw317, base: Snapshot) -> Snapshot:
    gemeente, aanbieder = m.header.ontvanger, m.header.afzender
    client = base.pseudonym(m.client.bsn)
    if isinstance(m, Jw315):
        refs = {p.referentie_aanbieder for p in m.client.aangevraagde_producten}
    else:
        refs = {m.client.verzoek.referentie_aanbieder}
    verzoeken, referenties = _verzoeken(session, aanbieder, refs, (gemeente, client))
    return replace(
        base,
        toewijzingen=_toewijzingen(session, gemeente, aanbieder, {client}),
        verzoeken=verzoeken,
        referenties=referenties,
    )


def _jw319(session: Session, m: Jw319, base: Snapshot) -> Snapshot:
    # A JW319 names no client: its ReferentieAanbieder (unique per aanbieder, OP361) leads to the verzoek.
    _, referenties = _verzoeken(session, m.header.ontvanger, {m.antwoord.referentie_aanbieder}, None)
    return replace(base, referenties=referenties)


def _jw323(session: Session, m: Jw323, base: Snapshot) -> Snapshot:
    gemeente, aanbieder = m.header.ontvanger, m.header.afzender
    d = m.declaratie
    clients = {base.pseudonym(c.bsn) for c in d.clienten}
    prestaties = [p for c in d.clienten for p in c.prestaties]
    nummers = {p.toewijzing_nummer for p in prestaties}
    refs = {p.product_referentie.referentie_nummer for p in prestaties} | {
        p.product_referentie.vorig_referentie_nummer
        for p in prestaties
        if p.product_referentie.vorig_referentie_nummer is not None
    }
    return replace(
        base,
        toewijzingen=_toewijzingen(session, gemeente, aanbieder, clients),
        prestaties=_prestaties(session, aanbieder, gemeente, nummers, refs),
        declaratie_nummers=_declaratie_nummers(session, aanbieder, {d.declaratie_nummer}),
        laatste_declaratieperiode=_laatste_declaratieperiode(session, aanbieder, gemeente),
    )


def _jw325(session: Session, m: Jw325, base: Snapshot) -> Snapshot:
    # TR366/TR367/TR376: the answered lines and the answered DeclaratieNummer, as the aanbieder sent them.
    antwoord = m.declaratie_antwoord
    if antwoord is None:
        return base
    gemeente, aanbieder = m.header.afzender, m.header.ontvanger
    refs = {p.product_referentie.referentie_nummer for c in antwoord.clienten for p in c.prestaties}
    return replace(
        base,
        prestaties=_prestaties(session, aanbieder, gemeente, (), refs) if refs else (),
        declaratie_nummers=_declaratie_nummers(session, aanbieder, {antwoord.declaratie_nummer}),
    )


# ---- queries --------------------------------------------------------------------------------------


def _toewijzingen(
    session: Session, gemeente: str, aanbieder: str, clients: Collection[str]
) -> tuple[ToewijzingState, ...]:
    """The latest version of every toewijzing of these clients (IV013), deleted and ended ones included."""
    if not clients:
        return ()
    stmt = (
        select(ToewijzingRecord)
        .where(
            ToewijzingRecord.gemeente == gemeente,
            ToewijzingRecord.aanbieder == aanbieder,
            col(ToewijzingRecord.client).in_(clients),
        )
        .order_by(
            col(ToewijzingRecord.toewijzing_nummer),
            col(ToewijzingRecord.toewijzingsdatum),
            col(ToewijzingRecord.toewijzingstijd),
            col(ToewijzingRecord.id),  # equal date and time: the later message wins
        )
    )
    versions: dict[tuple[str, int], list[ToewijzingRecord]] = {}
    for row in session.exec(stmt):
        versions.setdefault((row.client, row.toewijzing_nummer), []).append(row)
    return tuple(_toewijzing_state(vs[-1], vs[0].toewijzingsdatum) for vs in versions.values())


def _toewijzing_state(r: ToewijzingRecord, eerste: date) -> ToewijzingState:
    return ToewijzingState(
        gemeente=r.gemeente,
        aanbieder=r.aanbieder,
        client=r.client,
        toewijzing_nummer=r.toewijzing_nummer,
        categorie=r.categorie,
        code=r.code,
        ingangsdatum=r.ingangsdatum,
        einddatum=r.einddatum,
        reden_wijziging=r.reden_wijziging,
        volume=r.volume,
        eenheid=r.eenheid,
        frequentie=r.frequentie,
        budget=r.budget,
        referentie_aanbieder=r.referentie_aanbieder,
        toewijzingsdatum=r.toewijzingsdatum,
        toewijzingstijd=r.toewijzingstijd,
        eerste_toewijzingsdatum=eerste,
    )


def _toewijzing_clients(session: Session, gemeente: str, nummers: Collection[int]) -> Mapping[int, str]:
    """TR332: the client each of these numbers was first issued to by this gemeente (any aanbieder)."""
    if not nummers:
        return MappingProxyType({})
    stmt = (
        select(ToewijzingRecord.toewijzing_nummer, ToewijzingRecord.client)
        .where(ToewijzingRecord.gemeente == gemeente, col(ToewijzingRecord.toewijzing_nummer).in_(nummers))
        .order_by(col(ToewijzingRecord.id))
    )
    found: dict[int, str] = {}
    for nummer, client in session.exec(stmt):
        found.setdefault(nummer, client)
    return MappingProxyType(found)


def _starts(session: Session, gemeente: str, aanbieder: str, client: str) -> tuple[StartRegel, ...]:
    stmt = (
        select(StartRecord)
        .where(
            StartRecord.gemeente == gemeente,
            StartRecord.aanbieder == aanbieder,
            StartRecord.client == client,
            StartRecord.status == IN_FORCE,
        )
        .order_by(col(StartRecord.id))
    )
    return tuple(
        StartRegel(
            toewijzing_nummer=r.toewijzing_nummer,
            categorie=r.categorie,
            code=r.code,
            begindatum=r.begindatum,
            toewijzing_ingangsdatum=r.toewijzing_ingangsdatum,
        )
        for r in session.exec(stmt)
    )


def _stops(session: Session, gemeente: str, aanbieder: str, client: str) -> tuple[StopRegel, ...]:
    stmt = (
        select(StopRecord)
        .where(
            StopRecord.gemeente == gemeente,
            StopRecord.aanbieder == aanbieder,
            StopRecord.client == client,
            StopRecord.status == IN_FORCE,
        )
        .order_by(col(StopRecord.id))
    )
    return tuple(
        StopRegel(
            toewijzing_nummer=r.toewijzing_nummer,
            categorie=r.categorie,
            code=r.code,
            begindatum=r.begindatum,
            einddatum=r.einddatum,
            reden_beeindiging=r.reden_beeindiging,
            toewijzing_ingangsdatum=r.toewijzing_ingangsdatum,
        )
        for r in session.exec(stmt)
    )


def _verzoeken(
    session: Session, aanbieder: str, refs: Collection[str], scope: tuple[str, str] | None
) -> tuple[tuple[VerzoekState, ...], Mapping[str, VerzoekState]]:
    """The verzoeken of the client (scope = gemeente, client) and those named by ReferentieAanbieder.

    Named references are looked up for this aanbieder at any gemeente and for any client: uniqueness
    (TR347) is per aanbieder, and the rules compare gemeente and client themselves (TR355, TR379).
    """
    conditions: list[ColumnElement[bool]] = []
    if refs:
        conditions.append(col(VerzoekRecord.referentie_aanbieder).in_(refs))
    if scope is not None:
        conditions.append(
            and_(col(VerzoekRecord.gemeente) == scope[0], col(VerzoekRecord.client) == scope[1])
        )
    if not conditions:
        return (), MappingProxyType({})
    stmt = (
        select(VerzoekRecord)
        .where(VerzoekRecord.aanbieder == aanbieder, or_(*conditions))
        .order_by(col(VerzoekRecord.id))
    )
    rows = list(session.exec(stmt))
    antwoorden = _antwoorden(session, aanbieder, {r.referentie_aanbieder for r in rows})
    states = {r.referentie_aanbieder: _verzoek_state(r, antwoorden) for r in rows}
    verzoeken = tuple(
        states[r.referentie_aanbieder] for r in rows if scope is not None and (r.gemeente, r.client) == scope
    )
    return verzoeken, MappingProxyType({ref: states[ref] for ref in refs if ref in states})


def _antwoorden(session: Session, aanbieder: str, refs: Collection[str]) -> dict[tuple[str, str], list[str]]:
    """VerzoekAntwoord values per (gemeente, ReferentieAanbieder), in the order they were accepted."""
    if not refs:
        return {}
    stmt = (
        select(AntwoordRecord)
        .where(AntwoordRecord.aanbieder == aanbieder, col(AntwoordRecord.referentie_aanbieder).in_(refs))
        .order_by(col(AntwoordRecord.id))
    )
    found: dict[tuple[str, str], list[str]] = {}
    for a in session.exec(stmt):
        found.setdefault((a.gemeente, a.referentie_aanbieder), []).append(a.verzoek_antwoord)
    return found


def _verzoek_state(r: VerzoekRecord, antwoorden: Mapping[tuple[str, str], list[str]]) -> VerzoekState:
    # Only the gemeente the verzoek went to can answer it (scope of rules.md 6.1).
    return VerzoekState(
        aanbieder=r.aanbieder,
        gemeente=r.gemeente,
        client=r.client,
        referentie_aanbieder=r.referentie_aanbieder,
        soort="VOT" if r.soort == "VOT" else "VOW",
        dagtekening=r.dagtekening,
        antwoorden=tuple(antwoorden.get((r.gemeente, r.referentie_aanbieder), ())),
        toegewezen=r.toegewezen,
    )


def _prestaties(
    session: Session, aanbieder: str, gemeente: str, nummers: Collection[int], refs: Collection[str]
) -> tuple[PrestatieState, ...]:
    """Declared lines on these toewijzingen (this gemeente) or with these ReferentieNummers (TR314: any)."""
    conditions: list[ColumnElement[bool]] = []
    if refs:
        conditions.append(col(PrestatieRecord.referentie_nummer).in_(refs))
    if nummers:
        conditions.append(
            and_(
                col(PrestatieRecord.gemeente) == gemeente, col(PrestatieRecord.toewijzing_nummer).in_(nummers)
            )
        )
    if not conditions:
        return ()
    stmt = (
        select(PrestatieRecord)
        .where(PrestatieRecord.aanbieder == aanbieder, or_(*conditions))
        .order_by(col(PrestatieRecord.id))
    )
    return tuple(
        PrestatieState(
            client=r.client,
            referentie_nummer=r.referentie_nummer,
            vorig_referentie_nummer=r.vorig_referentie_nummer,
            toewijzing_nummer=r.toewijzing_nummer,
            categorie=r.categorie,
            code=r.code,
            begindatum=r.begindatum,
            einddatum=r.einddatum,
            volume=r.volume,
            eenheid=r.eenheid,
            bedrag=r.bedrag,
            debet=r.debet,
            toegekend=r.toegekend,
            gecrediteerd=r.gecrediteerd,
        )
        for r in session.exec(stmt)
    )


def _declaratie_nummers(session: Session, aanbieder: str, nummers: Collection[str]) -> frozenset[str]:
    """TR333: which of these DeclaratieNummers this aanbieder used in a declaratie that still counts."""
    stmt = select(DeclaratieRecord.declaratie_nummer).where(
        DeclaratieRecord.aanbieder == aanbieder,
        col(DeclaratieRecord.declaratie_nummer).in_(nummers),
        col(DeclaratieRecord.afgewezen).is_(False),
    )
    return frozenset(session.exec(stmt))


def _laatste_declaratieperiode(session: Session, aanbieder: str, gemeente: str) -> date | None:
    """TR318: the Begindatum of the latest DeclaratiePeriode of this aanbieder at this gemeente."""
    stmt = select(func.max(DeclaratieRecord.periode_begin)).where(
        DeclaratieRecord.aanbieder == aanbieder,
        DeclaratieRecord.gemeente == gemeente,
        col(DeclaratieRecord.afgewezen).is_(False),
    )
    return session.exec(stmt).one()
