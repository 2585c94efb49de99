"""XSD validation (control level 1) against the built-in XSDs or a directory of the official release files.

File names follow the standard (`basisschema.xsd`, `jw301.xsd`, ...) and are matched case-insensitively,
also for the imports inside the schemas, so a downloaded release works as it is unpacked.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from hub.errors import ConfigError
from hub.gi.catalog import is_gi
from hub.gi.schema import load_schema as load_gi_schema
from hub.ijw.catalog import BERICHTEN
from hub.xsd_patterns import PatchingResolver, parse_schema, schema_parser

BUILTIN_DIR = Path(__file__).resolve().parents[2] / "schemas" / "ijw" / "3.2"

# The errors a verdict lists: a message broken everywhere would otherwise list each of its thousands of errors
# (in the 422 answer, the audit row and the metrics), where the first ones say what is wrong.
MAX_SCHEMA_ERRORS = 100
_NS_IN_MESSAGE = re.compile(r"\{[a-z][a-z0-9+.-]*:[^}]*\}")
_PREFIX_IN_PATH = re.compile(r"(?<=/)[A-Za-z_][\w.-]*:")


@dataclass(frozen=True, slots=True)
class SchemaError:
    location: str | None
    message: str


class _CaseInsensitiveResolver(PatchingResolver):
    """Resolves schemaLocation names inside the schema directory, ignoring case; nothing outside it."""

    def __init__(self, files: dict[str, Path]) -> None:
        super().__init__()
        self._files = files
        self.missing: str | None = None  # the first import not in the directory, for the loader's error

    def resolve(self, system_url: str | None, public_id: str | None, context: object, /) -> Any:
        name = (system_url or "").replace("\\", "/").rsplit("/", 1)[-1].lower()
        path = self._files.get(name)
        if path is None:
            # lxml turns an exception raised here into a failed import naming the original location, so the
            # loader says why itself; the raise keeps libxml2 from reading that location.
            if self.missing is None:
                self.missing = system_url
            raise ConfigError(f"schema import {system_url!r} not found in the schema directory")
        return self.resolve_patched(path, context)


class SchemaSet:
    """Compiled XSDs per message, loaded on first use; safe to share between threads."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = (directory or BUILTIN_DIR).resolve()
        if not self.directory.is_dir():
            raise ConfigError(f"schema directory {self.directory} does not exist")
        self._files = {p.name.lower(): p for p in self.directory.iterdir() if p.suffix.lower() == ".xsd"}
        self._compiled: dict[str, etree.XMLSchema] = {}
        self._lock = threading.Lock()

    def schema(self, bericht: str) -> etree.XMLSchema:
        compiled = self._compiled.get(bericht)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(bericht) or self._load(bericht)
                self._compiled[bericht] = compiled
        return compiled

    def check_complete(self) -> None:
        """Compile every iJw message's XSD now: a directory that lacks one, or holds one that does not compile,
        refuses the start (ConfigError) rather than failing each message of that type once the hub serves."""
        for bericht in BERICHTEN:
            self.schema(bericht)

    def _load(self, bericht: str) -> etree.XMLSchema:
        if is_gi(bericht):  # the hub's own messages: always its built-in XSDs, whatever the directory
            return load_gi_schema(bericht)
        path = self._files.get(f"{bericht.lower()}.xsd")
        if path is None:
            raise ConfigError(f"no XSD for {bericht} ({bericht.lower()}.xsd) in {self.directory}")
        resolver = _CaseInsensitiveResolver(self._files)
        try:
            return etree.XMLSchema(parse_schema(path, schema_parser(resolver)))
        except (etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
            if resolver.missing is not None:
                raise ConfigError(
                    f"cannot load {path.name}: schema import {resolver.missing!r} not found in {self.directory}"
                ) from None
            raise ConfigError(f"cannot load {path.name}: {exc}") from None

    def validate(self, bericht: str, root: etree._Element) -> list[SchemaError]:
        """Every XSD error of the message, with an XSLT-style location where libxml2 gives one."""
        schema = self.schema(bericht)
        if schema.validate(root):
            return []
        log = schema.error_log
        found = [
            SchemaError(location=_location(e.path), message=_NS_IN_MESSAGE.sub("", e.message))
            for e in itertools.islice(log, MAX_SCHEMA_ERRORS)
        ]
        if len(log) > MAX_SCHEMA_ERRORS:
            found.append(SchemaError(None, f"and {len(log) - MAX_SCHEMA_ERRORS} more XSD errors, not listed"))
        return found


def _location(path: str | None) -> str | None:
    if not path:
        return None
    return _PREFIX_IN_PATH.sub("", path)
