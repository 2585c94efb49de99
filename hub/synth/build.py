"""Write an iJw message from a nested spec, in schema order and with the right namespaces.

A spec mirrors the element tree with local names: a dict per complex element, a list for repeated
elements, a string (or int/date) for simple content, and None (or a missing key) for an absent element.
`{"Client": {"Bsn": "999990019", "StartProducten": {"StartProduct": [{...}, {...}]}}}`
Keys are written in the order the XSD gives, so a test can change or drop any part of a valid spec.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import date, time
from decimal import Decimal
from typing import Any

from lxml import etree

from hub.ijw.catalog import BASIS_NS, message_ns
from hub.ijw.structure import Structure, structure

Spec = dict[str, Any]


class SpecError(ValueError):
    """The spec names an element the schema does not have."""


def _text(value: Any) -> str:
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def fill(parent: etree._Element, spec: Mapping[str, Any], type_key: str | None, st: Structure) -> None:
    """Append the elements of `spec` below `parent` in the order `st` gives for `type_key` (also for GI)."""
    kids = st.children_of(type_key)
    known = {c.name for c in kids}
    unknown = set(spec) - known
    if unknown:
        raise SpecError(f"{etree.QName(parent).localname} has no element(s) {sorted(unknown)}")
    for c in kids:
        value = spec.get(c.name)
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            el = etree.SubElement(parent, f"{{{c.ns}}}{c.name}")
            if isinstance(item, Mapping):
                fill(el, item, c.type, st)
            else:
                el.text = _text(item)


def to_tree(bericht: str, spec: Mapping[str, Any]) -> etree._Element:
    st = structure(bericht)
    ns = message_ns(bericht)
    root = etree.Element(f"{{{ns}}}Bericht", nsmap={"ijw": BASIS_NS, bericht.lower(): ns})
    fill(root, spec, st.root_type, st)
    return root


def to_xml(bericht: str, spec: Mapping[str, Any]) -> bytes:
    """The message as UTF-8 bytes with an XML declaration."""
    return etree.tostring(to_tree(bericht, spec), xml_declaration=True, encoding="UTF-8", pretty_print=True)


def edit(spec: Spec, path: str, value: Any) -> Spec:
    """A deep copy of `spec` with the element at `path` set (None removes it).

    Path steps are local names; `Name[2]` picks the second of a repeated element (1-based, as in a Locatie).
    """
    out = copy.deepcopy(spec)
    node: Any = out
    steps = path.strip("/").split("/")
    for i, step in enumerate(steps):
        name, _, idx = step.partition("[")
        last = i == len(steps) - 1
        if idx:
            n = int(idx.rstrip("]")) - 1
            items = node.setdefault(name, [])
            if not isinstance(items, list):
                items = node[name] = [items]
            while len(items) <= n:
                items.append({})
            if last:
                items[n] = value
            else:
                node = items[n]
        elif last:
            if value is None:
                node.pop(name, None)
            else:
                node[name] = value
        else:
            nxt = node.get(name)
            if isinstance(nxt, list):
                nxt = nxt[0]
            if nxt is None:
                nxt = node[name] = {}
            node = nxt
    return out
