"""XSD patterns are handed to libxml2 so it reads them as the standard means them: LDT_Tijd's `[^Z+-]+`
refuses a negative time zone in the built-in XSDs, in an official release directory and in the GI XSDs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from lxml import etree

from hub.gi.schema import load_schema
from hub.ijw.schema import BUILTIN_DIR, SchemaSet
from hub.synth.berichten import xml
from hub.xsd_patterns import PatchingResolver, libxml2_pattern

XSD = "http://www.w3.org/2001/XMLSchema"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("[^Z+-]+", "[^Z+\\-]+"),  # LDT_Tijd
        ("[a-]", "[a\\-]"),
        ("[-]", "[\\-]"),
        ("[^Z+\\-]+", "[^Z+\\-]+"),  # already escaped
        ("a-b", "a-b"),  # not in a class
        ("\\[-]", "\\[-]"),  # an escaped `[` opens no class
        ("[a-z]", "[a-z]"),
        ("[a-z-[aeiou]]", "[a-z-[aeiou]]"),  # class subtraction
        ("[0-9A-Za-z._\\-]+", "[0-9A-Za-z._\\-]+"),
        (".*[^\\s].*", ".*[^\\s].*"),
        ("([.\\s]*\\S+[.\\s]*)+", "([.\\s]*\\S+[.\\s]*)+"),
        ("[^:Z]*", "[^:Z]*"),
        ("x\\", "x\\"),  # a trailing backslash (an invalid pattern) stays as it was
    ],
)
def test_libxml2_pattern(pattern: str, expected: str) -> None:
    assert libxml2_pattern(pattern) == expected


def _pattern_schema(pattern: str) -> etree.XMLSchema:
    return etree.XMLSchema(
        etree.fromstring(
            f'<xs:schema xmlns:xs="{XSD}"><xs:element name="a"><xs:simpleType><xs:restriction base="xs:string">'
            f'<xs:pattern value="{pattern}"/></xs:restriction></xs:simpleType></xs:element></xs:schema>'
        )
    )


@pytest.mark.parametrize("pattern", ["[^Z+-]+", "[^a-]+", "[^-]+", "[a-]+", "[^Z+\\-]+"])
@pytest.mark.parametrize("value", ["12", "1-2", "-", "a", "Z"])
def test_the_rewritten_pattern_accepts_what_the_xsd_rules_say(pattern: str, value: str) -> None:
    """The oracle is Python's re, which reads a class's last `-` as the XSD rules do."""
    rewritten = _pattern_schema(libxml2_pattern(pattern))
    assert rewritten.validate(etree.fromstring(f"<a>{value}</a>")) == bool(re.fullmatch(pattern, value))


def _toewijzingstijd(value: str) -> etree._Element:
    root = etree.fromstring(xml("JW301"))
    next(root.iter("{*}Toewijzingstijd")).text = value
    return root


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("12:00:00", True),
        ("23:59:30.25", True),
        ("12:00:00-01:00", False),
        ("12:00:00+01:00", False),
        ("12:00:00Z", False),
        ("12:00:00-00:00", False),
    ],
)
def test_ldt_tijd_refuses_every_time_zone(value: str, valid: bool, tmp_path: Path) -> None:
    official = tmp_path / "official"
    official.mkdir()
    for xsd in BUILTIN_DIR.glob(
        "*.xsd"
    ):  # a release as downloaded: other case, the pattern as the facts have it
        shutil.copyfile(xsd, official / xsd.name.upper())
    assert 'value="[^Z+-]+"' in (official / "BASISSCHEMA.XSD").read_text(encoding="utf-8")
    for schemas in (SchemaSet(), SchemaSet(official)):
        assert (schemas.validate("JW301", _toewijzingstijd(value)) == []) is valid


def test_the_built_in_basisschema_keeps_the_pattern_as_the_standard_writes_it() -> None:
    tijd = etree.parse(str(BUILTIN_DIR / "basisschema.xsd")).find(
        f".//{{{XSD}}}simpleType[@name='LDT_Tijd']//{{{XSD}}}pattern"
    )
    assert tijd is not None and tijd.get("value") == "[^Z+-]+"


def test_the_gi_schemas_compile_with_their_imports_rewritten(monkeypatch: pytest.MonkeyPatch) -> None:
    patched: list[str] = []
    original = PatchingResolver.resolve_patched

    def spy(self: PatchingResolver, path: Path, context: object) -> object:
        patched.append(path.name)
        return original(self, path, context)

    monkeypatch.setattr(PatchingResolver, "resolve_patched", spy)
    for bericht in ("GI001", "GI002", "GI003", "GI101", "GI102"):
        patched.clear()
        assert isinstance(load_schema(bericht), etree.XMLSchema)
        assert {"basisschema.xsd", "gi-basisschema.xsd"} <= set(patched), bericht
