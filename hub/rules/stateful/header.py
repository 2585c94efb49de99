"""The header rule across messages (rules.md 6.7): TR056."""

from __future__ import annotations

from collections.abc import Iterator

from hub.ijw.catalog import HEENBERICHTEN
from hub.ijw.doc import Doc
from hub.rules.registry import Context, Hit, Level, rule
from hub.rules.stateful.common import snapshot


@rule(
    "TR056",
    berichten=HEENBERICHTEN,
    level=Level.STATEFUL,
    retourcode="9056",
    summary="Identificatie unique per message type per sender",
)
def identificatie_uniek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The sender used this Identificatie before for this BerichtCode (TR056); reported on the Header."""
    state = snapshot(ctx)
    if state is None or not state.identificatie_bekend:
        return
    yield Hit(
        doc.first("Header/BerichtIdentificatie/Identificatie"),
        f"Identificatie {doc.identificatie!r} was already used by sender {doc.afzender} for {doc.bericht}.",
        klasse=None,
    )
