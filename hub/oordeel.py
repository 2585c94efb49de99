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


class Delen:
    """The parts' Locaties, indexed for `afgekeurd`: per Locatie at or above a part, the parts at or below it."""

    def __init__(self, locaties: Sequence[str]) -> None:
        self.n = len(locaties)
        self.positie = {loc: i for i, loc in enumerate(locaties)}
        self.onder: dict[str, list[int]] = {}
        for i, loc in enumerate(locaties):
            stappen = loc.split("/")  # "", "Bericht", ...: each prefix on a "/" boundary, the part's own last
            for n in range(2, len(stappen) + 1):
                self.onder.setdefault("/".join(stappen[:n]), []).append(i)

    def afgekeurd(self, anchor: str | None) -> set[int]:
        """The parts a finding at `anchor` rejects: those at or below it, or the one it lies in; all when none is.

        A lookup per step of the anchor's path, not a scan of every part per finding: a JW323 of thousands of
        rejected lines made that quadratic.
        """
        if anchor is not None:
            hit = set(self.onder.get(anchor, ()))
            stappen = anchor.split("/")
            for n in range(len(stappen) - 1, 1, -1):  # the anchor's ancestors, nearest first
                binnen = self.positie.get("/".join(stappen[:n]))
                if binnen is not None:
                    hit.add(binnen)
                    break
            if hit:
                return hit
        return set(range(self.n))  # on the Header (or nowhere): the whole message


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
    delen = Delen([doc.locatie(part) for part in parts])
    afgekeurd: set[int] = set()
    for v in verdict.errors:
        afgekeurd |= delen.afgekeurd(_anker(v, doc))
    onderdelen = frozenset(range(delen.n)) - afgekeurd
    # Not a JW323 rejected on its Header (TR056 names an identification already used: not this declaration's).
    vastleggen = info.bericht == "JW323" and all(
        (_anker(v, doc) or "").startswith(DECLARATIE) for v in verdict.errors
    )
    return Oordeel(bool(onderdelen), onderdelen, vastleggen=vastleggen)
