"""The Statusmelding (GI102): what the hub tells a GI about one of its bepalingen (docs/gi-berichten.md 4.2).

Written by the pipeline when a linked JW315, JW301 or JW305 arrives, when a toewijzing is deleted, when the
3-month norm passes without a start, and when a withdrawal closes the bepaling. It leaves the hub through the
same outbound path as retourberichten, from the gemeente (Afzender) to the GI (Ontvanger).
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date

from hub.gi.build import header, to_xml
from hub.gi.catalog import STATUSMELDING
from hub.gi.models import Statusmelding
from hub.synth.build import Spec


def status_identificatie(gi: str, melding: Statusmelding) -> str:
    """A stable 12-character Identificatie: the same status about the same bepaling always gets the same id,
    so a replayed event cannot send a GI two different messages for one fact."""
    key = f"{gi}|{melding.bepaling_id}|{melding.status}|{melding.status_datum}|{melding.toewijzing_nummer}".encode()
    return "S" + base64.b32encode(hashlib.sha256(key).digest()).decode()[:11]


def statusmelding_spec(melding: Statusmelding) -> Spec:
    product = melding.product
    return {
        "BepalingId": melding.bepaling_id,
        "Status": melding.status,
        "StatusDatum": melding.status_datum,
        "ToewijzingNummer": melding.toewijzing_nummer,
        "Aanbieder": melding.aanbieder,
        "Product": None if product is None else {"Categorie": product.categorie, "Code": product.code},
        "Begindatum": melding.begindatum,
        "Toelichting": melding.toelichting,
    }


def build_statusmelding(
    melding: Statusmelding, *, gemeente: str, gi: str, dagtekening: date, identificatie: str | None = None
) -> bytes:
    """The GI102 bytes for one status of one bepaling, from the gemeente to the GI."""
    spec = {
        "Header": header(
            STATUSMELDING,
            dagtekening=dagtekening,
            identificatie=identificatie or status_identificatie(gi, melding),
            gi=gi,
            gemeente=gemeente,
        ),
        "Statusmelding": statusmelding_spec(melding),
    }
    return to_xml(STATUSMELDING, spec)
