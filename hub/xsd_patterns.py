"""XSD patterns as libxml2 must be given them to read them as the standard means them.

libxml2 drops a `-` that ends a negated character class: LDT_Tijd's `[^Z+-]+` then admits `12:00:00-01:00`,
a time zone the standard forbids. Written `\\-`, the same class under the XSD rules, libxml2 reads it right;
every XSD the hub compiles (its own and an official release's) has its patterns rewritten so on loading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

XS_PATTERN = "{http://www.w3.org/2001/XMLSchema}pattern"


def libxml2_pattern(value: str) -> str:
    """`value` with every unescaped `-` just before a character class's closing `]` escaped."""
    out: list[str] = []
    depth = 0
    dash = False  # the last character written is an unescaped `-` inside a class
    chars = iter(value)
    for c in chars:
        if c == "\\":
            out.append(c + next(chars, ""))
            dash = False
            continue
        if c == "[":
            depth += 1
        elif c == "]" and depth:
            depth -= 1
            if dash:
                out[-1] = "\\-"
        out.append(c)
        dash = depth > 0 and c == "-"
    return "".join(out)


def patch_patterns(tree: etree._ElementTree | etree._Element) -> None:
    for facet in tree.iter(XS_PATTERN):
        value = facet.get("value")
        if value:
            facet.set("value", libxml2_pattern(value))


def schema_parser(resolver: etree.Resolver | None = None) -> etree.XMLParser:
    """A parser for XSD files that reads nothing from a network; `resolver` finds their imports."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    if resolver is not None:
        parser.resolvers.add(resolver)
    return parser


def parse_schema(path: Path, parser: etree.XMLParser | None = None) -> etree._ElementTree:
    """An XSD file's tree with its patterns rewritten for libxml2."""
    tree = etree.parse(str(path), parser if parser is not None else schema_parser())
    patch_patterns(tree)
    return tree


class PatchingResolver(etree.Resolver):
    """Base of the resolvers that hand libxml2 an imported XSD with its patterns rewritten."""

    def resolve_patched(self, path: Path, context: object) -> Any:
        tree = parse_schema(path)
        return self.resolve_string(etree.tostring(tree), context, base_url=str(path))
