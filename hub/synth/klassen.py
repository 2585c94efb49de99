"""The berichtklassen and composites several synthetic iJw messages share: Header, client, names, contact, product.

Each builder gives a fresh spec (see hub/synth/build.py) and takes keyword arguments for its variants.
"""

from __future__ import annotations

from datetime import date

from hub.ijw.catalog import BERICHTEN
from hub.synth.build import Spec
from hub.synth.persons import Persoon

XSD_VERSIE = "1.0.0"  # the version in the appinfo of the project's XSDs (IV034: the sender copies it)


def header(
    bericht: str,
    *,
    dagtekening: date,
    identificatie: str,
    gemeente: str = "0200",
    aanbieder: str = "12345678",
) -> Spec:
    """The common header; Afzender and Ontvanger follow the message's direction."""
    info = BERICHTEN[bericht]
    afzender, ontvanger = (gemeente, aanbieder) if info.afzender == "gemeente" else (aanbieder, gemeente)
    return {
        "BerichtCode": info.code,
        "BerichtVersie": "3",
        "BerichtSubversie": "2",
        "Afzender": afzender,
        "Ontvanger": ontvanger,
        "BerichtIdentificatie": {"Identificatie": identificatie, "Dagtekening": dagtekening},
        "XsdVersie": xsd_versie(),
    }


def xsd_versie() -> Spec:
    return {"BasisschemaXsdVersie": XSD_VERSIE, "BerichtXsdVersie": XSD_VERSIE}


def geslachtsnaam(p: Persoon) -> Spec:
    return {"Achternaam": p.achternaam, "Voorvoegsel": p.voorvoegsel}


def volledige_naam(p: Persoon, naamgebruik: str = "1") -> Spec:
    """CDT_VolledigeNaam without Partnernaam; NaamGebruik 1 (CS050, CS318)."""
    return {
        "Geslachtsnaam": geslachtsnaam(p),
        "Voornamen": p.voornamen,
        "Voorletters": p.voorletters,
        "NaamGebruik": naamgebruik,
    }


def verkorte_naam(p: Persoon) -> Spec:
    return {"Geslachtsnaam": geslachtsnaam(p), "Voornamen": p.voornamen, "Voorletters": p.voorletters}


def client_basis(p: Persoon, *, volledig: bool = False) -> Spec:
    """Bsn, Geboortedatum, Geslacht and Naam, as JW301/305/307/315 start their Client."""
    return {
        "Bsn": p.bsn,
        "Geboortedatum": {"Datum": p.geboortedatum},
        "Geslacht": p.geslacht,
        "Naam": volledige_naam(p) if volledig else verkorte_naam(p),
    }


def product(categorie: str, code: str | None = None) -> Spec:
    return {"Categorie": categorie, "Code": code}


def omvang(volume: int, eenheid: str = "04", frequentie: str = "2") -> Spec:
    """CDT_Omvang; the default is 4 hours per week (Frequentie 2 needs an end date, CD076)."""
    return {"Volume": volume, "Eenheid": eenheid, "Frequentie": frequentie}


def adres(
    *,
    huisnummer: int = 12,
    postcode: str = "7311AB",
    straatnaam: str = "Proefstraat",
    plaatsnaam: str = "Apeldoorn",
    landcode: str = "NL",
) -> Spec:
    """A Dutch address: Huis, Postcode in the 1234AB format and LandCode NL (CD005, CD025, CS089)."""
    return {
        "Huis": {"Huisnummer": huisnummer},
        "Postcode": postcode,
        "Straatnaam": straatnaam,
        "Plaatsnaam": plaatsnaam,
        "LandCode": landcode,
    }


def telefoon(nummer: str = "0551234567", landnummer: str = "0031") -> Spec:
    return {"Telefoon01": {"Telefoonnummer": nummer, "Landnummer": landnummer}}


def contact(
    soort: str = "01",
    *,
    adres: Spec | None = None,
    telefoon: Spec | None = None,
    emailadres: str | None = None,
    periode: Spec | None = None,
) -> Spec:
    """A JW301 Contact; without Telefoon it needs Adres/Huis and Postcode (TR006)."""
    return {
        "Soort": soort,
        "Adres": adres,
        "Telefoon": telefoon,
        "Emailadres": emailadres,
        "Periode": periode,
    }


def relatie(
    p: Persoon,
    *,
    nummer: str = "1",
    soort: str = "10",
    volgorde: int | None = 1,
    contact_spec: Spec | None = None,
) -> Spec:
    """A JW301 Relatie (default: ouder, reachable by phone on a correspondence contact)."""
    return {
        "Nummer": nummer,
        "Volgorde": volgorde,
        "Soort": soort,
        "Geboortedatum": {"Datum": p.geboortedatum},
        "Geslacht": p.geslacht,
        "Naam": volledige_naam(p),
        "Contact": contact_spec if contact_spec is not None else contact("02", telefoon=telefoon()),
    }
