"""The GI part of the monitor (issues 4 and 5): linking, statusmeldingen, and the GI metrics.

When an event that can change a client's links is processed (a bepaling, a JW315, a JW301, a JW305), the
client's links at that gemeente are derived again from the store (hub.gi.link), in the event's transaction,
with the statuses they imply (GI102, once each) and the observations `bepaling_tot_start` and
`passende_hulp_3_maanden`. GI002 brings the jeugdbescherming norms; a gauge shows the maatregelen still without
the date of one. The periodic check tells a GI when help is not started 3 months after its bepaling; the outbox
hands the statusmeldingen to the processors to publish.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from hub.events.models import (
    GI_TOPIC_KIND,
    MaatregelRegel,
    MaatregelVoortgangOntvangen,
    StatusmeldingVerstuurd,
    make_event_id,
    parse_event,
)
from hub.gi import link
from hub.gi.catalog import STATUSMELDING
from hub.monitor import contract
from hub.monitor.model import ONBEKEND, Doorlooptijd, NormUitkomst, Observatie, Peil, Sample, WachtRij
from hub.monitor.norms import (
    GEDRAGEN_KOERS,
    JEUGDBESCHERMER,
    PASSENDE_HULP,
    boven_norm_grens,
    seconden,
    termijn_grens,
    uitkomst,
)
from hub.monitor.registry import (
    Context,
    Uitgaand,
    bron,
    event_kind,
    familie_bron,
    observer,
    peiling,
    postvak,
    wacht_bron,
)
from hub.store import gauges, gi_link, gi_monitor
from hub.store.gi_tables import GiStatusmeldingRecord
from hub.topics import pair_key

BEPALING_TOT_START = "bepaling_tot_start"
STATUS_KIND = "gi.status"  # published by the processors themselves: nothing to read back

for _kind in GI_TOPIC_KIND.values():
    if _kind != STATUS_KIND:
        event_kind(_kind, parse_event)

gauges.HERKOMST["toewijzing"].append(gi_monitor.herkomst_toewijzing)
gauges.HERKOMST["verzoek"].append(gi_monitor.herkomst_verzoek)


def bepaling_sleutel(bepaling: int) -> str:
    """The observation key of a bepaling: its store row id (a BepalingId may be used again after withdrawal)."""
    return f"gi_bepaling:{bepaling}"


KOPPEL_EVENTS = ("BepalingOntvangen", "VerzoekOmToewijzingOntvangen", "ToewijzingOntvangen", "StartOntvangen")


def met_bepalingen(session: Session, events: Sequence[Any]) -> set[uuid.UUID]:
    """The batch's linking events whose client has a bepaling at the event's gemeente, in one query for the poll.

    Most iJw traffic has none and needs no linking. Only the intake writes bepalingen, and it publishes a
    bepaling's event after committing its row: that event finds it, in its own batch; one committed while a batch
    runs is linked, with the client's other events, when its event comes.
    """
    koppel = [e for e in events if e.type in KOPPEL_EVENTS and e.client is not None]
    found = gi_monitor.met_bepalingen(session, ((e.client, e.gemeente) for e in koppel))
    return {e.event_id for e in koppel if (e.client, e.gemeente) in found}


def groep(event: Any) -> tuple[str, str]:
    """The linking's group of an event: its client at its gemeente."""
    return event.client, event.gemeente


@observer(*KOPPEL_EVENTS, voorselectie=met_bepalingen, eens_per_batch=groep)
def koppeling(session: Session, event: Any, ctx: Context) -> Iterator[Observatie]:
    """Link the client's bepalingen at the event's gemeente, make the implied statuses, observe started help.

    The processors call it only for the events met_bepalingen picked from their batch, and once per group per
    batch: the group is derived from the intake's rows alone, which every event of the batch already finds in
    the store (an event is published after its rows are committed), so a second run in the batch would link
    alike, find each status made, and observe only keys the first run observed.
    """
    client: str = event.client
    groep = gi_link.koppel_groep(
        session, client, event.gemeente, link.KoppelRegels(ctx.koppeltermijn_dagen), ctx.nu()
    )
    meldingen = gi_link.groep_meldingen(groep)
    gi_link.maak_meldingen(session, groep.bepalingen, meldingen, ctx.vandaag(), ctx.nu(), al=groep.gemeld)
    for k in groep.koppelingen.values():
        if k.start is None:
            continue
        b = groep.bepaling(k.bepaling)
        regio = ctx.regio(b.gemeente)
        yield Doorlooptijd(
            BEPALING_TOT_START,
            bepaling_sleutel(k.bepaling),
            regio,
            b.categorie or ONBEKEND,
            # Floored like toewijzing_tot_start: care that began before the bepaling started at once, not before.
            seconden(b.datum_bepaling, k.start.begindatum, vloer=True),
        )
        yield NormUitkomst(
            PASSENDE_HULP,
            bepaling_sleutel(k.bepaling),
            uitkomst(PASSENDE_HULP, b.datum_bepaling, k.start.begindatum),
            regio,
            b.datum_bepaling,
            k.start.begindatum,
        )


# The dates behind the two jeugdbescherming norms: the uitspraak, and the date each norm counts to.
UITSPRAAK = "datum_uitspraak"
NORM_DATUMS = ((JEUGDBESCHERMER, "datum_vaste_jeugdbeschermer"), (GEDRAGEN_KOERS, "datum_gedragen_koers"))


@observer("MaatregelVoortgangOntvangen")
def maatregel_normen(
    session: Session, event: MaatregelVoortgangOntvangen, ctx: Context
) -> Iterator[Observatie]:
    """jeugdbeschermer_5_werkdagen and gedragen_koers_6_weken once both dates of the pair are known.

    Counted from the dates as they stood right after this message, not from the maatregel row: a later GI002
    may replace a date there (docs/gi-berichten.md 2.5), and the count must not depend on whether the processors
    reach this event before or after the intake accepted that correction. The regio is this message's gemeente's.
    """
    ids = {m.maatregel_id for m in event.maatregelen}
    with gi_monitor.gi002_events_terug(session, event.aanbieder, event.client, event.bericht_id) as eerder:
        # Read after the replay's statement ran: a date the row lacks is in none of the messages it returns.
        rijen = gi_monitor.maatregel_rijen(session, event.aanbieder, ids)
        datums = _maatregel_datums(eerder, event, {i: _nodig(rij) for i, rij in rijen.items()})
    regio = ctx.regio(event.gemeente)
    for m in event.maatregelen:
        rij, d = rijen.get(m.maatregel_id), datums.get(m.maatregel_id, {})
        uitspraak = d.get(UITSPRAAK)
        if rij is None or uitspraak is None:
            continue
        for norm, veld in NORM_DATUMS:
            if (datum := d.get(veld)) is not None:
                yield NormUitkomst(
                    norm, f"gi_maatregel:{rij.id}", uitkomst(norm, uitspraak, datum), regio, uitspraak, datum
                )


def _nodig(rij: gi_monitor.MaatregelRij) -> set[str]:
    """The dates to look up for a maatregel: none unless some GI002 brought its uitspraak and a date a norm
    counts to; then those (a date the row lacks no GI002 brought: it is None after every message)."""
    velden = {veld for _, veld in NORM_DATUMS if getattr(rij, veld) is not None}
    return {UITSPRAAK, *velden} if velden and rij.datum_uitspraak is not None else set()


def _maatregel_datums(
    eerder: Iterable[str], event: MaatregelVoortgangOntvangen, nodig: Mapping[str, Collection[str]]
) -> dict[str, dict[str, date]]:
    """Per MaatregelId the `nodig` dates known right after the event's message (absent: None).

    That is the replay of its accepted GI002s in order (`eerder` gives them newest first), a date present
    replacing the one before and a date absent keeping it: per date, the latest message's that has it. So the
    messages are read back only until each date needed is found. Without any (its audit row could not be read),
    this message's own dates; a maatregel none of them names takes this message's first line about it.
    """
    open_ = {i: set(velden) for i, velden in nodig.items() if velden}
    found: dict[str, dict[str, date]] = {i: {} for i in open_}
    genoemd: set[str] = set()

    def lees(regels: Iterable[MaatregelRegel]) -> None:
        for regel in regels:
            if (rest := open_.get(regel.maatregel_id)) is None:
                continue
            genoemd.add(regel.maatregel_id)
            for veld in [v for v in rest if getattr(regel, v) is not None]:
                found[regel.maatregel_id][veld] = getattr(regel, veld)
                rest.discard(veld)
            if not rest:
                del open_[regel.maatregel_id]

    gelezen = False
    for bericht in eerder if open_ else ():
        gelezen = True
        lees(reversed(MaatregelVoortgangOntvangen.model_validate_json(bericht).maatregelen))
        if not open_:
            break
    if not gelezen:
        lees(reversed(event.maatregelen))
    for regel in event.maatregelen:  # present even if its audit row could not be read
        if regel.maatregel_id in found and regel.maatregel_id not in genoemd:
            genoemd.add(regel.maatregel_id)
            found[regel.maatregel_id] = {
                v: getattr(regel, v) for v in nodig[regel.maatregel_id] if getattr(regel, v) is not None
            }
    return found


@peiling
def norm_overschreden(session: Session, vandaag: date, ctx: Context) -> int:
    """Status 04 for every bepaling in force whose help has not started 3 months after the DatumBepaling.

    gi_koppeling shows a start once the processors handled an event of the client's group after it; the check
    runs whatever they have reached, so the groups of the bepalingen it finds are linked again from the store
    first (K7): a start the intake accepted counts even when its event is still on its way.
    """
    bepalingen = gi_monitor.niet_gestart(session, vandaag, boven_norm_grens(vandaag))
    regels = link.KoppelRegels(ctx.koppeltermijn_dagen)
    gestart = {
        k.bepaling
        for client, gemeente in sorted({(b.client, b.gemeente) for b in bepalingen})
        for k in gi_link.koppel_groep(session, client, gemeente, regels, ctx.nu()).koppelingen.values()
        if k.start is not None and k.start.begindatum <= vandaag
    }
    meldingen = [
        m
        for b in bepalingen
        if (m := link.norm_overschreden(b.id, b.datum_bepaling, b.id in gestart, vandaag)) is not None
    ]
    return gi_link.maak_meldingen(session, bepalingen, meldingen, vandaag, ctx.nu())


@wacht_bron
def wachtende_bepalingen(session: Session, peil: Peil) -> Iterator[WachtRij]:
    """The bepaling stage of jeugdhulp_wachtend."""
    yield from gi_monitor.wachtende_bepalingen(session, peil.vandaag, peil.boven_norm_grens)


@familie_bron
def wachtende_maatregelen(session: Session, peil: Peil) -> Mapping[str, list[Sample]]:
    """gi_maatregelen_wachtend and its boven-norm part: per norm the maatregelen whose date of that norm is not
    known yet, from one query; the regio from the maatregel's gemeente, as read now."""
    norm_van = {veld: norm for norm, veld in NORM_DATUMS}
    grenzen = {veld: termijn_grens(norm, peil.vandaag) for norm, veld in NORM_DATUMS}
    wachtend: list[Sample] = []
    boven: list[Sample] = []
    for r in gi_monitor.wachtende_maatregelen(session, peil.vandaag, grenzen):
        labels = {"norm": norm_van[r.datum], "gi": r.gi, "gemeente": r.gemeente}
        wachtend.append((labels, float(r.aantal)))
        boven.append((labels, float(r.boven_norm)))
    return {
        contract.GI_MAATREGELEN_WACHTEND.name: wachtend,
        contract.GI_MAATREGELEN_WACHTEND_BOVEN_NORM.name: boven,
    }


@bron("gi_bepalingen_total")
def bepalingen(session: Session, peil: Peil) -> Iterator[Sample]:
    for gi, gemeente, categorie, aantal in gi_monitor.bepalingen_aantallen(session):
        yield {"gi": gi, "gemeente": gemeente, "productcategorie": categorie}, float(aantal)


SOORTEN = (
    ("jeugdbeschermers_fte", "jeugdbeschermers"),
    ("caseload", "caseload"),
    ("beschikbaar", "beschikbare_plaatsen"),
    ("wachtlijst", "wachtlijst"),
)


@bron("gi_capaciteit")
def capaciteit(session: Session, peil: Peil) -> Iterator[Sample]:
    for row in gi_monitor.laatste_capaciteit(session, peil.vandaag):
        for soort, veld in SOORTEN:
            yield {"gi": row.gi, "regio": row.regio, "soort": soort}, float(getattr(row, veld))


# ---- the outbox: statusmeldingen ------------------------------------------------------------------


def uitgaand(row: GiStatusmeldingRecord) -> Uitgaand:
    """The GI102 of a statusmelding, to the GI, with the StatusmeldingVerstuurd event announcing it."""
    event = StatusmeldingVerstuurd(
        event_id=make_event_id(row.id, "StatusmeldingVerstuurd"),
        bericht_id=row.id,
        afzender=row.gemeente,
        ontvanger=row.gi,
        gemeente=row.gemeente,
        aanbieder=row.gi,
        identificatie=row.identificatie,
        dagtekening=row.dagtekening,
        client=row.client,
        ontvangen_op=row.aangemaakt_op,
        bepaling_id=row.bepaling_id,
        status=row.status,
        status_datum=row.status_datum,
        toewijzing_nummer=row.toewijzing_nummer,
        zorgaanbieder=row.zorgaanbieder,
        categorie=row.categorie,
        code=row.code,
        begindatum=row.begindatum,
    )
    return Uitgaand(row.id, STATUSMELDING, row.gi, row.xml.encode(), pair_key(row.gemeente, row.gi), event)


class Statusmeldingen:
    """The GI102s in gi_statusmelding: made by the linking and the periodic check, sent by the processors."""

    def wachtend(self, session: Session, limit: int) -> Sequence[Uitgaand]:
        return [uitgaand(r) for r in gi_link.te_versturen(session, limit)]

    def verstuurd(self, session: Session, ids: Sequence[str], when: datetime) -> None:
        gi_link.markeer_verstuurd(session, ids, when)

    def afgeleverd(self, session: Session, id: str, when: datetime) -> bool:
        return gi_link.markeer_afgeleverd(session, id, when)

    def onderweg(self, session: Session) -> Sequence[str]:
        return gi_link.onderweg(session)


postvak(Statusmeldingen())
