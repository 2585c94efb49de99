"""Read a schema-valid iJw message (a `Doc`) into its typed model: one small reader per berichtklasse.

Hot path, so each class element is scanned once into a name -> child map and every value is read from
there; no XPath, no repeated child searches. The models are built with their normal constructors: in
pydantic 2 those run in the compiled core and beat `model_construct`, and strict mode keeps types honest.
A retour reuses the heenbericht's readers; `RetourCodes` is simply absent (empty) in a heenbericht.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import TypedDict, TypeVar

from hub.ijw.doc import Doc, Element, children, local
from hub.ijw.models import (
    AangevraagdProduct,
    Achternaam,
    Adres,
    Antwoord,
    Bedrag,
    Bericht,
    Communicatie,
    Contact,
    Declaratie,
    DeclaratieAntwoord,
    DeclaratieAntwoordHeader,
    DeclaratieClient,
    Header,
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

T = TypeVar("T")
Kids = dict[str, Element]


class ExtractError(ValueError):
    """The tree lacks what its schema guarantees: extract was given a message that was not XSD-checked."""


# --- reading values -------------------------------------------------------------------------------


def _kids(el: Element) -> Kids:
    """Children by local name: within one class names are unique (repeats sit in wrapper elements)."""
    # Inline rather than doc.local(): this runs for every class element and the call costs half the time.
    return {c.tag.rpartition("}")[2]: c for c in el if isinstance(c.tag, str)}


# The value readers keep doc.text()'s contract (whitespace collapsed, blank is None) but collapse with
# str.split, which does in C what the regex does; a missing required element surfaces as KeyError.


def _value(el: Element) -> str:
    t = el.text
    return " ".join(t.split()) if t else ""


def _str(k: Kids, name: str) -> str:
    # Blank is schema-valid for the few types without the non-blank pattern (LDT_ReferentieNummer).
    return _value(k[name])


def _opt_str(k: Kids, name: str) -> str | None:
    el = k.get(name)
    return None if el is None else _value(el) or None


def _to_date(el: Element, name: str) -> date:
    try:
        return date.fromisoformat((el.text or "").strip())
    except ValueError as exc:
        raise ExtractError(f"{name} is not a date") from exc


def _date(k: Kids, name: str) -> date:
    return _to_date(k[name], name)


def _opt_date(k: Kids, name: str) -> date | None:
    el = k.get(name)
    return None if el is None else _to_date(el, name)


def _to_int(el: Element, name: str) -> int:
    try:
        return int(el.text or "")  # int() takes the leading zeros, "+" and whitespace xs:integer allows
    except ValueError as exc:
        raise ExtractError(f"{name} is not an integer") from exc


def _int(k: Kids, name: str) -> int:
    return _to_int(k[name], name)


def _opt_int(k: Kids, name: str) -> int | None:
    el = k.get(name)
    return None if el is None else _to_int(el, name)


def _time(k: Kids, name: str) -> time:
    value = _str(k, name)
    # xs:time allows 24:00:00 as another spelling of midnight (XSD 1.0 part 2, 3.2.8).
    if value.startswith("24:00:00"):
        return time(0, 0)
    try:
        return time.fromisoformat(value)
    except ValueError as exc:
        raise ExtractError(f"{name} is not a time") from exc


def _codes(k: Kids) -> tuple[str, ...]:
    el = k.get("RetourCodes")
    return () if el is None else tuple(_value(c) for c in el if isinstance(c.tag, str))


def _opt(k: Kids, name: str, read: Callable[[Element], T]) -> T | None:
    el = k.get(name)
    return None if el is None else read(el)


def _each(k: Kids, wrapper: str, item: str, read: Callable[[Element], T]) -> tuple[T, ...]:
    el = k.get(wrapper)
    return () if el is None else tuple(read(c) for c in children(el, item))


# --- basisschema composites -----------------------------------------------------------------------


def _xsd_versie(el: Element) -> XsdVersie:
    k = _kids(el)
    return XsdVersie(
        basisschema_xsd_versie=_str(k, "BasisschemaXsdVersie"), bericht_xsd_versie=_str(k, "BerichtXsdVersie")
    )


def _achternaam(el: Element) -> Achternaam:
    k = _kids(el)
    return Achternaam(achternaam=_str(k, "Achternaam"), voorvoegsel=_opt_str(k, "Voorvoegsel"))


def _naam(el: Element) -> Naam:
    k = _kids(el)
    return Naam(
        geslachtsnaam=_achternaam(k["Geslachtsnaam"]),
        partnernaam=_opt(k, "Partnernaam", _achternaam),
        voornamen=_opt_str(k, "Voornamen"),
        voorletters=_opt_str(k, "Voorletters"),
        naam_gebruik=_opt_str(k, "NaamGebruik"),
    )


def _product(el: Element) -> Product:
    k = _kids(el)
    return Product(categorie=_str(k, "Categorie"), code=_opt_str(k, "Code"))


def _omvang(el: Element) -> Omvang:
    k = _kids(el)
    return Omvang(volume=_int(k, "Volume"), eenheid=_str(k, "Eenheid"), frequentie=_str(k, "Frequentie"))


def _periode(el: Element) -> Periode:
    k = _kids(el)
    return Periode(begindatum=_date(k, "Begindatum"), einddatum=_date(k, "Einddatum"))


def _open_periode(el: Element) -> OpenPeriode:
    k = _kids(el)
    return OpenPeriode(begindatum=_opt_date(k, "Begindatum"), einddatum=_opt_date(k, "Einddatum"))


def _bedrag(el: Element) -> Bedrag:
    k = _kids(el)
    return Bedrag(bedrag=_int(k, "Bedrag"), debet_credit=_str(k, "DebetCredit"))


def _totaal_bedrag(el: Element) -> TotaalBedrag:
    k = _kids(el)
    return TotaalBedrag(totaal_bedrag=_int(k, "TotaalBedrag"), debet_credit=_str(k, "DebetCredit"))


def _referentie(el: Element) -> Referentie:
    k = _kids(el)
    return Referentie(
        referentie_nummer=_str(k, "ReferentieNummer"),
        vorig_referentie_nummer=_opt_str(k, "VorigReferentieNummer"),
    )


def _verwijzer(el: Element) -> Verwijzer:
    k = _kids(el)
    return Verwijzer(
        type=_str(k, "Type"), naam=_opt_str(k, "Naam"), zorgverlener_code=_opt_str(k, "ZorgverlenerCode")
    )


def _communicatie(el: Element) -> Communicatie:
    k = _kids(el)
    return Communicatie(vorm=_str(k, "Vorm"), taal=_opt_str(k, "Taal"))


def _huis(el: Element) -> Huis:
    k = _kids(el)
    return Huis(
        huisnummer=_int(k, "Huisnummer"),
        huisletter=_opt_str(k, "Huisletter"),
        huisnummer_toevoeging=_opt_str(k, "HuisnummerToevoeging"),
        aanduiding_woonadres=_opt_str(k, "AanduidingWoonadres"),
    )


def _adres(el: Element) -> Adres:
    k = _kids(el)
    return Adres(
        huis=_opt(k, "Huis", _huis),
        postcode=_opt_str(k, "Postcode"),
        straatnaam=_opt_str(k, "Straatnaam"),
        plaatsnaam=_opt_str(k, "Plaatsnaam"),
        land_code=_opt_str(k, "LandCode"),
    )


def _telefoon(el: Element) -> Telefoon:
    k = _kids(el)
    return Telefoon(telefoonnummer=_str(k, "Telefoonnummer"), landnummer=_str(k, "Landnummer"))


# --- headers --------------------------------------------------------------------------------------


class _HeaderFields(TypedDict):
    bericht_code: str
    bericht_versie: int
    bericht_subversie: int
    afzender: str
    ontvanger: str
    identificatie: str
    dagtekening: date
    xsd_versie: XsdVersie


def _header_fields(k: Kids) -> _HeaderFields:
    ident = _kids(k["BerichtIdentificatie"])
    return _HeaderFields(
        bericht_code=_str(k, "BerichtCode"),
        bericht_versie=_int(k, "BerichtVersie"),
        bericht_subversie=_int(k, "BerichtSubversie"),
        afzender=_str(k, "Afzender"),
        ontvanger=_str(k, "Ontvanger"),
        identificatie=_str(ident, "Identificatie"),
        dagtekening=_date(ident, "Dagtekening"),
        xsd_versie=_xsd_versie(k["XsdVersie"]),
    )


def _header(el: Element) -> Header:
    return Header(**_header_fields(_kids(el)))


def _retour_header(el: Element) -> RetourHeader:
    k = _kids(el)
    return RetourHeader(
        **_header_fields(k),
        identificatie_retour=_str(k, "IdentificatieRetour"),
        dagtekening_retour=_date(k, "DagtekeningRetour"),
        xslt_versie=_opt_str(k, "XsltVersie"),
        xsd_versie_retour=_xsd_versie(k["XsdVersieRetour"]),
        retour_codes=_codes(k),
    )


def _declaratie_antwoord_header(el: Element) -> DeclaratieAntwoordHeader:
    k = _kids(el)
    declaratie = _kids(k["DeclaratieIdentificatie"])
    return DeclaratieAntwoordHeader(
        **_header_fields(k),
        declaratie_identificatie=_str(declaratie, "Identificatie"),
        declaratie_dagtekening=_date(declaratie, "Dagtekening"),
        xslt_versie=_opt_str(k, "XsltVersie"),
        xsd_versie_declaratie=_xsd_versie(k["XsdVersieDeclaratie"]),
        retour_codes=_codes(k),
    )


# --- client ---------------------------------------------------------------------------------------


class _ClientFields(TypedDict):
    bsn: str
    geboortedatum: date
    datum_gebruik: str | None
    geslacht: str
    naam: Naam
    retour_codes: tuple[str, ...]


def _client_fields(k: Kids) -> _ClientFields:
    geboorte = _kids(k["Geboortedatum"])
    return _ClientFields(
        bsn=_str(k, "Bsn"),
        geboortedatum=_date(geboorte, "Datum"),
        datum_gebruik=_opt_str(geboorte, "DatumGebruik"),
        geslacht=_str(k, "Geslacht"),
        naam=_naam(k["Naam"]),
        retour_codes=_codes(k),
    )


def _contact(el: Element) -> Contact:
    k = _kids(el)
    tel = k.get("Telefoon")
    return Contact(
        soort=_str(k, "Soort"),
        adres=_opt(k, "Adres", _adres),
        organisatie=_opt_str(k, "Organisatie"),
        # Telefoon01 then Telefoon02, the only children of Telefoon.
        telefoon=() if tel is None else tuple(_telefoon(c) for c in tel if local(c).startswith("Telefoon")),
        emailadres=_opt_str(k, "Emailadres"),
        periode=_opt(k, "Periode", _open_periode),
        retour_codes=_codes(k),
    )


def _relatie(el: Element) -> Relatie:
    k = _kids(el)
    geboorte = k.get("Geboortedatum")
    gk = {} if geboorte is None else _kids(geboorte)
    return Relatie(
        nummer=_str(k, "Nummer"),
        volgorde=_opt_int(k, "Volgorde"),
        soort=_str(k, "Soort"),
        geboortedatum=_opt_date(gk, "Datum"),
        datum_gebruik=_opt_str(gk, "DatumGebruik"),
        geslacht=_opt_str(k, "Geslacht"),
        naam=_naam(k["Naam"]),
        contact=_contact(k["Contact"]),
        retour_codes=_codes(k),
    )


def _toegewezen_product(el: Element) -> ToegewezenProduct:
    k = _kids(el)
    return ToegewezenProduct(
        toewijzing_nummer=_int(k, "ToewijzingNummer"),
        referentie_aanbieder=_opt_str(k, "ReferentieAanbieder"),
        product=_opt(k, "Product", _product),
        toewijzingsdatum=_date(k, "Toewijzingsdatum"),
        toewijzingstijd=_time(k, "Toewijzingstijd"),
        ingangsdatum=_date(k, "Ingangsdatum"),
        einddatum=_opt_date(k, "Einddatum"),
        reden_wijziging=_opt_str(k, "RedenWijziging"),
        omvang=_opt(k, "Omvang", _omvang),
        budget=_opt_int(k, "Budget"),
        commentaar=_opt_str(k, "Commentaar"),
        retour_codes=_codes(k),
    )


def _toewijzing_client(el: Element) -> ToewijzingClient:
    k = _kids(el)
    return ToewijzingClient(
        **_client_fields(k),
        communicatie=_opt(k, "Communicatie", _communicatie),
        juridische_status=_opt_str(k, "JuridischeStatus"),
        wettelijke_vertegenwoordiging=_opt_str(k, "WettelijkeVertegenwoordiging"),
        commentaar=_opt_str(k, "Commentaar"),
        relaties=_each(k, "Relaties", "Relatie", _relatie),
        contactgegevens=_each(k, "Contactgegevens", "Contact", _contact),
        toegewezen_producten=_each(k, "ToegewezenProducten", "ToegewezenProduct", _toegewezen_product),
    )


def _start_product(el: Element) -> StartProduct:
    k = _kids(el)
    return StartProduct(
        toewijzing_nummer=_opt_int(k, "ToewijzingNummer"),
        product=_opt(k, "Product", _product),
        toewijzing_ingangsdatum=_opt_date(k, "ToewijzingIngangsdatum"),
        begindatum=_date(k, "Begindatum"),
        status_aanlevering=_str(k, "StatusAanlevering"),
        retour_codes=_codes(k),
    )


def _start_client(el: Element) -> StartClient:
    k = _kids(el)
    return StartClient(
        **_client_fields(k), start_producten=_each(k, "StartProducten", "StartProduct", _start_product)
    )


def _stop_product(el: Element) -> StopProduct:
    k = _kids(el)
    return StopProduct(
        toewijzing_nummer=_opt_int(k, "ToewijzingNummer"),
        product=_opt(k, "Product", _product),
        toewijzing_ingangsdatum=_opt_date(k, "ToewijzingIngangsdatum"),
        begindatum=_date(k, "Begindatum"),
        reden_beeindiging=_str(k, "RedenBeeindiging"),
        einddatum=_date(k, "Einddatum"),
        status_aanlevering=_str(k, "StatusAanlevering"),
        retour_codes=_codes(k),
    )


def _stop_client(el: Element) -> StopClient:
    k = _kids(el)
    return StopClient(
        **_client_fields(k), stop_producten=_each(k, "StopProducten", "StopProduct", _stop_product)
    )


def _aangevraagd_product(el: Element) -> AangevraagdProduct:
    k = _kids(el)
    return AangevraagdProduct(
        referentie_aanbieder=_str(k, "ReferentieAanbieder"),
        beschikking_nummer=_opt_int(k, "BeschikkingNummer"),
        product=_opt(k, "Product", _product),
        beschikking_ingangsdatum=_opt_date(k, "BeschikkingIngangsdatum"),
        toewijzing_ingangsdatum=_date(k, "ToewijzingIngangsdatum"),
        toewijzing_einddatum=_opt_date(k, "ToewijzingEinddatum"),
        omvang=_opt(k, "Omvang", _omvang),
        budget=_opt_int(k, "Budget"),
        verwijzer=_verwijzer(k["Verwijzer"]),
        raamcontract=_opt_str(k, "Raamcontract"),
        commentaar=_opt_str(k, "Commentaar"),
        retour_codes=_codes(k),
    )


def _verzoek_toewijzing_client(el: Element) -> VerzoekToewijzingClient:
    k = _kids(el)
    return VerzoekToewijzingClient(
        **_client_fields(k),
        gezagsdrager_bekend=_opt_str(k, "GezagsdragerBekend"),
        commentaar=_opt_str(k, "Commentaar"),
        aangevraagde_producten=_each(k, "AangevraagdeProducten", "AangevraagdProduct", _aangevraagd_product),
    )


# --- verzoek om wijziging and antwoord ------------------------------------------------------------


def _ongewijzigd_product(el: Element) -> OngewijzigdProduct:
    k = _kids(el)
    return OngewijzigdProduct(toewijzing_nummer=_int(k, "ToewijzingNummer"), retour_codes=_codes(k))


def _te_wijzigen_product(el: Element) -> TeWijzigenProduct:
    k = _kids(el)
    return TeWijzigenProduct(
        toewijzing_nummer=_int(k, "ToewijzingNummer"),
        gewenste_ingangsdatum=_date(k, "GewensteIngangsdatum"),
        einddatum=_opt_date(k, "Einddatum"),
        omvang=_opt(k, "Omvang", _omvang),
        budget=_opt_int(k, "Budget"),
        retour_codes=_codes(k),
    )


def _nieuw_product(el: Element) -> NieuwProduct:
    k = _kids(el)
    return NieuwProduct(
        product=_opt(k, "Product", _product),
        gewenste_ingangsdatum=_date(k, "GewensteIngangsdatum"),
        einddatum=_opt_date(k, "Einddatum"),
        omvang=_opt(k, "Omvang", _omvang),
        budget=_opt_int(k, "Budget"),
        retour_codes=_codes(k),
    )


def _verzoek(el: Element) -> Verzoek:
    k = _kids(el)
    return Verzoek(
        referentie_aanbieder=_str(k, "ReferentieAanbieder"),
        reden_verzoek=_str(k, "RedenVerzoek"),
        ongewijzigde_producten=_each(k, "OngewijzigdeProducten", "OngewijzigdProduct", _ongewijzigd_product),
        te_wijzigen_producten=_each(k, "TeWijzigenProducten", "TeWijzigenProduct", _te_wijzigen_product),
        nieuwe_producten=_each(k, "NieuweProducten", "NieuwProduct", _nieuw_product),
        retour_codes=_codes(k),
    )


def _verzoek_wijziging_client(el: Element) -> VerzoekWijzigingClient:
    k = _kids(el)
    return VerzoekWijzigingClient(bsn=_str(k, "Bsn"), verzoek=_verzoek(k["Verzoek"]), retour_codes=_codes(k))


def _woonplaatsbeginsel(el: Element) -> Woonplaatsbeginsel:
    k = _kids(el)
    return Woonplaatsbeginsel(gemeente=_str(k, "Gemeente"), retour_codes=_codes(k))


def _antwoord(el: Element) -> Antwoord:
    k = _kids(el)
    return Antwoord(
        referentie_aanbieder=_str(k, "ReferentieAanbieder"),
        verzoek_antwoord=_str(k, "VerzoekAntwoord"),
        reden_afwijzing_verzoek=_opt_str(k, "RedenAfwijzingVerzoek"),
        woonplaatsbeginsel=_opt(k, "Woonplaatsbeginsel", _woonplaatsbeginsel),
        retour_codes=_codes(k),
    )


# --- declaratie -----------------------------------------------------------------------------------


def _prestatie(el: Element) -> Prestatie:
    k = _kids(el)
    return Prestatie(
        product_referentie=_referentie(k["ProductReferentie"]),
        toewijzing_nummer=_int(k, "ToewijzingNummer"),
        product_categorie=_str(k, "ProductCategorie"),
        product_code=_str(k, "ProductCode"),
        product_periode=_periode(k["ProductPeriode"]),
        geleverd_volume=_int(k, "GeleverdVolume"),
        eenheid=_str(k, "Eenheid"),
        product_tarief=_opt_int(k, "ProductTarief"),
        ingediend_bedrag=_bedrag(k["IngediendBedrag"]),
        retour_codes=_codes(k),
    )


def _declaratie_client(el: Element) -> DeclaratieClient:
    k = _kids(el)
    return DeclaratieClient(
        bsn=_str(k, "Bsn"), prestaties=_each(k, "Prestaties", "Prestatie", _prestatie), retour_codes=_codes(k)
    )


def _declaratie(el: Element) -> Declaratie:
    k = _kids(el)
    return Declaratie(
        declaratie_nummer=_str(k, "DeclaratieNummer"),
        declaratie_periode=_periode(k["DeclaratiePeriode"]),
        declaratie_dagtekening=_date(k, "DeclaratieDagtekening"),
        totaal_ingediend_bedrag=_totaal_bedrag(k["TotaalIngediendBedrag"]),
        clienten=_each(k, "Clienten", "Client", _declaratie_client),
    )


def _declaratie_antwoord(el: Element) -> DeclaratieAntwoord:
    k = _kids(el)
    return DeclaratieAntwoord(
        declaratie_nummer=_str(k, "DeclaratieNummer"),
        totaal_ingediend_bedrag=_totaal_bedrag(k["TotaalIngediendBedrag"]),
        totaal_toegekend_bedrag=_totaal_bedrag(k["TotaalToegekendBedrag"]),
        clienten=_each(k, "Clienten", "Client", _declaratie_client),
        retour_codes=_codes(k),
    )


# --- messages -------------------------------------------------------------------------------------


def _jw301(k: Kids) -> Jw301:
    return Jw301(header=_header(k["Header"]), client=_toewijzing_client(k["Client"]))


def _jw302(k: Kids) -> Jw302:
    return Jw302(header=_retour_header(k["Header"]), client=_opt(k, "Client", _toewijzing_client))


def _jw305(k: Kids) -> Jw305:
    return Jw305(header=_header(k["Header"]), client=_start_client(k["Client"]))


def _jw306(k: Kids) -> Jw306:
    return Jw306(header=_retour_header(k["Header"]), client=_opt(k, "Client", _start_client))


def _jw307(k: Kids) -> Jw307:
    return Jw307(header=_header(k["Header"]), client=_stop_client(k["Client"]))


def _jw308(k: Kids) -> Jw308:
    return Jw308(header=_retour_header(k["Header"]), client=_opt(k, "Client", _stop_client))


def _jw315(k: Kids) -> Jw315:
    return Jw315(header=_header(k["Header"]), client=_verzoek_toewijzing_client(k["Client"]))


def _jw316(k: Kids) -> Jw316:
    return Jw316(header=_retour_header(k["Header"]), client=_opt(k, "Client", _verzoek_toewijzing_client))


def _jw317(k: Kids) -> Jw317:
    return Jw317(header=_header(k["Header"]), client=_verzoek_wijziging_client(k["Client"]))


def _jw318(k: Kids) -> Jw318:
    return Jw318(header=_retour_header(k["Header"]), client=_opt(k, "Client", _verzoek_wijziging_client))


def _jw319(k: Kids) -> Jw319:
    return Jw319(header=_header(k["Header"]), antwoord=_antwoord(k["Antwoord"]))


def _jw320(k: Kids) -> Jw320:
    return Jw320(header=_retour_header(k["Header"]), antwoord=_opt(k, "Antwoord", _antwoord))


def _jw323(k: Kids) -> Jw323:
    return Jw323(header=_header(k["Header"]), declaratie=_declaratie(k["Declaratie"]))


def _jw325(k: Kids) -> Jw325:
    return Jw325(
        header=_declaratie_antwoord_header(k["Header"]),
        declaratie_antwoord=_opt(k, "DeclaratieAntwoord", _declaratie_antwoord),
    )


_READERS: dict[str, Callable[[Kids], Bericht]] = {
    "JW301": _jw301,
    "JW302": _jw302,
    "JW305": _jw305,
    "JW306": _jw306,
    "JW307": _jw307,
    "JW308": _jw308,
    "JW315": _jw315,
    "JW316": _jw316,
    "JW317": _jw317,
    "JW318": _jw318,
    "JW319": _jw319,
    "JW320": _jw320,
    "JW323": _jw323,
    "JW325": _jw325,
}


def extract(doc: Doc) -> Bericht:
    """The typed model of a schema-valid message; raises ExtractError only when the XSD check was skipped."""
    read = _READERS[doc.bericht]
    try:
        return read(_kids(doc.root))
    except KeyError as exc:
        raise ExtractError(f"required element {exc.args[0]} is missing") from None
