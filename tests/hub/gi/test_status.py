"""build_statusmelding writes a GI102 that is XSD-valid, passes its own rules and reads back to the same melding."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from hub.gi.catalog import GI_BERICHTEN
from hub.gi.codes import STATUS_HULP_GESTART, STATUS_NORM_OVERSCHREDEN, STATUS_TOEWIJZING_AFGEGEVEN
from hub.gi.extract import extract_gi
from hub.gi.models import Gi102, Statusmelding
from hub.gi.status import build_statusmelding, status_identificatie
from hub.ijw.doc import Doc
from hub.ijw.models import Product
from hub.rules.registry import iter_violations
from tests.hub.gi.helpers import CTX, schema

DAG = date(2026, 11, 20)

MELDINGEN = [
    Statusmelding(
        bepaling_id="B-1",
        status=STATUS_TOEWIJZING_AFGEGEVEN,
        status_datum=DAG,
        toewijzing_nummer=300201,
        aanbieder="12345678",
        product=Product(categorie="45", code="45A53"),
    ),
    Statusmelding(
        bepaling_id="B-1", status=STATUS_HULP_GESTART, status_datum=DAG, aanbieder="12345678", begindatum=DAG
    ),
    Statusmelding(
        bepaling_id="B-2", status=STATUS_NORM_OVERSCHREDEN, status_datum=DAG, toelichting="Geen start."
    ),
]


@pytest.mark.parametrize("melding", MELDINGEN, ids=lambda m: m.status)
def test_statusmelding_round_trip(melding: Statusmelding) -> None:
    xml = build_statusmelding(melding, gemeente="0200", gi="87654321", dagtekening=DAG)
    root = etree.fromstring(xml)
    assert schema("GI102").validate(root), schema("GI102").error_log
    d = Doc(root, GI_BERICHTEN["GI102"])
    assert list(iter_violations(d, CTX)) == []
    m = extract_gi(d)
    assert isinstance(m, Gi102)
    assert m.statusmelding == melding
    assert (m.header.afzender, m.header.ontvanger, m.header.bericht_code) == ("0200", "87654321", "912")


def test_identificatie_is_stable_and_distinct_per_status() -> None:
    ids = set()
    for melding in MELDINGEN:
        one = build_statusmelding(melding, gemeente="0200", gi="87654321", dagtekening=DAG)
        two = build_statusmelding(melding, gemeente="0200", gi="87654321", dagtekening=DAG)
        assert one == two
        ids.add(etree.fromstring(one).findtext(".//{*}Identificatie"))
    assert len(ids) == len(MELDINGEN)


def test_identificatie_fills_the_twelve_characters_of_ldt_identificatiebericht() -> None:
    # 12 characters is the most LDT_IdentificatieBericht allows; every one of them keeps ids apart.
    ids = {status_identificatie("87654321", melding) for melding in MELDINGEN}
    assert len(ids) == len(MELDINGEN)
    assert all(len(i) == 12 and i.startswith("S") for i in ids)
