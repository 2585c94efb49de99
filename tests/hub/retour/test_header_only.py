"""A Header-only retour written as text is, byte for byte, the tree the general path builds and serializes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from lxml import etree

from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc
from hub.retour import build
from hub.synth.berichten import HEENBERICHTEN, spec
from hub.synth.build import edit, to_tree, to_xml
from hub.validate import Validator

TODAY = date(2026, 11, 23)
VALIDATOR = Validator(clock=lambda: TODAY)
# JW325 answers a JW323 with its own shape, always built as a tree.
HEADER_ONLY = [b for b in HEENBERICHTEN if BERICHTEN[b].retour not in (None, "JW325")]


def _both(data: bytes, identificatie: str = "R0000000001") -> tuple[bytes | None, bytes]:
    """The written retour and the tree path's for the same verdict."""
    verdict = VALIDATOR.validate(data)
    assert verdict.doc is not None and verdict.info is not None and verdict.info.retour is not None
    retour = BERICHTEN[verdict.info.retour]
    codes, klasse_codes, xslt = build._shape(verdict)
    assert klasse_codes is None  # a Header-only retour
    written = build._header_only(verdict.doc, retour, identificatie, TODAY, codes, xslt=xslt)
    tree = build._retour(verdict.doc, retour, identificatie, TODAY, codes, xslt=xslt, klasse_codes=None)
    return written, build._serialize(tree, retour)


def _breaks_cs002(bericht: str) -> bytes:
    """A level-2 finding: a Bsn that fails the 11-proef (CD085 for the JW319, which has no client)."""
    s = spec(bericht)
    if bericht == "JW319":
        s = edit(edit(s, "Antwoord/VerzoekAntwoord", "1"), "Antwoord/RedenAfwijzingVerzoek", None)
    else:
        s = edit(s, "Client/Bsn", "123456789")
    return to_xml(bericht, s)


def _other_prefixes(data: bytes) -> bytes:
    """The same message with the default namespace for the message and another prefix for the basisschema."""
    text = data.decode()
    prefix = re.search(r"xmlns:(jw\d{3})=", text)
    assert prefix is not None
    p = prefix.group(1)
    text = text.replace(f"xmlns:{p}=", "xmlns=").replace(f"<{p}:", "<").replace(f"</{p}:", "</")
    return text.replace("xmlns:ijw=", "xmlns:b=").replace("<ijw:", "<b:").replace("</ijw:", "</b:").encode()


@pytest.mark.parametrize("bericht", HEADER_ONLY)
@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda b: to_xml(b, spec(b)), id="accepted"),
        pytest.param(_breaks_cs002, id="level-2"),
        pytest.param(lambda b: to_xml(b, spec(b, dagtekening=date(2026, 11, 24))), id="header-code-8848"),
        pytest.param(lambda b: _other_prefixes(to_xml(b, spec(b))), id="other-prefixes"),
    ],
)
def test_written_retour_equals_the_tree(bericht: str, make: Callable[[str], bytes]) -> None:
    written, tree = _both(make(bericht))
    assert written is not None
    assert written == tree


def test_text_is_escaped_as_libxml2_escapes_it() -> None:
    written, tree = _both(to_xml("JW301", spec("JW301")), identificatie="A&B<C>D\r\"E'F\tG é")
    assert written == tree
    assert b"A&amp;B&lt;C&gt;D&#13;\"E'F\tG \xc3\xa9" in tree


def test_a_comment_in_the_header_does_not_reach_the_retour() -> None:
    # The parser drops comments (a value is its text content), so the Header is plain and written directly.
    root = to_tree("JW301", spec("JW301"))
    root[0].insert(1, etree.Comment("dropped"))
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    written, tree = _both(data)
    assert written is not None and written == tree
    assert b"<!--" not in tree


def test_a_header_not_plain_takes_the_tree_path() -> None:
    # Only a tree made without the parser can still hold a comment: the writer leaves it to the tree path.
    root = to_tree("JW301", spec("JW301"))
    root[0].insert(1, etree.Comment("kept"))
    doc = Doc(root, BERICHTEN["JW301"])
    retour = BERICHTEN["JW302"]
    assert build._header_only(doc, retour, "R0000000001", TODAY, ["0200"], xslt=False) is None
    tree = build._retour(doc, retour, "R0000000001", TODAY, ["0200"], xslt=False, klasse_codes=None)
    assert b"<!--kept-->" in build._serialize(tree, retour)
