"""Turn an accepted GI heenbericht (GI001-GI003) into its normalised event: only the parts that were accepted.

As for iJw (hub.events.normalise), only the fields the event models have are copied: the BSN becomes the
pseudonym, names, the birth date and Toelichting stay behind. The GI sends in the aanbieder's role, so the
envelope's `aanbieder` is the GI's AGB code and `gemeente` the Ontvanger.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import TypeVar

from hub.events.models import (
    BepalingOntvangen,
    BepalingRegel,
    CapaciteitOntvangen,
    CapaciteitRegel,
    HubEvent,
    MaatregelRegel,
    MaatregelVoortgangOntvangen,
    make_event_id,
)
from hub.events.normalise import Pseudonymise, envelope, omvang
from hub.gi import models as gi
from hub.gi.catalog import GI_BERICHTEN
from hub.gi.regio import regio_naam

T = TypeVar("T")


def _accepted(items: Iterable[T], onderdelen: Collection[int] | None) -> tuple[T, ...]:
    return tuple(item for i, item in enumerate(items) if onderdelen is None or i in onderdelen)


def _bepaling(b: gi.Bepaling) -> BepalingRegel:
    return BepalingRegel(
        bepaling_id=b.bepaling_id,
        status_aanlevering=b.status_aanlevering,
        maatregel_id=b.maatregel.maatregel_id,
        maatregel_type=b.maatregel.maatregel_type,
        datum_bepaling=b.datum_bepaling,
        categorie=b.product.categorie,
        code=b.product.code,
        omvang=omvang(b.omvang),
        gewenste_ingangsdatum=b.gewenste_ingangsdatum,
        urgentie=b.urgentie,
        voorkeur_aanbieder=b.voorkeur_aanbieder,
    )


def _maatregel(m: gi.Maatregel) -> MaatregelRegel:
    return MaatregelRegel(
        maatregel_id=m.maatregel_id,
        maatregel_type=m.maatregel_type,
        datum_uitspraak=m.datum_uitspraak,
        datum_vaste_jeugdbeschermer=m.datum_vaste_jeugdbeschermer,
        datum_gedragen_koers=m.datum_gedragen_koers,
        einddatum=m.einddatum,
    )


def _capaciteit(c: gi.Capaciteit) -> CapaciteitRegel:
    return CapaciteitRegel(
        jeugdregio=c.jeugdregio,
        regio=regio_naam(c.jeugdregio),
        peildatum=c.peildatum,
        jeugdbeschermers=c.jeugdbeschermers,
        caseload=c.caseload,
        beschikbare_plaatsen=c.beschikbare_plaatsen,
        wachtlijst=c.wachtlijst,
    )


def normalise_gi(
    model: gi.GiBericht,
    *,
    bericht_id: str,
    pseudonym: Pseudonymise,
    ontvangen_op: datetime,
    onderdelen: Collection[int] | None = None,
) -> HubEvent | None:
    """The event of an accepted GI001/GI002/GI003 with its accepted parts (`onderdelen`, None: all); else None."""
    env = envelope(GI_BERICHTEN[model.bericht], model.header, bericht_id, ontvangen_op)
    match model:
        case gi.Gi001():
            return BepalingOntvangen(
                **env,
                event_id=make_event_id(bericht_id, "BepalingOntvangen"),
                client=pseudonym(model.client.bsn),
                bepalingen=tuple(_bepaling(b) for b in _accepted(model.client.bepalingen, onderdelen)),
            )
        case gi.Gi002():
            return MaatregelVoortgangOntvangen(
                **env,
                event_id=make_event_id(bericht_id, "MaatregelVoortgangOntvangen"),
                client=pseudonym(model.client.bsn),
                maatregelen=tuple(_maatregel(m) for m in _accepted(model.client.maatregelen, onderdelen)),
            )
        case gi.Gi003():
            return CapaciteitOntvangen(
                **env,
                event_id=make_event_id(bericht_id, "CapaciteitOntvangen"),
                capaciteiten=tuple(_capaciteit(c) for c in _accepted(model.capaciteiten, onderdelen)),
            )
    return None
