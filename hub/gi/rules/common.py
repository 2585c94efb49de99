"""What the GI rules share: message sets, the parts each message is judged on, and the date checks."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from hub.gi.catalog import HEENBERICHTEN, ONDERDELEN
from hub.ijw.doc import Doc, Element, as_date, child
from hub.rules.registry import Hit

CLIENT_BERICHTEN = frozenset({"GI001", "GI002"})
# GI001-GI003, sent by a GI, and the GI102 the hub writes for a gemeente: the messages a sender numbers and dates.
MET_DAGTEKENING = HEENBERICHTEN | {"GI102"}

BEPALING = ONDERDELEN["GI001"]
MAATREGEL = ONDERDELEN["GI002"]
CAPACITEIT = ONDERDELEN["GI003"]


def dated(parent: Element | None, name: str) -> tuple[Element, date] | None:
    """The child `name` and its date, or None when absent."""
    el = child(parent, name)
    value = as_date(el)
    return None if el is None or value is None else (el, value)


def niet_na_dagtekening(doc: Doc, onderdeel: str, namen: Iterable[str]) -> Iterator[Hit]:
    """A Hit, on its part, for each date `namen` of each `onderdeel` that lies after the Dagtekening."""
    dagtekening = doc.dagtekening
    if dagtekening is None:
        return
    for part in doc.all(onderdeel):
        for name in namen:
            found = dated(part, name)
            if found and found[1] > dagtekening:
                yield Hit(
                    found[0],
                    f"{name} {doc.datum_tekst(found[0])} is after the Dagtekening {doc.dagtekening_tekst}.",
                    klasse=part,
                )


def niet_voor(doc: Doc, onderdeel: str, later: str, eerder: str) -> Iterator[Hit]:
    """A Hit, on its part, for each `onderdeel` whose date `later` lies before its date `eerder`."""
    for part in doc.all(onderdeel):
        a, b = dated(part, later), dated(part, eerder)
        if a and b and a[1] < b[1]:
            yield Hit(
                a[0],
                f"{later} {doc.datum_tekst(a[0])} is before {eerder} {doc.datum_tekst(b[0])}.",
                klasse=part,
            )
