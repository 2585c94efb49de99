"""The reader contract of hub.ijw.extract_read that mutations showed no test held: blank and whitespace per kind,
the last of a repeated name, RetourCodes, absent repeats a model requires, the errors and their exact messages."""

from __future__ import annotations

import inspect
from datetime import date, time
from decimal import Decimal

import pytest
from lxml import etree
from pydantic import BaseModel, ConfigDict, ValidationError

from hub.gi import extract_klassen as gi_klassen
from hub.ijw import extract_klassen as ijw_klassen
from hub.ijw.doc import Element, Kids, local
from hub.ijw.extract_read import (
    CODES,
    DATE,
    DECIMAL,
    OPT_TEXT,
    TEXT,
    TIME,
    ExtractError,
    Flat,
    KidsMap,
    Klasse,
    Many,
    Numbered,
    Value,
    klasse,
    reader,
    validated,
)


class Item(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True)
    naam: str


class Sample(BaseModel):
    """A class of every kind the tests read; the tuples are required, so an absent wrapper must read as ()."""

    model_config = ConfigDict(frozen=True, strict=True)
    code: str = "?"
    omschrijving: str | None = None
    bedrag: Decimal | None = None
    tijd: time | None = None
    datum: date | None = None
    items: tuple[Item, ...]
    retour_codes: tuple[str, ...]


TABLE = klasse(
    Sample,
    Code=TEXT,
    Omschrijving=OPT_TEXT,
    Bedrag=DECIMAL,
    Tijd=TIME,
    Datum=DATE,
    Items=Many("Item", klasse(Item, Naam=TEXT)),
    RetourCodes=CODES,
)


def _kids(root: Element) -> KidsMap:
    """The children-by-name map Doc makes in its walk (Doc.kids_map), for a tree built here."""
    found: KidsMap = {}
    for el in root.iter():
        kids: Kids = {}
        for child in el:
            if isinstance(child.tag, str):
                kids.setdefault(local(child), []).append(child)
        found[el] = kids
    return found


def _read(xml: str) -> dict[str, object]:
    root = etree.fromstring(f"<Sample>{xml}</Sample>")
    return reader(TABLE)(_kids(root), root)


def test_text_reads_blank_as_empty_and_opt_text_reads_blank_as_none() -> None:
    """Blank is schema-valid for a few TEXT types, so it is a value; an optional blank is no value (doc.text())."""
    assert _read("<Code/><Omschrijving> \t\n </Omschrijving>") == {
        "code": "",
        "omschrijving": None,
        "items": (),
        "retour_codes": (),
    }
    assert _read("<Code> a \t b </Code><Omschrijving>\nc  d\n</Omschrijving>")["omschrijving"] == "c d"
    assert _read("<Code> a \t b </Code>")["code"] == "a b"


def test_an_absent_repeat_the_model_requires_reads_as_an_empty_tuple() -> None:
    assert validated(Sample, _read("")) == Sample(items=(), retour_codes=())
    assert _read("<Items><Item><Naam>x</Naam></Item><Item><Naam>y</Naam></Item></Items>")["items"] == (
        {"naam": "x"},
        {"naam": "y"},
    )


def test_the_last_of_a_repeated_name_is_read() -> None:
    assert _read("<Code>eerste</Code><Code>laatste</Code>")["code"] == "laatste"


def test_retour_codes_are_collapsed_in_order_and_a_blank_one_is_empty() -> None:
    codes = (
        "<RetourCodes><RetourCode> 8001 </RetourCode><RetourCode/><RetourCode>0200</RetourCode></RetourCodes>"
    )
    assert _read(codes)["retour_codes"] == ("8001", "", "0200")


def test_a_decimal_keeps_its_digits_and_sign() -> None:
    assert _read("<Bedrag>\t-012.50 </Bedrag>")["bedrag"] == Decimal("-12.50")
    assert str(_read("<Bedrag>12.50</Bedrag>")["bedrag"]) == "12.50"
    with pytest.raises(ExtractError) as refused:
        _read("<Bedrag>12,50</Bedrag>")
    assert str(refused.value) == "Bedrag is not a decimal"


def test_a_time_is_read_and_24_00_00_is_midnight() -> None:
    assert _read("<Tijd> 09:30:00 </Tijd>")["tijd"] == time(9, 30)
    assert _read("<Tijd>24:00:00</Tijd>")["tijd"] == time(0, 0)
    for blank in ("<Tijd/>", "<Tijd>morgen</Tijd>"):
        with pytest.raises(ExtractError) as refused:
            _read(blank)
        assert str(refused.value) == "Tijd is not a time"


def test_a_date_around_xml_whitespace_is_read_and_a_no_date_named() -> None:
    assert _read("<Datum>\n 2026-11-02 \t</Datum>")["datum"] == date(2026, 11, 2)
    with pytest.raises(ExtractError) as refused:
        _read("<Datum>2026-13-01</Datum>")
    assert str(refused.value) == "Datum is not a date"


def test_only_a_missing_element_is_an_extract_error() -> None:
    """A value of the wrong type is a bug of the table, not of the message: pydantic's own error stays."""
    with pytest.raises(ExtractError) as missing:
        validated(Sample, {"items": ()})
    assert str(missing.value) == "required element RetourCodes is missing"
    with pytest.raises(ValidationError):
        validated(Sample, {"code": 1, "items": (), "retour_codes": ()})


def test_the_messages_name_the_element_and_the_field_exactly() -> None:
    with pytest.raises(TypeError) as unknown:
        klasse(Item, Naam=TEXT, Nummer=TEXT)
    assert str(unknown.value) == "Item has no field(s) ['nummer']"


def test_a_readers_source_is_shown_line_by_line() -> None:
    lines = inspect.getsource(reader(TABLE)).splitlines(keepends=True)
    assert lines[0].startswith("def read_Sample_") and all(line.endswith("\n") for line in lines)
    assert len(lines) > 10


def _tables() -> list[Klasse]:
    """Every berichtklasse table of the iJw and GI messages, nested ones included."""
    seen: dict[int, Klasse] = {}

    def walk(kind: object) -> None:
        if isinstance(kind, Many | Numbered):
            walk(kind.klasse)
        elif isinstance(kind, Klasse) and id(kind) not in seen:
            seen[id(kind)] = kind
            for _, _, inner in kind.fields:
                walk(inner)

    for module in (ijw_klassen, gi_klassen):
        for value in vars(module).values():
            walk(value)
    return list(seen.values())


def _values(table: Klasse) -> list[tuple[str, Value]]:
    """(field, kind) of each simple value a table reads, a Flat's parts included."""
    found = [(key, kind) for _, key, kind in table.fields if isinstance(kind, Value)]
    for _, _, kind in table.fields:
        if isinstance(kind, Flat):
            found += [(key, value) for _, key, value in kind.parts]
    return found


def test_text_fills_a_field_of_text_and_opt_text_one_that_may_be_none() -> None:
    """TEXT reads a blank element as "" and OPT_TEXT as None (doc.text()): each must fill a field of that type,
    else a blank value the XSD allows would read as the other, or fail the model."""
    tables = _tables()
    assert len(tables) > 30
    wrong = []
    for table in tables:
        for key, kind in _values(table):
            annotation = table.model.model_fields[key].annotation
            if kind is TEXT and annotation is not str:
                wrong.append(f"{table.model.__name__}.{key}: TEXT on {annotation}")
            if kind is OPT_TEXT and annotation != str | None:
                wrong.append(f"{table.model.__name__}.{key}: OPT_TEXT on {annotation}")
    assert wrong == []
