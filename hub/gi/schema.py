"""The GI XSDs: always the built-in ones in schemas/gi/, which import the built-in iJw 3.2 basisschema.

An official iJw release directory (`--schema-dir`) replaces only the iJw XSDs: the GI messages are the hub's
own, so no release contains them, and their basisschema import is fixed to the copy they were written against.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from hub.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2] / "schemas"
GI_SCHEMA_DIR = ROOT / "gi"
GI_BASISSCHEMA = GI_SCHEMA_DIR / "gi-basisschema.xsd"


def schema_path(bericht: str) -> Path:
    return GI_SCHEMA_DIR / f"{bericht.lower()}.xsd"


def load_schema(bericht: str) -> etree.XMLSchema:
    """Compile the XSD of one GI message; the caller (SchemaSet) caches it."""
    path = schema_path(bericht)
    if not path.is_file():
        raise ConfigError(f"no XSD for {bericht} ({path.name}) in {GI_SCHEMA_DIR}")
    # Imports are relative file paths inside schemas/; nothing is fetched from a network.
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    try:
        return etree.XMLSchema(etree.parse(str(path), parser))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
        raise ConfigError(f"cannot load {path.name}: {exc}") from None
