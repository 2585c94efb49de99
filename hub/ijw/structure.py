"""The element structure of each message (order, namespace, cardinality), read from the project's own XSDs.

Used to write messages in schema order (builders, retourberichten) without a second copy of the trees.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from lxml import etree

from hub.ijw.catalog import BASIS_NS, message_ns

XS = "{http://www.w3.org/2001/XMLSchema}"
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "ijw" / "3.2"


@dataclass(frozen=True, slots=True)
class Child:
    name: str
    ns: str
    type: str | None  # complex type key ("ns|Name") or None for simple content
    min_occurs: int
    repeats: bool


@dataclass(frozen=True, slots=True)
class Structure:
    """Children per complex type, and the type of the root element `Bericht`."""

    root_type: str
    types: dict[str, tuple[Child, ...]]

    def children_of(self, type_key: str | None) -> tuple[Child, ...]:
        return self.types.get(type_key or "", ())


def _child(el: etree._Element, ns: str, nsmap: dict[str, str]) -> Child:
    typ = el.get("type")
    key = None
    if typ and ":" in typ:
        prefix, name = typ.split(":", 1)
        # LDT_ types are simple content; everything else named is a complex type to descend into.
        if not name.startswith("LDT_"):
            key = f"{nsmap[prefix]}|{name}"
    return Child(
        name=el.get("name", ""),
        ns=ns,
        type=key,
        min_occurs=int(el.get("minOccurs", "1")),
        repeats=el.get("maxOccurs", "1") != "1",
    )


def complex_types(path: Path, ns: str) -> dict[str, tuple[Child, ...]]:
    """Children per complex type of one XSD; local elements are in the schema's target namespace (qualified)."""
    root = etree.parse(str(path)).getroot()
    nsmap = {k: v for k, v in root.nsmap.items() if k}
    return {
        f"{ns}|{ct.get('name')}": tuple(_child(el, ns, nsmap) for el in ct.iter(f"{XS}element"))
        for ct in root.iter(f"{XS}complexType")
        if ct.get("name")
    }


@cache
def structure(bericht: str, schema_dir: Path = SCHEMA_DIR) -> Structure:
    types = complex_types(schema_dir / "basisschema.xsd", BASIS_NS)
    ns = message_ns(bericht)
    types.update(complex_types(schema_dir / f"{bericht.lower()}.xsd", ns))
    return Structure(root_type=f"{ns}|Root", types=types)
