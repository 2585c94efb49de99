"""What the mutation pass over hub/ijw/catalog.py found unpinned: directions, senders and retour classes."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from hub.gi.catalog import GI_BERICHTEN, gi_ns
from hub.ijw.catalog import BERICHTEN, BY_NS, HEENBERICHTEN, verzender
from hub.reference.producten import Productcodes
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.topics import inbound_key
from hub.validate import Validator
from tests.hub.retour.test_build import TODAY, answer, codes

XSD_DIR = Path(__file__).resolve().parents[3] / "schemas" / "ijw" / "3.2"
XS = "{http://www.w3.org/2001/XMLSchema}"
RETOUREN = ("JW302", "JW306", "JW308", "JW316", "JW318", "JW320")


def header_afzender_type(bericht: str) -> str:
    """The type the message's own XSD gives Header/Afzender: a gemeente code or an AGB code."""
    root = etree.parse(str(XSD_DIR / f"{bericht.lower()}.xsd")).getroot()
    (el,) = [e for e in root.iter(f"{XS}element") if e.get("name") == "Afzender"]
    return el.get("type", "")


@pytest.mark.parametrize("bericht", sorted(BERICHTEN))
def test_afzender_direction_agrees_with_the_xsd(bericht: str) -> None:
    """info.afzender decides which header code is the gemeente (pair key, events); the XSD is the authority.
    A retour copies its heenbericht's Afzender, so a JW302 still has the gemeente as Afzender."""
    van_gemeente = header_afzender_type(bericht) == "ijw:LDT_Gemeente"
    assert (BERICHTEN[bericht].afzender == "gemeente") is van_gemeente


def test_a_jw302_is_keyed_by_gemeente_then_aanbieder() -> None:
    """The aanbieder sends the JW302, but its Header still names the gemeente as Afzender."""
    assert inbound_key(BERICHTEN["JW302"], "0363", "12345678") == "0363:12345678"
    assert inbound_key(BERICHTEN["JW305"], "12345678", "0363") == "0363:12345678"


def test_the_ontvanger_sends_a_retour_and_the_afzender_everything_else() -> None:
    assert {b: verzender(b) for b in RETOUREN} == dict.fromkeys(RETOUREN, "Ontvanger")
    for bericht in (*HEENBERICHTEN, *GI_BERICHTEN, None, "JW999"):
        assert verzender(bericht) == "Afzender", bericht


def test_heenberichten_are_judged_beyond_the_xsd_jw325_included() -> None:
    assert HEENBERICHTEN == ("JW301", "JW305", "JW307", "JW315", "JW317", "JW319", "JW323", "JW325")
    assert not BERICHTEN["JW325"].is_retour
    assert all(BERICHTEN[r].is_retour for r in RETOUREN)


def test_gi_messages_are_found_by_their_namespace() -> None:
    """parse identifies a message by its namespace: the GI's must be in BY_NS beside the iJw ones."""
    for bericht, info in GI_BERICHTEN.items():
        assert BY_NS[gi_ns(bericht)] is info
    assert BY_NS[BERICHTEN["JW301"].ns] is BERICHTEN["JW301"]


@pytest.mark.parametrize(
    ("bericht", "klasse"),
    [
        ("JW305", "Client/StartProducten/StartProduct"),
        ("JW307", "Client/StopProducten/StopProduct"),
        ("JW315", "Client/AangevraagdeProducten/AangevraagdProduct"),
    ],
)
def test_a_rejected_product_is_returned_with_its_own_code(bericht: str, klasse: str) -> None:
    """An empty product code list fails TR381 on every product with a code (the first one): the retour carries
    the client with S329 on that product class (its retour's classes must be known for this)."""
    validator = Validator(clock=lambda: TODAY, productcodes=Productcodes.landelijk(()))
    verdict, retour = answer(to_xml(bericht, spec(bericht)), validator)
    assert {v.rule for v in verdict.errors} == {"TR381"}
    assert codes(retour.first("Header")) == ["0200"]
    assert codes(retour.first("Client")) == ["0200"]
    assert codes(retour.first(klasse)) == ["S329"]
