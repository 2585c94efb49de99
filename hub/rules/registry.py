"""The one rule registry: every iJw rule is a small function registered with its code, level and retourcode.

A rule yields `Hit`s (the element it anchors on and a message); the registry turns them into `Violation`s
with the rule's code, retourcode and Locatie. Rules report, they never raise: a retour lists every error.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import IntEnum
from itertools import chain
from typing import Any, TypeVar

from hub.ijw.doc import Doc, Element
from hub.reference.producten import Productcodes
from hub.reference.tarieven import Tarieven


class Level(IntEnum):
    """Control levels of rules.md section 1."""

    XSD = 1
    XSLT = 2  # in-message: any finding gives a header-only retour with 0001
    STATEFUL = 3  # across messages: the rule's own retourcode on the berichtklasse
    EXTERNAL = 4  # external sources: likewise


@dataclass(frozen=True, slots=True)
class Hit:
    """What a rule function reports: the element it anchors on, why, and the class the code goes on."""

    element: Element | None
    message: str
    klasse: Element | None = None  # berichtklasse for level 3/4 (None: the Header)


def first_existing(*elements: Element | None) -> Element | None:
    """The first element that exists: the XSLT's first Locatie when the candidates are in document order."""
    return next((el for el in elements if el is not None), None)


T = TypeVar("T")


def repeats(items: Iterable[T], key: Callable[[T], Hashable]) -> Iterator[tuple[T, T]]:
    """Each item whose key an earlier item had, with the first item of that key (in the order of `items`)."""
    first: dict[Hashable, T] = {}
    for item in items:
        k = key(item)
        if k in first:
            yield first[k], item
        else:
            first[k] = item


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    retourcode: str | None
    location: str | None
    message: str
    level: Level = Level.XSLT
    klasse: Element | None = field(default=None, compare=False, repr=False)

    def as_json(self) -> dict[str, str | None]:
        return {
            "rule": self.rule,
            "retourcode": self.retourcode,
            "location": self.location,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Context:
    """Everything outside the message that rules may consult."""

    today: date
    gemeenten: frozenset[str] | None = None  # CBS codes (TR378); None: not checked
    # The last day of the codes a herindeling ended (the gemeente list's geldig_tot; those codes are in `gemeenten`).
    gemeenten_tot: Mapping[str, date] = field(default_factory=dict, compare=False)
    productcodes: Productcodes | None = None  # the product code list (TR381)
    tarieven: Tarieven | None = None  # contract tariffs (TR418, and hourly tariffs for TR346)
    state: Any = None  # stateful rules only: the store's view, supplied by the event pipeline
    # Berichtklassen the other level-3/4 findings reject, for the rules judged again once those are known
    # (Rule.herzien); empty in their first pass.
    afgewezen: frozenset[Element] = frozenset()

    def gemeente_geldig(self, code: str, op: date) -> bool:
        """Whether the gemeente list has this code and it was valid on that day (not yet ended by a herindeling)."""
        if self.gemeenten is None or code not in self.gemeenten:
            return False
        tot = self.gemeenten_tot.get(code)
        return tot is None or op <= tot

    def gemeente_ongeldig(self, code: str, lijst: str) -> str:
        """Why a code that gemeente_geldig() refused is refused, for a finding: unknown to `lijst`, or ended."""
        tot = self.gemeenten_tot.get(code)
        return (
            f"is not in the {lijst}"
            if tot is None
            else f"was valid until {tot.isoformat()} (ended by a herindeling)"
        )


Check = Callable[[Doc, Context], Iterable[Hit]]

# Level-2 findings listed per rule per message. Any one gives the same header-only 0001 retour (rules.md 1), so
# more tell the sender nothing new, while a rule's findings can grow as the square of a message's lines (TR302:
# one per overlapping pair): without a bound, one message below the size limit costs hours and millions of rows.
MAX_XSLT_FINDINGS = 50


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    level: Level
    berichten: frozenset[str]
    retourcode: str | None  # None: WJ001 has no code for it (rules.md "-"), e.g. TR337 on a JW325
    summary: str
    check: Check
    herzien: bool = False  # judged again with Context.afgewezen: its outcome depends on what else is rejected

    def run(self, doc: Doc, ctx: Context) -> Iterator[Violation]:
        return self.violations(doc, self.check(doc, ctx))

    def violations(self, doc: Doc, hits: Iterable[Hit], taken: tuple[Hit, ...] = ()) -> Iterator[Violation]:
        """The Violations of a run's hits (`taken`: the ones already taken from it); at level 2 at most
        MAX_XSLT_FINDINGS, then one saying there are more, the rule's run closed as soon as that is known."""
        if self.level != Level.XSLT:  # level 3 and 4: each finding is a retourcode on its own berichtklasse
            for hit in chain(taken, hits):
                yield self.violation(doc, hit)
            return
        for n, hit in enumerate(chain(taken, hits)):
            if n == MAX_XSLT_FINDINGS:  # one more than listed: there are more; stop the rule's work now
                close = getattr(hits, "close", None)  # a generator's (a rule may return any iterable)
                if close is not None:
                    close()
                yield Violation(
                    rule=self.code,
                    retourcode=self.retourcode,
                    location=None,
                    message=f"{self.code} has more findings in this message; only the first "
                    f"{MAX_XSLT_FINDINGS} are listed.",
                    level=self.level,
                )
                return
            yield self.violation(doc, hit)

    def violation(self, doc: Doc, hit: Hit) -> Violation:
        return Violation(
            rule=self.code,
            retourcode=self.retourcode,
            location=None if hit.element is None else doc.locatie(hit.element),
            message=hit.message,
            level=self.level,
            klasse=hit.klasse,
        )


REGISTRY: dict[str, Rule] = {}
_BY_BERICHT: dict[str, list[Rule]] = {}
_SELECTED: dict[tuple[str, frozenset[Level]], list[Rule]] = {}  # rules_for's answers; emptied on register


def rule(
    code: str,
    *,
    berichten: Iterable[str],
    summary: str,
    level: Level = Level.XSLT,
    retourcode: str | None = "0001",
    herzien: bool = False,
) -> Callable[[Check], Check]:
    """Register `check` under a rule code. Level-2 rules always yield retourcode 0001."""

    def register(check: Check) -> Check:
        key = code if code not in REGISTRY else f"{code}:{check.__name__}"
        r = Rule(code, level, frozenset(berichten), retourcode, summary, check, herzien)
        REGISTRY[key] = r
        for b in r.berichten:
            _BY_BERICHT.setdefault(b, []).append(r)
        _SELECTED.clear()
        return check

    return register


def rules_for(bericht: str, levels: Iterable[Level]) -> list[Rule]:
    wanted = frozenset(levels)
    selected = _SELECTED.get((bericht, wanted))
    if selected is None:
        selected = _SELECTED[(bericht, wanted)] = [
            r for r in _BY_BERICHT.get(bericht, []) if r.level in wanted
        ]
    return list(selected)


def iter_violations(doc: Doc, ctx: Context, levels: Iterable[Level] = (Level.XSLT,)) -> Iterator[Violation]:
    """Every violation of the registered rules of these levels, rule by rule in registration order.

    At level 2 each rule lists at most MAX_XSLT_FINDINGS (Rule.violations, as Rule.run), whoever calls this.
    """
    for r in rules_for(doc.bericht, levels):
        hits = iter(r.check(doc, ctx))
        for hit in hits:  # most rules find nothing in a message: they cost no generator of Violations
            yield from r.violations(doc, hits, (hit,))  # which bounds the findings of level 2
            break


def herzien(doc: Doc, ctx: Context, found: tuple[Violation, ...]) -> tuple[Violation, ...]:
    """`found` (levels 3 and 4) with what the rules marked `herzien` find once they know what `found` rejects.

    Such a rule (TR389: a debet is allowed when a credit in the same message reverses the earlier one; TR322,
    TR369: a credit lowers the total) may have passed a line only because of a line that another rule rejects. Judged again, it finds at least what it found
    before; its own findings reject only the lines it judges, which no such rule relies on, so one pass suffices.
    """
    again = [r for r in rules_for(doc.bericht, (Level.STATEFUL, Level.EXTERNAL)) if r.herzien]
    afgewezen = frozenset(v.klasse for v in found if v.klasse is not None)
    if not again or not afgewezen:
        return found
    ctx = replace(ctx, afgewezen=afgewezen)
    opnieuw: dict[tuple[str, str | None], Violation] = {}
    for r in again:
        for v in r.run(doc, ctx):
            opnieuw.setdefault((v.rule, v.location), v)
    # Where it finds a line again, its new finding takes the old one's place: one per line, and its message
    # tells the final count (TR369's total without a rejected credit).
    codes = {r.code for r in again}
    kept = tuple(opnieuw.pop((v.rule, v.location), v) if v.rule in codes else v for v in found)
    return kept + tuple(opnieuw.values())
