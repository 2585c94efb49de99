"""What hub.ijw.extract_read's readers do at the edges that mutations showed no test held: an empty integer,
date or decimal element is an ExtractError (not a TypeError), a time of 24:00:00 with zero fraction digits is
midnight, a no-break space around a time is no time, and a comment inside a wrapper (RetourCodes, Telefoon) is
no value.

The messages are written by hub.synth's builders and judged by the Validator; one the XSD refuses is read as
if its check had been skipped (parse, then Doc), which is the only case in which extract raises."""

from __future__ import annotations

from datetime import date, time

import pytest
from lxml import etree

from hub.gi import build as gi_build
from hub.gi import synth as gi_synth
from hub.gi.extract import extract_gi
from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc
from hub.ijw.extract import ExtractError, extract
from hub.ijw.models import Jw301, Jw325
from hub.ijw.parse import parse_bericht
from hub.synth.berichten import spec
from hub.synth.build import edit, to_tree, to_xml
from hub.validate import OUTCOME_ACCEPTED, OUTCOME_MALFORMED, Validator

TODAY = date(2026, 11, 23)  # after the default Dagtekening, 2026-11-02
validator = Validator(clock=lambda: TODAY)
PRODUCT = "Client/ToegewezenProducten/ToegewezenProduct[1]"
NBSP = "\u00a0"


def _accepted(message: bytes) -> Doc:
    verdict = validator.validate(message)
    assert verdict.outcome == OUTCOME_ACCEPTED, verdict.errors
    assert verdict.doc is not None
    return verdict.doc


def _refused_by_the_xsd(message: bytes) -> Doc:
    """The message the Validator refuses on its XSD, as a Doc made without that check."""
    verdict = validator.validate(message)
    assert verdict.outcome == OUTCOME_MALFORMED and verdict.doc is None, verdict.errors
    parsed = parse_bericht(message)
    return Doc(parsed.root, parsed.info)


@pytest.mark.parametrize(
    ("element", "message"),
    [
        ("ToewijzingNummer", "ToewijzingNummer is not an integer"),
        ("Toewijzingsdatum", "Toewijzingsdatum is not a date"),
    ],
)
def test_an_empty_integer_or_date_element_is_an_extract_error(element: str, message: str) -> None:
    """An empty element has no text at all (None, not ""): it is read as "" and refused by name."""
    doc = _refused_by_the_xsd(to_xml("JW301", edit(spec("JW301"), f"{PRODUCT}/{element}", "")))
    assert doc.text(doc.first(f"{PRODUCT}/{element}")) is None
    with pytest.raises(ExtractError) as refused:
        extract(doc)
    assert str(refused.value) == message


def test_an_empty_decimal_element_is_an_extract_error() -> None:
    fte = "Capaciteiten/Capaciteit[1]/Jeugdbeschermers"
    doc = _refused_by_the_xsd(gi_build.to_xml("GI003", edit(gi_synth.spec("GI003"), fte, "")))
    with pytest.raises(ExtractError) as refused:
        extract_gi(doc)
    assert str(refused.value) == "Jeugdbeschermers is not a decimal"


@pytest.mark.parametrize("tijd", ["24:00:00.000", "24:00:00"])
def test_24_00_00_with_or_without_zero_fraction_digits_is_midnight(tijd: str) -> None:
    """xs:time's other spelling of midnight may carry zero fraction digits; the XSD accepts it, so must extract."""
    doc = _accepted(to_xml("JW301", edit(spec("JW301"), f"{PRODUCT}/Toewijzingstijd", tijd)))
    m = extract(doc)
    assert isinstance(m, Jw301)
    assert m.client.toegewezen_producten[0].toewijzingstijd == time(0, 0)


def test_a_no_break_space_around_a_time_is_no_time() -> None:
    """Only XML whitespace collapses: a no-break space is content, which the XSD refuses (as for a date)."""
    tijd = f"{NBSP}10:00:00"
    doc = _refused_by_the_xsd(to_xml("JW301", edit(spec("JW301"), f"{PRODUCT}/Toewijzingstijd", tijd)))
    with pytest.raises(ExtractError) as refused:
        extract(doc)
    assert str(refused.value) == "Toewijzingstijd is not a time"


def test_a_comment_inside_a_wrapper_is_no_value() -> None:
    """The parser drops comments, a Doc made from a tree keeps them: RetourCodes and Telefoon read elements only."""
    jw325 = to_tree("JW325", spec("JW325"))
    doc = Doc(jw325, BERICHTEN["JW325"])
    codes = doc.first("Header/RetourCodes")
    assert codes is not None
    codes.append(etree.Comment(" 9999 "))
    m = extract(Doc(jw325, BERICHTEN["JW325"]))
    assert isinstance(m, Jw325) and m.header.retour_codes == ("0200",)

    jw301 = to_tree("JW301", spec("JW301"))
    telefoon = Doc(jw301, BERICHTEN["JW301"]).first("Client/Relaties/Relatie/Contact/Telefoon")
    assert telefoon is not None
    telefoon.insert(0, etree.Comment(" Telefoon03 "))
    m301 = extract(Doc(jw301, BERICHTEN["JW301"]))
    assert isinstance(m301, Jw301)
    contact = m301.client.relaties[0].contact
    assert contact is not None
    assert [(t.telefoonnummer, t.landnummer) for t in contact.telefoon] == [("0551234567", "0031")]
