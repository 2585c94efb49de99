"""Store glue of the GI linking (docs/gi-koppeling.md): load one client's candidates, write the links and the
statusmeldingen they imply, and serve the statusmeldingen to the processors' outbound path.

A group is one client (pseudonym) at one gemeente: linking never crosses it. Everything here is derived from
the intake's rows, so recomputing a group is idempotent; statusmeldingen are inserted on their unique key
(bepaling, status, onderwerp), so a status goes out once whichever replica or redelivery computes it first.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hub.gi import link
from hub.gi.models import Statusmelding
from hub.gi.status import build_statusmelding, status_identificatie
from hub.ijw.models import Product
from hub.store.db import run
from hub.store.gi_tables import (
    GiBepalingRecord,
    GiKoppelingRecord,
    GiStatusmeldingRecord,
    GiVerwijzingRecord,
)
from hub.store.observations import _insert_ignore
from hub.store.tables import IN_FORCE, StartRecord, ToewijzingRecord, VerzoekRecord, table_of

VERWIJDERING = "13"  # RedenWijziging: the toewijzing is deleted and counts as never sent
VOT = "VOT"
STATUS_NAMESPACE = uuid.UUID("2f5b8a0e-6c1d-5e3f-9a47-b1c2d3e4f5a6")  # fixed: ids must match across replicas

B = table_of(GiBepalingRecord)
K = table_of(GiKoppelingRecord)
S = table_of(GiStatusmeldingRecord)
W = table_of(GiVerwijzingRecord)
T = table_of(ToewijzingRecord)
V = table_of(VerzoekRecord)
ST = table_of(StartRecord)

# Statements are built once, with bind parameters, and run on the connection (hub.store.db.run): the linking
# reads columns and writes plain rows, so building a select() per call and loading ORM entities cost more than
# the queries themselves.


@dataclass(frozen=True, slots=True)
class BepalingRij:
    """The columns of a gi_bepaling row that the linking and the statusmeldingen use."""

    id: int
    gi: str
    bepaling_id: str
    client: str
    gemeente: str
    categorie: str
    datum_bepaling: date
    dagtekening: date
    ingetrokken: bool
    ingetrokken_op: date | None


# In BepalingRij's field order: a row of these makes one with BepalingRij(*row).
BEPALING_KOLOMMEN = tuple(B.c[f.name] for f in fields(BepalingRij))


@dataclass(frozen=True, slots=True)
class Groep:
    """One client at one gemeente, as loaded: every bepaling (withdrawn ones too), the linking's result, and the
    (bepaling, status, onderwerp) of the statusmeldingen made for its bepalingen before."""

    client: str
    gemeente: str
    bepalingen: tuple[BepalingRij, ...]
    toewijzingen: tuple[link.Toewijzing, ...]
    koppelingen: Mapping[int, link.Koppeling]
    gemeld: frozenset[tuple[int, str, str]]

    def bepaling(self, sleutel: int) -> BepalingRij:
        return next(b for b in self.bepalingen if b.id == sleutel)

    @property
    def lopend(self) -> tuple[BepalingRij, ...]:
        return tuple(b for b in self.bepalingen if not b.ingetrokken)


# ---- loading the candidates -----------------------------------------------------------------------

_BEPALINGEN = (
    sa_select(*BEPALING_KOLOMMEN)
    .where(B.c.client == bindparam("client"), B.c.gemeente == bindparam("gemeente"))
    .order_by(B.c.id)
)


def _bepalingen(session: Session, groep: Mapping[str, str]) -> tuple[BepalingRij, ...]:
    return tuple(BepalingRij(*r) for r in run(session, _BEPALINGEN, groep))


# The client's JW315 requested products at the gemeente, with their Verwijzer when the hub recorded it.
_VERZOEKEN = (
    sa_select(
        V.c.aanbieder,
        V.c.referentie_aanbieder,
        V.c.categorie,
        V.c.dagtekening,
        W.c.verwijzer_type,
        W.c.zorgverlener_code,
        V.c.id,
    )
    .outerjoin(W, (W.c.aanbieder == V.c.aanbieder) & (W.c.referentie_aanbieder == V.c.referentie_aanbieder))
    .where(V.c.client == bindparam("client"), V.c.gemeente == bindparam("gemeente"), V.c.soort == VOT)
    .order_by(V.c.id)
)


def _verzoeken(session: Session, groep: Mapping[str, str]) -> list[link.Verzoek]:
    return [
        link.Verzoek(
            aanbieder=aanbieder,
            referentie=referentie,
            categorie=categorie,
            dagtekening=dagtekening,
            verwijzer_type=verwijzer_type,  # None without a gi_verwijzing row
            zorgverlener_code=zorgverlener_code,
            sleutel=sleutel,
        )
        for aanbieder, referentie, categorie, dagtekening, verwijzer_type, zorgverlener_code, sleutel in run(
            session, _VERZOEKEN, groep
        )
    ]


_TOEWIJZINGEN = (
    sa_select(
        T.c.toewijzing_nummer,
        T.c.aanbieder,
        T.c.categorie,
        T.c.code,
        T.c.toewijzingsdatum,
        T.c.toewijzingstijd,
        T.c.referentie_aanbieder,
        T.c.reden_wijziging,
        T.c.id,
    )
    .where(T.c.client == bindparam("client"), T.c.gemeente == bindparam("gemeente"))
    .order_by(T.c.id)
)


def _toewijzingen(session: Session, groep: Mapping[str, str]) -> list[link.Toewijzing]:
    """Per ToewijzingNummer: the first version's data, the reference any version carried, and its deletion."""
    versies: dict[int, list[Any]] = {}
    for r in run(session, _TOEWIJZINGEN, groep):
        versies.setdefault(r.toewijzing_nummer, []).append(r)
    out: list[link.Toewijzing] = []
    for nummer, rows in versies.items():
        eerste = rows[0]
        # The version in force is the latest by Toewijzingsdatum and -tijd (IV013); equal ones: the later row.
        actueel = max(rows, key=lambda r: (r.toewijzingsdatum, r.toewijzingstijd, r.id))
        out.append(
            link.Toewijzing(
                aanbieder=eerste.aanbieder,
                nummer=nummer,
                categorie=eerste.categorie,
                code=eerste.code,
                datum=eerste.toewijzingsdatum,
                tijd=eerste.toewijzingstijd,
                referentie=next((r.referentie_aanbieder for r in rows if r.referentie_aanbieder), None),
                verwijderd_op=actueel.toewijzingsdatum if actueel.reden_wijziging == VERWIJDERING else None,
            )
        )
    return out


# A start without ToewijzingNummer is left out in Python: `toewijzing_nummer IS NOT NULL` in SQL is a range that
# SQLite would search ix_startregel_nummer with, walking every numbered start of the gemeente.
_STARTS = sa_select(ST.c.toewijzing_nummer, ST.c.begindatum, ST.c.id).where(
    ST.c.client == bindparam("client"), ST.c.gemeente == bindparam("gemeente"), ST.c.status == IN_FORCE
)


def _starts(session: Session, groep: Mapping[str, str]) -> list[link.Start]:
    """The client's start lines in force at the gemeente that name a toewijzing (the linking needs its number)."""
    rows = run(session, _STARTS, groep)
    return [
        link.Start(nummer, begindatum, sleutel) for nummer, begindatum, sleutel in rows if nummer is not None
    ]


def koppel_groep(
    session: Session, client: str, gemeente: str, regels: link.KoppelRegels, now: datetime
) -> Groep:
    """Link one client's bepalingen at one gemeente and write the result to gi_koppeling; the caller commits."""
    params = {"client": client, "gemeente": gemeente}
    bepalingen = _bepalingen(session, params)
    toewijzingen = _toewijzingen(session, params)
    koppelingen = link.koppel(
        (link.Bepaling(b.id, b.gi, b.categorie, b.datum_bepaling) for b in bepalingen if not b.ingetrokken),
        _verzoeken(session, params),
        toewijzingen,
        _starts(session, params),
        regels,
    )
    al = frozenset(gemeld(session, (b.id for b in bepalingen)))
    groep = Groep(client, gemeente, bepalingen, tuple(toewijzingen), koppelingen, al)
    _schrijf(session, groep, now)
    return groep


# gi_koppeling's columns that hold a link, in the order _waarden gives their values.
_LINK_KOLOMMEN = (
    "verzoek_aanbieder",
    "verzoek_referentie",
    "verzoek_datum",
    "toewijzing_aanbieder",
    "toewijzing_nummer",
    "toewijzing_datum",
    "start_ref",
    "start_datum",
)


def _waarden(k: link.Koppeling) -> tuple[object, ...]:
    v, t, s = k.verzoek, k.toewijzing, k.start
    return (
        v.aanbieder if v else None,
        v.referentie if v else None,
        v.dagtekening if v else None,
        t.aanbieder if t else None,
        t.nummer if t else None,
        t.datum if t else None,
        s.sleutel if s else None,
        s.begindatum if s else None,
    )


_KOPPELINGEN = sa_select(K.c.bepaling_ref, *(K.c[name] for name in _LINK_KOLOMMEN)).where(
    K.c.bepaling_ref.in_(bindparam("refs", expanding=True))
)
_INSERT_KOPPELING = insert(K)
# The SET clause is every column named in the parameters (the link's, gewijzigd_op); the row is found by
# another name, as an update reserves the column names for SET.
_UPDATE_KOPPELING = update(K).where(K.c.bepaling_ref == bindparam("b_ref"))
_DELETE_KOPPELINGEN = delete(K).where(K.c.bepaling_ref.in_(bindparam("refs", expanding=True)))


def _schrijf(session: Session, groep: Groep, now: datetime) -> None:
    """Make gi_koppeling equal to the group's links: add, change or remove one row per bepaling.

    In the order the ORM's flush wrote them before (changes, additions, then removals): row ids stay the same.
    """
    refs = [b.id for b in groep.bepalingen]
    bestaand = {r[0]: tuple(r[1:]) for r in run(session, _KOPPELINGEN, {"refs": refs})}
    nieuw: list[dict[str, object]] = []
    gewijzigd: list[dict[str, object]] = []
    weg: list[int] = []
    for ref in refs:
        k = groep.koppelingen.get(ref)
        if k is None:
            if ref in bestaand:
                weg.append(ref)
            continue
        waarden = _waarden(k)
        if bestaand.get(ref) == waarden:
            continue
        row = {**dict(zip(_LINK_KOLOMMEN, waarden, strict=True)), "gewijzigd_op": now}
        if ref in bestaand:
            gewijzigd.append({"b_ref": ref, **row})
        else:
            nieuw.append({"bepaling_ref": ref, "gemeente": groep.gemeente, **row})
    if gewijzigd:
        run(session, _UPDATE_KOPPELING, gewijzigd)
    if nieuw:
        run(session, _INSERT_KOPPELING, nieuw)
    if weg:
        run(session, _DELETE_KOPPELINGEN, {"refs": weg})


# ---- statusmeldingen ------------------------------------------------------------------------------

_GEMELD = sa_select(S.c.bepaling_ref, S.c.status, S.c.onderwerp).where(
    S.c.bepaling_ref.in_(bindparam("refs", expanding=True))
)


def gemeld(session: Session, bepalingen: Iterable[int]) -> set[tuple[int, str, str]]:
    """The (bepaling, status, onderwerp) already made for these bepalingen."""
    ids = list(bepalingen)
    if not ids:
        return set()
    return {(b, s, o) for b, s, o in run(session, _GEMELD, {"refs": ids})}


def status_id(bepaling: int, status: str, onderwerp: str) -> str:
    """The statusmelding's hub id: the same for the same key on every replica."""
    return uuid.uuid5(STATUS_NAMESPACE, f"{bepaling}|{status}|{onderwerp}").hex


_VERSIE = sa_select(func.count()).where(
    B.c.gi == bindparam("gi"), B.c.bepaling_id == bindparam("bepaling_id"), B.c.id < bindparam("id")
)


def _versie(session: Session, b: BepalingRij) -> int:
    """How many bepalingen of this GI used the BepalingId before this one (an id may be used again)."""
    return int(run(session, _VERSIE, {"gi": b.gi, "bepaling_id": b.bepaling_id, "id": b.id}).scalar_one())


def _identificatie(gi: str, melding: Statusmelding, versie: int) -> str:
    """The documented Identificatie (hub.gi.status); a reused BepalingId adds its version so ids never collide."""
    if versie == 0:
        return status_identificatie(gi, melding)
    key = f"{gi}|{melding.bepaling_id}|{versie}|{melding.status}|{melding.status_datum}|{melding.toewijzing_nummer}"
    return "S" + base64.b32encode(hashlib.sha256(key.encode()).digest()).decode()[:11]


def maak_meldingen(
    session: Session,
    bepalingen: Sequence[BepalingRij],
    meldingen: Iterable[link.Melding],
    vandaag: date,
    now: datetime,
    al: Collection[tuple[int, str, str]] | None = None,
) -> int:
    """Store each status not made before, with its GI102; returns how many are new. The caller commits.

    The Dagtekening is today (`vandaag`), or the StatusDatum when that lies later (GB041). `al` is what
    gemeld() answers for these bepalingen when the caller has it (Groep.gemeld); None asks the store.
    """
    per_id = {b.id: b for b in bepalingen}
    gedaan = set(al) if al is not None else gemeld(session, per_id)
    versies: dict[int, int] = {}
    rows: list[dict[str, object]] = []
    for m in meldingen:
        if (m.bepaling, m.status, m.onderwerp) in gedaan:
            continue
        gedaan.add((m.bepaling, m.status, m.onderwerp))
        b = per_id[m.bepaling]
        melding = Statusmelding(
            bepaling_id=b.bepaling_id,
            status=m.status,
            status_datum=m.datum,
            toewijzing_nummer=m.toewijzing_nummer,
            aanbieder=m.aanbieder,
            product=Product(categorie=m.categorie, code=m.code) if m.categorie is not None else None,
            begindatum=m.begindatum,
        )
        dagtekening = max(vandaag, m.datum)
        if b.id not in versies:
            versies[b.id] = _versie(session, b)
        identificatie = _identificatie(b.gi, melding, versies[b.id])
        xml = build_statusmelding(
            melding, gemeente=b.gemeente, gi=b.gi, dagtekening=dagtekening, identificatie=identificatie
        )
        rows.append(
            {
                "id": status_id(m.bepaling, m.status, m.onderwerp),
                "bepaling_ref": m.bepaling,
                "gi": b.gi,
                "gemeente": b.gemeente,
                "client": b.client,
                "bepaling_id": b.bepaling_id,
                "status": m.status,
                "onderwerp": m.onderwerp,
                "status_datum": m.datum,
                "toewijzing_nummer": m.toewijzing_nummer,
                "zorgaanbieder": m.aanbieder,
                "categorie": m.categorie,
                "code": m.code,
                "begindatum": m.begindatum,
                "identificatie": identificatie,
                "dagtekening": dagtekening,
                "xml": xml.decode(),
                # A microsecond apart, in the order made: te_versturen sends them in that order, not by id.
                "aangemaakt_op": now + timedelta(microseconds=len(rows)),
            }
        )
    _insert_ignore(session, GiStatusmeldingRecord, ("bepaling_ref", "status", "onderwerp"), rows)
    return len(rows)


def groep_meldingen(groep: Groep) -> list[link.Melding]:
    """The statuses the group's state implies, in the order the GI gets them: 06 for withdrawals, 05 for deleted
    toewijzingen, then 01-03 from the links (per bepaling in that order).

    What ended comes before what follows it: a correction under the same BepalingId (docs/gi-berichten.md 2.5)
    withdraws the old bepaling and links the new one in one pass, and the GI, which knows both by that one id,
    must read the 06 before the new one's 02, not after it.
    """
    lopend = [b.id for b in groep.lopend]
    found = [
        link.ingetrokken(b.id, b.ingetrokken_op or b.dagtekening) for b in groep.bepalingen if b.ingetrokken
    ]
    found += link.vervallen(
        groep.gemeld, lopend, groep.toewijzingen
    )  # it looks at the bepalingen in force only
    found += link.meldingen(groep.koppelingen)
    return found


# ---- the outbound path ----------------------------------------------------------------------------


def te_versturen(session: Session, limit: int = 100) -> list[GiStatusmeldingRecord]:
    """Statusmeldingen made but not yet published, oldest first."""
    stmt = (
        select(GiStatusmeldingRecord)
        .where(col(GiStatusmeldingRecord.verstuurd_op).is_(None))
        .order_by(col(GiStatusmeldingRecord.aangemaakt_op), col(GiStatusmeldingRecord.id))
        .limit(limit)
    )
    return list(session.exec(stmt))


def voor_gi(
    session: Session, gis: Collection[str], na: str | None, tot: datetime, limit: int
) -> list[GiStatusmeldingRecord] | None:
    """The statusmeldingen to these GIs, in the order made, after the one with id `na` (from the first without),
    made before `tot`, at most `limit`; None when `na` is no melding of theirs.

    `tot` lies a little in the past (GET /statusmeldingen): a melding made just before another, by another
    processor, may be committed just after it, and a reader that had passed the later one would never see it.
    """
    stmt = select(GiStatusmeldingRecord).where(
        col(GiStatusmeldingRecord.gi).in_(list(gis)), col(GiStatusmeldingRecord.aangemaakt_op) < tot
    )
    if na is not None:
        vorige = session.get(GiStatusmeldingRecord, na)
        if vorige is None or vorige.gi not in gis:
            return None
        stmt = stmt.where(
            or_(
                col(GiStatusmeldingRecord.aangemaakt_op) > vorige.aangemaakt_op,
                and_(
                    col(GiStatusmeldingRecord.aangemaakt_op) == vorige.aangemaakt_op,
                    col(GiStatusmeldingRecord.id) > vorige.id,
                ),
            )
        )
    stmt = stmt.order_by(col(GiStatusmeldingRecord.aangemaakt_op), col(GiStatusmeldingRecord.id)).limit(limit)
    return list(session.exec(stmt))


def markeer_verstuurd(session: Session, ids: Iterable[str], when: datetime) -> None:
    for row in session.exec(
        select(GiStatusmeldingRecord).where(col(GiStatusmeldingRecord.id).in_(list(ids)))
    ):
        if row.verstuurd_op is None:
            row.verstuurd_op = when
            session.add(row)
    session.flush()


def markeer_afgeleverd(session: Session, id: str, when: datetime) -> bool:
    """The GI102 reached the GI's outbox; True the first time, False for another id or a second delivery."""
    row = session.get(GiStatusmeldingRecord, id)
    if row is None or row.afgeleverd_op is not None:
        return False
    row.afgeleverd_op = when
    session.add(row)
    session.flush()
    return True


def onderweg(session: Session) -> list[str]:
    """Statusmeldingen not yet delivered (made or published): `hub process` waits for them."""
    stmt = select(GiStatusmeldingRecord.id).where(col(GiStatusmeldingRecord.afgeleverd_op).is_(None))
    return list(session.exec(stmt))


def verstuurd_niet_afgeleverd(session: Session) -> int:
    """Statusmeldingen published on the retour topic and not yet delivered: their part of hub_retour_pending."""
    stmt = select(func.count()).where(
        col(GiStatusmeldingRecord.verstuurd_op).is_not(None),
        col(GiStatusmeldingRecord.afgeleverd_op).is_(None),
    )
    return int(session.exec(stmt).one())
