"""An element's value is its text content as the XSD and the official XSLT read it.

Whitespace is XML's (space, tab, CR, LF), so a no-break space is content; comments and processing instructions
inside a value do not split it.
"""

from __future__ import annotations

from datetime import date

from hub.ijw.extract import extract
from hub.ijw.models import Jw301, Jw305
from hub.synth.berichten import spec
from hub.synth.build import edit, to_xml
from hub.validate import Validator

TODAY = date(2026, 11, 23)
validator = Validator(clock=lambda: TODAY)
NBSP = "\u00a0"


def test_a_no_break_space_fills_an_element() -> None:
    # CD007: Taal is filled exactly when Vorm is 1. A Taal of one no-break space is filled for the XSLT.
    message = to_xml("JW301", edit(spec("JW301"), "Client/Communicatie", {"Vorm": "1", "Taal": NBSP}))
    verdict = validator.validate(message)
    assert verdict.errors == (), verdict.errors
    assert verdict.doc is not None and verdict.doc.text(verdict.doc.first("Client/Communicatie/Taal")) == NBSP


def test_only_xml_whitespace_collapses_in_the_models() -> None:
    naam = f" Jan{NBSP}Pieter \t van   Dijk "
    message = to_xml("JW301", edit(spec("JW301"), "Client/Naam/Geslachtsnaam/Achternaam", naam))
    verdict = validator.validate(message)
    assert verdict.doc is not None and verdict.accepted, verdict.errors
    model = extract(verdict.doc)
    assert isinstance(model, Jw301)
    assert model.client.naam.geslachtsnaam.achternaam == f"Jan{NBSP}Pieter van Dijk"


def test_a_comment_inside_a_value_does_not_split_it() -> None:
    plain = to_xml("JW305", spec("JW305"))
    bsn = plain.split(b"Bsn>")[1].split(b"<")[0]
    split = plain.replace(b">" + bsn + b"<", b">" + bsn[:4] + b"<!-- note --><?pi x?>" + bsn[4:] + b"<", 1)
    assert split != plain
    verdict = validator.validate(split)
    assert verdict.errors == (), verdict.errors  # CS002 read "1234" before: the text up to the comment
    model = extract(verdict.doc) if verdict.doc is not None else None
    assert isinstance(model, Jw305) and model.client.bsn == bsn.decode()
