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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from hub.gi import link
from hub.gi.models import Statusmelding
from hub.gi.status import build_statusmelding, status_identificatie
from hub.ijw.models import Product
from hub.store.gi_tables import (
    GiBepalingRecord,
    GiKoppelingRecord,
    GiStatusmeldingRecord,
    GiVerwijzingRecord,
)
from hub.store.observations import _insert_ignore
from hub.store.tables import IN_FORCE, StartRecord, ToewijzingRecord, VerzoekRecord

VERWIJDERING = "13"  # RedenWijziging: the toewijzing is deleted and counts as never sent
VOT = "VOT"
STATUS_NAMESPACE = uuid.UUID("2f5b8a0e-6c1d-5e3f-9a47-b1c2d3e4f5a6")  # fixed: ids must match across replicas


@dataclass(frozen=True, slots=True)
class Groep:
    """One client at one gemeente, as loaded: every bepaling (withdrawn ones too) and the linking's result."""

    client: str
    gemeente: str
    bepalingen: tuple[GiBepalingRecord, ...]
    toewijzingen: tuple[link.Toewijzing, ...]
    koppelingen: Mapping[int, link.Koppeling]

    def bepaling(self, sleutel: int) -> GiBepalingRecord:
        return next(b for b in self.bepalingen if b.id == sleutel)

    @property
    def lopend(self) -> tuple[GiBepalingRecord, ...]:
        return tuple(b for b in self.bepalingen if not b.ingetrokken)


def heeft_bepalingen(session: Session, client: str, gemeente: str) -> bool:
    """Whether the client has any bepaling at the gemeente: most iJw traffic has none and needs no linking."""
    stmt = (
        select(GiBepalingRecord.id)
        .where(GiBepalingRecord.client == client, GiBepalingRecord.gemeente == gemeente)
        .limit(1)
    )
    return session.exec(stmt).first() is not None


# ---- loading the candidates -----------------------------------------------------------------------


def _bepalingen(session: Session, client: str, gemeente: str) -> tuple[GiBepalingRecord, ...]:
    stmt = (
        select(GiBepalingRecord)
        .where(GiBepalingRecord.client == client, GiBepalingRecord.gemeente == gemeente)
        .order_by(col(GiBepalingRecord.id))
    )
    return tuple(session.exec(stmt))


def _verzoeken(session: Session, client: str, gemeente: str) -> list[link.Verzoek]:
    """The client's JW315 requested products at the gemeente, with their Verwijzer when the hub recorded it."""
    stmt = (
        select(VerzoekRecord, GiVerwijzingRecord)
        .join(
            GiVerwijzingRecord,
            (col(GiVerwijzingRecord.aanbieder) == col(VerzoekRecord.aanbieder))
            & (col(GiVerwijzingRecord.referentie_aanbieder) == col(VerzoekRecord.referentie_aanbieder)),
            isouter=True,
        )
        .where(VerzoekRecord.client == client, VerzoekRecord.gemeente == gemeente, VerzoekRecord.soort == VOT)
        .order_by(col(VerzoekRecord.id))
    )
    return [
        link.Verzoek(
            aanbieder=v.aanbieder,
            referentie=v.referentie_aanbieder,
            categorie=v.categorie,
            dagtekening=v.dagtekening,
            verwijzer_type=w.verwijzer_type if w is not None else None,
            zorgverlener_code=w.zorgverlener_code if w is not None else None,
            sleutel=v.id or 0,
        )
        for v, w in session.exec(stmt)
    ]


def _toewijzingen(session: Session, client: str, gemeente: str) -> list[link.Toewijzing]:
    """Per ToewijzingNummer: the first version's data, the reference any version carried, and its deletion."""
    stmt = (
        select(ToewijzingRecord)
        .where(ToewijzingRecord.client == client, ToewijzingRecord.gemeente == gemeente)
        .order_by(col(ToewijzingRecord.id))
    )
    versies: dict[int, list[ToewijzingRecord]] = {}
    for r in session.exec(stmt):
        versies.setdefault(r.toewijzing_nummer, []).append(r)
    out: list[link.Toewijzing] = []
    for nummer, rows in versies.items():
        eerste = rows[0]
        # The version in force is the latest by Toewijzingsdatum and -tijd (IV013); equal ones: the later row.
        actueel = max(rows, key=lambda r: (r.toewijzingsdatum, r.toewijzingstijd, r.id or 0))
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


def _starts(session: Session, client: str, gemeente: str) -> list[link.Start]:
    stmt = select(StartRecord).where(
        StartRecord.client == client,
        StartRecord.gemeente == gemeente,
        StartRecord.status == IN_FORCE,
        col(StartRecord.toewijzing_nummer).is_not(None),
    )
    return [link.Start(r.toewijzing_nummer or 0, r.begindatum, r.id or 0) for r in session.exec(stmt)]


def koppel_groep(
    session: Session, client: str, gemeente: str, regels: link.KoppelRegels, now: datetime
) -> Groep:
    """Link one client's bepalingen at one gemeente and write the result to gi_koppeling; the caller commits."""
    bepalingen = _bepalingen(session, client, gemeente)
    toewijzingen = _toewijzingen(session, client, gemeente)
    koppelingen = link.koppel(
        (link.Bepaling(b.id or 0, b.gi, b.categorie, b.datum_bepaling) for b in bepalingen if not b.ingetrokken),
        _verzoeken(session, client, gemeente),
        toewijzingen,
        _starts(session, client, gemeente),
        regels,
    )
    groep = Groep(client, gemeente, bepalingen, tuple(toewijzingen), koppelingen)
    _schrijf(session, groep, now)
    return groep


def _waarden(k: link.Koppeling) -> dict[str, object]:
    v, t, s = k.verzoek, k.toewijzing, k.start
    return {
        "verzoek_aanbieder": v.aanbieder if v else None,
        "verzoek_referentie": v.referentie if v else None,
        "verzoek_datum": v.dagtekening if v else None,
        "toewijzing_aanbieder": t.aanbieder if t else None,
        "toewijzing_nummer": t.nummer if t else None,
        "toewijzing_datum": t.datum if t else None,
        "start_ref": s.sleutel if s else None,
        "start_datum": s.begindatum if s else None,
    }


def _schrijf(session: Session, groep: Groep, now: datetime) -> None:
    """Make gi_koppeling equal to the group's links: add, change or remove one row per bepaling."""
    ids = [b.id for b in groep.bepalingen]
    bestaand = {
        r.bepaling_ref: r
        for r in session.exec(select(GiKoppelingRecord).where(col(GiKoppelingRecord.bepaling_ref).in_(ids)))
    }
    for b in groep.bepalingen:
        assert b.id is not None
        k = groep.koppelingen.get(b.id)
        row = bestaand.get(b.id)
        if k is None:
            if row is not None:
                session.delete(row)
            continue
        waarden = _waarden(k)
        if row is None:
            row = GiKoppelingRecord(bepaling_ref=b.id, gemeente=groep.gemeente, gewijzigd_op=now)
        elif all(getattr(row, name) == value for name, value in waarden.items()):
            continue
        for name, value in waarden.items():
            setattr(row, name, value)
        row.gewijzigd_op = now
        session.add(row)
    session.flush()


# ---- statusmeldingen ------------------------------------------------------------------------------


def gemeld(session: Session, bepalingen: Iterable[int]) -> set[tuple[int, str, str]]:
    """The (bepaling, status, onderwerp) already made for these bepalingen."""
    ids = list(bepalingen)
    if not ids:
        return set()
    stmt = select(
        GiStatusmeldingRecord.bepaling_ref, GiStatusmeldingRecord.status, GiStatusmeldingRecord.onderwerp
    ).where(col(GiStatusmeldingRecord.bepaling_ref).in_(ids))
    return {(b, s, o) for b, s, o in session.exec(stmt)}


def status_id(bepaling: int, status: str, onderwerp: str) -> str:
    """The statusmelding's hub id: the same for the same key on every replica."""
    return uuid.uuid5(STATUS_NAMESPACE, f"{bepaling}|{status}|{onderwerp}").hex


def _versie(session: Session, b: GiBepalingRecord) -> int:
    """How many bepalingen of this GI used the BepalingId before this one (an id may be used again)."""
    stmt = select(func.count()).where(
        GiBepalingRecord.gi == b.gi,
        GiBepalingRecord.bepaling_id == b.bepaling_id,
        col(GiBepalingRecord.id) < (b.id or 0),
    )
    return int(session.exec(stmt).one())


def _identificatie(gi: str, melding: Statusmelding, versie: int) -> str:
    """The documented Identificatie (hub.gi.status); a reused BepalingId adds its version so ids never collide."""
    if versie == 0:
        return status_identificatie(gi, melding)
    key = f"{gi}|{melding.bepaling_id}|{versie}|{melding.status}|{melding.status_datum}|{melding.toewijzing_nummer}"
    return "S" + base64.b32encode(hashlib.sha256(key.encode()).digest()).decode()[:11]


def maak_meldingen(
    session: Session, bepalingen: Sequence[GiBepalingRecord], meldingen: Iterable[link.Melding], vandaag: date,
    now: datetime,
) -> int:
    """Store each status not made before, with its GI102; returns how many are new. The caller commits.

    The Dagtekening is today (`vandaag`), or the StatusDatum when that lies later (GB041).
    """
    per_id = {b.id or 0: b for b in bepalingen}
    al = gemeld(session, per_id)
    rows: list[dict[str, object]] = []
    for m in meldingen:
        if (m.bepaling, m.status, m.onderwerp) in al:
            continue
        al.add((m.bepaling, m.status, m.onderwerp))
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
        identificatie = _identificatie(b.gi, melding, _versie(session, b))
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
                "aangemaakt_op": now,
            }
        )
    _insert_ignore(session, GiStatusmeldingRecord, ("bepaling_ref", "status", "onderwerp"), rows)
    return len(rows)


def groep_meldingen(session: Session, groep: Groep) -> list[link.Melding]:
    """The statuses the group's state implies: 01-03 from the links, 05 for deleted toewijzingen, 06 for withdrawals."""
    lopend = [b.id or 0 for b in groep.lopend]
    found = link.meldingen(groep.koppelingen)
    found += link.vervallen(gemeld(session, lopend), lopend, groep.toewijzingen)
    found += [
        link.ingetrokken(b.id or 0, b.ingetrokken_op or b.dagtekening) for b in groep.bepalingen if b.ingetrokken
    ]
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


def markeer_verstuurd(session: Session, ids: Iterable[str], when: datetime) -> None:
    for row in session.exec(select(GiStatusmeldingRecord).where(col(GiStatusmeldingRecord.id).in_(list(ids)))):
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
        col(GiStatusmeldingRecord.verstuurd_op).is_not(None), col(GiStatusmeldingRecord.afgeleverd_op).is_(None)
    )
    return int(session.exec(stmt).one())
