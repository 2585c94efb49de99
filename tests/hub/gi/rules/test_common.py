"""What the GI rules share (hub/gi/rules/common.py), where no rule's test can reach it."""

from __future__ import annotations

from datetime import date

from lxml import etree

from hub.gi.rules.common import dated
from hub.ijw.doc import local


def test_dated_is_none_for_a_date_it_cannot_read() -> None:
    """The rules compare what dated() gives; a present element without a readable date must not reach them."""
    part = etree.fromstring(
        '<Maatregel xmlns="urn:gi-test"><DatumUitspraak>geen datum</DatumUitspraak>'
        "<Einddatum>2026-11-02</Einddatum></Maatregel>"
    )
    assert dated(part, "DatumUitspraak") is None
    assert dated(part, "DatumGedragenKoers") is None
    found = dated(part, "Einddatum")
    assert found is not None and found[1] == date(2026, 11, 2)
    assert local(found[0]) == "Einddatum"
