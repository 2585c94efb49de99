"""Shared helpers for the level-2 rule tests: build a message from a spec, prove it XSD-valid, run one rule."""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc
from hub.rules.registry import Context, Violation, iter_violations
from hub.synth.build import to_tree

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas" / "ijw" / "3.2"
CTX = Context(today=date(2026, 11, 23))


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
