"""Which child element fills which field, for every berichtklasse of the iJw messages (data for extract).

Each table names a class's child elements, in schema order, with the kind of value each holds; the field
is named after the element (see extract_read). A retour reuses its heenbericht's tables: `RetourCodes` is
simply absent in a heenbericht, so the field keeps its empty default.
"""

from __future__ import annotations

from hub.ijw.extract_read import (
    Flat,
    Kind,
    codes,
    integer,
    iso_date,
    iso_time,
    klasse,
    many,
    numbered,
    one,
    opt_text,
    text,
)
from hub.ijw.models import (
    AangevraagdProduct,
    Achternaam,
    Adres,
    Antwoord,
    Bedrag,
    Client,
    Communicatie,
    Contact,
    Declaratie,
    DeclaratieAntwoord,
    DeclaratieAntwoordHeader,
    DeclaratieClient,
    Header,
    Huis,
    Naam,
    NieuwProduct,
    Omvang,
    OngewijzigdProduct,
    OpenPeriode,
    Periode,
    Prestatie,
    Product,
    Referentie,
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
    TotaalBedrag,
    Verwijzer,
    Verzoek,
    VerzoekToewijzingClient,
    VerzoekWijzigingClient,
    Woonplaatsbeginsel,
    XsdVersie,
)

# --- basisschema composites -----------------------------------------------------------------------

XSD_VERSIE = klasse(XsdVersie, BasisschemaXsdVersie=text, BerichtXsdVersie=text)
ACHTERNAAM = klasse(Achternaam, Achternaam=text, Voorvoegsel=opt_text)
NAAM = klasse(
    Naam,
    Geslachtsnaam=one(ACHTERNAAM),
    Partnernaam=one(ACHTERNAAM),
    Voornamen=opt_text,
    Voorletters=opt_text,
    NaamGebruik=opt_text,
)
PRODUCT = klasse(Product, Categorie=text, Code=opt_text)
OMVANG = klasse(Omvang, Volume=integer, Eenheid=text, Frequentie=text)
PERIODE = klasse(Periode, Begindatum=iso_date, Einddatum=iso_date)
OPEN_PERIODE = klasse(OpenPeriode, Begindatum=iso_date, Einddatum=iso_date)
BEDRAG = klasse(Bedrag, Bedrag=integer, DebetCredit=text)
TOTAAL_BEDRAG = klasse(TotaalBedrag, TotaalBedrag=integer, DebetCredit=text)
REFERENTIE = klasse(Referentie, ReferentieNummer=text, VorigReferentieNummer=opt_text)
VERWIJZER = klasse(Verwijzer, Type=text, Naam=opt_text, ZorgverlenerCode=opt_text)
COMMUNICATIE = klasse(Communicatie, Vorm=text, Taal=opt_text)
HUIS = klasse(
    Huis, Huisnummer=integer, Huisletter=opt_text, HuisnummerToevoeging=opt_text, AanduidingWoonadres=opt_text
)
ADRES = klasse(
    Adres, Huis=one(HUIS), Postcode=opt_text, Straatnaam=opt_text, Plaatsnaam=opt_text, LandCode=opt_text
)
TELEFOON = klasse(Telefoon, Telefoonnummer=text, Landnummer=text)

# --- headers --------------------------------------------------------------------------------------

_HEADER: dict[str, Kind] = {
    "BerichtCode": text,
    "BerichtVersie": integer,
    "BerichtSubversie": integer,
    "Afzender": text,
    "Ontvanger": text,
    "BerichtIdentificatie": Flat(
        Identificatie=("identificatie", text), Dagtekening=("dagtekening", iso_date)
    ),
    "XsdVersie": one(XSD_VERSIE),
}
HEADER = klasse(Header, **_HEADER)
RETOUR_HEADER = klasse(
    RetourHeader,
    **_HEADER,
    IdentificatieRetour=text,
    DagtekeningRetour=iso_date,
    XsltVersie=opt_text,
    XsdVersieRetour=one(XSD_VERSIE),
    RetourCodes=codes,
)
DECLARATIE_ANTWOORD_HEADER = klasse(
    DeclaratieAntwoordHeader,
    **_HEADER,
    DeclaratieIdentificatie=Flat(
        Identificatie=("declaratie_identificatie", text), Dagtekening=("declaratie_dagtekening", iso_date)
    ),
    XsltVersie=opt_text,
    XsdVersieDeclaratie=one(XSD_VERSIE),
    RetourCodes=codes,
)

# --- client ---------------------------------------------------------------------------------------

_CLIENT: dict[str, Kind] = {
    "Bsn": text,
    "Geboortedatum": Flat(Datum=("geboortedatum", iso_date), DatumGebruik=("datum_gebruik", opt_text)),
    "Geslacht": text,
    "Naam": one(NAAM),
    "RetourCodes": codes,
}
CLIENT = klasse(Client, **_CLIENT)
CONTACT = klasse(
    Contact,
    Soort=text,
    Adres=one(ADRES),
    Organisatie=opt_text,
    Telefoon=numbered("Telefoon", TELEFOON),
    Emailadres=opt_text,
    Periode=one(OPEN_PERIODE),
    RetourCodes=codes,
)
RELATIE = klasse(
    Relatie,
    Nummer=text,
    Volgorde=integer,
    Soort=text,
    Geboortedatum=_CLIENT["Geboortedatum"],
    Geslacht=opt_text,
    Naam=one(NAAM),
    Contact=one(CONTACT),
    RetourCodes=codes,
)
TOEGEWEZEN_PRODUCT = klasse(
    ToegewezenProduct,
    ToewijzingNummer=integer,
    ReferentieAanbieder=opt_text,
    Product=one(PRODUCT),
    Toewijzingsdatum=iso_date,
    Toewijzingstijd=iso_time,
    Ingangsdatum=iso_date,
    Einddatum=iso_date,
    RedenWijziging=opt_text,
    Omvang=one(OMVANG),
    Budget=integer,
    Commentaar=opt_text,
    RetourCodes=codes,
)
TOEWIJZING_CLIENT = klasse(
    ToewijzingClient,
    **_CLIENT,
    Communicatie=one(COMMUNICATIE),
    JuridischeStatus=opt_text,
    WettelijkeVertegenwoordiging=opt_text,
    Commentaar=opt_text,
    Relaties=many("Relatie", RELATIE),
    Contactgegevens=many("Contact", CONTACT),
    ToegewezenProducten=many("ToegewezenProduct", TOEGEWEZEN_PRODUCT),
)
START_PRODUCT = klasse(
    StartProduct,
    ToewijzingNummer=integer,
    Product=one(PRODUCT),
    ToewijzingIngangsdatum=iso_date,
    Begindatum=iso_date,
    StatusAanlevering=text,
    RetourCodes=codes,
)
START_CLIENT = klasse(StartClient, **_CLIENT, StartProducten=many("StartProduct", START_PRODUCT))
STOP_PRODUCT = klasse(
    StopProduct,
    ToewijzingNummer=integer,
    Product=one(PRODUCT),
    ToewijzingIngangsdatum=iso_date,
    Begindatum=iso_date,
    RedenBeeindiging=text,
    Einddatum=iso_date,
    StatusAanlevering=text,
    RetourCodes=codes,
)
STOP_CLIENT = klasse(StopClient, **_CLIENT, StopProducten=many("StopProduct", STOP_PRODUCT))
AANGEVRAAGD_PRODUCT = klasse(
    AangevraagdProduct,
    ReferentieAanbieder=text,
    BeschikkingNummer=integer,
    Product=one(PRODUCT),
    BeschikkingIngangsdatum=iso_date,
    ToewijzingIngangsdatum=iso_date,
    ToewijzingEinddatum=iso_date,
    Omvang=one(OMVANG),
    Budget=integer,
    Verwijzer=one(VERWIJZER),
    Raamcontract=opt_text,
    Commentaar=opt_text,
    RetourCodes=codes,
)
VERZOEK_TOEWIJZING_CLIENT = klasse(
    VerzoekToewijzingClient,
    **_CLIENT,
    GezagsdragerBekend=opt_text,
    Commentaar=opt_text,
    AangevraagdeProducten=many("AangevraagdProduct", AANGEVRAAGD_PRODUCT),
)

# --- verzoek om wijziging and antwoord ------------------------------------------------------------

ONGEWIJZIGD_PRODUCT = klasse(OngewijzigdProduct, ToewijzingNummer=integer, RetourCodes=codes)
TE_WIJZIGEN_PRODUCT = klasse(
    TeWijzigenProduct,
    ToewijzingNummer=integer,
    GewensteIngangsdatum=iso_date,
    Einddatum=iso_date,
    Omvang=one(OMVANG),
    Budget=integer,
    RetourCodes=codes,
)
NIEUW_PRODUCT = klasse(
    NieuwProduct,
    Product=one(PRODUCT),
    GewensteIngangsdatum=iso_date,
    Einddatum=iso_date,
    Omvang=one(OMVANG),
    Budget=integer,
    RetourCodes=codes,
)
VERZOEK = klasse(
    Verzoek,
    ReferentieAanbieder=text,
    RedenVerzoek=text,
    OngewijzigdeProducten=many("OngewijzigdProduct", ONGEWIJZIGD_PRODUCT),
    TeWijzigenProducten=many("TeWijzigenProduct", TE_WIJZIGEN_PRODUCT),
    NieuweProducten=many("NieuwProduct", NIEUW_PRODUCT),
    RetourCodes=codes,
)
VERZOEK_WIJZIGING_CLIENT = klasse(VerzoekWijzigingClient, Bsn=text, Verzoek=one(VERZOEK), RetourCodes=codes)
WOONPLAATSBEGINSEL = klasse(Woonplaatsbeginsel, Gemeente=text, RetourCodes=codes)
ANTWOORD = klasse(
    Antwoord,
    ReferentieAanbieder=text,
    VerzoekAntwoord=text,
    RedenAfwijzingVerzoek=opt_text,
    Woonplaatsbeginsel=one(WOONPLAATSBEGINSEL),
    RetourCodes=codes,
)

# --- declaratie -----------------------------------------------------------------------------------

PRESTATIE = klasse(
    Prestatie,
    ProductReferentie=one(REFERENTIE),
    ToewijzingNummer=integer,
    ProductCategorie=text,
    ProductCode=text,
    ProductPeriode=one(PERIODE),
    GeleverdVolume=integer,
    Eenheid=text,
    ProductTarief=integer,
    IngediendBedrag=one(BEDRAG),
    RetourCodes=codes,
)
DECLARATIE_CLIENT = klasse(
    DeclaratieClient, Bsn=text, Prestaties=many("Prestatie", PRESTATIE), RetourCodes=codes
)
DECLARATIE = klasse(
    Declaratie,
    DeclaratieNummer=text,
    DeclaratiePeriode=one(PERIODE),
    DeclaratieDagtekening=iso_date,
    TotaalIngediendBedrag=one(TOTAAL_BEDRAG),
    Clienten=many("Client", DECLARATIE_CLIENT),
)
DECLARATIE_ANTWOORD = klasse(
    DeclaratieAntwoord,
    DeclaratieNummer=text,
    TotaalIngediendBedrag=one(TOTAAL_BEDRAG),
    TotaalToegekendBedrag=one(TOTAAL_BEDRAG),
    Clienten=many("Client", DECLARATIE_CLIENT),
    RetourCodes=codes,
)
