"""The element structure of each GI message, read from schemas/gi/ and the iJw basisschema it imports.

The same reading as hub/ijw/structure.py (its complex_types), over the GI schemas plus the iJw basisschema, so
the GI builders write messages in schema order with the right namespace per element.
"""

from __future__ import annotations

from functools import cache

from hub.gi.catalog import GI_BASIS_NS, gi_ns
from hub.gi.schema import GI_BASISSCHEMA, ROOT, schema_path
from hub.ijw.catalog import BASIS_NS
from hub.ijw.structure import Structure, complex_types

IJW_BASISSCHEMA = ROOT / "ijw" / "3.2" / "basisschema.xsd"


@cache
def gi_structure(bericht: str) -> Structure:
    types = complex_types(IJW_BASISSCHEMA, BASIS_NS)
    types.update(complex_types(GI_BASISSCHEMA, GI_BASIS_NS))
    ns = gi_ns(bericht)
    types.update(complex_types(schema_path(bericht), ns))
    return Structure(root_type=f"{ns}|Root", types=types)
