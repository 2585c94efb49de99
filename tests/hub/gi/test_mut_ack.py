"""The GI101 as bytes: laid out afresh and with the answer's namespaces only, whatever the heenbericht's layout."""

from __future__ import annotations

import pytest
from lxml import etree

from hub.gi.ack import build_ontvangstbevestiging
from hub.gi.build import to_xml
from hub.gi.catalog import GI_BERICHTEN, gi_ns
from hub.gi.synth import spec
from hub.ijw.doc import Doc
from hub.validate import Verdict
from tests.hub.gi.helpers import TODAY


def received(bericht: str) -> Doc:
    """The heenbericht as a GI sends it: pretty-printed bytes, parsed with their whitespace."""
    return Doc(etree.fromstring(to_xml(bericht, spec(bericht))), GI_BERICHTEN[bericht])


@pytest.mark.parametrize("bericht", ["GI001", "GI002", "GI003"])
def test_answer_is_laid_out_as_pretty_print_lays_it_out(bericht: str) -> None:
    d = received(bericht)
    xml = build_ontvangstbevestiging(Verdict(d.info, (), d), TODAY)
    assert xml is not None
    # Re-laying out the answer without its whitespace gives the same bytes: no heenbericht indentation is left.
    stripped = etree.fromstring(xml, etree.XMLParser(remove_blank_text=True))
    assert etree.tostring(stripped, xml_declaration=True, encoding="UTF-8", pretty_print=True) == xml


@pytest.mark.parametrize("bericht", ["GI001", "GI002", "GI003"])
def test_answer_declares_its_namespaces_on_the_root_only(bericht: str) -> None:
    d = received(bericht)
    xml = build_ontvangstbevestiging(Verdict(d.info, (), d), TODAY)
    assert xml is not None
    assert gi_ns(bericht).encode() not in xml  # the heenbericht's namespace is not carried along
    root = etree.fromstring(xml)
    assert all(el.nsmap == root.nsmap for el in root.iter() if isinstance(el.tag, str))
    assert xml.count(b"xmlns") == len(root.nsmap)
