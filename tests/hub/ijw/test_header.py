"""The lenient header reader: what a message that is not XSD-valid still tells about its sender."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.ijw.header import LeesbareHeader, leesbare_header
from hub.ijw.parse import ParseLimits

JW301 = (Path(__file__).resolve().parents[3] / "examples" / "JW301.xml").read_bytes()
LIMITS = ParseLimits()
EXPECTED = LeesbareHeader("0200", "12345678", "JW301261102")


def test_a_valid_message_yields_its_header() -> None:
    assert leesbare_header(JW301, LIMITS) == EXPECTED


def test_a_body_that_is_not_well_formed_still_yields_the_header() -> None:
    broken = JW301.replace(b"</jw301:Client>", b"<jw301:Client><<", 1)
    assert leesbare_header(broken, LIMITS) == EXPECTED
    # Cut off after the header, as a truncated upload would be.
    cut = JW301[: JW301.index(b"</jw301:Header>") + len(b"</jw301:Header>") + 40]
    assert leesbare_header(cut, LIMITS) == EXPECTED


def test_the_header_is_read_without_the_rest_of_a_large_message() -> None:
    # 8 MB of body behind the header: the reader stops at the header's end (a whole parse of a broken body
    # would fail and yield nothing).
    filler = b"<jw301:Client>" + b"<x>" * 2_000_000 + b"<"
    large = JW301.replace(b"<jw301:Client>", filler, 1)
    assert leesbare_header(large, LIMITS) == EXPECTED


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("Afzender", "Jan de Vries"),  # free text: a name must not reach the audit row or the logs
        ("Afzender", "999999862"),  # nine digits: a BSN, not a gemeente or AGB code
        ("Ontvanger", "12 34"),
        ("Ontvanger", "１２３４"),  # digits, but not ASCII ones
    ],
)
def test_a_code_beyond_its_type_is_left_out(field: str, value: str) -> None:
    tag = f"<jw301:{field}>".encode()
    end = f"</jw301:{field}>".encode()
    start = JW301.index(tag) + len(tag)
    changed = JW301[:start] + value.encode() + JW301[JW301.index(end) :]
    header = leesbare_header(changed, LIMITS)
    assert getattr(header, field.lower()) is None
    assert header.identificatie == "JW301261102"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"   ",
        b"<html><Header><Afzender>0200</Afzender></Header></html>",  # not an iJw root
        JW301.replace(b"<jw301:Header>", b"<jw301:Kop>", 1).replace(b"</jw301:Header>", b"</jw301:Kop>", 1),
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "0200">]>' + JW301[JW301.index(b"<jw301:Bericht") :],
        # The same in UTF-16, where no byte search finds "<!DOCTYPE"; and a DOCTYPE without an internal subset.
        (
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "0200">]>'
            + JW301[JW301.index(b"<jw301:Bericht") :].decode()
        ).encode("utf-16"),
        b'<?xml version="1.0"?><!DOCTYPE Bericht>' + JW301[JW301.index(b"<jw301:Bericht") :],
        b"\xff\xfe not xml at all",
    ],
)
def test_nothing_is_read_from_what_is_not_an_ijw_header(raw: bytes) -> None:
    assert leesbare_header(raw, LIMITS) == LeesbareHeader()


def test_a_message_in_utf_16_is_read_as_in_utf_8() -> None:
    utf16 = JW301.decode().replace("encoding='UTF-8'", "encoding='UTF-16'").encode("utf-16")
    assert leesbare_header(utf16, LIMITS) == EXPECTED


def test_a_message_over_the_size_limit_is_not_read() -> None:
    assert leesbare_header(JW301, ParseLimits(max_bytes=len(JW301) - 1)) == LeesbareHeader()


def test_a_header_nested_deeper_than_the_limit_is_not_read() -> None:
    deep = JW301.replace(b"</jw301:XsdVersie>", b"<a>" * 40 + b"</a>" * 40 + b"</jw301:XsdVersie>", 1)
    assert leesbare_header(deep, LIMITS) == LeesbareHeader()
    assert leesbare_header(deep, ParseLimits(max_depth=64)) == EXPECTED
