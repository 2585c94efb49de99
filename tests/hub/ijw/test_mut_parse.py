"""Parser behaviour the mutation pass found unpinned: the default depth bound and the root element's name."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from hub.errors import BerichtUnreadable
from hub.ijw.parse import _PARSER, ParseLimits, parse_bericht

JW301_NS = "http://www.istandaarden.nl/ijw/3_2/jw301/schema"


def nested(levels: int) -> bytes:
    """A JW301 root with elements down to `levels` levels (the root is level 1)."""
    inner = "<a>" * (levels - 1) + "</a>" * (levels - 1)
    return f'<Bericht xmlns="{JW301_NS}">{inner}</Bericht>'.encode()


def test_default_depth_limit_is_32_levels() -> None:
    """README and docs/operations.md: HUB_MAX_XML_DEPTH defaults to 32, the root being level 1."""
    assert ParseLimits().max_depth == 32
    assert parse_bericht(nested(32)).info.bericht == "JW301"
    with pytest.raises(BerichtUnreadable, match="nested deeper than 32 levels"):
        parse_bericht(nested(33))


def test_a_configured_depth_counts_the_root_as_level_one() -> None:
    assert parse_bericht(nested(5), ParseLimits(max_depth=5)).info.bericht == "JW301"
    with pytest.raises(BerichtUnreadable, match="deeper than 4 levels"):
        parse_bericht(nested(5), ParseLimits(max_depth=4))


def test_without_the_depth_check_a_deep_tree_is_parsed() -> None:
    """check_depth=False leaves the bound to the caller (the Validator)."""
    parsed = parse_bericht(nested(40), check_depth=False)
    assert parsed.info.bericht == "JW301"


@pytest.mark.parametrize("root", ["Header", "bericht", "Berichten"])
def test_an_ijw_namespace_on_another_root_element_is_not_a_message(root: str) -> None:
    data = f'<{root} xmlns="{JW301_NS}"><Header/></{root}>'.encode()
    with pytest.raises(BerichtUnreadable) as exc:
        parse_bericht(data)
    assert str(exc.value) == f"not an iJw 3.2 message: root element {root!r} in namespace {JW301_NS!r}"


def test_text_with_an_encoding_declaration_is_unreadable_not_an_error() -> None:
    """lxml refuses a str that declares its encoding with ValueError: a reason, never an exception of lxml's."""
    data = f'<?xml version="1.0" encoding="UTF-8"?><Bericht xmlns="{JW301_NS}"/>'
    with pytest.raises(
        BerichtUnreadable, match=r"^unreadable input: Unicode strings with encoding declaration"
    ):
        parse_bericht(data)  # type: ignore[arg-type]  # a caller that decoded the bytes itself


def test_the_parser_itself_never_expands_an_external_entity(tmp_path: Path) -> None:
    """Below the DOCTYPE refusal: the parser does not read the entity's file, so nothing reaches the tree."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE b [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
        f'<Bericht xmlns="{JW301_NS}">&x;</Bericht>'
    ).encode()
    root = etree.fromstring(data, parser=_PARSER)
    assert "TOPSECRET" not in etree.tostring(root).decode()
    with pytest.raises(BerichtUnreadable, match="DOCTYPE"):
        parse_bericht(data)


def test_libxml2_keeps_its_own_limit_on_a_text_node() -> None:
    """huge_tree stays off: a text node beyond libxml2's 10 MB bound is refused while parsing, within the size limit."""
    data = f'<Bericht xmlns="{JW301_NS}"><a>'.encode() + b"x" * 10_000_001 + b"</a></Bericht>"
    with pytest.raises(BerichtUnreadable, match=r"^not well-formed XML: .*[Tt]ext node too long"):
        parse_bericht(data)


def test_a_long_parser_reason_is_cut_at_300_characters() -> None:
    """libxml2 quotes names from the message: the reason it gives is kept to 300 characters."""
    name = "a" * 400
    with pytest.raises(BerichtUnreadable) as exc:
        parse_bericht(f"<{name}></b>".encode())
    prefix = "not well-formed XML: "
    message = str(exc.value)
    assert message.startswith(prefix + "Opening and ending tag mismatch: " + name[:10])
    assert len(message) == len(prefix) + 300


def test_a_root_without_a_namespace_is_named_so() -> None:
    with pytest.raises(BerichtUnreadable) as exc:
        parse_bericht(b"<Bericht><Header/></Bericht>")
    assert str(exc.value) == "not an iJw 3.2 message: root element 'Bericht' in namespace 'none'"
