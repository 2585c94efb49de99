"""The rule registry holds the in-message rules the README counts: the 61 CD/CS/TR rules the official XSLT evaluates."""

from __future__ import annotations

import hub.validate  # noqa: F401  (registers every rule)
from hub.rules.registry import REGISTRY, Level


def test_the_xslt_level_has_the_61_ijw_rules_of_the_official_xslt() -> None:
    ijw = {r.code for r in REGISTRY.values() if r.level == Level.XSLT and r.code[:2] in ("CD", "CS", "TR")}
    assert len(ijw) == 61
    assert {"CD005", "CS002", "CS340", "TR002", "TR061", "TR416"} <= ijw
