"""Load the Snapshot (hub.state.snapshot) that a message's stateful rules judge it against.

A few batched queries per message, scoped to its gemeente, aanbieder, client pseudonyms and the numbers and
references it names; never a query per product line. Everything in the store came from accepted messages.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import fields, replace
from datetime import date
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, literal, null, or_, type_coerce, union_all
from sqlmodel import Session, SQLModel, col, select

from hub.ijw.catalog import HEENBERICHTEN
from hub.ijw.models import (
    Bericht,
    DeclaratieAntwoordHeader,
    Header,
    Jw301,
    Jw305,
    Jw307,
    Jw315,
    Jw317,
    Jw319,
    Jw323,
    Jw325,
)
from hub.state.snapshot import (
    DeclaratieState,
    PrestatieState,
    Snapshot,
    StartRegel,
    StopRegel,
    ToewijzingState,
    VerzoekState,
)
from hub.store.db import InList, InQuery, run
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
    table_of,
)

Pseudonym = Callable[[str], str]
VERWIJDERING = "13"  # RedenWijziging that deletes a toewijzing; TR385 then needs the declared lines


def load_snapshot(
    session: Session, model: Bericht, pseudonym: Pseudonym, today: date, bekend: bool | None = None
) -> Snapshot:
    """What the stateful rules of this message type need (field comments of hub.state.snapshot.Snapshot).

    `today` is not used to filter: state is loaded whole (deleted and ended toewijzingen included), and the
    rules decide what is current with `ToewijzingState.actueel(today)`. `bekend` is TR056's answer when the
    caller has it already (the intake's identity lookup, hub.store.audit.seen); None looks it up.
    """
    if model.bericht not in _HEENBERICHTEN:
        return Snapshot(pseudonym=pseudonym)  # retourberichten are judged on their XSD only
    if bekend is None:
        bekend = identificatie_bekend(session, model)
    base = Snapshot(pseudonym=pseudonym, identificatie_bekend=bekend)
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


_HEENBERICHTEN = frozenset(HEENBERICHTEN)


# Statements are built once, with bind parameters: building a select() per call (coercing every `==`) cost
# more than running it. An IN list takes a fixed number of parameters (hub.store.db.InQuery).
_IDENTIFICATIE_BEKEND = (
    select(BerichtRecord.id)
    .where(
        col(BerichtRecord.afzender) == bindparam("afzender"),
        col(BerichtRecord.bericht) == bindparam("bericht"),
        col(BerichtRecord.identificatie) == bindparam("identificatie"),
        col(BerichtRecord.outcome) == "accepted",
    )
    .limit(1)
)


def identificatie_bekend(session: Session, model: Bericht) -> bool:
    """TR056: an accepted earlier message with the same Afzender, message type and Identificatie."""
    h: Header = model.header
    params = {"afzender": h.afzender, "bericht": model.bericht, "identificatie": h.identificatie}
    return run(session, _IDENTIFICATIE_BEKEND, params).first() is not None


# ---- per message type -----------------------------------------------------------------------------


def _jw301(session: Session, m: Jw301, base: Snapshot) -> Snapshot:
    gemeente, aanbieder = m.header.afzender, m.header.ontvanger
    client = base.pseudonym(m.client.bsn)
    producten = m.client.toegewezen_producten
    nummers = {p.toewijzing_nummer for p in producten}
    refs = {p.referentie_aanbieder for p in producten if p.referentie_aanbieder is not None}
    verzoeken, referenties = _verzoeken(session, aanbieder, refs, (gemeente, client))
    deletes = {p.toewijzing_nummer for p in producten if p.reden_wijziging == VERWIJDERING}
    toewijzingen, toewijzing_clients = _toewijzingen_onder_nummers(
        session, gemeente, aanbieder, client, nummers
    )
    return replace(
        base,
        toewijzingen=toewijzingen,
        toewijzing_clients=toewijzing_clients,
        verzoeken=verzoeken,
        referenties=referenties,
        prestaties=_prestaties(session, aanbieder, gemeente, deletes, ()) if deletes else (),
    )


def _start_stop(session: Session, m: Jw305 | Jw307, base: Snapshot) -> Snapshot:
    gemeente, aanbieder = m.header.ontvanger, m.header.afzender
    client = base.pseudonym(m.client.bsn)
    starts, stops = _regels(session, gemeente, aanbieder, client)
    return replace(
        base, toewijzingen=_toewijzingen(session, gemeente, aanbieder, {client}), starts=starts, stops=stops
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
        **_declaratie_stand(session, aanbieder, gemeente, d.declaratie_nummer),
    )


def _jw325(session: Session, m: Jw325, base: Snapshot) -> Snapshot:
    # TR337, TR304, TR366, TR367, TR376: the JW323 it answers, with its lines, from one statement.
    return replace(base, beantwoorde_declaratie=_beantwoorde_declaratie(session, m))


# ---- queries --------------------------------------------------------------------------------------
#
# Only the columns a state needs, in the order of its dataclass fields: a row is a tuple, so `State(*row)`
# builds the state without loading (and identity-mapping) a whole ORM entity per row; `run` executes them
# without the ORM.


def _columns(model: type[SQLModel], names: Iterable[str]) -> tuple[Any, ...]:
    return tuple(col(getattr(model, name)) for name in names)


def _field_names(state: type[Any], *skip: str) -> tuple[str, ...]:
    return tuple(f.name for f in fields(state) if f.name not in skip)


# No ORDER BY: SQLite, without statistics, would walk ix_toewijzing_nummer for the whole gemeente to skip a sort
# (a cost growing with the store); the few rows of these clients are sorted in Python instead.
_TOEWIJZING_COLUMNS = _columns(
    ToewijzingRecord, (*_field_names(ToewijzingState, "eerste_toewijzingsdatum"), "id")
)
_TOEWIJZINGEN = InQuery(
    lambda clients: select(*_TOEWIJZING_COLUMNS).where(
        col(ToewijzingRecord.gemeente) == bindparam("gemeente"),
        col(ToewijzingRecord.aanbieder) == bindparam("aanbieder"),
        col(ToewijzingRecord.client).in_(clients),
    ),
    clients=ToewijzingRecord.client,
)


def _versie_order(row: Any) -> tuple[Any, ...]:
    # equal date and time: the later message (higher id) wins
    return (row.toewijzing_nummer, row.toewijzingsdatum, row.toewijzingstijd, row.id)


def _toewijzingen(
    session: Session, gemeente: str, aanbieder: str, clients: Collection[str]
) -> tuple[ToewijzingState, ...]:
    """The latest version of every toewijzing of these clients (IV013), deleted and ended ones included."""
    if not clients:
        return ()
    params = {"gemeente": gemeente, "aanbieder": aanbieder, "clients": clients}
    return _latest_versions(_TOEWIJZINGEN.run(session, params))


def _latest_versions(rows: Iterable[Any]) -> tuple[ToewijzingState, ...]:
    versions: dict[tuple[str, int], list[Any]] = {}
    for row in sorted(rows, key=_versie_order):
        versions.setdefault((row.client, row.toewijzing_nummer), []).append(row)
    # the latest version's columns (without the id), then the first version's date (eerste_toewijzingsdatum)
    return tuple(ToewijzingState(*(*vs[-1][:-1], vs[0].toewijzingsdatum)) for vs in versions.values())


# A JW301's one question: every version of the numbers it names, at this gemeente (any aanbieder, any client).
# TR332 asks who first got each number; TR332, TR379 and TR385 ask the latest version of the client's own
# toewijzing under it. No JW301 rule reads the client's other toewijzingen, so they are not read.
_NUMMERS = InQuery(
    lambda nummers: select(*_TOEWIJZING_COLUMNS).where(
        col(ToewijzingRecord.gemeente) == bindparam("gemeente"),
        col(ToewijzingRecord.toewijzing_nummer).in_(nummers),
    ),
    nummers=ToewijzingRecord.toewijzing_nummer,
)


def _toewijzingen_onder_nummers(
    session: Session, gemeente: str, aanbieder: str, client: str, nummers: Collection[int]
) -> tuple[tuple[ToewijzingState, ...], Mapping[int, str]]:
    """The client's toewijzingen under these numbers (latest versions), and the client each number was first
    issued to by this gemeente (TR332)."""
    if not nummers:
        return (), MappingProxyType({})
    rows = sorted(_NUMMERS.run(session, {"gemeente": gemeente, "nummers": nummers}), key=lambda r: r.id)
    first: dict[int, str] = {}
    for row in rows:  # the first issue of a number decides (TR332)
        first.setdefault(row.toewijzing_nummer, row.client)
    own = (r for r in rows if r.aanbieder == aanbieder and r.client == client)
    return _latest_versions(own), MappingProxyType(first)


def _in_force(record: type[StartRecord] | type[StopRecord], regel: type[Any]) -> Any:
    """The lines in force of one client at a gemeente and aanbieder: (soort, id, *StopRegel's fields).

    A start lacks some of a stop's fields: NULLs of the stop's column types, so the union reads them as dates.
    """
    eigen, stop = _field_names(regel), table_of(StopRecord).c
    columns = [
        col(getattr(record, name)) if name in eigen else type_coerce(null(), stop[name].type).label(name)
        for name in _field_names(StopRegel)
    ]
    return select(literal(regel.__name__).label("soort"), col(record.id), *columns).where(
        *regels_in_force(record)
    )


def regels_in_force(record: type[StartRecord] | type[StopRecord]) -> tuple[ColumnElement[bool], ...]:
    """The conditions on one client's start or stop lines in force at a gemeente and aanbieder (bound by those
    names), for this module and hub.store.apply."""
    return (
        col(record.gemeente) == bindparam("gemeente"),
        col(record.aanbieder) == bindparam("aanbieder"),
        col(record.client) == bindparam("client"),
        col(record.status) == IN_FORCE,
    )


# Starts and stops from one statement: each branch searches its own ix_*_client index. No ORDER BY: both lists
# are sorted by id (oldest first) in Python.
_REGELS = union_all(_in_force(StartRecord, StartRegel), _in_force(StopRecord, StopRegel))


def _regels(
    session: Session, gemeente: str, aanbieder: str, client: str
) -> tuple[tuple[StartRegel, ...], tuple[StopRegel, ...]]:
    """The start and stop lines in force of one client at a gemeente and aanbieder, each oldest first."""
    params = {"gemeente": gemeente, "aanbieder": aanbieder, "client": client}
    rows = sorted(run(session, _REGELS, params), key=lambda r: r.id)
    starts = tuple(
        StartRegel(r.toewijzing_nummer, r.categorie, r.code, r.begindatum, r.toewijzing_ingangsdatum)
        for r in rows
        if r.soort == StartRegel.__name__
    )
    return starts, tuple(StopRegel(*r[2:]) for r in rows if r.soort == StopRegel.__name__)


def _verzoeken_stmt(refs: InList | None, by_scope: bool) -> Any:
    # The aanbieder in each branch of the OR, each its own `?`: SQLite then searches both indexes (a MULTI-INDEX
    # OR) instead of walking every verzoek of the aanbieder; the rows and their order are the same.
    aanbieder = col(VerzoekRecord.aanbieder) == bindparam("aanbieder")
    conditions: list[ColumnElement[bool]] = []
    if refs is not None:
        conditions.append(and_(aanbieder, col(VerzoekRecord.referentie_aanbieder).in_(refs)))
    if by_scope:
        conditions.append(
            and_(
                aanbieder,
                col(VerzoekRecord.gemeente) == bindparam("gemeente"),
                col(VerzoekRecord.client) == bindparam("client"),
            )
        )
    return (
        select(
            *_columns(
                VerzoekRecord,
                (
                    "aanbieder",
                    "gemeente",
                    "client",
                    "referentie_aanbieder",
                    "soort",
                    "dagtekening",
                    "toegewezen",
                ),
            )
        )
        .where(or_(*conditions))
        .order_by(col(VerzoekRecord.id))
    )


# By client scope or not; each with named references ("refs") or without.
_VERZOEKEN = {
    False: InQuery(lambda refs: _verzoeken_stmt(refs, False), refs=VerzoekRecord.referentie_aanbieder),
    True: InQuery(lambda refs: _verzoeken_stmt(refs, True), refs=VerzoekRecord.referentie_aanbieder),
}


def _verzoeken(
    session: Session, aanbieder: str, refs: Collection[str], scope: tuple[str, str] | None
) -> tuple[tuple[VerzoekState, ...], Mapping[str, VerzoekState]]:
    """The verzoeken of the client (scope = gemeente, client) and those named by ReferentieAanbieder.

    Named references are looked up for this aanbieder at any gemeente and for any client: uniqueness
    (TR347) is per aanbieder, and the rules compare gemeente and client themselves (TR355, TR379).
    """
    if not refs and scope is None:
        return (), MappingProxyType({})
    params: dict[str, Any] = {"aanbieder": aanbieder}
    if refs:
        params["refs"] = refs
    if scope is not None:
        params["gemeente"], params["client"] = scope
    rows = list(_VERZOEKEN[scope is not None].run(session, params))
    antwoorden = _antwoorden(session, aanbieder, {r.referentie_aanbieder for r in rows})
    states = {r.referentie_aanbieder: _verzoek_state(r, antwoorden) for r in rows}
    verzoeken = tuple(
        states[r.referentie_aanbieder] for r in rows if scope is not None and (r.gemeente, r.client) == scope
    )
    return verzoeken, MappingProxyType({ref: states[ref] for ref in refs if ref in states})


_ANTWOORDEN = InQuery(
    lambda refs: (
        select(AntwoordRecord.gemeente, AntwoordRecord.referentie_aanbieder, AntwoordRecord.verzoek_antwoord)
        .where(
            col(AntwoordRecord.aanbieder) == bindparam("aanbieder"),
            col(AntwoordRecord.referentie_aanbieder).in_(refs),
        )
        .order_by(col(AntwoordRecord.id))
    ),
    refs=AntwoordRecord.referentie_aanbieder,
)


def _antwoorden(session: Session, aanbieder: str, refs: Collection[str]) -> dict[tuple[str, str], list[str]]:
    """VerzoekAntwoord values per (gemeente, ReferentieAanbieder), in the order they were accepted."""
    if not refs:
        return {}
    found: dict[tuple[str, str], list[str]] = {}
    for gemeente, ref, antwoord in _ANTWOORDEN.run(session, {"aanbieder": aanbieder, "refs": refs}):
        found.setdefault((gemeente, ref), []).append(antwoord)
    return found


def _verzoek_state(r: Any, antwoorden: Mapping[tuple[str, str], list[str]]) -> VerzoekState:
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


def _prestaties_stmt(refs: InList | None, nummers: InList | None) -> Any:
    aanbieder = col(PrestatieRecord.aanbieder) == bindparam("aanbieder")  # in each branch, as _verzoeken_stmt
    conditions: list[ColumnElement[bool]] = []
    if refs is not None:
        conditions.append(and_(aanbieder, col(PrestatieRecord.referentie_nummer).in_(refs)))
    if nummers is not None:
        conditions.append(
            and_(
                aanbieder,
                col(PrestatieRecord.gemeente) == bindparam("gemeente"),
                col(PrestatieRecord.toewijzing_nummer).in_(nummers),
            )
        )
    return (
        select(*_columns(PrestatieRecord, _field_names(PrestatieState)))
        .where(or_(*conditions))
        .order_by(col(PrestatieRecord.id))
    )


# By ReferentieNummers ("refs"), toewijzing numbers ("nummers") or both: the shape follows the parameters.
_PRESTATIES = InQuery(
    _prestaties_stmt, refs=PrestatieRecord.referentie_nummer, nummers=PrestatieRecord.toewijzing_nummer
)


def _prestaties(
    session: Session, aanbieder: str, gemeente: str, nummers: Collection[int], refs: Collection[str]
) -> tuple[PrestatieState, ...]:
    """Declared lines on these toewijzingen (this gemeente) or with these ReferentieNummers (TR314: any)."""
    if not refs and not nummers:
        return ()
    params: dict[str, Any] = {"aanbieder": aanbieder}
    if refs:
        params["refs"] = refs
    if nummers:
        params["gemeente"], params["nummers"] = gemeente, nummers
    return tuple(PrestatieState(*r) for r in _PRESTATIES.run(session, params))


def _geldig(kolom: Any, *where: ColumnElement[bool]) -> Any:
    """`kolom` of this aanbieder's declaraties that still count (not rejected as a whole by their JW325)."""
    return select(kolom).where(
        col(DeclaratieRecord.aanbieder) == bindparam("aanbieder"),
        *where,
        col(DeclaratieRecord.afgewezen).is_(False),
    )


# A JW323's two questions about earlier declaraties in one statement, each a subquery on its own index:
# ix_declaratie_nummer for TR333, and ix_declaratie_periode walked back from its end for TR318 (the max stops at the
# latest declaratie that counts; it does not read every declaratie of the aanbieder at the gemeente).
_DECLARATIE_STAND = select(
    _geldig(func.max(DeclaratieRecord.periode_begin), col(DeclaratieRecord.gemeente) == bindparam("gemeente"))
    .scalar_subquery()
    .label("laatste"),
    _geldig(DeclaratieRecord.id, col(DeclaratieRecord.declaratie_nummer) == bindparam("nummer"))
    .exists()
    .label("gebruikt"),
)


def _declaratie_stand(session: Session, aanbieder: str, gemeente: str, nummer: str) -> dict[str, Any]:
    """TR333 and TR318 for a JW323: `declaratie_nummers` (its number, if used before) and `laatste_declaratieperiode`
    (the Begindatum of the latest DeclaratiePeriode of this aanbieder at this gemeente)."""
    params = {"aanbieder": aanbieder, "gemeente": gemeente, "nummer": nummer}
    row = run(session, _DECLARATIE_STAND, params).one()
    gebruikt = frozenset({nummer}) if row.gebruikt else frozenset()
    return {"declaratie_nummers": gebruikt, "laatste_declaratieperiode": row.laatste}


# The audit row of the JW323 a JW325 answers (TR337), for this module and hub.store.apply: the JW325's Ontvanger
# sent it to its Afzender under the BerichtIdentificatie its DeclaratieIdentificatie names.
BEANTWOORDE_JW323 = (
    col(BerichtRecord.afzender) == bindparam("aanbieder"),
    col(BerichtRecord.bericht) == "JW323",
    col(BerichtRecord.identificatie) == bindparam("identificatie"),
    col(BerichtRecord.ontvanger) == bindparam("gemeente"),
    col(BerichtRecord.dagtekening) == bindparam("dagtekening"),
)


def beantwoorde_jw323(h: DeclaratieAntwoordHeader) -> dict[str, object]:
    """The parameters of BEANTWOORDE_JW323 for a JW325's Header."""
    return {
        "aanbieder": h.ontvanger,
        "gemeente": h.afzender,
        "identificatie": h.declaratie_identificatie,
        "dagtekening": h.declaratie_dagtekening,
    }


# The JW323 a JW325 answers, found as hub.store.apply finds it: its audit row by ix_bericht_identificatie (a
# declaratie's aanbieder and gemeente are its JW323's Afzender and Ontvanger), then its declaratie by
# ix_declaratie_bericht_id and its lines by ix_prestatie_declaratie_id. Only recorded JW323s (hub.oordeel) have a
# declaratie, and each has at least one line (XSD 1..n), so the inner joins lose none.
_BEANTWOORDE_DECLARATIE = (
    select(
        DeclaratieRecord.id,
        DeclaratieRecord.declaratie_nummer,
        DeclaratieRecord.basisschema_xsd_versie,
        DeclaratieRecord.bericht_xsd_versie,
        *_columns(PrestatieRecord, _field_names(PrestatieState)),
    )
    .select_from(BerichtRecord)
    .join(DeclaratieRecord, col(DeclaratieRecord.bericht_id) == col(BerichtRecord.id))
    .join(PrestatieRecord, col(PrestatieRecord.declaratie_id) == col(DeclaratieRecord.id))
    .where(*BEANTWOORDE_JW323)
)


def _beantwoorde_declaratie(session: Session, m: Jw325) -> DeclaratieState | None:
    """The recorded JW323 that the JW325's DeclaratieIdentificatie names, sent by its Ontvanger to its Afzender."""
    rows = list(run(session, _BEANTWOORDE_DECLARATIE, beantwoorde_jw323(m.header)))
    if not rows:
        return None
    laatste = max(r[0] for r in rows)  # as hub.store.apply: the latest declaratie, should there be two
    regels = [PrestatieState(*r[4:]) for r in rows if r[0] == laatste]
    _, nummer, basisschema, bericht = next(r[:4] for r in rows if r[0] == laatste)
    xsd_versie = None if basisschema is None or bericht is None else (basisschema, bericht)
    per_referentie: dict[str, tuple[PrestatieState, ...]] = {}
    for p in regels:
        per_referentie[p.referentie_nummer] = (*per_referentie.get(p.referentie_nummer, ()), p)
    return DeclaratieState(nummer, MappingProxyType(per_referentie), xsd_versie)
