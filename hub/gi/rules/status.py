"""Rules on the Statusmelding (GI102) the hub writes itself (docs/gi-berichten.md 5.5): GB040-GB041.

The hub builds its GI102s to pass them (tests/hub/gi_pipeline validates every one it makes) and `hub validate`
applies them to any GI102, so a GI never receives a status without the data it announces.
"""

from __future__ import annotations

from collections.abc import Iterator

from hub.gi.codes import (
    STATUS_HULP_GESTART,
    STATUS_TOEWIJZING_AFGEGEVEN,
    STATUS_TOEWIJZING_VERVALLEN,
    STATUS_VERZOEK_ONTVANGEN,
)
from hub.gi.rules.common import niet_na_dagtekening
from hub.ijw.doc import Doc, child, text
from hub.rules.registry import Context, Hit, rule

GI102 = {"GI102"}
MELDING = "Statusmelding"

# The elements each status needs: who asked, who was assigned what, who started when.
VEREIST: dict[str, tuple[str, ...]] = {
    STATUS_VERZOEK_ONTVANGEN: ("Aanbieder",),
    STATUS_TOEWIJZING_AFGEGEVEN: ("ToewijzingNummer", "Aanbieder", "Product"),
    STATUS_HULP_GESTART: ("Aanbieder", "Begindatum"),
    STATUS_TOEWIJZING_VERVALLEN: ("ToewijzingNummer", "Aanbieder"),
}


@rule("GB040", berichten=GI102, summary="Statusmelding carries what its Status needs")
def status_gegevens(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Each Status has its required elements (table VEREIST, docs 4.2) (GB040)."""
    melding = doc.first(MELDING)
    status_el = child(melding, "Status")
    status = text(status_el)
    for name in VEREIST.get(status or "", ()):
        if child(melding, name) is None:
            yield Hit(status_el, f"Status {status} needs {name}, which is absent.", klasse=melding)


@rule("GB041", berichten=GI102, summary="StatusDatum not after the Dagtekening")
def statusdatum_niet_na_dagtekening(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A status reports what already happened (GB041)."""
    yield from niet_na_dagtekening(doc, MELDING, ("StatusDatum",))
