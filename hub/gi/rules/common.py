"""What the GI rules share: message sets, the parts each message is judged on, and small date helpers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from hub.gi.catalog import HEENBERICHTEN, ONDERDELEN
from hub.ijw.doc import Doc, Element, as_date, child

CLIENT_BERICHTEN = frozenset({"GI001", "GI002"})
INKOMEND = HEENBERICHTEN  # GI001-GI003: sent by a GI to the hub
MET_DAGTEKENING = HEENBERICHTEN | {"GI102"}

BEPALING = ONDERDELEN["GI001"]
MAATREGEL = ONDERDELEN["GI002"]
CAPACITEIT = ONDERDELEN["GI003"]


def dated(parent: Element | None, name: str) -> tuple[Element, date] | None:
    """The child `name` and its date, or None when absent."""
    el = child(parent, name)
    value = as_date(el)
    return None if el is None or value is None else (el, value)


def parts(doc: Doc) -> Iterator[Element]:
    """The parts of a GI heenbericht in document order (Bepaling, Maatregel or Capaciteit)."""
    yield from doc.all(ONDERDELEN.get(doc.bericht, ""))
