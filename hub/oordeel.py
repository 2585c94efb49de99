"""Which parts of a judged heenbericht the hub processes, read from its verdict: all, some or none.

Most iJw messages are judged whole: any finding rejects them (OP286). Two kinds are judged per part:
- a JW323, whose answer (the JW325) rejects single Prestaties, or a Client with all its Prestaties, or the whole
  Declaratie, while the rest is granted (rules.md section 1, process.md 5.3);
- the hub's GI messages, whose Ontvangstbevestiging judges each part (docs/gi-berichten.md 4.1).
A level-2 finding rejects the whole message. A level-3/4 finding rejects the parts at or below the class it
names (its klasse, else its location), and the part it lies in; one on the Header rejects them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.gi.catalog import ONDERDELEN as GI_ONDERDELEN
from hub.ijw.doc import Doc
from hub.rules.registry import Level, Violation
from hub.validate import Verdict

# The parts judged one by one, by message type (paths below Bericht).
ONDERDELEN: dict[str, str] = {**GI_ONDERDELEN, "JW323": "Declaratie/Clienten/Client/Prestaties/Prestatie"}
DECLARATIE = "/Bericht/Declaratie"


@dataclass(frozen=True, slots=True)
class Oordeel:
    """accepted: something is processed; onderdelen: the indices (document order) of the accepted parts.

    vastleggen: the message is recorded although no part is accepted. A JW323 that passed levels 1 and 2 and is
    rejected within its Declaratie was sent even when its JW325 returns every line: the gemeente's own JW325 may
    answer it (TR337, TR366, TR367).
    """

    accepted: bool
    onderdelen: frozenset[int] | None = None  # None: the message has no parts (all or nothing)
    vastleggen: bool = False


def _anker(v: Violation, doc: Doc) -> str | None:
    """Where a finding lies: its class, else its location (None: nowhere, as the Header)."""
    return doc.locatie(v.klasse) if v.klasse is not None else v.location


def _afgekeurd(v: Violation, doc: Doc, locaties: Sequence[str]) -> set[int]:
    """The parts a finding rejects: those at or below its class, or the one it lies in; all when none is."""
    anchor = _anker(v, doc)
    if anchor is not None:
        hit = {
            i
            for i, loc in enumerate(locaties)
            if loc == anchor or loc.startswith(anchor + "/") or anchor.startswith(loc + "/")
        }
        if hit:
            return hit
    return set(range(len(locaties)))  # on the Header (or nowhere): the whole message


def oordeel(verdict: Verdict) -> Oordeel:
    """The parts of a judged message that are processed; nothing when it is rejected as a whole."""
    doc, info = verdict.doc, verdict.info
    if doc is None or info is None:
        return Oordeel(False)
    pad = ONDERDELEN.get(info.bericht)
    if pad is None:
        return Oordeel(verdict.accepted)
    parts = doc.all(pad)
    if not verdict.errors:  # the common case: every part, without writing a Locatie per part
        return Oordeel(bool(parts), frozenset(range(len(parts))))
    if any(v.level <= Level.XSLT for v in verdict.errors):
        return Oordeel(False, frozenset())
    locaties = [doc.locatie(part) for part in parts]
    afgekeurd: set[int] = set()
    for v in verdict.errors:
        afgekeurd |= _afgekeurd(v, doc, locaties)
    onderdelen = frozenset(range(len(locaties))) - afgekeurd
    # Not a JW323 rejected on its Header (TR056 names an identification already used: not this declaration's).
    vastleggen = info.bericht == "JW323" and all(
        (_anker(v, doc) or "").startswith(DECLARATIE) for v in verdict.errors
    )
    return Oordeel(bool(onderdelen), onderdelen, vastleggen=vastleggen)
