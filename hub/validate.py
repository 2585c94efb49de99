"""Judge one message on the control levels of iJw 3.2, in order, and return a verdict; never raises on input.

1 XML + XSD (no retour)  2 in-message rules (retour 0001)  3 stateful rules (pipeline)  4 external sources.
Retourberichten are judged on their XSD only, as the standard does.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import hub.rules.all  # noqa: F401  (registers every rule module)
from hub.clock import vandaag
from hub.errors import BerichtUnreadable
from hub.ijw.catalog import BerichtInfo
from hub.ijw.doc import Doc
from hub.ijw.parse import ParseLimits, parse_bericht, too_deep, too_deep_error
from hub.ijw.schema import SchemaSet
from hub.reference.gemeenten import geldig_tot, gemeentecodes
from hub.reference.producten import Productcodes
from hub.reference.tarieven import Tarieven
from hub.rules.registry import Context, Level, Violation, herzien, iter_violations

OUTCOME_ACCEPTED = "accepted"
OUTCOME_REJECTED = "rejected"  # breaks a rule: gets a retour with its codes
OUTCOME_MALFORMED = "malformed"  # not well-formed, unsafe or not XSD-valid: no retour under the standard


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome for one message; `doc` is set once the message is XSD-valid."""

    info: BerichtInfo | None
    errors: tuple[Violation, ...]
    doc: Doc | None = field(default=None, compare=False, repr=False)

    @property
    def bericht(self) -> str | None:
        return None if self.info is None else self.info.bericht

    @property
    def accepted(self) -> bool:
        return not self.errors

    @property
    def outcome(self) -> str:
        if not self.errors:
            return OUTCOME_ACCEPTED
        return OUTCOME_REJECTED if self.doc is not None else OUTCOME_MALFORMED

    @property
    def level(self) -> Level | None:
        """The lowest control level that failed (decides the shape of the retour)."""
        return min((v.level for v in self.errors), default=None)


class VerdictMemory:
    """Verdicts handed from one judgement to the next by (message bytes, today), oldest out first; thread-safe.

    For a process where one door judges a message and the intake judges the same bytes again after Kafka (the
    HTTP gateway in `hub run`): the second judgement takes the first out, so the memory holds only messages
    still on their way, and the oldest of those, which the intake reaches first, are the last to make room.
    Bounded in entries and in message bytes, as each verdict keeps its lxml tree. Verdicts and their Doc are
    shared, so their users must only read them.
    """

    # A verdict holds about 15 times its message (tree, Doc maps): 4 MiB of messages is some 60 MiB held at most,
    # and 256 messages of a typical 4.5 kB (JW301) take about 17 MiB.
    def __init__(self, size: int = 256, *, max_bytes: int = 4 * 2**20) -> None:
        if size < 1 or max_bytes < 1:
            raise ValueError("a verdict memory needs room for at least one verdict")
        self.size = size
        self.max_bytes = max_bytes  # of message bytes; a message larger than this is not remembered
        self.hits = 0
        self.misses = 0
        self._verdicts: OrderedDict[tuple[date, bytes], Verdict] = OrderedDict()
        self._bytes = 0
        # The gateway judges in worker threads and the intake in others: one lock around every change.
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._verdicts)

    @property
    def held_bytes(self) -> int:
        """Message bytes held now."""
        return self._bytes

    def get(self, data: bytes, today: date, *, take: bool = False) -> Verdict | None:
        """The verdict on exactly these bytes judged for this day, or None; `take` removes it."""
        key = (today, data)  # the dict compares the bytes themselves on a hash match: never another message
        with self._lock:
            found = self._verdicts.pop(key, None) if take else self._verdicts.get(key)
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
                if take:
                    self._bytes -= len(data)
            return found

    def put(self, data: bytes, today: date, verdict: Verdict) -> None:
        if len(data) > self.max_bytes:
            return
        key = (today, data)
        with self._lock:
            if self._verdicts.pop(key, None) is not None:
                self._bytes -= len(data)
            self._verdicts[key] = verdict
            self._bytes += len(data)
            while len(self._verdicts) > self.size or self._bytes > self.max_bytes:
                (_, oldest), _ = self._verdicts.popitem(last=False)
                self._bytes -= len(oldest)


class Validator:
    """Holds the compiled XSDs and reference data; one instance serves many messages (thread-safe).

    `memory`: recent verdicts that validate() was asked to remember (off by default); the reference data must
    then stay as built, since only the bytes and the day tell verdicts apart.
    """

    def __init__(
        self,
        schemas: SchemaSet | None = None,
        *,
        limits: ParseLimits | None = None,
        gemeenten: frozenset[str] | None = None,
        gemeenten_tot: Mapping[str, date] | None = None,
        productcodes: Productcodes | None = None,
        tarieven: Tarieven | None = None,
        clock: Callable[[], date] = vandaag,
        memory: VerdictMemory | None = None,
    ) -> None:
        self.schemas = schemas or SchemaSet()
        self.limits = limits or ParseLimits()
        if gemeenten_tot is None:  # the codes a herindeling ended (TR378): given codes have none unless given
            gemeenten_tot = geldig_tot() if gemeenten is None else {}
        self.gemeenten = gemeentecodes() if gemeenten is None else gemeenten
        self.gemeenten_tot = gemeenten_tot
        self.productcodes = productcodes
        self.tarieven = tarieven
        self.clock = clock
        self.memory = memory
        self._last_context: Context | None = None

    @classmethod
    def from_paths(
        cls, schema_dir: Path | None = None, gemeenten_file: Path | None = None, **kwargs: object
    ) -> Validator:
        codes = gemeentecodes(gemeenten_file) if gemeenten_file else None
        tot = geldig_tot(gemeenten_file) if gemeenten_file else None
        # **kwargs are Validator's own keywords, typed object here.
        return cls(SchemaSet(schema_dir), gemeenten=codes, gemeenten_tot=tot, **kwargs)  # type: ignore[arg-type]

    def context(self, today: date | None = None, state: object | None = None) -> Context:
        today = today or self.clock()
        last = self._last_context
        # A Context is frozen, so the stateless one of the same day and reference data serves every message.
        if (
            state is None
            and last is not None
            and last.today == today
            and last.gemeenten is self.gemeenten
            and last.gemeenten_tot is self.gemeenten_tot
            and last.productcodes is self.productcodes
            and last.tarieven is self.tarieven
        ):
            return last
        made = Context(
            today=today,
            gemeenten=self.gemeenten,
            gemeenten_tot=self.gemeenten_tot,
            productcodes=self.productcodes,
            tarieven=self.tarieven,
            state=state,
        )
        if state is None:
            self._last_context = made
        return made

    def validate(self, data: bytes, *, today: date | None = None, remember: bool = False) -> Verdict:
        """Levels 1, 2 and 4 (the in-message part of the standard plus what the hub knows itself).

        With a memory, a verdict remembered for these bytes and day is returned as it is. `remember`: keep this
        verdict for one later call that does not remember (the gateway does, for the intake, whose call takes
        it out). Only callers that expect the bytes again remember: holding a tree for nothing costs more than
        the memory saves (colder caches).
        """
        memory = self.memory
        if memory is None or type(data) is not bytes:  # a bytearray cannot be a key (it may change)
            return self._validate(data, today)
        today = today or self.clock()
        verdict = memory.get(data, today, take=not remember)
        if verdict is None:
            verdict = self._validate(data, today)
            if remember:
                memory.put(data, today, verdict)
        return verdict

    def read(self, data: bytes) -> Verdict:
        """Level 1 alone: the message read and checked against its XSD, with its Doc when it is valid; no rule runs.

        For an answer that needs only the header of a message the rules must not see again (a dead letter).
        """
        read = self._read(data)
        return read if isinstance(read, Verdict) else Verdict(read.info, (), read)

    def _validate(self, data: bytes, today: date | None) -> Verdict:
        doc = self._read(data)
        if isinstance(doc, Verdict):
            return doc
        if doc.info.is_retour:
            return Verdict(doc.info, (), doc)
        ctx = self.context(today)
        errors = tuple(iter_violations(doc, ctx, (Level.XSLT,)))
        if not errors:
            errors = tuple(iter_violations(doc, ctx, (Level.EXTERNAL,)))
        return Verdict(doc.info, errors, doc)

    def _read(self, data: bytes) -> Doc | Verdict:
        """The Doc of an XSD-valid message, or the verdict that ends at level 1 (unreadable, XSD errors)."""
        try:
            # The depth limit is checked below, where it costs nothing for a schema-valid message: libxml2
            # bounds nesting while parsing and validates without recursion, and Doc measures the depth.
            parsed = parse_bericht(data, self.limits, check_depth=False)
        except BerichtUnreadable as exc:
            return _unreadable(exc)
        max_depth = self.limits.max_depth
        xsd_errors = self.schemas.validate(parsed.info.bericht, parsed.root)
        if xsd_errors:
            if too_deep(parsed.root, max_depth):
                return _unreadable(too_deep_error(max_depth))
            return Verdict(
                parsed.info,
                tuple(Violation("XSD", None, e.location, e.message, level=Level.XSD) for e in xsd_errors),
            )
        doc = Doc(parsed.root, parsed.info)
        if doc.depth > max_depth:
            return _unreadable(too_deep_error(max_depth))
        return doc

    def judge_state(self, verdict: Verdict, state: object, *, today: date | None = None) -> Verdict:
        """Add the level-3 (stateful) and level-4 findings to a verdict that passed levels 1 and 2."""
        if verdict.doc is None or verdict.level in (Level.XSD, Level.XSLT) or verdict.info is None:
            return verdict
        if verdict.info.is_retour:
            return verdict
        ctx = self.context(today, state)
        found = (*verdict.errors, *iter_violations(verdict.doc, ctx, (Level.STATEFUL,)))
        return Verdict(verdict.info, herzien(verdict.doc, ctx, found), verdict.doc)


def _unreadable(exc: BerichtUnreadable) -> Verdict:
    return Verdict(None, (Violation("XML", None, None, str(exc), level=Level.XSD),))
