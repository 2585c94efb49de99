"""The GI messages in the store: the snapshot their stateful rules judge against, and what an accepted one writes.

Only accepted parts change the state (docs/gi-berichten.md 4.1): a part rejected by a level-3 rule (GB102-GB105)
counts as not sent while the other parts of the message are processed. `onderdelen` names the accepted parts by
their index in document order; None means all. Clients are known by their pseudonym only.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import fields, replace
from datetime import date
from types import MappingProxyType
from typing import Any, TypeVar

from sqlalchemy import bindparam, insert, select, update
from sqlmodel import Session

from hub.gi.catalog import ONTVANGSTBEVESTIGING
from hub.gi.codes import INTREKKING, NIEUW
from hub.gi.models import Gi001, Gi002, Gi003, GiBericht
from hub.gi.regio import regio_naam
from hub.gi.state import BepalingState, GiSnapshot, MaatregelState
from hub.ijw.models import Bericht, Jw315
from hub.store.db import run
from hub.store.gi_tables import (
    GiBepalingRecord,
    GiCapaciteitRecord,
    GiMaatregelRecord,
    GiVerwijzingRecord,
)
from hub.store.tables import BerichtRecord, table_of

Pseudonym = Callable[[str], str]
T = TypeVar("T")

B = table_of(GiBepalingRecord)
M = table_of(GiMaatregelRecord)
C = table_of(GiCapaciteitRecord)
W = table_of(GiVerwijzingRecord)
BERICHT = table_of(BerichtRecord)

# Statements are built once, with bind parameters (an `expanding` one takes a list for IN), and run on the
# connection (hub.store.db.run): building a select() per call and loading or tracking ORM entities cost more
# than the queries themselves. Nothing in the intake holds an entity of these tables, so none goes stale.


def _accepted(items: Iterable[T], onderdelen: Collection[int] | None) -> list[T]:
    return [item for i, item in enumerate(items) if onderdelen is None or i in onderdelen]


# ---- snapshot -------------------------------------------------------------------------------------


def load_snapshot(
    session: Session, model: GiBericht, pseudonym: Pseudonym, bekend: bool | None = None
) -> GiSnapshot:
    """What GB101-GB105 need: the GI's earlier Identificatie, and the bepalingen and maatregelen the message names.

    `bekend` is GB101's answer when the caller has it already (the intake's identity lookup, hub.store.audit.seen:
    the same afzender, message type and Identificatie); None looks it up.
    """
    base = GiSnapshot(pseudonym=pseudonym)
    if model.bericht == ONTVANGSTBEVESTIGING:
        return base  # the hub's answer has no stateful rules
    if bekend is None:
        bekend = identificatie_bekend(session, model)
    base = replace(base, identificatie_bekend=bekend)  # GB101, for a GI102 too
    gi = model.header.afzender
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


_IDENTIFICATIE_BEKEND = (
    select(BERICHT.c.id)
    .where(
        BERICHT.c.afzender == bindparam("afzender"),
        BERICHT.c.bericht == bindparam("bericht"),
        BERICHT.c.identificatie == bindparam("identificatie"),
        BERICHT.c.outcome == "accepted",
    )
    .limit(1)
)


def identificatie_bekend(session: Session, model: GiBericht) -> bool:
    """GB101: an accepted earlier message of this GI with the same message type and Identificatie."""
    h = model.header
    params = {"afzender": h.afzender, "bericht": model.bericht, "identificatie": h.identificatie}
    return run(session, _IDENTIFICATIE_BEKEND, params).first() is not None


# In BepalingState's and MaatregelState's field order: a row of these makes one with State(*row).
_BEPALING_STATE = tuple(B.c[f.name] for f in fields(BepalingState))
_MAATREGEL_STATE = tuple(M.c[f.name] for f in fields(MaatregelState))

_BEPALINGEN = (
    select(*_BEPALING_STATE)
    .where(B.c.gi == bindparam("gi"), B.c.bepaling_id.in_(bindparam("ids", expanding=True)))
    .order_by(B.c.id)
)


def _bepalingen(session: Session, gi: str, ids: Collection[str]) -> MappingProxyType[str, BepalingState]:
    """Per BepalingId the bepaling in force, else the latest withdrawn one (an id may be used again)."""
    found: dict[str, BepalingState] = {}
    for r in run(session, _BEPALINGEN, {"gi": gi, "ids": list(ids)}):
        earlier = found.get(r.bepaling_id)
        if earlier is None or earlier.ingetrokken:
            found[r.bepaling_id] = BepalingState(*r)
    return MappingProxyType(found)


_MAATREGELEN = select(*_MAATREGEL_STATE).where(
    M.c.gi == bindparam("gi"), M.c.maatregel_id.in_(bindparam("ids", expanding=True))
)


def _maatregelen(session: Session, gi: str, ids: Collection[str]) -> MappingProxyType[str, MaatregelState]:
    rows = run(session, _MAATREGELEN, {"gi": gi, "ids": list(ids)})
    return MappingProxyType({r.maatregel_id: MaatregelState(*r) for r in rows})


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


# The bepaling in force with this BepalingId (at most one: GB102), when it is the client's (GB103 rejects
# anything else). Bind names other than the columns': an update reserves those for its SET clause.
_INTREKKEN = (
    update(B)
    .where(
        B.c.gi == bindparam("b_gi"),
        B.c.bepaling_id == bindparam("b_bepaling_id"),
        B.c.ingetrokken.is_(False),
        B.c.client == bindparam("b_client"),
    )
    .values(
        ingetrokken=True, ingetrokken_op=bindparam("b_op"), ingetrokken_bericht_id=bindparam("b_bericht_id")
    )
)
_INSERT_BEPALING = insert(B)


def _gi001(
    session: Session, m: Gi001, bericht_id: str, pseudonym: Pseudonym, onderdelen: Collection[int] | None
) -> None:
    """Withdrawals (3) before new bepalingen (1), as the rules judge them, so one message can correct."""
    gi, gemeente, client = m.header.afzender, m.header.ontvanger, pseudonym(m.client.bsn)
    dagtekening = m.header.dagtekening
    parts = _accepted(m.client.bepalingen, onderdelen)
    for b in parts:
        if b.status_aanlevering == INTREKKING:
            params = {"b_gi": gi, "b_bepaling_id": b.bepaling_id, "b_client": client, "b_op": dagtekening,
                      "b_bericht_id": bericht_id}  # fmt: skip
            run(session, _INTREKKEN, params)
    # Withdrawn first: the id is free before a new bepaling may take it (the partial unique index).
    rows: list[dict[str, Any]] = []
    for b in parts:
        if b.status_aanlevering != NIEUW:
            continue
        omvang = b.omvang
        rows.append(
            {
                "gi": gi,
                "bepaling_id": b.bepaling_id,
                "client": client,
                "gemeente": gemeente,
                "maatregel_id": b.maatregel.maatregel_id,
                "maatregel_type": b.maatregel.maatregel_type,
                "categorie": b.product.categorie,
                "code": b.product.code,
                "volume": omvang.volume if omvang else None,
                "eenheid": omvang.eenheid if omvang else None,
                "frequentie": omvang.frequentie if omvang else None,
                "datum_bepaling": b.datum_bepaling,
                "gewenste_ingangsdatum": b.gewenste_ingangsdatum,
                "urgentie": b.urgentie,
                "voorkeur_aanbieder": b.voorkeur_aanbieder,
                "dagtekening": dagtekening,
                "ingetrokken": False,
                "ingetrokken_op": None,
                "bericht_id": bericht_id,
                "ingetrokken_bericht_id": None,
            }
        )
        _maatregel(
            session, gi, b.maatregel.maatregel_id, b.maatregel.maatregel_type, client, gemeente, bericht_id
        )
    if rows:  # in part order: row ids ascend as the parts do
        run(session, _INSERT_BEPALING, rows)


_DATUMS = ("datum_uitspraak", "datum_vaste_jeugdbeschermer", "datum_gedragen_koers", "einddatum")
_MAATREGEL_ID = select(M.c.id).where(M.c.gi == bindparam("gi"), M.c.maatregel_id == bindparam("maatregel_id"))
_INSERT_MAATREGEL = insert(M)
# The SET clause is every column named in the parameters: gemeente, bericht_id and the dates given.
_UPDATE_MAATREGEL = update(M).where(M.c.id == bindparam("m_id"))


def _maatregel(
    session: Session,
    gi: str,
    maatregel_id: str,
    maatregel_type: str,
    client: str,
    gemeente: str,
    bericht_id: str,
    datums: Mapping[str, date] = MappingProxyType({}),
) -> None:
    """The maatregel row, made on first mention; its gemeente follows the latest message about it, and each
    date in `datums` replaces the stored one. Written at once: a second part about it in this message finds it."""
    found = run(session, _MAATREGEL_ID, {"gi": gi, "maatregel_id": maatregel_id}).scalar()
    if found is None:
        row = {"gi": gi, "maatregel_id": maatregel_id, "client": client, "maatregel_type": maatregel_type,
               "gemeente": gemeente, **dict.fromkeys(_DATUMS), **datums, "bericht_id": bericht_id}  # fmt: skip
        run(session, _INSERT_MAATREGEL, row)
    else:
        run(
            session,
            _UPDATE_MAATREGEL,
            {"m_id": found, "gemeente": gemeente, "bericht_id": bericht_id, **datums},
        )


def _gi002(
    session: Session, m: Gi002, bericht_id: str, pseudonym: Pseudonym, onderdelen: Collection[int] | None
) -> None:
    """A date present replaces the earlier one; a date absent keeps it (docs/gi-berichten.md 2.5)."""
    gi, gemeente, client = m.header.afzender, m.header.ontvanger, pseudonym(m.client.bsn)
    for part in _accepted(m.client.maatregelen, onderdelen):
        datums = {name: value for name in _DATUMS if (value := getattr(part, name)) is not None}
        _maatregel(session, gi, part.maatregel_id, part.maatregel_type, client, gemeente, bericht_id, datums)


_CAPACITEIT_ID = select(C.c.id).where(
    C.c.gi == bindparam("gi"), C.c.regio == bindparam("regio"), C.c.peildatum == bindparam("peildatum")
)
_INSERT_CAPACITEIT = insert(C)
_UPDATE_CAPACITEIT = update(C).where(C.c.id == bindparam("c_id"))


def _gi003(session: Session, m: Gi003, bericht_id: str, onderdelen: Collection[int] | None) -> None:
    """Per (GI, regio, peildatum) one row: a later GI003 with the same key replaces its figures."""
    gi = m.header.afzender
    for c in _accepted(m.capaciteiten, onderdelen):
        key = {"gi": gi, "regio": regio_naam(c.jeugdregio), "peildatum": c.peildatum}
        figures = {
            "jeugdregio": c.jeugdregio,
            "jeugdbeschermers": c.jeugdbeschermers,
            "caseload": c.caseload,
            "beschikbare_plaatsen": c.beschikbare_plaatsen,
            "wachtlijst": c.wachtlijst,
            "bericht_id": bericht_id,
        }
        # Written at once: GB032 allows one row per key per message, and a later part or message finds it.
        found = run(session, _CAPACITEIT_ID, key).scalar()
        if found is None:
            run(session, _INSERT_CAPACITEIT, {**key, **figures})
        else:
            run(session, _UPDATE_CAPACITEIT, {"c_id": found, **figures})


# ---- the iJw side: which requests a GI made ---------------------------------------------------------

_INSERT_VERWIJZING = insert(W)


def apply_ijw(session: Session, model: Bericht, bericht_id: str, pseudonym: Pseudonym) -> None:
    """Record the Verwijzer of every requested product of an accepted JW315 (the linking asks for Type 04)."""
    if not isinstance(model, Jw315):
        return
    gemeente, aanbieder, client = model.header.ontvanger, model.header.afzender, pseudonym(model.client.bsn)
    rows = [
        {
            "aanbieder": aanbieder,
            "referentie_aanbieder": p.referentie_aanbieder,
            "gemeente": gemeente,
            "client": client,
            "verwijzer_type": p.verwijzer.type,
            "zorgverlener_code": p.verwijzer.zorgverlener_code,  # an AGB code; the Verwijzer's Naam stays behind
            "bericht_id": bericht_id,
        }
        for p in model.client.aangevraagde_producten
    ]
    if rows:  # one executemany, in product order
        run(session, _INSERT_VERWIJZING, rows)
