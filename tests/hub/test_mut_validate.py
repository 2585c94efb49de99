"""The Validator and its schema set: behaviour the mutation pass found unpinned."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any, cast

import pytest
from lxml import etree

from hub.errors import ConfigError
from hub.ijw.catalog import BERICHTEN
from hub.ijw.schema import BUILTIN_DIR, SchemaSet, _location
from hub.rules.registry import Level
from hub.synth.berichten import spec
from hub.synth.build import edit, to_tree
from hub.validate import OUTCOME_ACCEPTED, OUTCOME_MALFORMED, OUTCOME_REJECTED, Validator, VerdictMemory

TODAY = date(2026, 11, 23)
NS = BERICHTEN["JW301"].ns


def validator() -> Validator:
    return Validator(clock=lambda: TODAY)


def test_an_xsd_error_names_elements_without_their_namespace() -> None:
    root = to_tree("JW301", spec("JW301"))
    etree.SubElement(root[0], f"{{{NS}}}Onzin").text = "x"
    verdict = validator().validate(etree.tostring(root))
    assert verdict.outcome == OUTCOME_MALFORMED and verdict.level == Level.XSD
    [error] = verdict.errors
    assert (error.rule, error.location) == ("XSD", "/Bericht/Header/Onzin")
    assert error.message == "Element 'Onzin': This element is not expected."


def test_a_location_without_a_path_is_none() -> None:
    """libxml2 may report an error without a path: no location then, never an empty one."""
    assert _location(None) is None and _location("") is None
    assert _location("/ns1:Bericht/ns1:Header") == "/Bericht/Header"


def test_a_schema_import_outside_the_directory_is_never_read(tmp_path: Path) -> None:
    """The import names a file that exists, but elsewhere: refused, with the import named, not loaded from there."""
    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    shutil.copy(BUILTIN_DIR / "basisschema.xsd", elsewhere / "anders.xsd")
    xsd = tmp_path / "xsd"
    xsd.mkdir()
    text = (BUILTIN_DIR / "jw301.xsd").read_text()
    assert 'schemaLocation="basisschema.xsd"' in text
    outside = (elsewhere / "anders.xsd").as_posix()
    (xsd / "jw301.xsd").write_text(text.replace('"basisschema.xsd"', f'"{outside}"'))
    expected = f"cannot load jw301.xsd: schema import {outside!r} not found in {xsd.resolve()}"
    with pytest.raises(ConfigError, match=f"^{re.escape(expected)}$"):
        SchemaSet(xsd).schema("JW301")


def test_a_missing_basisschema_is_named(tmp_path: Path) -> None:
    """libxml2 hands the resolver the import made absolute against the importing file."""
    shutil.copy(BUILTIN_DIR / "jw305.xsd", tmp_path / "JW305.XSD")
    missing = (tmp_path.resolve() / "basisschema.xsd").as_posix()
    expected = f"cannot load JW305.XSD: schema import {missing!r} not found in {tmp_path.resolve()}"
    with pytest.raises(ConfigError, match=f"^{re.escape(expected)}$"):
        SchemaSet(tmp_path).schema("JW305")


def test_a_schema_is_compiled_once_per_message_type() -> None:
    schemas = SchemaSet()
    assert schemas.schema("JW301") is schemas.schema("JW301")
    assert schemas.schema("JW305") is not schemas.schema("JW301")


def test_an_xsd_that_does_not_compile_is_a_configuration_error(tmp_path: Path) -> None:
    shutil.copy(BUILTIN_DIR / "basisschema.xsd", tmp_path / "basisschema.xsd")
    (tmp_path / "jw301.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element/>'
    )
    with pytest.raises(ConfigError, match=r"^cannot load jw301\.xsd: "):
        SchemaSet(tmp_path).schema("JW301")


def test_the_three_outcomes() -> None:
    v = validator()
    accepted = v.validate(etree.tostring(to_tree("JW301", spec("JW301"))))
    assert (accepted.outcome, accepted.accepted, accepted.level, accepted.bericht) == (
        OUTCOME_ACCEPTED,
        True,
        None,
        "JW301",
    )
    rejected = v.validate(etree.tostring(to_tree("JW301", edit(spec("JW301"), "Client/Bsn", "123456789"))))
    assert (rejected.outcome, rejected.accepted, rejected.level) == (OUTCOME_REJECTED, False, Level.XSLT)
    unreadable = v.validate(b"<Bericht/>")
    assert (unreadable.outcome, unreadable.bericht, unreadable.level) == (OUTCOME_MALFORMED, None, Level.XSD)
    assert [e.rule for e in unreadable.errors] == ["XML"]


def test_a_plain_get_leaves_the_verdict_in_the_memory() -> None:
    memory = VerdictMemory(4)
    verdict = validator().validate(b"<Bericht/>")
    memory.put(b"<Bericht/>", TODAY, verdict)
    assert memory.get(b"<Bericht/>", TODAY) is verdict and memory.get(b"<Bericht/>", TODAY) is verdict
    assert (len(memory), memory.held_bytes, memory.hits) == (1, len(b"<Bericht/>"), 2)


@pytest.mark.parametrize("reference", ["gemeenten", "productcodes", "tarieven"])
def test_the_kept_context_follows_the_validators_reference_data(reference: str) -> None:
    """The stateless Context of a day is kept only while the reference data it was made with is still the one."""
    v = validator()
    kept = v.context(TODAY)
    replacement = cast(Any, frozenset({"0999"}) if reference == "gemeenten" else object())
    setattr(v, reference, replacement)
    fresh = v.context(TODAY)
    assert fresh is not kept and getattr(fresh, reference) is replacement
    assert v.context(TODAY) is fresh


def test_a_bytearray_is_judged_but_never_remembered() -> None:
    """A bytearray may change after the call, so it cannot be a key of the memory (nor can it be hashed)."""
    memory = VerdictMemory(4)
    v = Validator(clock=lambda: TODAY, memory=memory)
    data = bytearray(etree.tostring(to_tree("JW301", spec("JW301"))))
    verdict = v.validate(data, remember=True)  # type: ignore[arg-type]  # a caller holding a bytearray
    assert verdict.accepted and len(memory) == 0 and (memory.hits, memory.misses) == (0, 0)


def test_an_xsd_invalid_message_nested_too_deep_is_unreadable() -> None:
    """Depth is checked after the XSD: a message that fails both is refused for its depth (rule XML)."""
    root = to_tree("JW301", spec("JW301"))
    el = root[0]
    for _ in range(40):
        el = etree.SubElement(el, f"{{{NS}}}Onzin")
    verdict = validator().validate(etree.tostring(root))
    assert verdict.outcome == OUTCOME_MALFORMED and verdict.bericht is None
    assert [(e.rule, e.message) for e in verdict.errors] == [("XML", "elements nested deeper than 32 levels")]
