"""The SQL of the GI metrics (issue 5): waiting bepalingen, the datum bepaling as a chain's start, bepalingen
received, the latest capacity, the maatregelen behind the jeugdbescherming norms (and those still waiting for a
date), and which clients of a batch have a bepaling at all.

As of `vandaag` (today or --as-of): a bepaling exists from the Dagtekening of its GI001; its link to a toewijzing
counts from the toewijzing's first Toewijzingsdatum. Withdrawals and links are those of now.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, bindparam, case, exists, func, or_, select
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from hub.monitor.model import WachtRij
from hub.store.db import run
from hub.store.gauges import tot_en_met, verzoek_open
from hub.store.gi_link import BEPALING_KOLOMMEN, BepalingRij
from hub.store.gi_tables import (
    GiBepalingRecord,
    GiCapaciteitRecord,
    GiKoppelingRecord,
    GiMaatregelRecord,
    GiStatusmeldingRecord,
)
from hub.store.tables import BerichtRecord, VerzoekRecord, table_of

B = table_of(GiBepalingRecord)
K = table_of(GiKoppelingRecord)
C = table_of(GiCapaciteitRecord)
M = table_of(GiMaatregelRecord)
V = table_of(VerzoekRecord)
BERICHT = table_of(BerichtRecord)


def herkomst_toewijzing() -> Subquery:
    """Per linked toewijzing (gemeente, ToewijzingNummer) the DatumBepaling of its bepaling: its chain's start."""
    return (
        select(K.c.gemeente, K.c.toewijzing_nummer, func.min(B.c.datum_bepaling).label("begin"))
        .join(B, B.c.id == K.c.bepaling_ref)
        .where(K.c.toewijzing_nummer.is_not(None), B.c.ingetrokken.is_(False))
        .group_by(K.c.gemeente, K.c.toewijzing_nummer)
        .subquery("gi_herkomst_toewijzing")
    )


def herkomst_verzoek() -> Subquery:
    """Per linked requested product (aanbieder, ReferentieAanbieder) the DatumBepaling of its bepaling."""
    return (
        select(
            K.c.verzoek_aanbieder.label("aanbieder"),
            K.c.verzoek_referentie.label("referentie_aanbieder"),
            func.min(B.c.datum_bepaling).label("begin"),
        )
        .join(B, B.c.id == K.c.bepaling_ref)
        .where(K.c.verzoek_referentie.is_not(None), B.c.ingetrokken.is_(False))
        .group_by(K.c.verzoek_aanbieder, K.c.verzoek_referentie)
        .subquery("gi_herkomst_verzoek")
    )


def _verzoek_wacht(vandaag: date) -> Any:
    """The linked requested product is itself waiting as of vandaag, so the verzoek stage counts the chain."""
    return exists().where(
        K.c.bepaling_ref == B.c.id,
        V.c.aanbieder == K.c.verzoek_aanbieder,
        V.c.referentie_aanbieder == K.c.verzoek_referentie,
        V.c.dagtekening <= vandaag,
        verzoek_open(vandaag),
    )


def wachtende_bepalingen(session: Session, vandaag: date, grens: date | None) -> list[WachtRij]:
    """Bepalingen known by vandaag, not withdrawn, not linked to a toewijzing dated by then: the bepaling stage.

    A bepaling whose linked verzoek still waits is counted at the verzoek stage, each chain once at its latest.
    """
    gekoppeld = exists().where(
        K.c.bepaling_ref == B.c.id, K.c.toewijzing_nummer.is_not(None), K.c.toewijzing_datum <= vandaag
    )
    stmt = (
        select(
            B.c.gemeente,
            B.c.categorie,
            func.count(),
            func.sum(case((tot_en_met(B.c.datum_bepaling, grens), 1), else_=0)),
        )
        .where(B.c.ingetrokken.is_(False), B.c.dagtekening <= vandaag, ~gekoppeld, ~_verzoek_wacht(vandaag))
        .group_by(B.c.gemeente, B.c.categorie)
    )
    return [
        WachtRij("bepaling", gemeente, None, categorie, int(aantal), int(boven or 0))
        for gemeente, categorie, aantal, boven in session.execute(stmt)
    ]


def bepalingen_aantallen(session: Session) -> list[tuple[str, str, str, int]]:
    """Per (GI, gemeente, Categorie) how many new bepalingen were accepted, withdrawn ones included (a counter)."""
    stmt = select(B.c.gi, B.c.gemeente, B.c.categorie, func.count()).group_by(
        B.c.gi, B.c.gemeente, B.c.categorie
    )
    return [(gi, gemeente, categorie, int(n)) for gi, gemeente, categorie, n in session.execute(stmt)]


def laatste_capaciteit(session: Session, vandaag: date) -> list[GiCapaciteitRecord]:
    """Per GI and regio the capacity at its latest peildatum up to vandaag."""
    laatste = (
        select(C.c.gi, C.c.regio, func.max(C.c.peildatum).label("peildatum"))
        .where(C.c.peildatum <= vandaag)
        .group_by(C.c.gi, C.c.regio)
        .subquery("laatste")
    )
    stmt = sm_select(GiCapaciteitRecord).join(
        laatste,
        and_(
            col(GiCapaciteitRecord.gi) == laatste.c.gi,
            col(GiCapaciteitRecord.regio) == laatste.c.regio,
            col(GiCapaciteitRecord.peildatum) == laatste.c.peildatum,
        ),
    )
    return list(session.exec(stmt))


@dataclass(frozen=True, slots=True)
class MaatregelWachtRij:
    """Maatregelen of one GI and gemeente without one date (`datum`, a gi_maatregel column): `aantal` of them,
    `boven_norm` of them with their uitspraak on or before that date's cut-off."""

    gi: str
    gemeente: str
    datum: str
    aantal: int
    boven_norm: int


def wachtende_maatregelen(
    session: Session, vandaag: date, grenzen: Mapping[str, date | None]
) -> list[MaatregelWachtRij]:
    """Per GI, gemeente and date column of `grenzen` the maatregelen in force as of vandaag whose uitspraak is
    known and that date is not, and how many of them have an uitspraak up to the column's cut-off (None: none).

    In force: DatumUitspraak up to vandaag and no Einddatum before vandaag (an Einddatum of today still counts).
    A date after vandaag is not known yet (only with --as-of: a GI002 date is never after its Dagtekening,
    GB020). The dates are those of now, as the latest GI002s left them; GI002 has no withdrawal. A group and
    column is returned only when something waits (as jeugdhulp_wachtend); its boven_norm may be 0.
    One walk of gi_maatregel (one row per maatregel), no joins: its indexes cannot narrow a date condition.
    """
    kolommen = list(grenzen)
    if not kolommen:
        return []
    open_ = {k: or_(M.c[k].is_(None), M.c[k] > vandaag) for k in kolommen}

    def boven(kolom: str) -> ColumnElement[bool]:
        grens = grenzen[kolom]
        return and_(open_[kolom], tot_en_met(M.c.datum_uitspraak, grens))

    sommen = [
        func.sum(case((voorwaarde, 1), else_=0)) for k in kolommen for voorwaarde in (open_[k], boven(k))
    ]
    stmt = (
        select(M.c.gi, M.c.gemeente, *sommen)
        .where(
            M.c.datum_uitspraak <= vandaag,
            or_(M.c.einddatum.is_(None), M.c.einddatum >= vandaag),
            or_(*open_.values()),
        )
        # gemeente first: grouped by gi first, SQLite walks ux_gi_maatregel_id (gi, maatregel_id) for its order
        # and looks every row up in the table again, where a plain walk and a sort of the few groups does.
        .group_by(M.c.gemeente, M.c.gi)
    )
    rijen = []
    for gi, gemeente, *aantallen in session.execute(stmt):
        for i, kolom in enumerate(kolommen):
            aantal, boven_norm = int(aantallen[2 * i] or 0), int(aantallen[2 * i + 1] or 0)
            if aantal:
                rijen.append(MaatregelWachtRij(gi, gemeente, kolom, aantal, boven_norm))
    return rijen


# Built once, with bind parameters (an expanding one for IN), and read as columns: the processors ask it per
# MaatregelVoortgang event.
_MAATREGELEN = select(
    M.c.maatregel_id, M.c.id, M.c.datum_uitspraak, M.c.datum_vaste_jeugdbeschermer, M.c.datum_gedragen_koers
).where(M.c.gi == bindparam("gi"), M.c.maatregel_id.in_(bindparam("ids", expanding=True)))


@dataclass(frozen=True, slots=True)
class MaatregelRij:
    """A gi_maatregel row: its id (the norms' observation key) and the dates the GI002s have brought it so far.

    Only an accepted GI002 sets a date, and only to a value: a date None here was in none of them.
    """

    id: int
    datum_uitspraak: date | None
    datum_vaste_jeugdbeschermer: date | None
    datum_gedragen_koers: date | None


def maatregel_rijen(session: Session, gi: str, ids: Collection[str]) -> dict[str, MaatregelRij]:
    """MaatregelId -> the row of the GI's maatregel with that id, for these ids."""
    return {
        maatregel_id: MaatregelRij(int(rij), *datums)
        for maatregel_id, rij, *datums in run(session, _MAATREGELEN, {"gi": gi, "ids": list(ids)})
    }


_VALIDATED_AT = select(BERICHT.c.validated_at).where(BERICHT.c.id == bindparam("id"))
# The client's accepted GI002s up to one of them, newest first (that one first among equal times): by
# ix_bericht_client_bericht (client, bericht, validated_at) only these rows are read, as far as the caller goes.
# The GI is picked in Python: an equality on afzender as well could lead SQLite to ix_bericht_identificatie and
# every GI002 the GI ever sent.
_GI002_TERUG = (
    select(BERICHT.c.afzender, BERICHT.c.event)
    .where(
        BERICHT.c.client == bindparam("client"),
        BERICHT.c.bericht == "GI002",
        BERICHT.c.outcome == "accepted",
        BERICHT.c.event.is_not(None),
        BERICHT.c.validated_at <= bindparam("tot"),
    )
    .order_by(
        BERICHT.c.validated_at.desc(),
        case((BERICHT.c.id == bindparam("id"), 1), else_=0).desc(),
        BERICHT.c.id.desc(),
    )
)


@contextmanager
def gi002_events_terug(session: Session, gi: str, client: str, bericht_id: str) -> Iterator[Iterator[str]]:
    """The events (JSON) of the client's accepted GI002s from this GI up to and including `bericht_id`, newest
    first; the statement has run when the block starts, and rows are fetched as the block iterates.

    A later GI002 replaces dates in the maatregel row, so the dates known right after one message are found by
    replaying these; unlike the row, they never change once accepted.
    """
    tot = run(session, _VALIDATED_AT, {"id": bericht_id}).scalar()
    if tot is None:
        yield iter(())
        return
    rows = run(session, _GI002_TERUG, {"client": client, "tot": tot, "id": bericht_id})
    try:
        yield (event for afzender, event in rows if afzender == gi and event)
    finally:
        rows.close()  # a caller that stopped early leaves the rest unread


_IN_CHUNK = 500  # clients per IN list: far below SQLite's and PostgreSQL's limits of bound parameters
# Built once, with an expanding bind parameter: the index on (client, gemeente) answers it.
_MET_BEPALINGEN = (
    select(B.c.client, B.c.gemeente).where(B.c.client.in_(bindparam("clients", expanding=True))).distinct()
)


def met_bepalingen(session: Session, paren: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (client, gemeente) pairs have a bepaling, withdrawn ones too: one query per 500 clients."""
    wanted = set(paren)
    clients = sorted({client for client, _ in wanted})
    found: set[tuple[str, str]] = set()
    for start in range(0, len(clients), _IN_CHUNK):
        rows = run(session, _MET_BEPALINGEN, {"clients": clients[start : start + _IN_CHUNK]})
        found.update(pair for pair in ((c, g) for c, g in rows) if pair in wanted)
    return found


def niet_gestart(session: Session, vandaag: date, grens: date | None) -> list[BepalingRij]:
    """Bepalingen in force, known by vandaag, above the 3-month norm, without a linked start begun by then,
    and not yet told so (status 04)."""
    gestart = exists().where(
        K.c.bepaling_ref == B.c.id, K.c.start_datum.is_not(None), K.c.start_datum <= vandaag
    )
    gemeld = (
        sm_select(GiStatusmeldingRecord.bepaling_ref)
        .where(GiStatusmeldingRecord.status == "04")
        .subquery("gemeld_04")
    )
    stmt = (
        select(*BEPALING_KOLOMMEN)
        .where(
            B.c.ingetrokken.is_(False),
            B.c.dagtekening <= vandaag,
            tot_en_met(B.c.datum_bepaling, grens),
            ~gestart,
            B.c.id.not_in(select(gemeld.c.bepaling_ref)),
        )
        .order_by(B.c.id)
    )
    return [BepalingRij(*r) for r in session.execute(stmt)]
