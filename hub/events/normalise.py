"""Turn an accepted heenbericht's typed model into the one normalised event the hub publishes for it.

Only the fields the event models have are copied, so the BSN (replaced by its pseudonym), names, birth
dates, addresses, contact details and Commentaar stay behind. Retouren, JW323 and JW325 have no event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TypeAlias, TypedDict

from hub.events.models import (
    AangevraagdProductRegel,
    AntwoordOntvangen,
    HubEvent,
    NieuwProductRegel,
    Omvang,
    OngewijzigdProductRegel,
    StartOntvangen,
    StartRegel,
    StopOntvangen,
    StopRegel,
    TeWijzigenProductRegel,
    ToegewezenProductRegel,
    ToewijzingOntvangen,
    VerzoekOmToewijzingOntvangen,
    VerzoekOmWijzigingOntvangen,
    make_event_id,
)
from hub.ijw import models as ijw
from hub.ijw.catalog import BERICHTEN, BerichtInfo
from hub.privacy import Pseudonymiser

Pseudonymise: TypeAlias = Pseudonymiser | Callable[[str], str]  # BSN -> pseudonym


class Envelope(TypedDict):
    """The envelope fields an event takes from its message's Header, with the hub's id and time of receipt."""

    bericht_id: str
    afzender: str
    ontvanger: str
    gemeente: str
    aanbieder: str
    identificatie: str
    dagtekening: date
    ontvangen_op: datetime


def envelope(info: BerichtInfo, header: ijw.Header, bericht_id: str, ontvangen_op: datetime) -> Envelope:
    """The shared fields; gemeente and aanbieder follow the message's direction (its Afzender type)."""
    van_gemeente = info.afzender == "gemeente"
    return Envelope(
        bericht_id=bericht_id,
        afzender=header.afzender,
        ontvanger=header.ontvanger,
        gemeente=header.afzender if van_gemeente else header.ontvanger,
        aanbieder=header.ontvanger if van_gemeente else header.afzender,
        identificatie=header.identificatie,
        dagtekening=header.dagtekening,
        ontvangen_op=ontvangen_op,
    )


def omvang(o: ijw.Omvang | None) -> Omvang | None:
    """The event's copy of an Omvang (the GI models reuse the iJw one, so hub.events.gi copies with this too)."""
    if o is None:
        return None
    return Omvang(volume=o.volume, eenheid=o.eenheid, frequentie=o.frequentie)


def _categorie(product: ijw.Product | None) -> str | None:
    return None if product is None else product.categorie


def _code(product: ijw.Product | None) -> str | None:
    return None if product is None else product.code


# --- one builder per message ----------------------------------------------------------------------


def _toegewezen(p: ijw.ToegewezenProduct) -> ToegewezenProductRegel:
    return ToegewezenProductRegel(
        toewijzing_nummer=p.toewijzing_nummer,
        referentie_aanbieder=p.referentie_aanbieder,
        categorie=_categorie(p.product),
        code=_code(p.product),
        toewijzingsdatum=p.toewijzingsdatum,
        toewijzingstijd=p.toewijzingstijd,
        ingangsdatum=p.ingangsdatum,
        einddatum=p.einddatum,
        reden_wijziging=p.reden_wijziging,
        omvang=omvang(p.omvang),
        budget=p.budget,
    )


def _jw301(m: ijw.Jw301, env: Envelope, client: str) -> ToewijzingOntvangen:
    return ToewijzingOntvangen(
        **env,
        event_id=make_event_id(env["bericht_id"], "ToewijzingOntvangen"),
        client=client,
        producten=tuple(_toegewezen(p) for p in m.client.toegewezen_producten),
    )


def _start(p: ijw.StartProduct) -> StartRegel:
    return StartRegel(
        toewijzing_nummer=p.toewijzing_nummer,
        categorie=_categorie(p.product),
        code=_code(p.product),
        toewijzing_ingangsdatum=p.toewijzing_ingangsdatum,
        begindatum=p.begindatum,
        status_aanlevering=p.status_aanlevering,
    )


def _jw305(m: ijw.Jw305, env: Envelope, client: str) -> StartOntvangen:
    return StartOntvangen(
        **env,
        event_id=make_event_id(env["bericht_id"], "StartOntvangen"),
        client=client,
        regels=tuple(_start(p) for p in m.client.start_producten),
    )


def _stop(p: ijw.StopProduct) -> StopRegel:
    return StopRegel(
        toewijzing_nummer=p.toewijzing_nummer,
        categorie=_categorie(p.product),
        code=_code(p.product),
        toewijzing_ingangsdatum=p.toewijzing_ingangsdatum,
        begindatum=p.begindatum,
        einddatum=p.einddatum,
        reden_beeindiging=p.reden_beeindiging,
        status_aanlevering=p.status_aanlevering,
    )


def _jw307(m: ijw.Jw307, env: Envelope, client: str) -> StopOntvangen:
    return StopOntvangen(
        **env,
        event_id=make_event_id(env["bericht_id"], "StopOntvangen"),
        client=client,
        regels=tuple(_stop(p) for p in m.client.stop_producten),
    )


def _aangevraagd(p: ijw.AangevraagdProduct) -> AangevraagdProductRegel:
    return AangevraagdProductRegel(
        referentie_aanbieder=p.referentie_aanbieder,
        categorie=_categorie(p.product),
        code=_code(p.product),
        toewijzing_ingangsdatum=p.toewijzing_ingangsdatum,
        toewijzing_einddatum=p.toewijzing_einddatum,
        omvang=omvang(p.omvang),
        budget=p.budget,
        verwijzer_type=p.verwijzer.type,
        verwijzer_zorgverlener_code=p.verwijzer.zorgverlener_code,  # the Verwijzer's Naam stays behind
    )


def _jw315(m: ijw.Jw315, env: Envelope, client: str) -> VerzoekOmToewijzingOntvangen:
    return VerzoekOmToewijzingOntvangen(
        **env,
        event_id=make_event_id(env["bericht_id"], "VerzoekOmToewijzingOntvangen"),
        client=client,
        producten=tuple(_aangevraagd(p) for p in m.client.aangevraagde_producten),
    )


def _te_wijzigen(p: ijw.TeWijzigenProduct) -> TeWijzigenProductRegel:
    return TeWijzigenProductRegel(
        toewijzing_nummer=p.toewijzing_nummer,
        gewenste_ingangsdatum=p.gewenste_ingangsdatum,
        einddatum=p.einddatum,
        omvang=omvang(p.omvang),
        budget=p.budget,
    )


def _nieuw(p: ijw.NieuwProduct) -> NieuwProductRegel:
    return NieuwProductRegel(
        categorie=_categorie(p.product),
        code=_code(p.product),
        gewenste_ingangsdatum=p.gewenste_ingangsdatum,
        einddatum=p.einddatum,
        omvang=omvang(p.omvang),
        budget=p.budget,
    )


def _jw317(m: ijw.Jw317, env: Envelope, client: str) -> VerzoekOmWijzigingOntvangen:
    verzoek = m.client.verzoek
    return VerzoekOmWijzigingOntvangen(
        **env,
        event_id=make_event_id(env["bericht_id"], "VerzoekOmWijzigingOntvangen"),
        client=client,
        referentie_aanbieder=verzoek.referentie_aanbieder,
        reden_verzoek=verzoek.reden_verzoek,
        ongewijzigde_producten=tuple(
            OngewijzigdProductRegel(toewijzing_nummer=p.toewijzing_nummer)
            for p in verzoek.ongewijzigde_producten
        ),
        te_wijzigen_producten=tuple(_te_wijzigen(p) for p in verzoek.te_wijzigen_producten),
        nieuwe_producten=tuple(_nieuw(p) for p in verzoek.nieuwe_producten),
    )


def _jw319(m: ijw.Jw319, env: Envelope, client: str | None) -> AntwoordOntvangen:
    antwoord = m.antwoord
    woonplaats = antwoord.woonplaatsbeginsel
    return AntwoordOntvangen(
        **env,
        event_id=make_event_id(env["bericht_id"], "AntwoordOntvangen"),
        client=client,
        referentie_aanbieder=antwoord.referentie_aanbieder,
        verzoek_antwoord=antwoord.verzoek_antwoord,
        reden_afwijzing=antwoord.reden_afwijzing_verzoek,
        woonplaatsbeginsel_gemeente=None if woonplaats is None else woonplaats.gemeente,
    )


def _own_client(bsn: str, pseudonym: Pseudonymise, given: str | None) -> str:
    """The pseudonym of the message's own Bsn; a different `given` one is a caller bug, not a second key."""
    own = pseudonym(bsn)
    if given is not None and given != own:
        raise ValueError("the given client is not the pseudonym of the message's Bsn")
    return own


def normalise(
    model: ijw.Bericht,
    *,
    bericht_id: str,
    pseudonym: Pseudonymise,
    ontvangen_op: datetime,
    client: str | None = None,
) -> HubEvent | None:
    """The event for an accepted JW301/305/307/315/317/319; None for retouren, JW323 and JW325.

    `client` is the pseudonym of the verzoek a JW319 answers (a JW319 names no client). For the other
    messages it may be given, but must then equal the pseudonym of the message's own Bsn.
    `ontvangen_op` must be timezone-aware; the event holds it in UTC.
    """
    # Every header is a Header (retour headers extend it), so the envelope costs nothing to build first.
    env = envelope(BERICHTEN[model.bericht], model.header, bericht_id, ontvangen_op)
    match model:
        case ijw.Jw301():
            return _jw301(model, env, _own_client(model.client.bsn, pseudonym, client))
        case ijw.Jw305():
            return _jw305(model, env, _own_client(model.client.bsn, pseudonym, client))
        case ijw.Jw307():
            return _jw307(model, env, _own_client(model.client.bsn, pseudonym, client))
        case ijw.Jw315():
            return _jw315(model, env, _own_client(model.client.bsn, pseudonym, client))
        case ijw.Jw317():
            return _jw317(model, env, _own_client(model.client.bsn, pseudonym, client))
        case ijw.Jw319():
            return _jw319(model, env, client)
        case _:
            return None
