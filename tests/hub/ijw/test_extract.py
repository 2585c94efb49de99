"""extract(): every iJw 3.2 message read into its typed model, from messages written by our builders."""

from __future__ import annotations

from datetime import date, time
from functools import cache
from typing import Any

import pytest
from lxml import etree
from pydantic import TypeAdapter, ValidationError

from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc
from hub.ijw.extract import ExtractError, extract
from hub.ijw.models import (
    Achternaam,
    Adres,
    Antwoord,
    Bericht,
    Contact,
    Huis,
    Jw301,
    Jw302,
    Jw305,
    Jw306,
    Jw307,
    Jw308,
    Jw315,
    Jw316,
    Jw317,
    Jw318,
    Jw319,
    Jw320,
    Jw323,
    Jw325,
    Naam,
    NieuwProduct,
    Omvang,
    OngewijzigdProduct,
    OpenPeriode,
    Product,
    Relatie,
    RetourHeader,
    StartClient,
    StartProduct,
    StopClient,
    StopProduct,
    Telefoon,
    TeWijzigenProduct,
    ToegewezenProduct,
    ToewijzingClient,
    VerzoekToewijzingClient,
    VerzoekWijzigingClient,
    Woonplaatsbeginsel,
    XsdVersie,
)
from hub.ijw.structure import SCHEMA_DIR
from hub.synth import berichten
from hub.synth.build import Spec, edit, to_tree

DAG = berichten.DEFAULT_DAGTEKENING
RETOUR_DAG = date(2026, 11, 4)
BSN = "999990019"  # test range; retour specs are written here, not drawn from the person generator


@cache
def _schema(bericht: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / f"{bericht.lower()}.xsd")))


def _doc(bericht: str, spec: Spec) -> Doc:
    """The message as a Doc, checked against our XSD first: extract() is only promised schema-valid input."""
    root = to_tree(bericht, spec)
    _schema(bericht).assertValid(root)
    return Doc(root, BERICHTEN[bericht])


def _extract(bericht: str, spec: Spec) -> Any:
    return extract(_doc(bericht, spec))


# ---- heenberichten from the default specs --------------------------------------------------------------


def test_jw301_header_client_and_products() -> None:
    spec = berichten.spec("JW301")
    m = _extract("JW301", spec)
    assert isinstance(m, Jw301)
    h = m.header
    assert (h.bericht_code, h.bericht_versie, h.bericht_subversie) == ("436", 3, 2)
    assert (h.afzender, h.ontvanger) == ("0200", "12345678")  # leading zero of the gemeente code kept
    assert (h.identificatie, h.dagtekening) == ("JW301261102", DAG)
    assert h.xsd_versie == XsdVersie(basisschema_xsd_versie="1.0.0", bericht_xsd_versie="1.0.0")

    c = m.client
    sc = spec["Client"]
    assert (c.bsn, c.geboortedatum, c.datum_gebruik, c.geslacht) == (
        sc["Bsn"],
        sc["Geboortedatum"]["Datum"],
        None,
        sc["Geslacht"],
    )
    assert c.naam.geslachtsnaam.achternaam == sc["Naam"]["Geslachtsnaam"]["Achternaam"]
    assert (c.naam.partnernaam, c.naam.naam_gebruik) == (None, "1")
    assert (c.communicatie, c.juridische_status, c.commentaar, c.retour_codes) == (None, None, None, ())

    [p1, p2] = c.toegewezen_producten
    assert p1 == ToegewezenProduct(
        toewijzing_nummer=300201,
        product=Product(categorie="45", code="45A53"),
        toewijzingsdatum=DAG,
        toewijzingstijd=time(10, 0),
        ingangsdatum=date(2026, 10, 1),
        einddatum=date(2027, 3, 31),
        omvang=Omvang(volume=4, eenheid="04", frequentie="2"),
    )
    assert (p2.toewijzing_nummer, p2.product, p2.omvang, p2.budget) == (
        300202,
        Product(categorie="43", code=None),
        None,
        None,
    )


def test_jw301_relaties_and_contactgegevens() -> None:
    spec = berichten.spec("JW301")
    c = _extract("JW301", spec).client
    [relatie] = c.relaties
    sr = spec["Client"]["Relaties"]["Relatie"][0]
    assert (relatie.nummer, relatie.volgorde, relatie.soort) == ("1", 1, "10")
    assert (relatie.geboortedatum, relatie.geslacht) == (sr["Geboortedatum"]["Datum"], sr["Geslacht"])
    assert relatie.contact == Contact(
        soort="02", telefoon=(Telefoon(telefoonnummer="0551234567", landnummer="0031"),)
    )
    [contact] = c.contactgegevens
    assert contact.soort == "01"
    assert contact.adres == Adres(
        huis=Huis(huisnummer=12),
        postcode="7311AB",
        straatnaam="Proefstraat",
        plaatsnaam="Apeldoorn",
        land_code="NL",
    )
    assert (contact.telefoon, contact.periode) == ((), None)


def test_jw301_optional_elements_when_filled() -> None:
    spec = berichten.spec("JW301")
    for path, value in {
        "Client/Geboortedatum/DatumGebruik": "2",
        "Client/Communicatie": {"Vorm": "2", "Taal": "Fries"},
        "Client/JuridischeStatus": "01",
        "Client/WettelijkeVertegenwoordiging": "06",
        "Client/Naam/Partnernaam": {"Achternaam": "Nepstra", "Voorvoegsel": "de"},
        "Client/ToegewezenProducten/ToegewezenProduct[2]/Budget": "0025000",
        "Client/ToegewezenProducten/ToegewezenProduct[2]/RedenWijziging": "01",
        "Client/ToegewezenProducten/ToegewezenProduct[2]/Toewijzingstijd": "23:59:30.25",
        "Client/ToegewezenProducten/ToegewezenProduct[2]/ToewijzingNummer": "+000042",
        "Client/Contactgegevens/Contact[1]/Periode": {"Begindatum": "2026-01-01"},
    }.items():
        spec = edit(spec, path, value)
    c = _extract("JW301", spec).client
    assert c.datum_gebruik == "2"
    assert (c.communicatie.vorm, c.communicatie.taal) == ("2", "Fries")
    assert (c.juridische_status, c.wettelijke_vertegenwoordiging) == ("01", "06")
    assert c.naam.partnernaam == Achternaam(achternaam="Nepstra", voorvoegsel="de")
    p2 = c.toegewezen_producten[1]
    assert (p2.budget, p2.reden_wijziging, p2.toewijzing_nummer) == (25000, "01", 42)
    assert p2.toewijzingstijd == time(23, 59, 30, 250000)
    assert c.contactgegevens[0].periode == OpenPeriode(begindatum=date(2026, 1, 1))


def test_whitespace_the_xsd_allows_is_collapsed() -> None:
    spec = berichten.spec("JW301")
    product = "Client/ToegewezenProducten/ToegewezenProduct[1]"
    spec = edit(spec, f"{product}/Commentaar", "  twee\n   regels ")
    spec = edit(spec, f"{product}/Einddatum", " 2027-03-31\n")  # xs:date collapses whitespace
    spec = edit(spec, f"{product}/Toewijzingstijd", "24:00:00")  # xs:time's other spelling of midnight
    p = _extract("JW301", spec).client.toegewezen_producten[0]
    assert (p.commentaar, p.einddatum, p.toewijzingstijd) == ("twee regels", date(2027, 3, 31), time(0, 0))


def test_jw305_start_products_in_order() -> None:
    spec = berichten.spec("JW305")
    m = _extract("JW305", spec)
    assert isinstance(m, Jw305)
    assert (m.header.bericht_code, m.header.afzender, m.header.ontvanger) == ("438", "12345678", "0200")
    assert m.client.naam.naam_gebruik is None  # CDT_VerkorteNaam has none
    assert m.client.start_producten == (
        StartProduct(
            toewijzing_nummer=300201,
            product=Product(categorie="45", code="45A53"),
            toewijzing_ingangsdatum=date(2026, 10, 1),
            begindatum=date(2026, 10, 1),
            status_aanlevering="1",
        ),
        StartProduct(
            toewijzing_nummer=300202,
            product=Product(categorie="43"),
            toewijzing_ingangsdatum=date(2026, 10, 1),
            begindatum=date(2026, 10, 1),
            status_aanlevering="1",
        ),
    )


def test_jw305_without_toewijzing_nummer() -> None:
    spec = edit(berichten.spec("JW305"), "Client/StartProducten/StartProduct[1]/ToewijzingNummer", None)
    p = _extract("JW305", spec).client.start_producten[0]
    assert p.toewijzing_nummer is None
    assert p.product == Product(categorie="45", code="45A53")


def test_jw307_stop_product() -> None:
    spec = edit(berichten.spec("JW307"), "Client/StopProducten/StopProduct[1]/RedenBeeindiging", "02")
    m = _extract("JW307", spec)
    assert isinstance(m, Jw307)
    assert m.header.bericht_code == "440"
    assert m.client.stop_producten == (
        StopProduct(
            toewijzing_nummer=300201,
            product=Product(categorie="45", code="45A53"),
            toewijzing_ingangsdatum=date(2026, 10, 1),
            begindatum=date(2026, 10, 1),
            reden_beeindiging="02",
            einddatum=date(2026, 10, 31),
            status_aanlevering="1",
        ),
    )


def test_jw315_aangevraagde_producten() -> None:
    spec = berichten.spec("JW315")
    m = _extract("JW315", spec)
    assert isinstance(m, Jw315)
    assert (m.client.gezagsdrager_bekend, m.client.commentaar) == ("1", None)
    [a, b] = m.client.aangevraagde_producten
    assert (a.referentie_aanbieder, a.product, a.omvang) == (
        "VOT20261102A",
        Product(categorie="45", code="45A53"),
        Omvang(volume=4, eenheid="04", frequentie="2"),
    )
    assert (a.toewijzing_ingangsdatum, a.toewijzing_einddatum) == (date(2026, 12, 1), date(2027, 5, 31))
    assert (a.beschikking_nummer, a.budget, a.raamcontract) == (None, None, None)
    assert (a.verwijzer.type, a.verwijzer.zorgverlener_code, a.verwijzer.naam) == ("04", "87654321", None)
    assert (b.beschikking_nummer, b.beschikking_ingangsdatum, b.budget) == (
        20260001,
        date(2026, 12, 1),
        250000,
    )
    assert (b.verwijzer.type, b.verwijzer.naam) == ("02", "Huisartsenpraktijk De Proeftuin")


def test_jw317_verzoek_om_wijziging() -> None:
    m = _extract("JW317", berichten.spec("JW317"))
    assert isinstance(m, Jw317)
    v = m.client.verzoek
    assert (v.referentie_aanbieder, v.reden_verzoek) == ("VOW20261102", "2")
    assert v.ongewijzigde_producten == (OngewijzigdProduct(toewijzing_nummer=300202),)
    assert v.te_wijzigen_producten == (
        TeWijzigenProduct(
            toewijzing_nummer=300201,
            gewenste_ingangsdatum=date(2026, 12, 1),
            einddatum=date(2027, 3, 31),
            omvang=Omvang(volume=6, eenheid="04", frequentie="2"),
        ),
    )
    assert v.nieuwe_producten == (
        NieuwProduct(
            product=Product(categorie="45", code="45A54"),
            gewenste_ingangsdatum=date(2026, 12, 1),
            einddatum=date(2027, 3, 31),
            omvang=Omvang(volume=2, eenheid="04", frequentie="2"),
        ),
    )


def test_jw317_absent_product_lists_are_empty() -> None:
    spec = edit(berichten.spec("JW317"), "Client/Verzoek/OngewijzigdeProducten", None)
    spec = edit(spec, "Client/Verzoek/NieuweProducten", None)
    v = _extract("JW317", spec).client.verzoek
    assert (v.ongewijzigde_producten, v.nieuwe_producten) == ((), ())
    assert len(v.te_wijzigen_producten) == 1


def test_jw319_antwoord() -> None:
    m = _extract("JW319", berichten.spec("JW319"))
    assert isinstance(m, Jw319)
    assert m.antwoord == Antwoord(
        referentie_aanbieder="VOT20261102A", verzoek_antwoord="1", reden_afwijzing_verzoek="4"
    )
    spec = edit(berichten.spec("JW319"), "Antwoord/RedenAfwijzingVerzoek", "8")
    spec = edit(spec, "Antwoord/Woonplaatsbeginsel", {"Gemeente": "0014"})
    assert _extract("JW319", spec).antwoord.woonplaatsbeginsel == Woonplaatsbeginsel(gemeente="0014")


def test_jw323_declaratie() -> None:
    spec = berichten.spec("JW323")
    m = _extract("JW323", spec)
    assert isinstance(m, Jw323)
    d = m.declaratie
    assert (d.declaratie_nummer, d.declaratie_dagtekening) == ("D202610001", DAG)
    assert (d.declaratie_periode.begindatum, d.declaratie_periode.einddatum) == (
        date(2026, 10, 1),
        date(2026, 10, 31),
    )
    assert (d.totaal_ingediend_bedrag.totaal_bedrag, d.totaal_ingediend_bedrag.debet_credit) == (593000, "D")
    [client] = d.clienten
    assert client.bsn == spec["Declaratie"]["Clienten"]["Client"][0]["Bsn"]
    [p1, p2] = client.prestaties
    assert (p1.product_referentie.referentie_nummer, p1.product_referentie.vorig_referentie_nummer) == (
        "P300201202610",
        None,
    )
    assert (p1.toewijzing_nummer, p1.product_categorie, p1.product_code) == (300201, "45", "45A53")
    assert (p1.geleverd_volume, p1.eenheid, p1.product_tarief) == (16, "04", 8000)
    assert (p1.ingediend_bedrag.bedrag, p1.ingediend_bedrag.debet_credit) == (128000, "D")
    assert (p2.product_code, p2.eenheid, p2.geleverd_volume) == ("43A12", "14", 31)
    assert p1.retour_codes == ()


def test_jw325_fully_granted() -> None:
    m = _extract("JW325", berichten.spec("JW325"))
    assert isinstance(m, Jw325)
    h = m.header
    assert (h.bericht_code, h.afzender, h.ontvanger, h.identificatie) == (
        "491",
        "0200",
        "12345678",
        "JW325261102",
    )
    assert (h.declaratie_identificatie, h.declaratie_dagtekening) == ("JW323261102", DAG)
    assert (h.xslt_versie, h.retour_codes) == (None, ("0200",))
    assert h.xsd_versie_declaratie == XsdVersie(basisschema_xsd_versie="1.0.0", bericht_xsd_versie="1.0.0")
    a = m.declaratie_antwoord
    assert a is not None
    assert (a.declaratie_nummer, a.clienten, a.retour_codes) == ("D202610001", (), ("8001",))
    assert a.totaal_toegekend_bedrag.totaal_bedrag == 593000


def test_jw325_rejected_prestatie_carries_its_codes() -> None:
    jw323 = berichten.spec("JW323")
    spec = berichten.declaratie_antwoord(
        jw323, dagtekening=DAG, identificatie="A1", afgewezen={"P300202202610": "9411"}
    )
    a = _extract("JW325", spec).declaratie_antwoord
    assert (a.retour_codes, a.totaal_toegekend_bedrag.totaal_bedrag) == (("0200",), 128000)
    [client] = a.clienten
    assert client.retour_codes == ("0200",)
    [p] = client.prestaties
    assert (p.product_referentie.referentie_nummer, p.retour_codes) == ("P300202202610", ("9411",))


def test_jw325_header_only() -> None:
    spec = edit(berichten.spec("JW325"), "DeclaratieAntwoord", None)
    spec = edit(spec, "Header/RetourCodes", {"RetourCode": "0001"})
    spec = edit(spec, "Header/XsltVersie", "2.10.5")
    m = _extract("JW325", spec)
    assert (m.declaratie_antwoord, m.header.retour_codes, m.header.xslt_versie) == (None, ("0001",), "2.10.5")


# ---- retourberichten from small specs (messages.md) ----------------------------------------------------


def _retour_header(bericht: str, codes: list[str] | None = None) -> Spec:
    """A retour header: the heenbericht's identity, the retour's own, and optionally header RetourCodes."""
    heen = BERICHTEN[bericht].answers
    assert heen is not None
    spec = berichten.header(bericht, dagtekening=DAG, identificatie=f"{heen}-0042")
    spec.update(
        IdentificatieRetour="R-0007",
        DagtekeningRetour=RETOUR_DAG,
        XsdVersieRetour={"BasisschemaXsdVersie": "1.0.0", "BerichtXsdVersie": "1.1.0"},
        RetourCodes={"RetourCode": codes} if codes else None,
    )
    return spec


def _expected_header(bericht: str, codes: tuple[str, ...] = ()) -> RetourHeader:
    gemeente_first = BERICHTEN[bericht].afzender == "gemeente"
    return RetourHeader(
        bericht_code=BERICHTEN[bericht].code,
        bericht_versie=3,
        bericht_subversie=2,
        afzender="0200" if gemeente_first else "12345678",
        ontvanger="12345678" if gemeente_first else "0200",
        identificatie=f"{BERICHTEN[bericht].answers}-0042",
        dagtekening=DAG,
        xsd_versie=XsdVersie(basisschema_xsd_versie="1.0.0", bericht_xsd_versie="1.0.0"),
        identificatie_retour="R-0007",
        dagtekening_retour=RETOUR_DAG,
        xsd_versie_retour=XsdVersie(basisschema_xsd_versie="1.0.0", bericht_xsd_versie="1.1.0"),
        retour_codes=codes,
    )


def _codes(*codes: str) -> Spec:
    return {"RetourCode": list(codes)}


NAAM_SPEC = {"Geslachtsnaam": {"Achternaam": "Testerman"}, "Voorletters": "D"}
NAAM = Naam(geslachtsnaam=Achternaam(achternaam="Testerman"), voorletters="D")
GEBOREN = date(2015, 6, 1)


def _client_spec(**extra: Any) -> Spec:
    return {
        "Bsn": BSN,
        "Geboortedatum": {"Datum": GEBOREN, "DatumGebruik": "2"},
        "Geslacht": "1",
        "Naam": NAAM_SPEC,
        **extra,
        "RetourCodes": _codes("0200"),
    }


def _client_fields() -> dict[str, Any]:
    return {
        "bsn": BSN,
        "geboortedatum": GEBOREN,
        "datum_gebruik": "2",
        "geslacht": "1",
        "naam": NAAM,
        "retour_codes": ("0200",),
    }


def test_jw302_codes_on_every_berichtklasse() -> None:
    contact = {"Soort": "01", "Telefoon": berichten.telefoon(), "RetourCodes": _codes("0200")}
    spec = {
        "Header": _retour_header("JW302"),
        "Client": _client_spec(
            Naam={**NAAM_SPEC, "NaamGebruik": "1"},
            Relaties={
                "Relatie": {
                    "Nummer": "7",
                    "Soort": "10",
                    "Naam": {**NAAM_SPEC, "NaamGebruik": "1"},
                    "Contact": {**contact, "RetourCodes": _codes("9074")},
                    "RetourCodes": _codes("0200"),
                }
            },
            Contactgegevens={"Contact": contact},
            ToegewezenProducten={
                "ToegewezenProduct": {
                    "ToewijzingNummer": "0012",
                    "Toewijzingsdatum": DAG,
                    "Toewijzingstijd": "08:05:00",
                    "Ingangsdatum": date(2026, 11, 1),
                    "Budget": 1000,
                    "RetourCodes": _codes("9063", "9307"),
                }
            },
        ),
    }
    tel = (Telefoon(telefoonnummer="0551234567", landnummer="0031"),)
    naam = NAAM.model_copy(update={"naam_gebruik": "1"})
    assert _extract("JW302", spec) == Jw302(
        header=_expected_header("JW302"),
        client=ToewijzingClient(
            **{**_client_fields(), "naam": naam},
            relaties=(
                Relatie(
                    nummer="7",
                    soort="10",
                    naam=naam,
                    contact=Contact(soort="01", telefoon=tel, retour_codes=("9074",)),
                    retour_codes=("0200",),
                ),
            ),
            contactgegevens=(Contact(soort="01", telefoon=tel, retour_codes=("0200",)),),
            toegewezen_producten=(
                ToegewezenProduct(
                    toewijzing_nummer=12,
                    toewijzingsdatum=DAG,
                    toewijzingstijd=time(8, 5),
                    ingangsdatum=date(2026, 11, 1),
                    budget=1000,
                    retour_codes=("9063", "9307"),
                ),
            ),
        ),
    )


def test_jw302_header_only() -> None:
    spec = {"Header": {**_retour_header("JW302", ["0001"]), "XsltVersie": "2.10.5"}}
    m = _extract("JW302", spec)
    assert m == Jw302(
        header=_expected_header("JW302", ("0001",)).model_copy(update={"xslt_versie": "2.10.5"}), client=None
    )


def test_jw306_start_retour() -> None:
    spec = {
        "Header": _retour_header("JW306"),
        "Client": _client_spec(
            StartProducten={
                "StartProduct": [
                    {
                        "ToewijzingNummer": 5,
                        "Begindatum": date(2026, 11, 1),
                        "StatusAanlevering": "1",
                        "RetourCodes": _codes("0200"),
                    },
                    {
                        "Product": {"Categorie": "45", "Code": "045A1"},
                        "Begindatum": date(2026, 11, 2),
                        "StatusAanlevering": "3",
                        "RetourCodes": _codes("9349"),
                    },
                ]
            }
        ),
    }
    assert _extract("JW306", spec) == Jw306(
        header=_expected_header("JW306"),
        client=StartClient(
            **_client_fields(),
            start_producten=(
                StartProduct(
                    toewijzing_nummer=5,
                    begindatum=date(2026, 11, 1),
                    status_aanlevering="1",
                    retour_codes=("0200",),
                ),
                StartProduct(
                    product=Product(categorie="45", code="045A1"),  # leading zero of the product code kept
                    begindatum=date(2026, 11, 2),
                    status_aanlevering="3",
                    retour_codes=("9349",),
                ),
            ),
        ),
    )


def test_jw308_stop_retour() -> None:
    spec = {
        "Header": _retour_header("JW308", ["0200"]),
        "Client": _client_spec(
            StopProducten={
                "StopProduct": {
                    "ToewijzingNummer": 5,
                    "ToewijzingIngangsdatum": date(2026, 10, 1),
                    "Begindatum": date(2026, 10, 1),
                    "RedenBeeindiging": "02",
                    "Einddatum": date(2026, 10, 31),
                    "StatusAanlevering": "1",
                    "RetourCodes": _codes("9350"),
                }
            }
        ),
    }
    assert _extract("JW308", spec) == Jw308(
        header=_expected_header("JW308", ("0200",)),
        client=StopClient(
            **_client_fields(),
            stop_producten=(
                StopProduct(
                    toewijzing_nummer=5,
                    toewijzing_ingangsdatum=date(2026, 10, 1),
                    begindatum=date(2026, 10, 1),
                    reden_beeindiging="02",
                    einddatum=date(2026, 10, 31),
                    status_aanlevering="1",
                    retour_codes=("9350",),
                ),
            ),
        ),
    )


def test_jw316_verzoek_om_toewijzing_retour() -> None:
    spec = {
        "Header": _retour_header("JW316"),
        "Client": _client_spec(
            AangevraagdeProducten={
                "AangevraagdProduct": {
                    "ReferentieAanbieder": "VOT-1",
                    "Product": {"Categorie": "43"},
                    "ToewijzingIngangsdatum": date(2026, 12, 1),
                    "ToewijzingEinddatum": date(2027, 5, 31),
                    "Budget": 250000,
                    "Verwijzer": {"Type": "01"},
                    "Raamcontract": "2",
                    "Commentaar": "spoed",
                    "RetourCodes": _codes("9384"),
                }
            }
        ),
    }
    m = _extract("JW316", spec)
    assert isinstance(m, Jw316)
    assert m.header == _expected_header("JW316")
    assert isinstance(m.client, VerzoekToewijzingClient)
    assert m.client.model_dump(include={"bsn", "retour_codes", "gezagsdrager_bekend"}) == {
        "bsn": BSN,
        "retour_codes": ("0200",),
        "gezagsdrager_bekend": None,
    }
    [p] = m.client.aangevraagde_producten
    assert (p.referentie_aanbieder, p.product, p.budget, p.omvang) == (
        "VOT-1",
        Product(categorie="43"),
        250000,
        None,
    )
    assert (p.toewijzing_ingangsdatum, p.toewijzing_einddatum) == (date(2026, 12, 1), date(2027, 5, 31))
    assert (p.verwijzer.type, p.verwijzer.naam, p.raamcontract, p.commentaar) == ("01", None, "2", "spoed")
    assert p.retour_codes == ("9384",)


def test_jw318_verzoek_om_wijziging_retour() -> None:
    spec = {
        "Header": _retour_header("JW318"),
        "Client": {
            "Bsn": BSN,
            "Verzoek": {
                "ReferentieAanbieder": "VOW-1",
                "RedenVerzoek": "1",
                "OngewijzigdeProducten": {
                    "OngewijzigdProduct": [
                        {"ToewijzingNummer": 1, "RetourCodes": _codes("0200")},
                        {"ToewijzingNummer": 2, "RetourCodes": _codes("9412")},
                    ]
                },
                "TeWijzigenProducten": {
                    "TeWijzigenProduct": {
                        "ToewijzingNummer": 3,
                        "GewensteIngangsdatum": date(2026, 12, 1),
                        "Budget": 500,
                        "RetourCodes": _codes("0200"),
                    }
                },
                "NieuweProducten": {
                    "NieuwProduct": {
                        "GewensteIngangsdatum": date(2026, 12, 1),
                        "Einddatum": date(2026, 12, 31),
                        "Omvang": {"Volume": "007", "Eenheid": "01", "Frequentie": "4"},
                        "RetourCodes": _codes("0200"),
                    }
                },
                "RetourCodes": _codes("0200"),
            },
            "RetourCodes": _codes("0200"),
        },
    }
    m = _extract("JW318", spec)
    assert isinstance(m, Jw318)
    assert m.header == _expected_header("JW318")
    assert isinstance(m.client, VerzoekWijzigingClient)
    assert (m.client.bsn, m.client.retour_codes) == (BSN, ("0200",))
    v = m.client.verzoek
    assert (v.referentie_aanbieder, v.reden_verzoek, v.retour_codes) == ("VOW-1", "1", ("0200",))
    assert v.ongewijzigde_producten == (
        OngewijzigdProduct(toewijzing_nummer=1, retour_codes=("0200",)),
        OngewijzigdProduct(toewijzing_nummer=2, retour_codes=("9412",)),
    )
    assert v.te_wijzigen_producten == (
        TeWijzigenProduct(
            toewijzing_nummer=3, gewenste_ingangsdatum=date(2026, 12, 1), budget=500, retour_codes=("0200",)
        ),
    )
    assert v.nieuwe_producten == (
        NieuwProduct(
            gewenste_ingangsdatum=date(2026, 12, 1),
            einddatum=date(2026, 12, 31),
            omvang=Omvang(volume=7, eenheid="01", frequentie="4"),
            retour_codes=("0200",),
        ),
    )


def test_jw320_antwoord_retour() -> None:
    spec = {
        "Header": _retour_header("JW320"),
        "Antwoord": {
            "ReferentieAanbieder": "VOT-1",
            "VerzoekAntwoord": "1",
            "RedenAfwijzingVerzoek": "8",
            "Woonplaatsbeginsel": {"Gemeente": "0014", "RetourCodes": _codes("9413")},
            "RetourCodes": _codes("0200"),
        },
    }
    assert _extract("JW320", spec) == Jw320(
        header=_expected_header("JW320"),
        antwoord=Antwoord(
            referentie_aanbieder="VOT-1",
            verzoek_antwoord="1",
            reden_afwijzing_verzoek="8",
            woonplaatsbeginsel=Woonplaatsbeginsel(gemeente="0014", retour_codes=("9413",)),
            retour_codes=("0200",),
        ),
    )


# ---- the union, the models, and the guard --------------------------------------------------------------


def _sample(bericht: str) -> Spec:
    """The default heenbericht, or a header-only retour (the smallest valid one)."""
    if bericht in berichten.HEENBERICHTEN:
        return berichten.spec(bericht)
    return {"Header": _retour_header(bericht, ["0001"])}


@pytest.mark.parametrize("bericht", sorted(BERICHTEN))
def test_every_bericht_round_trips_through_the_union(bericht: str) -> None:
    m = _extract(bericht, _sample(bericht))
    assert (m.bericht, m.header.bericht_code) == (bericht, BERICHTEN[bericht].code)
    # The event pipeline stores and reloads these as JSON; the discriminator picks the model back.
    adapter: TypeAdapter[Bericht] = TypeAdapter(Bericht)
    assert adapter.validate_json(adapter.dump_json(m)) == m


def test_models_are_frozen() -> None:
    m = _extract("JW305", berichten.spec("JW305"))
    with pytest.raises(ValidationError):
        m.client.bsn = "999990020"


def test_strict_models_refuse_untyped_values() -> None:
    with pytest.raises(ValidationError):
        Omvang(volume="4", eenheid="04", frequentie="2")  # type: ignore[arg-type]  # on purpose


def test_a_tree_that_skipped_the_xsd_check_raises() -> None:
    spec = edit(berichten.spec("JW305"), "Client/StartProducten/StartProduct[1]/Begindatum", None)
    doc = Doc(to_tree("JW305", spec), BERICHTEN["JW305"])
    with pytest.raises(ExtractError, match="Begindatum"):
        extract(doc)
