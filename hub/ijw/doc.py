"""A parsed, schema-valid iJw message as rules see it: elements by path, text helpers and Locatie paths.

Rules run on the lxml tree rather than on typed models because what they report is an element's
location, written as the official XSLT writes it: `/Bericht/Client/ToegewezenProducten/ToegewezenProduct[2]/Einddatum`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from functools import cached_property

from lxml import etree

from hub.ijw.catalog import BerichtInfo

Element = etree._Element

_WS = re.compile(r"\s+")


def local(el: Element) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def children(el: Element | None, name: str) -> list[Element]:
    """Child elements with this local name, in document order (none below an absent element)."""
    if el is None:
        return []
    return [c for c in el if isinstance(c.tag, str) and c.tag.endswith("}" + name)]


def child(el: Element | None, path: str) -> Element | None:
    """The first element at a slash path of local names below `el`, or None."""
    for name in path.split("/"):
        if el is None:
            return None
        for c in el:
            if isinstance(c.tag, str) and c.tag.endswith("}" + name):
                el = c
                break
        else:
            return None
    return el


def text(el: Element | None, path: str | None = None) -> str | None:
    """The element's text with whitespace collapsed; None when absent or blank (the XSLT's "empty")."""
    if path is not None:
        el = child(el, path)
    if el is None or el.text is None:
        return None
    value = _WS.sub(" ", el.text).strip()
    return value or None


def raw(el: Element | None, path: str | None = None) -> str | None:
    """The exact text (for key comparisons, where whitespace and leading zeros count)."""
    if path is not None:
        el = child(el, path)
    return None if el is None else (el.text or "")


def filled(el: Element | None, path: str | None = None) -> bool:
    return text(el, path) is not None


def present(el: Element | None, path: str | None = None) -> bool:
    return (child(el, path) if path is not None else el) is not None


def as_date(el: Element | None, path: str | None = None) -> date | None:
    """A schema-valid LDT_Datum as a date; None when absent."""
    value = text(el, path)
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def as_int(el: Element | None, path: str | None = None) -> int | None:
    value = text(el, path)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


def locatie(el: Element) -> str:
    """The XSLT's Locatie: local names from the root, `[n]` where same-named siblings exist."""
    parts: list[str] = []
    node: Element | None = el
    while node is not None:
        name = local(node)
        parent = node.getparent()
        if parent is not None:
            same = children(parent, name)
            if len(same) > 1:
                name = f"{name}[{same.index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts))


class Doc:
    """A message tree indexed by element path below `Bericht` (e.g. `Client/Bsn`)."""

    def __init__(self, root: Element, info: BerichtInfo) -> None:
        self.root = root
        self.info = info
        self.bericht = info.bericht
        index: dict[str, list[Element]] = defaultdict(list)
        self._walk(root, "", index)
        self._index = index

    def _walk(self, el: Element, prefix: str, index: dict[str, list[Element]]) -> None:
        for c in el:
            tag = c.tag
            if not isinstance(tag, str):
                continue
            path = prefix + tag.rpartition("}")[2]
            index[path].append(c)
            if len(c):
                self._walk(c, path + "/", index)

    def all(self, path: str) -> list[Element]:
        """Every element at this path (below `Bericht`), in document order."""
        return self._index.get(path, [])

    def first(self, path: str) -> Element | None:
        found = self._index.get(path)
        return found[0] if found else None

    @cached_property
    def dagtekening(self) -> date | None:
        return as_date(self.first("Header/BerichtIdentificatie/Dagtekening"))

    @cached_property
    def identificatie(self) -> str | None:
        return text(self.first("Header/BerichtIdentificatie/Identificatie"))

    @cached_property
    def afzender(self) -> str | None:
        return text(self.first("Header/Afzender"))

    @cached_property
    def ontvanger(self) -> str | None:
        return text(self.first("Header/Ontvanger"))
