"""The iJw part of the monitor: observers of the normalised iJw events, and the iJw gauge sources.

Each observer derives its observations from the store (hub.store.facts), never from the event alone, so the
result does not depend on the order in which the processors see events of different topics.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session

from hub.events.models import (
    IJW_TOPIC_KIND,
    AntwoordOntvangen,
    StartOntvangen,
    StopOntvangen,
    ToewijzingOntvangen,
    parse_event,
)
from hub.monitor import contract
from hub.monitor.model import (
    ONBEKEND,
    Beeindiging,
    Doorlooptijd,
    NormUitkomst,
    Observatie,
    Peil,
    Sample,
    WachtRij,
)
from hub.monitor.norms import ANTWOORD_VERZOEK, seconden, termijn_grens, uitkomst
from hub.monitor.registry import Context, bron, event_kind, observer, wacht_bron
from hub.store import facts, gauges

for _kind in IJW_TOPIC_KIND.values():
    event_kind(_kind, parse_event)


def _verzoek_sleutel(aanbieder: str, referentie: str) -> str:
    return f"{aanbieder}:{referentie}"


def _toewijzing_sleutel(gemeente: str, nummer: int) -> str:
    return f"{gemeente}:{nummer}"


@observer("ToewijzingOntvangen")
def toewijzing_op_verzoek(session: Session, event: ToewijzingOntvangen, ctx: Context) -> Iterator[Observatie]:
    """verzoek_tot_toewijzing and the answer norm for every requested product a ToegewezenProduct answers."""
    for referentie in dict.fromkeys(
        p.referentie_aanbieder for p in event.producten if p.referentie_aanbieder
    ):
        verzoek = facts.verzoek_om_toewijzing(session, event.gemeente, event.aanbieder, referentie)
        if verzoek is None:
            continue  # a VOW's reference, or one the store does not know
        toewijzing = facts.toegewezen(session, event.gemeente, event.aanbieder, referentie)
        if toewijzing is None:
            continue  # the store has no ToegewezenProduct with this reference (yet)
        versie = toewijzing.eerste_versie
        yield Doorlooptijd(
            "verzoek_tot_toewijzing",
            _verzoek_sleutel(event.aanbieder, referentie),
            ctx.regio(event.gemeente),
            versie.categorie or ONBEKEND,
            # Floored: a toewijzing that existed before the request answers it at once, not before it.
            seconden(verzoek.dagtekening, versie.toewijzingsdatum, vloer=True),
        )
        yield from _antwoord_norm(session, verzoek, toewijzing, event.aanbieder, referentie, ctx)


@observer("AntwoordOntvangen")
def antwoord_op_verzoek(session: Session, event: AntwoordOntvangen, ctx: Context) -> Iterator[Observatie]:
    """The answer norm of the requested product a JW319 answers (VerzoekAntwoord 1 and 2 both answer)."""
    referentie = event.referentie_aanbieder
    verzoek = facts.verzoek_om_toewijzing(session, event.gemeente, event.aanbieder, referentie)
    if verzoek is None:
        return
    toewijzing = facts.toegewezen(session, verzoek.gemeente, event.aanbieder, referentie)
    yield from _antwoord_norm(session, verzoek, toewijzing, event.aanbieder, referentie, ctx)


def _antwoord_norm(
    session: Session,
    verzoek: facts.Verzoek,
    toewijzing: facts.Toegewezen | None,
    aanbieder: str,
    referentie: str,
    ctx: Context,
) -> Iterator[Observatie]:
    """The answer norm of the verzoek with this reference; the caller found the verzoek and its toewijzing."""
    antwoord = facts.eerste_antwoord(session, verzoek.gemeente, aanbieder, referentie, toewijzing)
    if antwoord is None:
        return
    yield NormUitkomst(
        ANTWOORD_VERZOEK,
        _verzoek_sleutel(aanbieder, referentie),
        uitkomst(ANTWOORD_VERZOEK, verzoek.dagtekening, antwoord),
        ctx.regio(verzoek.gemeente),
        verzoek.dagtekening,
        antwoord,
    )


@observer("StartOntvangen")
def start_van_toewijzing(session: Session, event: StartOntvangen, ctx: Context) -> Iterator[Observatie]:
    """toewijzing_tot_start: first version's Toewijzingsdatum to the first start's Begindatum, floored at 0."""
    for nummer in dict.fromkeys(r.toewijzing_nummer for r in event.regels if r.toewijzing_nummer is not None):
        assert nummer is not None  # narrowed by the filter above
        begindatum = facts.eerste_begindatum(session, event.gemeente, nummer)
        versie = facts.eerste_versie(session, event.gemeente, nummer)
        if begindatum is None or versie is None:
            continue
        yield Doorlooptijd(
            "toewijzing_tot_start",
            _toewijzing_sleutel(event.gemeente, nummer),
            ctx.regio(event.gemeente),
            versie.categorie or ONBEKEND,
            seconden(versie.toewijzingsdatum, begindatum, vloer=True),
        )


@observer("StopOntvangen")
def stop(session: Session, event: StopOntvangen, ctx: Context) -> Iterator[Observatie]:
    """One beëindiging per stop line the message added (StatusAanlevering 1), with its RedenBeeindiging."""
    for regel in facts.stopregels(session, event.bericht_id):
        versie = (
            facts.eerste_versie(session, regel.gemeente, regel.toewijzing_nummer)
            if regel.toewijzing_nummer is not None
            else None
        )
        categorie = versie.categorie if versie is not None else regel.categorie
        yield Beeindiging(
            f"stopregel:{regel.id}", regel.reden_beeindiging, ctx.regio(regel.gemeente), categorie or ONBEKEND
        )


@wacht_bron
def wachtende_ijw(session: Session, peil: Peil) -> Iterator[WachtRij]:
    """The verzoek and toewijzing stages of jeugdhulp_wachtend."""
    yield from gauges.wachtende_verzoeken(session, peil.vandaag, peil.boven_norm_grens)
    yield from gauges.wachtende_toewijzingen(session, peil.vandaag, peil.boven_norm_grens)


@bron(contract.VERZOEKEN_ONBEANTWOORD_BOVEN_NORM.name)
def onbeantwoorde_verzoeken(session: Session, peil: Peil) -> Iterator[Sample]:
    """The requested products past the answer term that _antwoord_norm has no answer for yet, per gemeente and
    Categorie; a group with unanswered products all within the term is a series at 0."""
    grens = termijn_grens(ANTWOORD_VERZOEK, peil.vandaag)
    for r in gauges.onbeantwoorde_verzoeken(session, peil.vandaag, grens):
        labels = {"norm": ANTWOORD_VERZOEK, "gemeente": r.gemeente, "productcategorie": r.productcategorie}
        yield labels, float(r.boven_termijn)


@bron("jeugdhulp_in_zorg")
def in_zorg(session: Session, peil: Peil) -> Iterator[Sample]:
    for gemeente, aanbieder, categorie, aantal in gauges.in_zorg(session, peil.vandaag):
        yield {"gemeente": gemeente, "aanbieder": aanbieder, "productcategorie": categorie}, float(aantal)
