"""Retourberichten have the shape the control level prescribes, and are valid against our own XSDs."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc, children, text
from hub.ijw.schema import SchemaSet
from hub.reference.producten import Productcodes
from hub.reference.tarieven import Tarieven
from hub.retour.build import build_retour, retour_identificatie
from hub.rules.registry import Level, Violation
from hub.synth.berichten import HEENBERICHTEN, prestaties_van, spec
from hub.synth.build import edit, to_xml
from hub.validate import Validator, Verdict

TODAY = date(2026, 11, 23)
SCHEMAS = SchemaSet()
ANSWERED = [b for b in HEENBERICHTEN if BERICHTEN[b].retour]  # JW325 has no retour


def answer(data: bytes, validator: Validator | None = None) -> tuple[Verdict, Doc]:
    verdict = (validator or Validator(clock=lambda: TODAY)).validate(data)
    xml = build_retour(verdict, dagtekening=TODAY)
    assert xml is not None
    assert verdict.info is not None and verdict.info.retour is not None
    root = etree.fromstring(xml)
    retour = BERICHTEN[verdict.info.retour]
    assert SCHEMAS.validate(retour.bericht, root) == [], xml.decode()
    return verdict, Doc(root, retour)


def codes(el: etree._Element | None) -> list[str]:
    assert el is not None
    return [c.text or "" for c in children(children(el, "RetourCodes")[0], "RetourCode")]


@pytest.mark.parametrize("bericht", ANSWERED)
def test_accepted_message_gets_0200_on_the_header_only(bericht: str) -> None:
    verdict, retour = answer(to_xml(bericht, spec(bericht)))
    assert verdict.accepted
    assert codes(retour.first("Header")) == ["0200"]
    assert retour.first("Header/XsltVersie") is None
    if bericht == "JW323":  # fully granted: DeclaratieAntwoord 8001, totals equal
        assert codes(retour.first("DeclaratieAntwoord")) == ["8001"]
        assert text(retour.first("DeclaratieAntwoord/TotaalToegekendBedrag/TotaalBedrag")) == text(
            retour.first("DeclaratieAntwoord/TotaalIngediendBedrag/TotaalBedrag")
        )
    else:
        assert retour.first("Client") is None and retour.first("Antwoord") is None


@pytest.mark.parametrize("bericht", ANSWERED)
def test_retour_header_repeats_the_heenbericht_header(bericht: str) -> None:
    s = spec(bericht, identificatie="ID-42")
    _, retour = answer(to_xml(bericht, s))
    if bericht == "JW323":
        assert text(retour.first("Header/DeclaratieIdentificatie/Identificatie")) == "ID-42"
        assert text(retour.first("Header/Afzender")) == s["Header"]["Ontvanger"]
    else:
        assert text(retour.first("Header/BerichtIdentificatie/Identificatie")) == "ID-42"
        assert text(retour.first("Header/Afzender")) == s["Header"]["Afzender"]
        assert text(retour.first("Header/DagtekeningRetour")) == TODAY.isoformat()
    assert text(retour.first("Header/BerichtCode")) == BERICHTEN[BERICHTEN[bericht].retour or ""].code


def level2_breaker(bericht: str) -> bytes:
    """A message that breaks one in-message rule (CS002, or CD085 for a JW319)."""
    s = spec(bericht)
    if bericht == "JW319":
        s = edit(s, "Antwoord/VerzoekAntwoord", "1")
        s = edit(s, "Antwoord/RedenAfwijzingVerzoek", None)
    elif bericht == "JW323":
        s = edit(s, "Declaratie/Clienten/Client/Bsn", "123456789")
    else:
        s = edit(s, "Client/Bsn", "123456789")
    return to_xml(bericht, s)


@pytest.mark.parametrize("bericht", ANSWERED)
def test_in_message_rule_gives_header_only_0001_with_xsltversie(bericht: str) -> None:
    verdict, retour = answer(level2_breaker(bericht))
    assert verdict.level == Level.XSLT
    assert codes(retour.first("Header")) == ["0001"]
    assert text(retour.first("Header/XsltVersie")) is not None
    assert retour.first("Client") is None and retour.first("DeclaratieAntwoord") is None


@pytest.mark.parametrize("bericht", ANSWERED)
def test_future_dagtekening_gives_header_only_8848(bericht: str) -> None:
    verdict, retour = answer(to_xml(bericht, spec(bericht, dagtekening=date(2026, 11, 24))))
    assert [v.rule for v in verdict.errors] == ["TR135"]
    assert codes(retour.first("Header")) == ["8848"]
    assert retour.first("Client") is None and retour.first("DeclaratieAntwoord") is None


@pytest.mark.parametrize("bericht", ANSWERED)
def test_unknown_gemeente_gives_header_only_s300(bericht: str) -> None:
    verdict, retour = answer(to_xml(bericht, spec(bericht, gemeente="9999")))
    assert [v.rule for v in verdict.errors] == ["TR378"]
    assert codes(retour.first("Header")) == ["S300"]


def test_class_error_returns_the_client_with_codes_on_every_class() -> None:
    """TR381 on the second product: Header 0200, Client 0200, that product S329, the others 0200."""
    s = spec("JW301")
    first = s["Client"]["ToegewezenProducten"]["ToegewezenProduct"][0]["Product"]
    validator = Validator(
        clock=lambda: TODAY, productcodes=Productcodes.landelijk({(first["Categorie"], first["Code"])})
    )
    s = edit(s, "Client/ToegewezenProducten/ToegewezenProduct[2]/Product/Code", "99X99")
    s = edit(
        s,
        "Client/ToegewezenProducten/ToegewezenProduct[2]/Omvang",
        {"Volume": 4, "Eenheid": "04", "Frequentie": "2"},
    )
    verdict, retour = answer(to_xml("JW301", s), validator)
    assert [v.rule for v in verdict.errors] == ["TR381"], verdict.errors
    assert codes(retour.first("Header")) == ["0200"]
    assert codes(retour.first("Client")) == ["0200"]
    producten = retour.all("Client/ToegewezenProducten/ToegewezenProduct")
    assert [codes(p) for p in producten] == [["0200"], ["S329"]]
    assert all(codes(c) == ["0200"] for c in retour.all("Client/Contactgegevens/Contact"))


def test_rejected_class_marks_the_classes_below_it_not_assessed() -> None:
    """A stateful finding on the Client (e.g. TR304, 8187): its classes below get 0233."""
    validator = Validator(clock=lambda: TODAY)
    verdict = validator.validate(to_xml("JW317", spec("JW317")))
    assert verdict.accepted and verdict.doc is not None
    client = verdict.doc.first("Client")
    rejected = Verdict(
        verdict.info,
        (Violation("TR304", "8187", "/Bericht/Client", "x", Level.STATEFUL, client),),
        verdict.doc,
    )
    xml = build_retour(rejected, dagtekening=TODAY)
    assert xml is not None
    root = etree.fromstring(xml)
    assert SCHEMAS.validate("JW318", root) == []
    retour = Doc(root, BERICHTEN["JW318"])
    assert codes(retour.first("Client")) == ["8187"]
    assert codes(retour.first("Client/Verzoek")) == ["0233"]
    below = (
        retour.all("Client/Verzoek/OngewijzigdeProducten/OngewijzigdProduct")
        + retour.all("Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct")
        + retour.all("Client/Verzoek/NieuweProducten/NieuwProduct")
    )
    assert below and all(codes(p) == ["0233"] for p in below)


def test_woonplaatsbeginsel_with_unknown_gemeente_is_returned_on_that_class() -> None:
    s = spec("JW319")
    s = edit(s, "Antwoord/VerzoekAntwoord", "1")
    s = edit(s, "Antwoord/RedenAfwijzingVerzoek", "8")
    s = edit(s, "Antwoord/Woonplaatsbeginsel", {"Gemeente": "9998"})
    verdict, retour = answer(to_xml("JW319", s))
    assert [v.rule for v in verdict.errors] == ["TR378"]
    assert codes(retour.first("Header")) == ["0200"]
    assert codes(retour.first("Antwoord")) == ["0200"]
    assert codes(retour.first("Antwoord/Woonplaatsbeginsel")) == ["S300"]


def test_declaratie_antwoord_rejects_one_prestatie_and_grants_the_rest() -> None:
    """TR418 on one Prestatie: JW325 returns it with 0611, totals satisfy TR342, and the JW325 validates."""
    s = spec("JW323")
    prestaties = [p for _, p in prestaties_van(s["Declaratie"])]
    tarieven = {p["ProductCode"]: int(p["ProductTarief"]) for p in prestaties if p.get("ProductTarief")}
    code = next(iter(tarieven))
    tarieven[code] += 1
    validator = Validator(clock=lambda: TODAY, tarieven=Tarieven.per_code(tarieven))
    verdict, retour = answer(to_xml("JW323", s), validator)
    assert {v.rule for v in verdict.errors} == {"TR418"}
    assert codes(retour.first("Header")) == ["0200"]
    assert codes(retour.first("DeclaratieAntwoord")) == ["0200"]
    returned = retour.all("DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie")
    assert returned and all(codes(p) == ["0611"] for p in returned)
    assert all(text(p, "ProductCode") == code for p in returned)
    jw325 = etree.tostring(retour.root)
    assert Validator(clock=lambda: TODAY).validate(jw325).accepted  # TR342 and every other rule hold


def test_declaratie_antwoord_rejects_a_prestatie_whose_amount_is_not_volume_x_tarief() -> None:
    """TR346 on one Prestatie: JW325 returns only that line with 9346 and grants the other (TR342 holds)."""
    s = spec("JW323")
    eerste, tweede = (p for _, p in prestaties_van(s["Declaratie"]))
    eerste["IngediendBedrag"]["Bedrag"] += 1
    s["Declaratie"]["TotaalIngediendBedrag"]["TotaalBedrag"] += 1  # TR358 (level 2) still holds
    verdict, retour = answer(to_xml("JW323", s))
    assert [(v.rule, v.retourcode) for v in verdict.errors] == [("TR346", "9346")]
    assert codes(retour.first("DeclaratieAntwoord")) == ["0200"]
    returned = retour.all("DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie")
    assert [(text(p, "ProductReferentie/ReferentieNummer"), codes(p)) for p in returned] == [
        (eerste["ProductReferentie"]["ReferentieNummer"], ["9346"])
    ]
    toegekend = int(text(retour.first("DeclaratieAntwoord/TotaalToegekendBedrag/TotaalBedrag")) or "")
    assert toegekend == tweede["IngediendBedrag"]["Bedrag"]
    assert Validator(clock=lambda: TODAY).validate(etree.tostring(retour.root)).accepted


def test_xsd_invalid_message_gets_no_retour() -> None:
    verdict = Validator(clock=lambda: TODAY).validate(
        to_xml("JW305", edit(spec("JW305"), "Client/Bsn", "12"))
    )
    assert verdict.outcome == "malformed"
    assert build_retour(verdict, dagtekening=TODAY) is None


def test_retour_identificatie_is_stable_for_a_redelivery() -> None:
    data = to_xml("JW305", spec("JW305"))
    v = Validator(clock=lambda: TODAY)
    assert build_retour(v.validate(data), dagtekening=TODAY) == build_retour(
        v.validate(data), dagtekening=TODAY
    )


def test_the_retour_identificatie_is_12_characters_and_the_same_for_a_redelivery() -> None:
    """IdentificatieRetour: stable per heenbericht (a redelivered message gets the same retour), 12 characters."""
    eerste, _ = answer(to_xml("JW301", spec("JW301")))
    nog_eens, _ = answer(to_xml("JW301", spec("JW301")))
    ander, _ = answer(to_xml("JW301", spec("JW301", identificatie="ANDER1")))
    assert eerste.doc is not None and nog_eens.doc is not None and ander.doc is not None
    ident = retour_identificatie(eerste.doc)
    assert len(ident) == 12 and ident.startswith("R") and ident.isalnum()
    assert retour_identificatie(nog_eens.doc) == ident
    assert retour_identificatie(ander.doc) != ident
