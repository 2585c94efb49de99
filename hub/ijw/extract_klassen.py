"""Which child element fills which field, for every berichtklasse of the iJw messages (data for extract).

Each table names a class's child elements, in schema order, with the kind of value each holds; the field
is named after the element (see extract_read). A retour reuses its heenbericht's tables: `RetourCodes` is
simply absent in a heenbericht, so the field keeps its empty default. The GI messages reuse the tables of the
classes they share (hub/gi/extract_klassen.py).
"""

from __future__ import annotations

from hub.ijw.extract_read import (
    CODES,
    DATE,
    INTEGER,
    OPT_TEXT,
    TEXT,
    TIME,
    Kind,
    Many,
    Numbered,
    flat,
    klasse,
)
from hub.ijw.models import (
    AangevraagdProduct,
    Achternaam,
    Adres,
    Antwoord,
    Bedrag,
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

XSD_VERSIE = klasse(XsdVersie, BasisschemaXsdVersie=TEXT, BerichtXsdVersie=TEXT)
ACHTERNAAM = klasse(Achternaam, Achternaam=TEXT, Voorvoegsel=OPT_TEXT)
NAAM = klasse(
    Naam,
    Geslachtsnaam=ACHTERNAAM,
    Partnernaam=ACHTERNAAM,
    Voornamen=OPT_TEXT,
    Voorletters=OPT_TEXT,
    NaamGebruik=OPT_TEXT,
)
PRODUCT = klasse(Product, Categorie=TEXT, Code=OPT_TEXT)
OMVANG = klasse(Omvang, Volume=INTEGER, Eenheid=TEXT, Frequentie=TEXT)
PERIODE = klasse(Periode, Begindatum=DATE, Einddatum=DATE)
OPEN_PERIODE = klasse(OpenPeriode, Begindatum=DATE, Einddatum=DATE)
BEDRAG = klasse(Bedrag, Bedrag=INTEGER, DebetCredit=TEXT)
TOTAAL_BEDRAG = klasse(TotaalBedrag, TotaalBedrag=INTEGER, DebetCredit=TEXT)
REFERENTIE = klasse(Referentie, ReferentieNummer=TEXT, VorigReferentieNummer=OPT_TEXT)
VERWIJZER = klasse(Verwijzer, Type=TEXT, Naam=OPT_TEXT, ZorgverlenerCode=OPT_TEXT)
COMMUNICATIE = klasse(Communicatie, Vorm=TEXT, Taal=OPT_TEXT)
HUIS = klasse(
    Huis, Huisnummer=INTEGER, Huisletter=OPT_TEXT, HuisnummerToevoeging=OPT_TEXT, AanduidingWoonadres=OPT_TEXT
)
ADRES = klasse(
    Adres, Huis=HUIS, Postcode=OPT_TEXT, Straatnaam=OPT_TEXT, Plaatsnaam=OPT_TEXT, LandCode=OPT_TEXT
)
TELEFOON = klasse(Telefoon, Telefoonnummer=TEXT, Landnummer=TEXT)

# --- headers --------------------------------------------------------------------------------------

# The elements of every header, also of those that extend it (RetourHeader, GI's OntvangstHeader).
HEADER_KINDS: dict[str, Kind] = {
    "BerichtCode": TEXT,
    "BerichtVersie": INTEGER,
    "BerichtSubversie": INTEGER,
    "Afzender": TEXT,
    "Ontvanger": TEXT,
    "BerichtIdentificatie": flat(Identificatie=("identificatie", TEXT), Dagtekening=("dagtekening", DATE)),
    "XsdVersie": XSD_VERSIE,
}
HEADER = klasse(Header, **HEADER_KINDS)
RETOUR_HEADER = klasse(
    RetourHeader,
    **HEADER_KINDS,
    IdentificatieRetour=TEXT,
    DagtekeningRetour=DATE,
    XsltVersie=OPT_TEXT,
    XsdVersieRetour=XSD_VERSIE,
    RetourCodes=CODES,
)
DECLARATIE_ANTWOORD_HEADER = klasse(
    DeclaratieAntwoordHeader,
    **HEADER_KINDS,
    DeclaratieIdentificatie=flat(
        Identificatie=("declaratie_identificatie", TEXT), Dagtekening=("declaratie_dagtekening", DATE)
    ),
    XsltVersie=OPT_TEXT,
    XsdVersieDeclaratie=XSD_VERSIE,
    RetourCodes=CODES,
)

# --- client ---------------------------------------------------------------------------------------

GEBOORTEDATUM = flat(Datum=("geboortedatum", DATE), DatumGebruik=("datum_gebruik", OPT_TEXT))
_CLIENT: dict[str, Kind] = {
    "Bsn": TEXT,
    "Geboortedatum": GEBOORTEDATUM,
    "Geslacht": TEXT,
    "Naam": NAAM,
    "RetourCodes": CODES,
}
CONTACT = klasse(
    Contact,
    Soort=TEXT,
    Adres=ADRES,
    Organisatie=OPT_TEXT,
    Telefoon=Numbered("Telefoon", TELEFOON),
    Emailadres=OPT_TEXT,
    Periode=OPEN_PERIODE,
    RetourCodes=CODES,
)
RELATIE = klasse(
    Relatie,
    Nummer=TEXT,
    Volgorde=INTEGER,
    Soort=TEXT,
    Geboortedatum=GEBOORTEDATUM,
    Geslacht=OPT_TEXT,
    Naam=NAAM,
    Contact=CONTACT,
    RetourCodes=CODES,
)
TOEGEWEZEN_PRODUCT = klasse(
    ToegewezenProduct,
    ToewijzingNummer=INTEGER,
    ReferentieAanbieder=OPT_TEXT,
    Product=PRODUCT,
    Toewijzingsdatum=DATE,
    Toewijzingstijd=TIME,
    Ingangsdatum=DATE,
    Einddatum=DATE,
    RedenWijziging=OPT_TEXT,
    Omvang=OMVANG,
    Budget=INTEGER,
    Commentaar=OPT_TEXT,
    RetourCodes=CODES,
)
TOEWIJZING_CLIENT = klasse(
    ToewijzingClient,
    **_CLIENT,
    Communicatie=COMMUNICATIE,
    JuridischeStatus=OPT_TEXT,
    WettelijkeVertegenwoordiging=OPT_TEXT,
    Commentaar=OPT_TEXT,
    Relaties=Many("Relatie", RELATIE),
    Contactgegevens=Many("Contact", CONTACT),
    ToegewezenProducten=Many("ToegewezenProduct", TOEGEWEZEN_PRODUCT),
)
START_PRODUCT = klasse(
    StartProduct,
    ToewijzingNummer=INTEGER,
    Product=PRODUCT,
    ToewijzingIngangsdatum=DATE,
    Begindatum=DATE,
    StatusAanlevering=TEXT,
    RetourCodes=CODES,
)
START_CLIENT = klasse(StartClient, **_CLIENT, StartProducten=Many("StartProduct", START_PRODUCT))
STOP_PRODUCT = klasse(
    StopProduct,
    ToewijzingNummer=INTEGER,
    Product=PRODUCT,
    ToewijzingIngangsdatum=DATE,
    Begindatum=DATE,
    RedenBeeindiging=TEXT,
    Einddatum=DATE,
    StatusAanlevering=TEXT,
    RetourCodes=CODES,
)
STOP_CLIENT = klasse(StopClient, **_CLIENT, StopProducten=Many("StopProduct", STOP_PRODUCT))
AANGEVRAAGD_PRODUCT = klasse(
    AangevraagdProduct,
    ReferentieAanbieder=TEXT,
    BeschikkingNummer=INTEGER,
    Product=PRODUCT,
    BeschikkingIngangsdatum=DATE,
    ToewijzingIngangsdatum=DATE,
    ToewijzingEinddatum=DATE,
    Omvang=OMVANG,
    Budget=INTEGER,
    Verwijzer=VERWIJZER,
    Raamcontract=OPT_TEXT,
    Commentaar=OPT_TEXT,
    RetourCodes=CODES,
)
VERZOEK_TOEWIJZING_CLIENT = klasse(
    VerzoekToewijzingClient,
    **_CLIENT,
    GezagsdragerBekend=OPT_TEXT,
    Commentaar=OPT_TEXT,
    AangevraagdeProducten=Many("AangevraagdProduct", AANGEVRAAGD_PRODUCT),
)

# --- verzoek om wijziging and antwoord ------------------------------------------------------------

ONGEWIJZIGD_PRODUCT = klasse(OngewijzigdProduct, ToewijzingNummer=INTEGER, RetourCodes=CODES)
TE_WIJZIGEN_PRODUCT = klasse(
    TeWijzigenProduct,
    ToewijzingNummer=INTEGER,
    GewensteIngangsdatum=DATE,
    Einddatum=DATE,
    Omvang=OMVANG,
    Budget=INTEGER,
    RetourCodes=CODES,
)
NIEUW_PRODUCT = klasse(
    NieuwProduct,
    Product=PRODUCT,
    GewensteIngangsdatum=DATE,
    Einddatum=DATE,
    Omvang=OMVANG,
    Budget=INTEGER,
    RetourCodes=CODES,
)
VERZOEK = klasse(
    Verzoek,
    ReferentieAanbieder=TEXT,
    RedenVerzoek=TEXT,
    OngewijzigdeProducten=Many("OngewijzigdProduct", ONGEWIJZIGD_PRODUCT),
    TeWijzigenProducten=Many("TeWijzigenProduct", TE_WIJZIGEN_PRODUCT),
    NieuweProducten=Many("NieuwProduct", NIEUW_PRODUCT),
    RetourCodes=CODES,
)
VERZOEK_WIJZIGING_CLIENT = klasse(VerzoekWijzigingClient, Bsn=TEXT, Verzoek=VERZOEK, RetourCodes=CODES)
WOONPLAATSBEGINSEL = klasse(Woonplaatsbeginsel, Gemeente=TEXT, RetourCodes=CODES)
ANTWOORD = klasse(
    Antwoord,
    ReferentieAanbieder=TEXT,
    VerzoekAntwoord=TEXT,
    RedenAfwijzingVerzoek=OPT_TEXT,
    Woonplaatsbeginsel=WOONPLAATSBEGINSEL,
    RetourCodes=CODES,
)

# --- declaratie -----------------------------------------------------------------------------------

PRESTATIE = klasse(
    Prestatie,
    ProductReferentie=REFERENTIE,
    ToewijzingNummer=INTEGER,
    ProductCategorie=TEXT,
    ProductCode=TEXT,
    ProductPeriode=PERIODE,
    GeleverdVolume=INTEGER,
    Eenheid=TEXT,
    ProductTarief=INTEGER,
    IngediendBedrag=BEDRAG,
    RetourCodes=CODES,
)
DECLARATIE_CLIENT = klasse(
    DeclaratieClient, Bsn=TEXT, Prestaties=Many("Prestatie", PRESTATIE), RetourCodes=CODES
)
DECLARATIE = klasse(
    Declaratie,
    DeclaratieNummer=TEXT,
    DeclaratiePeriode=PERIODE,
    DeclaratieDagtekening=DATE,
    TotaalIngediendBedrag=TOTAAL_BEDRAG,
    Clienten=Many("Client", DECLARATIE_CLIENT),
)
DECLARATIE_ANTWOORD = klasse(
    DeclaratieAntwoord,
    DeclaratieNummer=TEXT,
    TotaalIngediendBedrag=TOTAAL_BEDRAG,
    TotaalToegekendBedrag=TOTAAL_BEDRAG,
    Clienten=Many("Client", DECLARATIE_CLIENT),
    RetourCodes=CODES,
)
