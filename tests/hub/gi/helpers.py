"""Shared helpers for the GI tests: build a GI message from a spec, prove it XSD-valid, run its rules."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from lxml import etree

import hub.gi.rules  # noqa: F401  (registers the GI rules)
from hub.gi.build import to_tree
from hub.gi.catalog import GI_BERICHTEN
from hub.gi.schema import load_schema
from hub.gi.synth import spec
from hub.ijw.doc import Doc
from hub.reference.gemeenten import gemeentecodes
from hub.rules.registry import Context, Level, Violation, iter_violations
from hub.synth.build import Spec, edit

TODAY = date(2026, 11, 23)  # the receiver's date; the default Dagtekening is 2026-11-02
CTX = Context(today=TODAY, gemeenten=gemeentecodes())


@cache
def schema(bericht: str) -> etree.XMLSchema:
    return load_schema(bericht)


def doc(bericht: str, s: Spec) -> Doc:
    """The message as a Doc; asserts first that it passes level 1 (the XSD)."""
    tree = to_tree(bericht, s)
    xsd = schema(bericht)
    assert xsd.validate(tree), [e.message for e in xsd.error_log]
    return Doc(tree, GI_BERICHTEN[bericht])


def violations(
    bericht: str,
    s: Spec,
    code: str | None = None,
    *,
    ctx: Context = CTX,
    levels: tuple[Level, ...] = (Level.XSLT,),
) -> list[Violation]:
    """The findings of rule `code` (all rules when None) on the message."""
    found = iter_violations(doc(bericht, s), ctx, levels)
    return [v for v in found if code is None or v.rule == code]


def locations(bericht: str, s: Spec, code: str, **kwargs: Any) -> list[str | None]:
    """Where rule `code` reports, in reporting order."""
    return [v.location for v in violations(bericht, s, code, **kwargs)]


def edited(bericht: str, *edits: tuple[str, Any]) -> Spec:
    """The default spec of `bericht` with these (path, value) edits applied in order."""
    s = spec(bericht)
    for path, value in edits:
        s = edit(s, path, value)
    return s
