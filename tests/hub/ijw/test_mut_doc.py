"""Doc and its module-level helpers: behaviour the mutation pass found unpinned."""

from __future__ import annotations

import pytest
from lxml import etree

from hub.ijw import doc as d
from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc
from hub.ijw.parse import too_deep
from hub.synth.berichten import spec
from hub.synth.build import to_tree


def jw301() -> Doc:
    return Doc(to_tree("JW301", spec("JW301")), BERICHTEN["JW301"])


@pytest.mark.parametrize(
    ("value", "far"), [("2026-01-01", False), ("12026-01-01", True), ("-0001-01-01", True)]
)
def test_is_far_answers_a_bool(value: str, far: bool) -> None:
    assert d.is_far(value) is far


def test_the_helpers_find_nothing_below_an_absent_element() -> None:
    assert d.children(None, "Bsn") == []
    assert d.child(None, "Client/Bsn") is None
    assert (d.text(None), d.raw(None), d.filled(None), d.present(None)) == (None, None, False, False)


@pytest.mark.parametrize("name", ["*", "{*}Client", "{urn:x}Client", "Client}"])
def test_a_name_is_a_local_name_taken_literally_never_a_pattern(name: str) -> None:
    """lxml would read `*` or `{*}` as a wildcard; the helpers look for an element of exactly that local name."""
    root = jw301().root
    assert d.children(root, name) == []
    assert d.child(root, name) is None
    assert d.children(root, "Client") and d.child(root, "Client") is not None


def test_a_root_without_children_is_one_level_deep() -> None:
    root = etree.Element(f"{{{BERICHTEN['JW301'].ns}}}Bericht")
    doc = Doc(root, BERICHTEN["JW301"])
    assert doc.depth == 1 and too_deep(root, 0) and not too_deep(root, 1)


def test_a_comment_beside_an_element_without_a_namespace_is_no_element() -> None:
    root = to_tree("JW301", spec("JW301"))
    client = root[1]
    client.append(etree.Comment("c"))
    etree.SubElement(client, "Bare")  # no namespace: Client's children are then read one by one
    doc = Doc(root, BERICHTEN["JW301"])
    assert doc.all("Client/") == [] and [d.local(e) for e in doc.all("Client/Bare")] == ["Bare"]


def test_the_methods_find_nothing_below_an_absent_element_as_the_helpers_do() -> None:
    doc = jw301()
    assert doc.children(None, "Bsn") == [] and doc.child(None, "Client/Bsn") is None
    assert (doc.text(None), doc.raw(None), doc.filled(None), doc.present(None)) == (None, None, False, False)
    assert doc.as_date(None) is None and doc.as_int(None) is None


def test_a_blank_element_is_empty_to_the_methods_as_to_the_helpers() -> None:
    """The XSLT's "empty": whitespace only counts as no value (the XSDs refuse it; rules must agree anyway)."""
    root = to_tree("JW301", spec("JW301"))
    bsn = root[1][0]
    assert d.local(bsn) == "Bsn"
    bsn.text = " \t\n "
    doc = Doc(root, BERICHTEN["JW301"])
    assert doc.text(bsn) is None and doc.text(root[1], "Bsn") is None and not doc.filled(root[1], "Bsn")
    assert d.text(bsn) is None and doc.raw(bsn) == " \t\n "
