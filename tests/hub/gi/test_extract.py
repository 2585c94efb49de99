"""Typed models of the GI messages: every default message reads into its model with the values it was built from."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree

from hub.gi.build import to_tree
from hub.gi.catalog import GI_BERICHTEN
from hub.gi.extract import extract_gi
from hub.gi.models import Gi001, Gi002, Gi003, Gi102
from hub.gi.synth import BEPALING_ID, MAATREGEL_ID, spec
from hub.ijw.doc import Doc
from hub.ijw.extract import ExtractError
from hub.synth.berichten import DEFAULT_DAGTEKENING
from hub.synth.build import edit
from tests.hub.gi.helpers import doc


def test_gi001() -> None:
    s = spec("GI001")
    m = extract_gi(doc("GI001", s))
    assert isinstance(m, Gi001)
    assert m.header.afzender == "87654321" and m.header.dagtekening == DEFAULT_DAGTEKENING
    assert m.client.bsn == s["Client"]["Bsn"]
    (b,) = m.client.bepalingen
    assert (b.bepaling_id, b.maatregel.maatregel_id, b.maatregel.maatregel_type) == (
        BEPALING_ID,
        MAATREGEL_ID,
        "02",
    )
    assert (b.product.categorie, b.product.code, b.status_aanlevering) == ("45", "45A53", "1")
    assert b.omvang is not None and b.omvang.volume == 4


def test_gi002_dates_may_be_absent() -> None:
    s = edit(spec("GI002"), "Client/Maatregelen/Maatregel[1]/DatumGedragenKoers", None)
    m = extract_gi(doc("GI002", s))
    assert isinstance(m, Gi002)
    (maatregel,) = m.client.maatregelen
    assert maatregel.datum_gedragen_koers is None and maatregel.datum_uitspraak is not None


def test_gi003_fte_is_exact() -> None:
    m = extract_gi(doc("GI003", edit(spec("GI003"), "Capaciteiten/Capaciteit[1]/Jeugdbeschermers", "12.05")))
    assert isinstance(m, Gi003)
    assert m.capaciteiten[0].jeugdbeschermers == Decimal("12.05") and m.capaciteiten[0].caseload == 610


def test_gi102() -> None:
    m = extract_gi(doc("GI102", spec("GI102")))
    assert isinstance(m, Gi102)
    assert m.header.afzender == "0200" and m.statusmelding.toewijzing_nummer == 300201


def test_missing_required_element_is_an_extract_error() -> None:
    root = etree.fromstring(b'<g:Bericht xmlns:g="https://ijw-hub.nl/gi/1.0/gi003/schema"/>')
    with pytest.raises(ExtractError):
        extract_gi(Doc(root, GI_BERICHTEN["GI003"]))


def test_a_missing_repeat_reads_as_none_of_its_parts() -> None:
    """Bepalingen is required; with the XSD check skipped a GI001 without it reads as no bepalingen."""
    tree = to_tree("GI001", edit(spec("GI001"), "Client/Bepalingen", None))
    m = extract_gi(Doc(tree, GI_BERICHTEN["GI001"]))
    assert isinstance(m, Gi001) and m.client.bepalingen == ()
