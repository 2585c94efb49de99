"""Shared helpers for the level-2 rule tests: build a message from a spec, prove it XSD-valid, run one rule."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc
from hub.rules.registry import Context, Violation, iter_violations
from hub.synth.berichten import DEFAULT_DAGTEKENING, declaratie_antwoord
from hub.synth.berichten import spec as default_spec
from hub.synth.build import Spec, edit, to_tree

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas" / "ijw" / "3.2"
CTX = Context(today=date(2026, 11, 23))

Edits = tuple[tuple[str, Any], ...]


@cache
def schema(bericht: str) -> etree.XMLSchema:
    return etree.XMLSchema(file=str(SCHEMAS / f"{bericht.lower()}.xsd"))


def violations(bericht: str, spec: dict[str, Any], code: str) -> list[Violation]:
    """The findings of rule `code` on the message; asserts first that it passes level 1 (the XSD)."""
    tree = to_tree(bericht, spec)
    xsd = schema(bericht)
    assert xsd.validate(tree), [e.message for e in xsd.error_log]
    return [v for v in iter_violations(Doc(tree, BERICHTEN[bericht]), CTX) if v.rule == code]


def locations(bericht: str, spec: dict[str, Any], code: str) -> list[str | None]:
    """Where rule `code` reports, in reporting order."""
    return [v.location for v in violations(bericht, spec, code)]


def loc(path: str) -> str:
    """The location a rule reports for an element path below the Bericht root."""
    return "/Bericht/" + path


def edited(bericht: str, *edits: tuple[str, Any]) -> Spec:
    """The default spec of `bericht` with these (path, value) edits applied in order."""
    return apply_edits(default_spec(bericht), edits)


def jw325_met_afwijzing(jw323: Spec) -> Spec:
    """A JW325 that returns the first Prestatie of this JW323 rejected (9338), so it has a Client and Bsn."""
    referentie = jw323["Declaratie"]["Clienten"]["Client"][0]["Prestaties"]["Prestatie"][0][
        "ProductReferentie"
    ]
    return declaratie_antwoord(
        jw323,
        dagtekening=DEFAULT_DAGTEKENING,
        identificatie="JW325A",
        afgewezen={referentie["ReferentieNummer"]: "9338"},
    )


def apply_edits(s: Spec, edits: Collection[tuple[str, Any]]) -> Spec:
    for path, value in edits:
        s = edit(s, path, value)
    return s


@dataclass(frozen=True)
class Scenario:
    """A named message for one rule: the rule is the name's first word (`CS100 ...`)."""

    name: str
    bericht: str
    edits: Edits
    locations: tuple[str, ...] = ()  # expected findings in order; empty: the rule passes
    base: Callable[[], Spec] | None = None  # default: the bericht's default spec

    @property
    def code(self) -> str:
        return self.name.split()[0]

    def findings(self) -> list[Violation]:
        """Build the message; `violations` asserts it is XSD-valid and runs the rule."""
        message = self.base() if self.base is not None else default_spec(self.bericht)
        return violations(self.bericht, apply_edits(message, self.edits), self.code)


def assert_breaks(s: Scenario) -> None:
    """The rule reports exactly the scenario's locations, in order, as level-2 findings with a message."""
    found = s.findings()
    assert [v.location for v in found] == list(s.locations)
    assert all(v.retourcode == "0001" for v in found)
    assert all(v.message for v in found)


def assert_scenarios_cover(codes: Collection[str], breaks: list[Scenario], passes: list[Scenario]) -> None:
    """Every rule has a breaking and a passing scenario, and no scenario names another rule."""
    assert {s.code for s in breaks} == set(codes)
    assert {s.code for s in passes} == set(codes)


def default_findings(bericht: str, codes: Collection[str]) -> list[Violation]:
    """The findings of any of `codes` on the default message of `bericht`."""
    doc = Doc(to_tree(bericht, default_spec(bericht)), BERICHTEN[bericht])
    return [v for v in iter_violations(doc, CTX) if v.rule in codes]
