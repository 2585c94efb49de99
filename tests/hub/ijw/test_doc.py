"""Doc answers from the maps of its one walk exactly what the module-level helpers answer from the tree."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from lxml import etree

from hub.ijw import doc as d
from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import ABSENT, Doc, Element
from hub.ijw.parse import too_deep
from hub.synth.berichten import HEENBERICHTEN, spec
from hub.synth.build import to_tree

NAMES = ("Soort", "Datum", "Bsn", "Product/Code", "Omvang/Frequentie", "Adres/Huis/Huisnummer", "X")


def _tree_with_oddities() -> Element:
    """A JW301 with a comment, a processing instruction and elements without a namespace in its Client."""
    root = to_tree("JW301", spec("JW301"))
    client = root[1]
    client.insert(0, etree.Comment("c"))
    client.append(etree.ProcessingInstruction("pi", "x"))
    etree.SubElement(client, "Bsn").text = " 123 "  # no namespace: the helpers skip it, all() does not
    etree.SubElement(etree.SubElement(client, "Bare"), f"{{{BERICHTEN['JW301'].ns}}}Onder").text = "o"
    return root


TREES = [pytest.param(lambda b=b: to_tree(b, spec(b)), id=b) for b in HEENBERICHTEN]
TREES.append(pytest.param(_tree_with_oddities, id="JW301-with-oddities"))


def _paths(el: Element, prefix: str = "") -> dict[str, list[Element]]:
    """The path index written out naively: every element under the root by its path of local names."""
    found: dict[str, list[Element]] = {}
    for c in el:
        if isinstance(c.tag, str):
            path = prefix + d.local(c)
            found.setdefault(path, []).append(c)
            for sub, els in _paths(c, path + "/").items():
                found.setdefault(sub, []).extend(els)
    return found


@pytest.mark.parametrize("make", TREES)
def test_methods_agree_with_the_module_helpers_on_every_element(make: Callable[[], Element]) -> None:
    root = make()
    doc = Doc(root, BERICHTEN["JW301"])
    for el in root.iter(etree.Element):
        assert doc.locatie(el) == d.locatie(el)
        assert (doc.text(el), doc.raw(el), doc.as_date(el), doc.as_int(el)) == (
            d.text(el),
            d.raw(el),
            d.as_date(el),
            d.as_int(el),
        )
        for name in NAMES:
            assert doc.child(el, name) is d.child(el, name)
            assert doc.children(el, name) == d.children(el, name)
            assert doc.text(el, name) == d.text(el, name)
            assert doc.raw(el, name) == d.raw(el, name)
            assert doc.filled(el, name) == d.filled(el, name)
            assert doc.present(el, name) == d.present(el, name)
            assert doc.as_date(el, name) == d.as_date(el, name)
            assert doc.as_int(el, name) == d.as_int(el, name)
        first = doc.kids(el).get("Soort", ABSENT)[0]
        assert first is d.child(el, "Soort")


@pytest.mark.parametrize("make", TREES)
def test_all_finds_every_element_by_path_in_document_order(make: Callable[[], Element]) -> None:
    root = make()
    doc = Doc(root, BERICHTEN["JW301"])
    expected = _paths(root)
    for path, elements in expected.items():
        assert doc.all(path) == elements
        assert doc.first(path) is elements[0]
    assert doc.all("Client/Nope") == [] and doc.all("/Client") == [] and doc.all("") == []


@pytest.mark.parametrize("make", TREES)
def test_first_before_all_is_the_first_of_all(make: Callable[[], Element]) -> None:
    root = make()
    paths = [*_paths(root), "Client/Nope", "/Client", ""]
    fresh = Doc(root, BERICHTEN["JW301"])  # first() on paths all() has not resolved yet
    firsts = [fresh.first(path) for path in paths]
    resolved = Doc(root, BERICHTEN["JW301"])
    assert firsts == [next(iter(resolved.all(path)), None) for path in paths]


def test_first_looks_past_a_parent_without_the_child() -> None:
    root = etree.Element("{urn:a}r")
    a1, a2 = etree.SubElement(root, "{urn:a}a"), etree.SubElement(root, "{urn:a}a")
    etree.SubElement(a1, "{urn:a}c")
    b = etree.SubElement(a2, "{urn:a}b")
    assert Doc(root, BERICHTEN["JW301"]).first("a/b") is b


def test_header_values_are_read_once() -> None:
    doc = Doc(to_tree("JW301", spec("JW301")), BERICHTEN["JW301"])
    assert doc.afzender is not None and doc.afzender == d.text(doc.root, "Header/Afzender")
    assert (doc.dagtekening, doc.identificatie) == (
        d.as_date(doc.root, "Header/BerichtIdentificatie/Dagtekening"),
        d.text(doc.root, "Header/BerichtIdentificatie/Identificatie"),
    )
    assert doc.__dict__["afzender"] == doc.afzender  # kept on the instance after the first read


def test_the_oddities_are_seen_by_all_and_skipped_by_the_helpers() -> None:
    root = _tree_with_oddities()
    doc = Doc(root, BERICHTEN["JW301"])
    assert [doc.text(b) for b in doc.all("Client/Bsn")][-1] == "123"  # the element without a namespace
    assert doc.text(doc.first("Client"), "Bsn") != "123"  # the helpers take the namespaced Bsn
    assert doc.text(doc.first("Client/Bare"), "Onder") == "o"


def test_an_empty_result_is_a_fresh_list() -> None:
    doc = Doc(to_tree("JW301", spec("JW301")), BERICHTEN["JW301"])
    doc.all("Client/Nope").append(doc.root)
    assert doc.all("Client/Nope") == []


@pytest.mark.parametrize("seed", range(20))
def test_depth_agrees_with_the_parser_limit(seed: int) -> None:
    rng = random.Random(seed)

    def grow(el: Element, level: int) -> None:
        for _ in range(rng.randint(0, 3)):
            if rng.random() < 0.1:
                el.append(etree.Comment("c"))
                continue
            c = etree.SubElement(el, "{urn:a}x" if rng.random() < 0.85 else "y")
            if level < 12 and rng.random() < 0.6:
                grow(c, level + 1)

    root = etree.Element("{urn:a}r")
    grow(root, 2)
    doc = Doc(root, BERICHTEN["JW301"])
    assert all((doc.depth > limit) == too_deep(root, limit) for limit in range(1, 15))


def test_memo_makes_a_value_once_per_doc_and_argument() -> None:
    doc = Doc(to_tree("JW301", spec("JW301")), BERICHTEN["JW301"])
    calls: list[str] = []

    def make(doc: Doc, path: str) -> list[Element]:
        calls.append(path)
        return doc.all(path)

    assert doc.memo(make, "Client/Bsn") is doc.memo(make, "Client/Bsn")
    doc.memo(make, "Header")
    assert calls == ["Client/Bsn", "Header"]
    assert Doc(doc.root, doc.info).memo(make, "Client/Bsn") == doc.all("Client/Bsn")
    assert calls == ["Client/Bsn", "Header", "Client/Bsn"]
