"""The element structure of each GI message, read from schemas/gi/ and the iJw basisschema it imports.

hub/ijw/structure.py reads schemas/ijw/3.2 only; this is its GI variant, returning the same Structure so the
GI builders write messages in schema order with the right namespace per element.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

from hub.gi.catalog import GI_BASIS_NS, gi_ns
from hub.gi.schema import GI_BASISSCHEMA, ROOT, schema_path
from hub.ijw.catalog import BASIS_NS
from hub.ijw.structure import Child, Structure

XS = "{http://www.w3.org/2001/XMLSchema}"
IJW_BASISSCHEMA = ROOT / "ijw" / "3.2" / "basisschema.xsd"


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
def gi_structure(bericht: str) -> Structure:
    types = complex_types(IJW_BASISSCHEMA, BASIS_NS)
    types.update(complex_types(GI_BASISSCHEMA, GI_BASIS_NS))
    ns = gi_ns(bericht)
    types.update(complex_types(schema_path(bericht), ns))
    return Structure(root_type=f"{ns}|Root", types=types)
