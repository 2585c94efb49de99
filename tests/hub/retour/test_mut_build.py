"""build_retour: a given IdentificatieRetour, no XsltVersie below level 2, odd Headers and the tree path.

The Header-only writer must give the tree's bytes for any Header; a Header it cannot write (an attribute, an
element of another namespace) goes to the tree, which copies it unchanged (process.md 5.1).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from lxml import etree

from hub.ijw.catalog import BASIS_NS, BERICHTEN
from hub.ijw.doc import Doc, children, text
from hub.retour import build
from hub.retour.build import build_retour
from hub.rules.registry import Level, Violation
from hub.synth.berichten import spec
from hub.synth.build import to_tree, to_xml
from hub.validate import Validator, Verdict
from tests.hub.rules.stateful.jw323 import PRESTATIE, PRESTATIE_PATH, jw323, lijn
from tests.hub.rules.stateful.level3 import BSN

TODAY = date(2026, 11, 23)
VALIDATOR = Validator(clock=lambda: TODAY)
JW301_NS = BERICHTEN["JW301"].ns


def codes(el: etree._Element | None) -> list[str]:
    assert el is not None
    return [c.text or "" for c in children(children(el, "RetourCodes")[0], "RetourCode")]


def _retour(xml: bytes | None, bericht: str) -> Doc:
    assert xml is not None
    return Doc(etree.fromstring(xml), BERICHTEN[bericht])


# --- IdentificatieRetour and the verdict's shape ----------------------------------------------------


@pytest.mark.parametrize("bericht", ["JW301", "JW323"])
def test_a_given_identificatie_is_the_retours_own(bericht: str) -> None:
    verdict = VALIDATOR.validate(to_xml(bericht, spec(bericht)))
    retour_bericht = BERICHTEN[bericht].retour or ""
    retour = _retour(build_retour(verdict, dagtekening=TODAY, identificatie="EIGEN-ID-1"), retour_bericht)
    path = "Header/BerichtIdentificatie/Identificatie" if bericht == "JW323" else "Header/IdentificatieRetour"
    assert text(retour.first(path)) == "EIGEN-ID-1"
    # Without one, the stable derived identification.
    assert verdict.doc is not None
    derived = _retour(build_retour(verdict, dagtekening=TODAY), retour_bericht)
    assert text(derived.first(path)) == build.retour_identificatie(verdict.doc)


def test_a_verdict_without_message_info_gets_no_retour() -> None:
    verdict = VALIDATOR.validate(to_xml("JW301", spec("JW301")))
    assert build_retour(Verdict(None, (), verdict.doc), dagtekening=TODAY) is None


def test_a_header_finding_on_level_4_has_no_xsltversie() -> None:
    """TR135 (8848) is no XSLT finding: the Header-only retour carries its code, not the XSLT's version."""
    verdict = VALIDATOR.validate(to_xml("JW305", spec("JW305", dagtekening=date(2026, 11, 24))))
    assert verdict.level == Level.EXTERNAL
    retour = _retour(build_retour(verdict, dagtekening=TODAY), "JW306")
    assert codes(retour.first("Header")) == ["8848"]
    assert retour.first("Header/XsltVersie") is None


# --- whatever the Header, the retour is the tree's ---------------------------------------------------


def _tree_bytes(doc: Doc, codes: list[str]) -> bytes:
    retour = BERICHTEN["JW302"]
    tree = build._retour(doc, retour, "R0000000001", TODAY, codes, xslt=False, klasse_codes=None)
    return build._serialize(tree, retour)


def _attribute_on_berichtcode(header: etree._Element) -> None:
    header[0].set("extra", "1")


def _child_in_berichtcode(header: etree._Element) -> None:
    etree.SubElement(header[0], f"{{{JW301_NS}}}Binnen").text = "x"


def _attribute_on_afzender(header: etree._Element) -> None:
    header[3].set("extra", "1")


def _attribute_deep_inside(header: etree._Element) -> None:
    identificatie = header.find(f"{{{JW301_NS}}}BerichtIdentificatie/{{{BASIS_NS}}}Identificatie")
    assert identificatie is not None
    identificatie.set("extra", "1")


def _foreign_element(header: etree._Element) -> None:
    header.insert(3, etree.Element("{urn:example:ander}Vreemd"))
    header[3].text = "v"


def _foreign_element_deep_inside(header: etree._Element) -> None:
    bi = header.find(f"{{{JW301_NS}}}BerichtIdentificatie")
    assert bi is not None
    etree.SubElement(bi, "{urn:example:ander}Vreemd").text = "v"


@pytest.mark.parametrize(
    "odd",
    [
        _attribute_on_berichtcode,
        _child_in_berichtcode,
        _attribute_on_afzender,
        _attribute_deep_inside,
        _foreign_element,
        _foreign_element_deep_inside,
    ],
)
def test_an_odd_header_gives_the_trees_bytes(odd: Callable[[etree._Element], None]) -> None:
    root = to_tree("JW301", spec("JW301"))
    odd(root[0])
    doc = Doc(root, BERICHTEN["JW301"])
    xml = build_retour(Verdict(doc.info, (), doc), dagtekening=TODAY, identificatie="R0000000001")
    assert xml == _tree_bytes(doc, ["0200"])
    assert b'extra="1"' in xml or b"Vreemd" in xml or b"Binnen" in xml


def test_an_empty_header_element_is_written_as_the_tree_writes_it() -> None:
    root = to_tree("JW301", spec("JW301"))
    root[0][3].text = None  # Afzender, empty
    doc = Doc(root, BERICHTEN["JW301"])
    written = build._header_only(doc, BERICHTEN["JW302"], "R0000000001", TODAY, ["0200"], xslt=False)
    assert written is not None and written == _tree_bytes(doc, ["0200"])
    assert b"<jw302:Afzender/>" in written


def test_no_codes_are_written_as_the_tree_writes_them() -> None:
    doc = Doc(to_tree("JW301", spec("JW301")), BERICHTEN["JW301"])
    written = build._header_only(doc, BERICHTEN["JW302"], "R0000000001", TODAY, [], xslt=False)
    assert written is not None and written == _tree_bytes(doc, [])
    assert b"<jw302:RetourCodes/>" in written


# --- findings without a retourcode -------------------------------------------------------------------


def test_a_finding_without_retourcode_does_not_hide_the_codes_after_it() -> None:
    verdict = VALIDATOR.validate(to_xml("JW317", spec("JW317")))
    assert verdict.accepted and verdict.doc is not None
    client = verdict.doc.first("Client")
    found = (
        Violation("TR337", None, "/Bericht/Client", "no code", Level.STATEFUL, client),
        Violation("TR304", "8187", "/Bericht/Client", "x", Level.STATEFUL, client),
    )
    retour = _retour(build_retour(Verdict(verdict.info, found, verdict.doc), dagtekening=TODAY), "JW318")
    assert codes(retour.first("Header")) == ["0200"]
    assert codes(retour.first("Client")) == ["8187"]
    assert codes(retour.first("Client/Verzoek")) == ["0233"]


# --- JW325: its prefixes, and credit amounts -----------------------------------------------------------


def test_jw325_writes_the_prefixes_ijw_and_jw325() -> None:
    xml = build_retour(VALIDATOR.validate(to_xml("JW323", spec("JW323"))), dagtekening=TODAY)
    assert xml is not None
    root = etree.fromstring(xml)
    assert root.nsmap == {"ijw": BASIS_NS, "jw325": BERICHTEN["JW325"].ns}
    assert b"<jw325:Bericht " in xml and b"<ijw:Identificatie>" in xml


def _met_credit() -> tuple[Verdict, list[etree._Element]]:
    """A JW323 of a debet line of 1280,00 and a credit line of 1600,00: TotaalIngediendBedrag 320,00 credit."""
    s = jw323((BSN, [lijn("P1"), lijn("C1", volume=20, vorig="P0")]))
    assert s["Declaratie"]["TotaalIngediendBedrag"] == {"TotaalBedrag": 32000, "DebetCredit": "C"}
    verdict = VALIDATOR.validate(to_xml("JW323", s))
    assert verdict.accepted and verdict.doc is not None, verdict.errors
    return verdict, verdict.doc.all(PRESTATIE_PATH)


def _afgewezen(verdict: Verdict, prestatie: etree._Element) -> Doc:
    """The JW325 when a level-3 finding rejects this Prestatie; it passes the JW325's own rules (TR342)."""
    found = (Violation("TR346", "9346", PRESTATIE, "x", Level.STATEFUL, prestatie),)
    retour = _retour(build_retour(Verdict(verdict.info, found, verdict.doc), dagtekening=TODAY), "JW325")
    assert Validator(clock=lambda: TODAY).validate(etree.tostring(retour.root)).accepted
    return retour


def _totaal(retour: Doc, name: str) -> tuple[str | None, str | None]:
    el = retour.first(f"DeclaratieAntwoord/{name}")
    return text(el, "TotaalBedrag"), text(el, "DebetCredit")


def test_jw325_rejecting_the_debet_line_of_a_credit_total_grants_a_larger_credit() -> None:
    verdict, (debet, _) = _met_credit()
    retour = _afgewezen(verdict, debet)
    assert _totaal(retour, "TotaalIngediendBedrag") == ("32000", "C")
    assert _totaal(retour, "TotaalToegekendBedrag") == ("160000", "C")  # -320,00 - 1280,00
    returned = retour.all("DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie")
    assert [(text(p, "ProductReferentie/ReferentieNummer"), codes(p)) for p in returned] == [("P1", ["9346"])]


def test_jw325_rejecting_the_credit_line_grants_the_debet_line() -> None:
    verdict, (_, credit) = _met_credit()
    retour = _afgewezen(verdict, credit)
    assert _totaal(retour, "TotaalIngediendBedrag") == ("32000", "C")
    assert _totaal(retour, "TotaalToegekendBedrag") == ("128000", "D")  # -320,00 + 1600,00
    returned = retour.all("DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie")
    assert [text(p, "IngediendBedrag/DebetCredit") for p in returned] == ["C"]
