"""Start and stop rules inside one message (rules.md 4.6): CS058 and TR018."""

from __future__ import annotations

from collections.abc import Iterator

from hub.ijw.doc import Doc
from hub.rules.registry import Context, Hit, rule

_STATUS_PATHS = {
    "JW305": "Client/StartProducten/StartProduct/StatusAanlevering",
    "JW307": "Client/StopProducten/StopProduct/StatusAanlevering",
}


@rule("CS058", berichten=set(_STATUS_PATHS), summary="StatusAanlevering only 1 or 3")
def status_aanlevering(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """StatusAanlevering is 1 or 3; COD467's 2 and 9 are not allowed in iJw (CS058)."""
    for status in doc.all(_STATUS_PATHS[doc.bericht]):
        value = doc.text(status)
        if value not in {"1", "3"}:
            yield Hit(status, f"StatusAanlevering is {value}; only 1 and 3 are allowed.")


@rule("TR018", berichten={"JW307"}, summary="StopProduct Einddatum >= Begindatum")
def stop_na_start(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A StopProduct's Einddatum is on or after its Begindatum (TR018)."""
    for stop in doc.all("Client/StopProducten/StopProduct"):
        begin, eind = doc.as_date(stop, "Begindatum"), doc.as_date(stop, "Einddatum")
        if begin is not None and eind is not None and eind < begin:
            # Anchored on the first of the two compared elements, as the XSLT lists them.
            yield Hit(
                doc.child(stop, "Begindatum"),
                f"StopProduct/Einddatum {doc.datum_tekst(stop, 'Einddatum')} is before its Begindatum "
                f"{doc.datum_tekst(stop, 'Begindatum')}.",
            )
