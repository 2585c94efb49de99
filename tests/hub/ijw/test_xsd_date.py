"""xsd_date: an xs:date as a date; a year beyond 9999 is date.max and one before 1 is date.min (XSD-valid, but
outside Python's date), so comparisons with real dates keep the official XSLT's outcome."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc, as_date, xsd_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-23", date(2026, 11, 23)),
        ("9999-12-31", date.max),
        ("0001-01-01", date.min),
        ("12026-01-01", date.max),
        ("99999999999999999999-12-31", date.max),
        ("12024-02-29", date.max),
        ("-0001-01-01", date.min),
        ("-12026-06-30", date.min),
        ("0000-01-01", date.min),  # XSD 1.1's year 0; libxml2 refuses it, the reader need not
    ],
)
def test_xsd_date(text: str, expected: date) -> None:
    assert xsd_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "12026-13-01",  # no month 13
        "12026-02-30",  # no 30 February in any year
        "02026-01-01",  # a leading zero is allowed only in a four-digit year
        "2026-02-29",  # 2026 is no leap year
        "-2026-1-01",
        "12026-01-01Z",
        "1.2026-01-01",
        "year",
    ],
)
def test_not_a_date(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a date|day is out of range|month must be"):
        xsd_date(text)


def test_far_dates_compare_as_the_xslt_does_but_equal_each_other() -> None:
    assert xsd_date("12026-01-01") > date(2026, 11, 23) > xsd_date("-0001-01-01")
    assert xsd_date("12026-01-01") == xsd_date("13000-01-01")  # the limitation


def test_doc_and_module_helpers_read_far_dates_and_blank_as_absent() -> None:
    ns = BERICHTEN["JW301"].ns
    root = etree.fromstring(
        f'<Bericht xmlns="{ns}"><A> 12026-01-01\n</A><B>-0001-01-01</B><C> </C><D>2026-11-23</D></Bericht>'
    )
    doc = Doc(root, BERICHTEN["JW301"])
    for read in (doc.as_date, as_date):
        assert [read(root, name) for name in "ABCD"] == [date.max, date.min, None, date(2026, 11, 23)]
