"""The field readers behind extract(): naming, the model check of a table, and values the XSD would refuse."""

from __future__ import annotations

import inspect
from datetime import date

import pytest
from lxml import etree

from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc
from hub.ijw.extract import ExtractError, extract
from hub.ijw.extract_read import DATE, OPT_TEXT, TEXT, field_name, flat, klasse, reader
from hub.ijw.models import Client, Jw301, XsdVersie
from hub.synth.berichten import spec
from hub.synth.build import edit, to_tree

PRODUCT = "Client/ToegewezenProducten/ToegewezenProduct[1]"


@pytest.mark.parametrize(
    ("element", "field"),
    [
        ("Bsn", "bsn"),
        ("ToewijzingNummer", "toewijzing_nummer"),
        ("Toewijzingsdatum", "toewijzingsdatum"),
        ("BasisschemaXsdVersie", "basisschema_xsd_versie"),
        ("LandCode", "land_code"),
    ],
)
def test_a_field_is_named_after_its_element(element: str, field: str) -> None:
    assert field_name(element) == field


def test_a_table_naming_a_field_the_model_lacks_is_refused() -> None:
    table = klasse(XsdVersie, BasisschemaXsdVersie=TEXT, BerichtXsdVersie=TEXT)
    assert [(element, key) for element, key, _ in table.fields] == [
        ("BasisschemaXsdVersie", "basisschema_xsd_versie"),
        ("BerichtXsdVersie", "bericht_xsd_versie"),
    ]
    with pytest.raises(TypeError, match="basisschema_xsd_versi"):
        klasse(XsdVersie, BasisschemaXsdVersi=TEXT)
    with pytest.raises(TypeError, match="geboorte_datum"):
        klasse(
            Client,
            Geboortedatum=flat(Datum=("geboorte_datum", DATE), DatumGebruik=("datum_gebruik", OPT_TEXT)),
        )


def test_a_reader_is_compiled_once_and_shows_its_source() -> None:
    table = klasse(XsdVersie, BasisschemaXsdVersie=TEXT, BerichtXsdVersie=TEXT)
    read = reader(table)
    assert reader(table) is read
    source = inspect.getsource(read)  # what a traceback through the reader shows
    assert "'BerichtXsdVersie'" in source and "out['bericht_xsd_versie']" in source


def _doc(path: str, value: object) -> Doc:
    """A JW301 with one value the XSD would refuse, never XSD-checked."""
    return Doc(to_tree("JW301", edit(spec("JW301"), path, value)), BERICHTEN["JW301"])


@pytest.mark.parametrize(
    ("element", "value", "message"),
    [
        ("Toewijzingsdatum", "morgen", "Toewijzingsdatum is not a date"),
        # A no-break space is content, not XML whitespace: the XSD refuses the date, so does extraction.
        ("Toewijzingsdatum", "\u00a02026-11-02", "Toewijzingsdatum is not a date"),
        ("ToewijzingNummer", "12a", "ToewijzingNummer is not an integer"),
        ("Toewijzingstijd", "25:00:00", "Toewijzingstijd is not a time"),
    ],
)
def test_a_value_the_xsd_refuses_is_an_extract_error(element: str, value: str, message: str) -> None:
    with pytest.raises(ExtractError, match=message):
        extract(_doc(f"{PRODUCT}/{element}", value))


def test_xml_whitespace_around_a_date_is_collapsed() -> None:
    m = extract(_doc(f"{PRODUCT}/Toewijzingsdatum", " \t2026-11-02\r\n "))
    assert isinstance(m, Jw301)
    assert m.client.toegewezen_producten[0].toewijzingsdatum == date(2026, 11, 2)


def test_a_missing_required_element_is_named() -> None:
    with pytest.raises(ExtractError, match="required element XsdVersie is missing"):
        extract(_doc("Header/XsdVersie", None))


def test_an_element_no_field_reads_is_passed_over() -> None:
    doc = Doc(to_tree("JW301", spec("JW301")), BERICHTEN["JW301"])
    client = doc.first("Client")
    assert client is not None
    etree.SubElement(client, f"{{{BERICHTEN['JW301'].ns}}}Onbekend").text = "x"
    assert extract(Doc(doc.root, doc.info)) == extract(
        Doc(to_tree("JW301", spec("JW301")), BERICHTEN["JW301"])
    )
