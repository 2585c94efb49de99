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


def test_a_comment_or_pi_has_no_local_name_and_its_locatie_is_its_parents_followed_by_a_slash() -> None:
    root = to_tree("JW301", spec("JW301"))
    client = root[1]
    comment, pi = etree.Comment("c"), etree.ProcessingInstruction("pi", "x")
    client.append(comment)
    client.append(pi)
    doc = Doc(root, BERICHTEN["JW301"])
    assert d.local(comment) == "" and d.local(pi) == ""
    assert d.locatie(comment) == doc.locatie(comment) == "/Bericht/Client/"


def test_a_non_ascii_value_loses_only_whitespace_at_its_ends() -> None:
    """A value beginning or ending in a letter keeps it, also on the non-ASCII path (a no-break space, an é)."""
    root = to_tree("JW301", spec("JW301"))
    achternaam = root.find(".//{*}Achternaam")
    assert achternaam is not None
    achternaam.text = " \tXavière\n X "
    doc = Doc(root, BERICHTEN["JW301"])
    assert d.collapse("X\u00a0X") == "X\u00a0X"
    assert d.text(achternaam) == doc.text(achternaam) == "Xavière X"


def test_the_cached_header_values_read_on_the_class_are_documented_descriptors() -> None:
    """help(Doc) shows what each once-computed header value is, as for a property."""
    assert (Doc.dagtekening_tekst.__doc__ or "").startswith("The Dagtekening as sent")
    doc = jw301()
    assert doc.dagtekening_tekst == "2026-11-02" and doc.dagtekening_tekst is doc.dagtekening_tekst


def test_an_element_without_a_namespace_counts_for_the_depth_when_it_is_the_deepest() -> None:
    """Bericht/Client/Bsn/Bare is four levels deep, whether or not Bare has a namespace."""
    ns = BERICHTEN["JW301"].ns
    root = etree.fromstring(f'<Bericht xmlns="{ns}"><Client><Bsn><Bare xmlns=""/></Bsn></Client></Bericht>')
    doc = Doc(root, BERICHTEN["JW301"])
    assert doc.depth == 4
    assert too_deep(root, 3) and not too_deep(root, 4)


def test_a_path_below_an_element_without_children_finds_nothing() -> None:
    assert jw301().all("Header/Afzender/X") == []
    assert jw301().first("Header/Afzender/X") is None
    assert jw301().first("Client/Bsn/X/Y") is None


def test_present_without_a_path_is_true_for_any_element_of_the_tree() -> None:
    doc = jw301()
    client = doc.first("Client")
    bsn = doc.first("Client/Bsn")
    assert client is not None and bsn is not None
    assert doc.present(client) and doc.present(bsn) and d.present(client) and d.present(bsn)
