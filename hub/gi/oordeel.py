"""Which parts of a GI heenbericht the hub processes (docs/gi-berichten.md 4.1), read from its verdict.

Unlike iJw, where any finding rejects the whole message, a GI message is judged per part: a level-2 finding or
a level-3 finding outside the parts (GB101 on the Header) rejects it whole; a level-3 finding on a part
(GB102-GB105) rejects that part only and the others are processed. The split is the Ontvangstbevestiging's:
a finding belongs to the part it names as its klasse, else to the part its location lies in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.gi.catalog import ONDERDELEN
from hub.ijw.doc import Doc, Element
from hub.rules.registry import Level, Violation
from hub.validate import Verdict


@dataclass(frozen=True, slots=True)
class Oordeel:
    """accepted: something is processed; onderdelen: the indices (document order) of the accepted parts."""

    accepted: bool
    onderdelen: frozenset[int] | None = None  # None: the message has no parts (all or nothing)


def _onderdeel_van(v: Violation, doc: Doc, parts: Sequence[Element]) -> int | None:
    for i, part in enumerate(parts):
        if v.klasse is part:
            return i
    if v.location:
        for i, part in enumerate(parts):
            if (v.location + "/").startswith(doc.locatie(part) + "/"):
                return i
    return None


def oordeel(verdict: Verdict) -> Oordeel:
    """The parts of a judged GI message that are processed; nothing when it is rejected as a whole."""
    doc, info = verdict.doc, verdict.info
    if doc is None or info is None:
        return Oordeel(False)
    pad = ONDERDELEN.get(info.bericht)
    if pad is None:
        return Oordeel(verdict.accepted)
    parts = doc.all(pad)
    if any(v.level <= Level.XSLT for v in verdict.errors):
        return Oordeel(False, frozenset())
    afgekeurd: set[int] = set()
    for v in verdict.errors:
        index = _onderdeel_van(v, doc, parts)
        if index is None:  # on the Header: the whole message
            return Oordeel(False, frozenset())
        afgekeurd.add(index)
    onderdelen = frozenset(range(len(parts))) - afgekeurd
    return Oordeel(bool(onderdelen), onderdelen)
