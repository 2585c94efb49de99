"""The GI101 as bytes: laid out afresh and with the answer's namespaces only, whatever the heenbericht's layout."""

from __future__ import annotations

import pytest
from lxml import etree

from hub.gi.ack import build_ontvangstbevestiging
from hub.gi.build import to_tree, to_xml
from hub.gi.catalog import GI_BERICHTEN, gi_ns
from hub.gi.extract import extract_gi
from hub.gi.models import Gi101
from hub.gi.synth import bepaling, spec
from hub.ijw.doc import Doc
from hub.rules.registry import Violation
from hub.synth.berichten import DEFAULT_DAGTEKENING as DAG
from hub.synth.build import edit
from hub.validate import Verdict
from tests.hub.gi.helpers import TODAY, schema


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


def test_comments_in_the_received_header_are_not_echoed() -> None:
    # hub.ijw.parse drops comments; a Doc parsed another way still gets a valid answer without them.
    heen = to_xml("GI001", spec("GI001")).replace(
        b"<gi001:Header>", b"<gi001:Header><!-- zaaksysteem --><?pi x?>"
    )
    d = Doc(etree.fromstring(heen), GI_BERICHTEN["GI001"])
    xml = build_ontvangstbevestiging(Verdict(d.info, (), d), TODAY)
    assert xml is not None and b"zaaksysteem" not in xml and b"<?pi" not in xml
    assert schema("GI101").validate(etree.fromstring(xml))


def _bepalingen(n: int) -> Doc:
    s = edit(
        spec("GI001"),
        "Client/Bepalingen/Bepaling",
        [bepaling(f"B{i}", datum_bepaling=DAG, gewenste_ingangsdatum=DAG) for i in range(1, n + 1)],
    )
    return Doc(to_tree("GI001", s), GI_BERICHTEN["GI001"])


def _codes_per_bepaling(xml: bytes) -> list[tuple[str, ...]]:
    model = extract_gi(Doc(etree.fromstring(xml), GI_BERICHTEN["GI101"]))
    assert isinstance(model, Gi101)
    return [b.retour_codes for b in model.bepalingen]


def test_an_error_in_bepaling_10_is_not_one_of_bepaling_1() -> None:
    d = _bepalingen(10)
    fout = Violation("GB014", "0001", "/Bericht/Client/Bepalingen/Bepaling[10]/DatumBepaling", "te laat")
    xml = build_ontvangstbevestiging(Verdict(d.info, (fout,), d), TODAY)
    assert xml is not None
    assert _codes_per_bepaling(xml) == [("0233",)] * 9 + [("0001",)]


def test_an_error_located_at_the_part_itself_is_the_parts() -> None:
    d = _bepalingen(2)
    fout = Violation("GB014", "0001", "/Bericht/Client/Bepalingen/Bepaling[2]", "hele bepaling")
    xml = build_ontvangstbevestiging(Verdict(d.info, (fout,), d), TODAY)
    assert xml is not None
    assert _codes_per_bepaling(xml) == [("0233",), ("0001",)]
    assert b"<gi101:Header>" in xml and xml.count(b"<gi:Fout>") == 1
