"""The GI XSDs: always the built-in ones in schemas/gi/, which import the built-in iJw 3.2 basisschema.

An official iJw release directory (`--schema-dir`) replaces only the iJw XSDs: the GI messages are the hub's
own, so no release contains them, and their basisschema import is fixed to the copy they were written against.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from hub.errors import ConfigError
from hub.xsd_patterns import PatchingResolver, parse_schema, schema_parser

ROOT = Path(__file__).resolve().parents[2] / "schemas"
GI_SCHEMA_DIR = ROOT / "gi"
GI_BASISSCHEMA = GI_SCHEMA_DIR / "gi-basisschema.xsd"


def schema_path(bericht: str) -> Path:
    return GI_SCHEMA_DIR / f"{bericht.lower()}.xsd"


class _SchemasResolver(PatchingResolver):
    """Resolves the imports inside schemas/ (patterns rewritten for libxml2); leaves any other to libxml2."""

    def resolve(self, system_url: str | None, public_id: str | None, context: object, /) -> Any:
        path = Path(system_url or "")
        if path.is_absolute() and path.resolve().is_relative_to(ROOT) and path.is_file():
            return self.resolve_patched(path, context)
        return None


def load_schema(bericht: str) -> etree.XMLSchema:
    """Compile the XSD of one GI message; the caller (SchemaSet) caches it."""
    path = schema_path(bericht)
    if not path.is_file():
        raise ConfigError(f"no XSD for {bericht} ({path.name}) in {GI_SCHEMA_DIR}")
    # Imports are relative file paths inside schemas/; nothing is fetched from a network.
    try:
        return etree.XMLSchema(parse_schema(path, schema_parser(_SchemasResolver())))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise ConfigError(f"cannot load {path.name}: {exc}") from None
