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


def _complex_types(path: Path, ns: str) -> dict[str, tuple[Child, ...]]:
    tree = etree.parse(str(path))
    nsmap = {k: v for k, v in tree.getroot().nsmap.items() if k}
    out: dict[str, tuple[Child, ...]] = {}
    for ct in tree.getroot().iter(f"{XS}complexType"):
        kids = []
        for el in ct.iter(f"{XS}element"):
            typ = el.get("type")
            key = None
            if typ and ":" in typ:
                prefix, name = typ.split(":", 1)
                if not name.startswith("LDT_"):
                    key = f"{nsmap[prefix]}|{name}"
            kids.append(
                Child(
                    name=el.get("name", ""),
                    ns=ns,
                    type=key,
                    min_occurs=int(el.get("minOccurs", "1")),
                    repeats=el.get("maxOccurs", "1") != "1",
                )
            )
        out[f"{ns}|{ct.get('name')}"] = tuple(kids)
    return out


@cache
def structure(bericht: str, schema_dir: Path = SCHEMA_DIR) -> Structure:
    types = _complex_types(schema_dir / "basisschema.xsd", BASIS_NS)
    ns = message_ns(bericht)
    types.update(_complex_types(schema_dir / f"{bericht.lower()}.xsd", ns))
    return Structure(root_type=f"{ns}|Root", types=types)
