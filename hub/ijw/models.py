"""Typed iJw 3.2 messages: one frozen model per message, built from shared berichtklassen.

Names are the iJw element names in snake_case. A retour message reuses its heenbericht's classes: every
class a retour can mark carries `retour_codes` (empty in a heenbericht). Dates are `date`, times `time`,
LDT_Nummer/Volume/Budget/Bedrag are `int` (amounts in euro cents); codes stay `str` so leading zeros survive.
Repeated classes are tuples in document order; an absent 0..1 wrapper is an empty tuple.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field


class IjwModel(BaseModel):
    # Strict: the extractor hands over typed values, so a str where an int belongs is a bug, not input.
    model_config = ConfigDict(frozen=True, strict=True)


class Klasse(IjwModel):
    """A berichtklasse that a retour (or JW325) can mark with its own RetourCodes."""

    retour_codes: tuple[str, ...] = ()


# --- basisschema composites (CDT_...) ---------------------------------------------------------------


class XsdVersie(IjwModel):
    basisschema_xsd_versie: str
    bericht_xsd_versie: str


class Achternaam(IjwModel):
    achternaam: str
    voorvoegsel: str | None = None


class Naam(IjwModel):
    """CDT_VolledigeNaam (JW301/302) or CDT_VerkorteNaam (partnernaam and naam_gebruik then None)."""

    geslachtsnaam: Achternaam
    partnernaam: Achternaam | None = None
    voornamen: str | None = None
    voorletters: str | None = None
    naam_gebruik: str | None = None


class Product(IjwModel):
    categorie: str
    code: str | None = None


class Omvang(IjwModel):
    volume: int
    eenheid: str
    frequentie: str


class Periode(IjwModel):
    """CDT_GeslotenPeriode."""

    begindatum: date
    einddatum: date


class OpenPeriode(IjwModel):
    begindatum: date | None = None
    einddatum: date | None = None


class Bedrag(IjwModel):
    """CDT_BedragMetDC, in euro cents."""

    bedrag: int
    debet_credit: str


class TotaalBedrag(IjwModel):
    """CDT_TotaalBedragMetDC, in euro cents."""

    totaal_bedrag: int
    debet_credit: str


class Referentie(IjwModel):
    referentie_nummer: str
    vorig_referentie_nummer: str | None = None


class Verwijzer(IjwModel):
    type: str
    naam: str | None = None
    zorgverlener_code: str | None = None


class Communicatie(IjwModel):
    vorm: str
    taal: str | None = None


class Huis(IjwModel):
    huisnummer: int
    huisletter: str | None = None
    huisnummer_toevoeging: str | None = None
    aanduiding_woonadres: str | None = None


class Adres(IjwModel):
    huis: Huis | None = None
    postcode: str | None = None
    straatnaam: str | None = None
    plaatsnaam: str | None = None
    land_code: str | None = None


class Telefoon(IjwModel):
    telefoonnummer: str
    landnummer: str


# --- headers --------------------------------------------------------------------------------------


class Header(IjwModel):
    bericht_code: str
    bericht_versie: int
    bericht_subversie: int
    afzender: str
    ontvanger: str
    identificatie: str
    dagtekening: date
    xsd_versie: XsdVersie


class RetourHeader(Header):
    """Header of JW302/306/308/316/318/320: the heenbericht's header plus the retour's own identity."""

    identificatie_retour: str
    dagtekening_retour: date
    xslt_versie: str | None = None
    xsd_versie_retour: XsdVersie
    retour_codes: tuple[str, ...] = ()


class DeclaratieAntwoordHeader(Header):
    """Header of JW325: its own identity plus the JW323 it answers."""

    declaratie_identificatie: str
    declaratie_dagtekening: date
    xslt_versie: str | None = None
    xsd_versie_declaratie: XsdVersie
    retour_codes: tuple[str, ...] = ()


# --- client and its products ----------------------------------------------------------------------


class Client(Klasse):
    """The client part shared by JW301/302/305-308/315/316."""

    bsn: str
    geboortedatum: date
    datum_gebruik: str | None = None
    geslacht: str
    naam: Naam


class Contact(Klasse):
    soort: str
    adres: Adres | None = None
    organisatie: str | None = None
    telefoon: tuple[Telefoon, ...] = ()  # Telefoon01, Telefoon02
    emailadres: str | None = None
    periode: OpenPeriode | None = None


class Relatie(Klasse):
    nummer: str
    volgorde: int | None = None
    soort: str
    geboortedatum: date | None = None
    datum_gebruik: str | None = None
    geslacht: str | None = None
    naam: Naam
    contact: Contact


class ToegewezenProduct(Klasse):
    toewijzing_nummer: int
    referentie_aanbieder: str | None = None
    product: Product | None = None
    toewijzingsdatum: date
    toewijzingstijd: time
    ingangsdatum: date
    einddatum: date | None = None
    reden_wijziging: str | None = None
    omvang: Omvang | None = None
    budget: int | None = None
    commentaar: str | None = None


class ToewijzingClient(Client):
    communicatie: Communicatie | None = None
    juridische_status: str | None = None
    wettelijke_vertegenwoordiging: str | None = None
    commentaar: str | None = None
    relaties: tuple[Relatie, ...] = ()
    contactgegevens: tuple[Contact, ...] = ()
    toegewezen_producten: tuple[ToegewezenProduct, ...] = ()


class StartProduct(Klasse):
    toewijzing_nummer: int | None = None
    product: Product | None = None
    toewijzing_ingangsdatum: date | None = None
    begindatum: date
    status_aanlevering: str


class StartClient(Client):
    start_producten: tuple[StartProduct, ...] = ()


class StopProduct(Klasse):
    # Not a StartProduct subclass: an isinstance check on a start must never match a stop.
    toewijzing_nummer: int | None = None
    product: Product | None = None
    toewijzing_ingangsdatum: date | None = None
    begindatum: date
    reden_beeindiging: str
    einddatum: date
    status_aanlevering: str


class StopClient(Client):
    stop_producten: tuple[StopProduct, ...] = ()


class AangevraagdProduct(Klasse):
    referentie_aanbieder: str
    beschikking_nummer: int | None = None
    product: Product | None = None
    beschikking_ingangsdatum: date | None = None
    toewijzing_ingangsdatum: date
    toewijzing_einddatum: date | None = None
    omvang: Omvang | None = None
    budget: int | None = None
    verwijzer: Verwijzer
    raamcontract: str | None = None
    commentaar: str | None = None


class VerzoekToewijzingClient(Client):
    gezagsdrager_bekend: str | None = None
    commentaar: str | None = None
    aangevraagde_producten: tuple[AangevraagdProduct, ...] = ()


class OngewijzigdProduct(Klasse):
    toewijzing_nummer: int


class TeWijzigenProduct(Klasse):
    toewijzing_nummer: int
    gewenste_ingangsdatum: date
    einddatum: date | None = None
    omvang: Omvang | None = None
    budget: int | None = None


class NieuwProduct(Klasse):
    product: Product | None = None
    gewenste_ingangsdatum: date
    einddatum: date | None = None
    omvang: Omvang | None = None
    budget: int | None = None


class Verzoek(Klasse):
    referentie_aanbieder: str
    reden_verzoek: str
    ongewijzigde_producten: tuple[OngewijzigdProduct, ...] = ()
    te_wijzigen_producten: tuple[TeWijzigenProduct, ...] = ()
    nieuwe_producten: tuple[NieuwProduct, ...] = ()


class VerzoekWijzigingClient(Klasse):
    bsn: str
    verzoek: Verzoek


class Woonplaatsbeginsel(Klasse):
    gemeente: str


class Antwoord(Klasse):
    referentie_aanbieder: str
    verzoek_antwoord: str
    reden_afwijzing_verzoek: str | None = None
    woonplaatsbeginsel: Woonplaatsbeginsel | None = None


# --- declaratie -----------------------------------------------------------------------------------


class Prestatie(Klasse):
    product_referentie: Referentie
    toewijzing_nummer: int
    product_categorie: str
    product_code: str
    product_periode: Periode
    geleverd_volume: int
    eenheid: str
    product_tarief: int | None = None
    ingediend_bedrag: Bedrag


class DeclaratieClient(Klasse):
    bsn: str
    prestaties: tuple[Prestatie, ...] = ()


class Declaratie(IjwModel):
    declaratie_nummer: str
    declaratie_periode: Periode
    declaratie_dagtekening: date
    totaal_ingediend_bedrag: TotaalBedrag
    clienten: tuple[DeclaratieClient, ...] = ()


class DeclaratieAntwoord(Klasse):
    declaratie_nummer: str
    totaal_ingediend_bedrag: TotaalBedrag
    totaal_toegekend_bedrag: TotaalBedrag
    clienten: tuple[DeclaratieClient, ...] = ()  # only the clients with rejected prestaties


# --- messages -------------------------------------------------------------------------------------


class Jw301(IjwModel):
    """Toewijzing."""

    bericht: Literal["JW301"] = "JW301"
    header: Header
    client: ToewijzingClient


class Jw302(IjwModel):
    """Toewijzing retour (client absent in a header-only retour)."""

    bericht: Literal["JW302"] = "JW302"
    header: RetourHeader
    client: ToewijzingClient | None = None


class Jw305(IjwModel):
    """Start zorg."""

    bericht: Literal["JW305"] = "JW305"
    header: Header
    client: StartClient


class Jw306(IjwModel):
    """Start zorg retour."""

    bericht: Literal["JW306"] = "JW306"
    header: RetourHeader
    client: StartClient | None = None


class Jw307(IjwModel):
    """Stop zorg."""

    bericht: Literal["JW307"] = "JW307"
    header: Header
    client: StopClient


class Jw308(IjwModel):
    """Stop zorg retour."""

    bericht: Literal["JW308"] = "JW308"
    header: RetourHeader
    client: StopClient | None = None


class Jw315(IjwModel):
    """Verzoek om toewijzing."""

    bericht: Literal["JW315"] = "JW315"
    header: Header
    client: VerzoekToewijzingClient


class Jw316(IjwModel):
    """Verzoek om toewijzing retour."""

    bericht: Literal["JW316"] = "JW316"
    header: RetourHeader
    client: VerzoekToewijzingClient | None = None


class Jw317(IjwModel):
    """Verzoek om wijziging."""

    bericht: Literal["JW317"] = "JW317"
    header: Header
    client: VerzoekWijzigingClient


class Jw318(IjwModel):
    """Verzoek om wijziging retour."""

    bericht: Literal["JW318"] = "JW318"
    header: RetourHeader
    client: VerzoekWijzigingClient | None = None


class Jw319(IjwModel):
    """Antwoordbericht."""

    bericht: Literal["JW319"] = "JW319"
    header: Header
    antwoord: Antwoord


class Jw320(IjwModel):
    """Antwoordbericht retour."""

    bericht: Literal["JW320"] = "JW320"
    header: RetourHeader
    antwoord: Antwoord | None = None


class Jw323(IjwModel):
    """Declaratie."""

    bericht: Literal["JW323"] = "JW323"
    header: Header
    declaratie: Declaratie


class Jw325(IjwModel):
    """Declaratie-antwoord (DeclaratieAntwoord absent when the JW323 is rejected on its Header, process.md 5.3)."""

    bericht: Literal["JW325"] = "JW325"
    header: DeclaratieAntwoordHeader
    declaratie_antwoord: DeclaratieAntwoord | None = None


Bericht: TypeAlias = Annotated[
    Jw301
    | Jw302
    | Jw305
    | Jw306
    | Jw307
    | Jw308
    | Jw315
    | Jw316
    | Jw317
    | Jw318
    | Jw319
    | Jw320
    | Jw323
    | Jw325,
    Field(discriminator="bericht"),
]
