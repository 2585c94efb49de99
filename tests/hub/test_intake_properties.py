"""Property-based: the intake with its store answers every message without raising. Stories of valid iJw and GI
messages, mutated so they mostly stay well-formed and often XSD-valid (values of the element's own type, codes of
other lists, dates near today and at the ends, numbers at 0 and their maxima, deleted and duplicated elements,
colliding Identificaties), resent, redelivered and answered by their retouren, go through ONE Intake in batches.
Any exception but TransientError would have the consumer dead-letter the message without a retour."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import Engine
from sqlmodel import SQLModel

from hub.events.models import HubEvent
from hub.gi.catalog import GI_BERICHTEN, is_gi
from hub.gi.structure import gi_structure
from hub.gi.synth import GI_BERICHTEN_MET_SPEC
from hub.gi.synth import spec as gi_spec
from hub.ijw.catalog import BERICHTEN
from hub.ijw.structure import SCHEMA_DIR, Child, structure
from hub.intake import OUTCOME_DUPLICATE, Inbound, Intake, IntakeResult
from hub.store import audit
from hub.store.db import session_factory
from hub.synth.berichten import HEENBERICHTEN, spec
from hub.synth.build import Spec
from hub.validate import OUTCOME_ACCEPTED, OUTCOME_MALFORMED, OUTCOME_REJECTED, Validator
from tests.hub.column_capacity import columns_hold_their_values
from tests.hub.gi_pipeline.helpers import xml
from tests.hub.intake_helpers import TODAY, new_intake
from tests.hub.xsd_facets import XS, Facets, facets_of, maximaal

ALL = (*HEENBERICHTEN, *GI_BERICHTEN_MET_SPEC)
VALIDATOR = Validator(clock=lambda: TODAY)
OUTCOMES = {OUTCOME_ACCEPTED, OUTCOME_REJECTED, OUTCOME_DUPLICATE, OUTCOME_MALFORMED}
Where = tuple[Any, ...]

# Reproducible wherever it runs (derandomized); INTAKE_PROPERTY_EXAMPLES=<n> runs n random examples per backend
# instead, to explore (raise pytest's timeout for a long run: -o timeout=0).
_EXPLORE = int(os.environ.get("INTAKE_PROPERTY_EXAMPLES", "0"))


def _settings(examples: int) -> Callable[[Any], Any]:
    return settings(
        max_examples=_EXPLORE or examples,
        derandomize=not _EXPLORE,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def retour_of(bericht: str) -> str | None:
    info = GI_BERICHTEN[bericht] if is_gi(bericht) else BERICHTEN[bericht]
    return info.retour


def default(bericht: str) -> Spec:
    return gi_spec(bericht) if is_gi(bericht) else spec(bericht)


# ---- the value pools: what an element may become --------------------------------------------------------


@cache
def code_lists() -> dict[str, tuple[str, ...]]:
    """The codes of every named code list of the iJw and GI schemas, by its type name ("" holds them all)."""
    lists: dict[str, set[str]] = {"": set()}
    for xsd in [*SCHEMA_DIR.glob("*.xsd"), *(SCHEMA_DIR.parents[1] / "gi").glob("*.xsd")]:
        for simple in etree.parse(str(xsd)).iter(f"{XS}simpleType"):
            values = {e.get("value", "") for e in simple.iter(f"{XS}enumeration")}
            lists.setdefault(simple.get("name", ""), set()).update(values)
            lists[""].update(values)
    return {name: tuple(sorted(values)) for name, values in lists.items() if values}


@dataclass(frozen=True, slots=True)
class Element:
    """One element of a spec: where it is, what the schema says of it, and its simple type's facets."""

    path: Where
    child: Child
    facets: Facets | None  # None for complex content, or a simple type without facets

    @property
    def simple(self) -> bool:
        return self.child.type is None


def elements(bericht: str, s: Spec) -> list[Element]:
    """Every element present in `s`, in document order."""
    st_ = gi_structure(bericht) if is_gi(bericht) else structure(bericht)
    facets = facets_of(bericht)
    out: list[Element] = []

    def walk(node: dict[str, Any], type_key: str | None, path: Where) -> None:
        kids = {c.name: c for c in st_.children_of(type_key)}
        for name, value in node.items():
            many = isinstance(value, list)
            for i, item in enumerate(value if many else [value]):
                if item is None:
                    continue
                here = (*path, name, i) if many else (*path, name)
                out.append(Element(here, kids[name], facets.get(type_key or "", {}).get(name)))
                if isinstance(item, dict):
                    walk(item, kids[name].type, here)

    walk(s, st_.root_type, ())
    return out


@cache
def same_type_values() -> dict[str, tuple[str, ...]]:
    """Per XSD type: the values the default messages hold (other Bsns, ReferentieNummers, Identificaties, ...)."""
    pool: dict[str, set[str]] = {}
    for bericht in ALL:
        s = default(bericht)
        for e in elements(bericht, s):
            if e.facets is not None and e.simple:
                pool.setdefault(e.facets.type, set()).add(str(_get(s, e.path)))
    return {k: tuple(sorted(v)) for k, v in pool.items()}


NEAR_TODAY = st.integers(-800, 800).map(lambda d: (TODAY + timedelta(days=d)).isoformat())
EDGE_DATES = st.sampled_from(
    ["0001-01-01", "9999-12-31", "12026-01-01", "-0001-01-01", "2020-12-31", "2021-01-01", "2024-02-29"]
)
BLANK = st.sampled_from(["", " ", "\t\n "])
ANY_VALUE = st.one_of(
    st.sampled_from(["0", "1", "-1", "NL", "D", "C", "2026-11-24", "123456789", "999990019", "A" * 300]),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20),
)


def values_for(f: Facets | None, current: Any) -> st.SearchStrategy[Any]:
    """Mostly values of the element's own type (valid or at its edges), sometimes blank or of another type."""
    if f is None:
        typed: st.SearchStrategy[Any] = ANY_VALUE
    elif f.type in {"date", "LDT_Datum"}:
        typed = st.one_of(NEAR_TODAY, EDGE_DATES)
    elif f.type in {"time", "LDT_Tijd"}:
        typed = st.sampled_from(["00:00:00", "23:59:59", "12:30:00", "24:00:00"])
    elif f.enumeration:  # its own list, or any other (many lists share a format: 01, 02, ...)
        own = code_lists().get(f.type, code_lists()[""])
        typed = st.one_of(st.sampled_from(own), st.sampled_from(own), st.sampled_from(code_lists()[""]))
    elif f.max_inclusive is not None:
        typed = st.one_of(
            st.sampled_from([0, 1, f.max_inclusive, f.max_inclusive + 1, -1]), st.integers(0, f.max_inclusive)
        )
    elif f.total_digits is not None:
        nines = "9" * f.total_digits
        typed = st.sampled_from(["0", "0.00", "1.5", nines, f"-{nines}", f"{nines[:-2]}.99"])
    else:
        now = str(current) or "1"  # an earlier edit may have blanked it
        longest = maximaal(now, f)
        typed = st.one_of(
            st.sampled_from([longest, f"{longest}X", now.lower()]),
            st.sampled_from(same_type_values().get(f.type, (now,))),
        )
    others = st.one_of(BLANK, ANY_VALUE)
    return st.one_of(typed, typed, typed, typed, others)


# ---- mutations of a spec -----------------------------------------------------------------------------------


def _get(node: Any, path: Where) -> Any:
    for step in path:
        node = node[step]
    return node


def mutate(bericht: str, s: Spec, data: st.DataObject) -> None:
    """One edit of `s` in place: a value of its type, an element gone (mostly an optional one), or a
    repeatable element once more."""
    found = elements(bericht, s)
    if not found:  # everything deleted already
        return
    kind = data.draw(st.sampled_from(["value", "value", "value", "delete", "duplicate"]))
    if kind == "value":
        if simple := [e for e in found if e.simple]:
            e = data.draw(st.sampled_from(simple))
            parent = _get(s, e.path[:-1])
            parent[e.path[-1]] = data.draw(values_for(e.facets, parent[e.path[-1]]))
    elif kind == "delete":
        optional = [e for e in found if e.child.min_occurs == 0] or found
        e = data.draw(st.sampled_from(optional if data.draw(st.booleans()) else found))
        parent = _get(s, e.path[:-1])
        if isinstance(parent, list):
            del parent[e.path[-1]]
        else:
            parent[e.path[-1]] = None
    elif repeatable := [e for e in found if e.child.repeats]:
        e = data.draw(st.sampled_from(repeatable))
        in_list = isinstance(e.path[-1], int)
        holder = _get(s, e.path[:-2] if in_list else e.path[:-1])
        name = e.path[-2] if in_list else e.path[-1]
        items = holder[name] if in_list else [holder[name]]
        holder[name] = [*items, copy.deepcopy(_get(s, e.path))]


IDENTIFICATIE = ("Header", "BerichtIdentificatie", "Identificatie")
# The default messages tell one story in this order (hub.synth.berichten): each finds the state the ones before
# it left, so a mutation in between reaches the stateful rules of the later ones.
CHAIN = (
    "JW301",
    "JW305",
    "JW323",
    "JW325",
    "JW307",
    "JW315",
    "JW319",
    "JW317",
    "GI001",
    "GI002",
    "GI003",
    "GI102",
)


# ---- a story: messages through one intake, in batches ---------------------------------------------------------


@dataclass
class Story:
    """What the intake answered so far, to check a later answer and the store against."""

    intake: Intake
    first: dict[str, IntakeResult] = field(default_factory=dict)  # per bericht_id: its first answer
    # Bytes accepted once, with that answer: a resend of them is a duplicate.
    accepted: dict[bytes, IntakeResult] = field(default_factory=dict)
    sent: list[tuple[str, bytes]] = field(default_factory=list)
    told: int = 0  # how far the story's chain (CHAIN) got

    def message(self, data: st.DataObject, step: int) -> Inbound:
        """A new message, a resend (new id, same bytes), a redelivery (same id) or an earlier retour."""
        kind = data.draw(
            st.sampled_from(["chain", "chain", "chain", "new", "new", "resend", "redeliver", "retour"])
        )
        retouren = [r.retour for r in self.first.values() if r.retour is not None]
        if kind == "resend" and self.sent:
            return Inbound(data.draw(st.sampled_from(self.sent))[1], f"{step:032x}")
        if kind == "redeliver" and self.sent:
            bericht_id, raw = data.draw(st.sampled_from(self.sent))
            return Inbound(raw, bericht_id)
        if kind == "retour" and retouren:
            return Inbound(data.draw(st.sampled_from(retouren)), f"{step:032x}")
        if kind == "chain" and self.told < len(CHAIN):
            bericht, self.told = CHAIN[self.told], self.told + 1
        else:
            # Half the time a type the story has seen: a variant of a message whose state is there (or TR056).
            seen = CHAIN[: self.told] if self.told and data.draw(st.booleans()) else ALL
            bericht = data.draw(st.sampled_from(seen))
        s = default(bericht)
        for _ in range(data.draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
            mutate(bericht, s, data)
        # Keep the default Identificatie (a second message of its type collides: TR056), take a fresh one or
        # one another message has.
        ident = data.draw(st.sampled_from(["keep", "keep", "fresh", "fresh", "other"]))
        header = s.get("Header") or {}
        if isinstance(header.get("BerichtIdentificatie"), dict) and ident != "keep":
            others = [_get(default(b), IDENTIFICATIE) for b in ALL]
            header["BerichtIdentificatie"]["Identificatie"] = (
                f"P{step}" if ident == "fresh" else data.draw(st.sampled_from(others))
            )
        try:
            raw = xml(bericht, s)
        except ValueError:  # lxml refuses control characters in text: nothing to send
            raw = b"<not-xml"
        return Inbound(raw, f"{step:032x}")

    def check(self, item: Inbound, r: IntakeResult) -> None:
        """One answer: the outcomes the intake promises, a retour where the type has one, redeliveries alike."""
        assert isinstance(r, IntakeResult) and r.bericht_id == item.bericht_id
        assert r.outcome in OUTCOMES
        event(f"{r.bericht} {r.outcome}")  # --hypothesis-show-statistics: what the stories reached
        assert item.bericht_id is not None
        earlier = self.first.get(item.bericht_id)
        if earlier is not None:  # a redelivery: the same answer
            assert (r.outcome, r.retour) == (earlier.outcome, earlier.retour)
        elif item.raw in self.accepted:  # a resend of accepted bytes: a duplicate with the same retour
            assert (r.outcome, r.retour) == (OUTCOME_DUPLICATE, self.accepted[item.raw].retour), r.errors
        if r.outcome == OUTCOME_MALFORMED:
            assert r.retour is None and r.problems
        else:
            assert r.bericht is not None
            retour = retour_of(r.bericht)
            assert (r.retour is not None) == (retour is not None), (r.bericht, r.outcome, r.errors)
            if r.retour is not None and earlier is None:
                answer = VALIDATOR.validate(r.retour)
                assert answer.doc is not None and answer.bericht == retour, answer.errors
        if r.event is not None:
            assert HubEvent.parse_event(r.event.model_dump_json()) == r.event
        if earlier is None:
            self.first[item.bericht_id] = r
            self.sent.append((item.bericht_id, item.raw))
        if r.outcome == OUTCOME_ACCEPTED:
            self.accepted.setdefault(item.raw, r)

    def run(
        self, data: st.DataObject, after_batch: Callable[[list[IntakeResult]], None] | None = None
    ) -> None:
        """The story in 1-5 batches of 1-3 messages, each answer checked; `after_batch` sees each batch's answers."""
        step = 0
        for _ in range(data.draw(st.integers(1, 5))):
            batch = []
            for _ in range(data.draw(st.integers(1, 3))):
                batch.append(self.message(data, step))
                step += 1
            results = self.intake.verwerk_batch(batch)
            assert len(results) == len(batch)
            for item, r in zip(batch, results, strict=True):
                self.check(item, r)
            if after_batch is not None:
                after_batch(results)

    def check_store(self, db: Engine) -> None:
        """Every message has its audit record with its first outcome, and every column holds its value."""
        with session_factory(db)() as session:
            for bericht_id, r in self.first.items():
                row = audit.get(session, bericht_id)
                assert row is not None and row.outcome == r.outcome, (bericht_id, r.outcome)
        columns_hold_their_values(db)


def empty(db: Engine) -> None:
    with db.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


def test_the_intake_answers_every_message_of_a_mutated_story(db: Engine) -> None:
    # Fewer examples on PostgreSQL: each message is a round trip or more to the server.
    @_settings(200 if db.dialect.name == "sqlite" else 40)
    @given(st.data())
    def story(data: st.DataObject) -> None:
        empty(db)  # every example on an empty store: reproducible, and shrinkable
        s = Story(new_intake(db))
        s.run(data)
        s.check_store(db)

    story()
