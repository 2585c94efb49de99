"""Read a schema-valid iJw message (a `Doc`) into its typed model: one small reader per berichtklasse.

Hot path, so every value is read from the children-by-name map that the Doc made in its one walk over the
tree (`Doc.kids_map`, passed to the readers as `m`); no XPath, no repeated child searches, no second pass
over the tags. The readers return each class's fields as a plain dict, keyed by the model's field names,
and the message's model is made from them in one `model_validate` call: pydantic 2 then builds every nested
model in its compiled core, which costs a fraction of one constructor call per class (a JW301 has some 40
classes), and strict mode still checks every type.
A retour reuses the heenbericht's readers; `RetourCodes` is simply absent (empty) in a heenbericht.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import TypeVar

from hub.ijw.doc import Doc, Element, Kids, local
from hub.ijw.models import (
    Bericht,
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
)

T = TypeVar("T")


class ExtractError(ValueError):
    """The tree lacks what its schema guarantees: extract was given a message that was not XSD-checked."""


# --- reading values -------------------------------------------------------------------------------

# A class element's children by local name (namespaced ones: a schema-valid message has no others). Within
# one class names are unique (repeats sit in wrapper elements); were one repeated anyway, the last is read.
# The value readers keep doc.text()'s contract (whitespace collapsed, blank is None) but collapse with
# str.split, which does in C what the regex does; a missing required element surfaces as KeyError.


KidsMap = dict[Element, Kids]
Fields = dict[str, object]  # one class's fields by the model's field names, for model_validate
_NO_KIDS: Kids = {}


def _value(el: Element) -> str:
    t = el.text
    return " ".join(t.split()) if t else ""


def _str(k: Kids, name: str) -> str:
    # Blank is schema-valid for the few types without the non-blank pattern (LDT_ReferentieNummer).
    t = k[name][-1].text  # _value() written out here and below: these run for every value
    return " ".join(t.split()) if t else ""


def _opt_str(k: Kids, name: str) -> str | None:
    found = k.get(name)
    if found is None:
        return None
    t = found[-1].text
    return (" ".join(t.split()) or None) if t else None


def _to_date(el: Element, name: str) -> date:
    try:
        return date.fromisoformat((el.text or "").strip())
    except ValueError as exc:
        raise ExtractError(f"{name} is not a date") from exc


def _date(k: Kids, name: str) -> date:
    return _to_date(k[name][-1], name)


def _opt_date(k: Kids, name: str) -> date | None:
    found = k.get(name)
    return None if found is None else _to_date(found[-1], name)


def _to_int(el: Element, name: str) -> int:
    try:
        return int(el.text or "")  # int() takes the leading zeros, "+" and whitespace xs:integer allows
    except ValueError as exc:
        raise ExtractError(f"{name} is not an integer") from exc


def _int(k: Kids, name: str) -> int:
    return _to_int(k[name][-1], name)


def _opt_int(k: Kids, name: str) -> int | None:
    found = k.get(name)
    return None if found is None else _to_int(found[-1], name)


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
    found = k.get("RetourCodes")
    return () if found is None else tuple([_value(c) for c in found[-1] if isinstance(c.tag, str)])


def _opt(m: KidsMap, k: Kids, name: str, read: Callable[[KidsMap, Element], T]) -> T | None:
    found = k.get(name)
    return None if found is None else read(m, found[-1])


def _each(
    m: KidsMap, k: Kids, wrapper: str, item: str, read: Callable[[KidsMap, Element], T]
) -> tuple[T, ...]:
    found = k.get(wrapper)
    # tuple() of a list: CPython makes it faster than one of a generator, and strict models want tuples.
    return () if found is None else tuple([read(m, c) for c in m.get(found[-1], _NO_KIDS).get(item, ())])


# --- basisschema composites -----------------------------------------------------------------------


def _xsd_versie(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "basisschema_xsd_versie": _str(k, "BasisschemaXsdVersie"),
        "bericht_xsd_versie": _str(k, "BerichtXsdVersie"),
    }


def _achternaam(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {"achternaam": _str(k, "Achternaam"), "voorvoegsel": _opt_str(k, "Voorvoegsel")}


def _naam(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "geslachtsnaam": _achternaam(m, k["Geslachtsnaam"][-1]),
        "partnernaam": _opt(m, k, "Partnernaam", _achternaam),
        "voornamen": _opt_str(k, "Voornamen"),
        "voorletters": _opt_str(k, "Voorletters"),
        "naam_gebruik": _opt_str(k, "NaamGebruik"),
    }


def _product(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {"categorie": _str(k, "Categorie"), "code": _opt_str(k, "Code")}


def _omvang(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {"volume": _int(k, "Volume"), "eenheid": _str(k, "Eenheid"), "frequentie": _str(k, "Frequentie")}


def _periode(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {"begindatum": _date(k, "Begindatum"), "einddatum": _date(k, "Einddatum")}


def _open_periode(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {"begindatum": _opt_date(k, "Begindatum"), "einddatum": _opt_date(k, "Einddatum")}


def _bedrag(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {"bedrag": _int(k, "Bedrag"), "debet_credit": _str(k, "DebetCredit")}


def _totaal_bedrag(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {"totaal_bedrag": _int(k, "TotaalBedrag"), "debet_credit": _str(k, "DebetCredit")}


def _referentie(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "referentie_nummer": _str(k, "ReferentieNummer"),
        "vorig_referentie_nummer": _opt_str(k, "VorigReferentieNummer"),
    }


def _verwijzer(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "type": _str(k, "Type"),
        "naam": _opt_str(k, "Naam"),
        "zorgverlener_code": _opt_str(k, "ZorgverlenerCode"),
    }


def _communicatie(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {"vorm": _str(k, "Vorm"), "taal": _opt_str(k, "Taal")}


def _huis(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "huisnummer": _int(k, "Huisnummer"),
        "huisletter": _opt_str(k, "Huisletter"),
        "huisnummer_toevoeging": _opt_str(k, "HuisnummerToevoeging"),
        "aanduiding_woonadres": _opt_str(k, "AanduidingWoonadres"),
    }


def _adres(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "huis": _opt(m, k, "Huis", _huis),
        "postcode": _opt_str(k, "Postcode"),
        "straatnaam": _opt_str(k, "Straatnaam"),
        "plaatsnaam": _opt_str(k, "Plaatsnaam"),
        "land_code": _opt_str(k, "LandCode"),
    }


def _telefoon(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {"telefoonnummer": _str(k, "Telefoonnummer"), "landnummer": _str(k, "Landnummer")}


# --- headers --------------------------------------------------------------------------------------


def _header_fields(m: KidsMap, k: Kids) -> Fields:
    ident = m.get(k["BerichtIdentificatie"][-1], _NO_KIDS)
    return {
        "bericht_code": _str(k, "BerichtCode"),
        "bericht_versie": _int(k, "BerichtVersie"),
        "bericht_subversie": _int(k, "BerichtSubversie"),
        "afzender": _str(k, "Afzender"),
        "ontvanger": _str(k, "Ontvanger"),
        "identificatie": _str(ident, "Identificatie"),
        "dagtekening": _date(ident, "Dagtekening"),
        "xsd_versie": _xsd_versie(m, k["XsdVersie"][-1]),
    }


def _header(m: KidsMap, el: Element) -> Fields:
    return _header_fields(m, m.get(el, _NO_KIDS))


def _retour_header(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        **_header_fields(m, k),
        "identificatie_retour": _str(k, "IdentificatieRetour"),
        "dagtekening_retour": _date(k, "DagtekeningRetour"),
        "xslt_versie": _opt_str(k, "XsltVersie"),
        "xsd_versie_retour": _xsd_versie(m, k["XsdVersieRetour"][-1]),
        "retour_codes": _codes(k),
    }


def _declaratie_antwoord_header(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    declaratie = m.get(k["DeclaratieIdentificatie"][-1], _NO_KIDS)
    return {
        **_header_fields(m, k),
        "declaratie_identificatie": _str(declaratie, "Identificatie"),
        "declaratie_dagtekening": _date(declaratie, "Dagtekening"),
        "xslt_versie": _opt_str(k, "XsltVersie"),
        "xsd_versie_declaratie": _xsd_versie(m, k["XsdVersieDeclaratie"][-1]),
        "retour_codes": _codes(k),
    }


# --- client ---------------------------------------------------------------------------------------


def _client_fields(m: KidsMap, k: Kids) -> Fields:
    geboorte = m.get(k["Geboortedatum"][-1], _NO_KIDS)
    return {
        "bsn": _str(k, "Bsn"),
        "geboortedatum": _date(geboorte, "Datum"),
        "datum_gebruik": _opt_str(geboorte, "DatumGebruik"),
        "geslacht": _str(k, "Geslacht"),
        "naam": _naam(m, k["Naam"][-1]),
        "retour_codes": _codes(k),
    }


def _contact(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    tel = k["Telefoon"][-1] if "Telefoon" in k else None
    return {
        "soort": _str(k, "Soort"),
        "adres": _opt(m, k, "Adres", _adres),
        "organisatie": _opt_str(k, "Organisatie"),
        "telefoon": ()
        if tel is None
        else tuple(_telefoon(m, c) for c in tel if local(c).startswith("Telefoon")),
        "emailadres": _opt_str(k, "Emailadres"),
        "periode": _opt(m, k, "Periode", _open_periode),
        "retour_codes": _codes(k),
    }


def _relatie(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    gk = m.get(k["Geboortedatum"][-1], _NO_KIDS) if "Geboortedatum" in k else _NO_KIDS
    return {
        "nummer": _str(k, "Nummer"),
        "volgorde": _opt_int(k, "Volgorde"),
        "soort": _str(k, "Soort"),
        "geboortedatum": _opt_date(gk, "Datum"),
        "datum_gebruik": _opt_str(gk, "DatumGebruik"),
        "geslacht": _opt_str(k, "Geslacht"),
        "naam": _naam(m, k["Naam"][-1]),
        "contact": _contact(m, k["Contact"][-1]),
        "retour_codes": _codes(k),
    }


def _toegewezen_product(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "toewijzing_nummer": _int(k, "ToewijzingNummer"),
        "referentie_aanbieder": _opt_str(k, "ReferentieAanbieder"),
        "product": _opt(m, k, "Product", _product),
        "toewijzingsdatum": _date(k, "Toewijzingsdatum"),
        "toewijzingstijd": _time(k, "Toewijzingstijd"),
        "ingangsdatum": _date(k, "Ingangsdatum"),
        "einddatum": _opt_date(k, "Einddatum"),
        "reden_wijziging": _opt_str(k, "RedenWijziging"),
        "omvang": _opt(m, k, "Omvang", _omvang),
        "budget": _opt_int(k, "Budget"),
        "commentaar": _opt_str(k, "Commentaar"),
        "retour_codes": _codes(k),
    }


def _toewijzing_client(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        **_client_fields(m, k),
        "communicatie": _opt(m, k, "Communicatie", _communicatie),
        "juridische_status": _opt_str(k, "JuridischeStatus"),
        "wettelijke_vertegenwoordiging": _opt_str(k, "WettelijkeVertegenwoordiging"),
        "commentaar": _opt_str(k, "Commentaar"),
        "relaties": _each(m, k, "Relaties", "Relatie", _relatie),
        "contactgegevens": _each(m, k, "Contactgegevens", "Contact", _contact),
        "toegewezen_producten": _each(m, k, "ToegewezenProducten", "ToegewezenProduct", _toegewezen_product),
    }


def _start_product(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "toewijzing_nummer": _opt_int(k, "ToewijzingNummer"),
        "product": _opt(m, k, "Product", _product),
        "toewijzing_ingangsdatum": _opt_date(k, "ToewijzingIngangsdatum"),
        "begindatum": _date(k, "Begindatum"),
        "status_aanlevering": _str(k, "StatusAanlevering"),
        "retour_codes": _codes(k),
    }


def _start_client(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        **_client_fields(m, k),
        "start_producten": _each(m, k, "StartProducten", "StartProduct", _start_product),
    }


def _stop_product(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "toewijzing_nummer": _opt_int(k, "ToewijzingNummer"),
        "product": _opt(m, k, "Product", _product),
        "toewijzing_ingangsdatum": _opt_date(k, "ToewijzingIngangsdatum"),
        "begindatum": _date(k, "Begindatum"),
        "reden_beeindiging": _str(k, "RedenBeeindiging"),
        "einddatum": _date(k, "Einddatum"),
        "status_aanlevering": _str(k, "StatusAanlevering"),
        "retour_codes": _codes(k),
    }


def _stop_client(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        **_client_fields(m, k),
        "stop_producten": _each(m, k, "StopProducten", "StopProduct", _stop_product),
    }


def _aangevraagd_product(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "referentie_aanbieder": _str(k, "ReferentieAanbieder"),
        "beschikking_nummer": _opt_int(k, "BeschikkingNummer"),
        "product": _opt(m, k, "Product", _product),
        "beschikking_ingangsdatum": _opt_date(k, "BeschikkingIngangsdatum"),
        "toewijzing_ingangsdatum": _date(k, "ToewijzingIngangsdatum"),
        "toewijzing_einddatum": _opt_date(k, "ToewijzingEinddatum"),
        "omvang": _opt(m, k, "Omvang", _omvang),
        "budget": _opt_int(k, "Budget"),
        "verwijzer": _verwijzer(m, k["Verwijzer"][-1]),
        "raamcontract": _opt_str(k, "Raamcontract"),
        "commentaar": _opt_str(k, "Commentaar"),
        "retour_codes": _codes(k),
    }


def _verzoek_toewijzing_client(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        **_client_fields(m, k),
        "gezagsdrager_bekend": _opt_str(k, "GezagsdragerBekend"),
        "commentaar": _opt_str(k, "Commentaar"),
        "aangevraagde_producten": _each(
            m, k, "AangevraagdeProducten", "AangevraagdProduct", _aangevraagd_product
        ),
    }


# --- verzoek om wijziging and antwoord ------------------------------------------------------------


def _ongewijzigd_product(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {"toewijzing_nummer": _int(k, "ToewijzingNummer"), "retour_codes": _codes(k)}


def _te_wijzigen_product(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "toewijzing_nummer": _int(k, "ToewijzingNummer"),
        "gewenste_ingangsdatum": _date(k, "GewensteIngangsdatum"),
        "einddatum": _opt_date(k, "Einddatum"),
        "omvang": _opt(m, k, "Omvang", _omvang),
        "budget": _opt_int(k, "Budget"),
        "retour_codes": _codes(k),
    }


def _nieuw_product(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "product": _opt(m, k, "Product", _product),
        "gewenste_ingangsdatum": _date(k, "GewensteIngangsdatum"),
        "einddatum": _opt_date(k, "Einddatum"),
        "omvang": _opt(m, k, "Omvang", _omvang),
        "budget": _opt_int(k, "Budget"),
        "retour_codes": _codes(k),
    }


def _verzoek(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "referentie_aanbieder": _str(k, "ReferentieAanbieder"),
        "reden_verzoek": _str(k, "RedenVerzoek"),
        "ongewijzigde_producten": _each(
            m, k, "OngewijzigdeProducten", "OngewijzigdProduct", _ongewijzigd_product
        ),
        "te_wijzigen_producten": _each(
            m, k, "TeWijzigenProducten", "TeWijzigenProduct", _te_wijzigen_product
        ),
        "nieuwe_producten": _each(m, k, "NieuweProducten", "NieuwProduct", _nieuw_product),
        "retour_codes": _codes(k),
    }


def _verzoek_wijziging_client(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {"bsn": _str(k, "Bsn"), "verzoek": _verzoek(m, k["Verzoek"][-1]), "retour_codes": _codes(k)}


def _woonplaatsbeginsel(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {"gemeente": _str(k, "Gemeente"), "retour_codes": _codes(k)}


def _antwoord(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "referentie_aanbieder": _str(k, "ReferentieAanbieder"),
        "verzoek_antwoord": _str(k, "VerzoekAntwoord"),
        "reden_afwijzing_verzoek": _opt_str(k, "RedenAfwijzingVerzoek"),
        "woonplaatsbeginsel": _opt(m, k, "Woonplaatsbeginsel", _woonplaatsbeginsel),
        "retour_codes": _codes(k),
    }


# --- declaratie -----------------------------------------------------------------------------------


def _prestatie(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "product_referentie": _referentie(m, k["ProductReferentie"][-1]),
        "toewijzing_nummer": _int(k, "ToewijzingNummer"),
        "product_categorie": _str(k, "ProductCategorie"),
        "product_code": _str(k, "ProductCode"),
        "product_periode": _periode(m, k["ProductPeriode"][-1]),
        "geleverd_volume": _int(k, "GeleverdVolume"),
        "eenheid": _str(k, "Eenheid"),
        "product_tarief": _opt_int(k, "ProductTarief"),
        "ingediend_bedrag": _bedrag(m, k["IngediendBedrag"][-1]),
        "retour_codes": _codes(k),
    }


def _declaratie_client(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "bsn": _str(k, "Bsn"),
        "prestaties": _each(m, k, "Prestaties", "Prestatie", _prestatie),
        "retour_codes": _codes(k),
    }


def _declaratie(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "declaratie_nummer": _str(k, "DeclaratieNummer"),
        "declaratie_periode": _periode(m, k["DeclaratiePeriode"][-1]),
        "declaratie_dagtekening": _date(k, "DeclaratieDagtekening"),
        "totaal_ingediend_bedrag": _totaal_bedrag(m, k["TotaalIngediendBedrag"][-1]),
        "clienten": _each(m, k, "Clienten", "Client", _declaratie_client),
    }


def _declaratie_antwoord(m: KidsMap, el: Element) -> Fields:
    k = m.get(el, _NO_KIDS)
    return {
        "declaratie_nummer": _str(k, "DeclaratieNummer"),
        "totaal_ingediend_bedrag": _totaal_bedrag(m, k["TotaalIngediendBedrag"][-1]),
        "totaal_toegekend_bedrag": _totaal_bedrag(m, k["TotaalToegekendBedrag"][-1]),
        "clienten": _each(m, k, "Clienten", "Client", _declaratie_client),
        "retour_codes": _codes(k),
    }


# --- messages -------------------------------------------------------------------------------------


def _jw301(m: KidsMap, k: Kids) -> Jw301:
    return Jw301.model_validate(
        {"header": _header(m, k["Header"][-1]), "client": _toewijzing_client(m, k["Client"][-1])}
    )


def _jw302(m: KidsMap, k: Kids) -> Jw302:
    return Jw302.model_validate(
        {"header": _retour_header(m, k["Header"][-1]), "client": _opt(m, k, "Client", _toewijzing_client)}
    )


def _jw305(m: KidsMap, k: Kids) -> Jw305:
    return Jw305.model_validate(
        {"header": _header(m, k["Header"][-1]), "client": _start_client(m, k["Client"][-1])}
    )


def _jw306(m: KidsMap, k: Kids) -> Jw306:
    return Jw306.model_validate(
        {"header": _retour_header(m, k["Header"][-1]), "client": _opt(m, k, "Client", _start_client)}
    )


def _jw307(m: KidsMap, k: Kids) -> Jw307:
    return Jw307.model_validate(
        {"header": _header(m, k["Header"][-1]), "client": _stop_client(m, k["Client"][-1])}
    )


def _jw308(m: KidsMap, k: Kids) -> Jw308:
    return Jw308.model_validate(
        {"header": _retour_header(m, k["Header"][-1]), "client": _opt(m, k, "Client", _stop_client)}
    )


def _jw315(m: KidsMap, k: Kids) -> Jw315:
    return Jw315.model_validate(
        {"header": _header(m, k["Header"][-1]), "client": _verzoek_toewijzing_client(m, k["Client"][-1])}
    )


def _jw316(m: KidsMap, k: Kids) -> Jw316:
    return Jw316.model_validate(
        {
            "header": _retour_header(m, k["Header"][-1]),
            "client": _opt(m, k, "Client", _verzoek_toewijzing_client),
        }
    )


def _jw317(m: KidsMap, k: Kids) -> Jw317:
    return Jw317.model_validate(
        {"header": _header(m, k["Header"][-1]), "client": _verzoek_wijziging_client(m, k["Client"][-1])}
    )


def _jw318(m: KidsMap, k: Kids) -> Jw318:
    return Jw318.model_validate(
        {
            "header": _retour_header(m, k["Header"][-1]),
            "client": _opt(m, k, "Client", _verzoek_wijziging_client),
        }
    )


def _jw319(m: KidsMap, k: Kids) -> Jw319:
    return Jw319.model_validate(
        {"header": _header(m, k["Header"][-1]), "antwoord": _antwoord(m, k["Antwoord"][-1])}
    )


def _jw320(m: KidsMap, k: Kids) -> Jw320:
    return Jw320.model_validate(
        {"header": _retour_header(m, k["Header"][-1]), "antwoord": _opt(m, k, "Antwoord", _antwoord)}
    )


def _jw323(m: KidsMap, k: Kids) -> Jw323:
    return Jw323.model_validate(
        {"header": _header(m, k["Header"][-1]), "declaratie": _declaratie(m, k["Declaratie"][-1])}
    )


def _jw325(m: KidsMap, k: Kids) -> Jw325:
    return Jw325.model_validate(
        {
            "header": _declaratie_antwoord_header(m, k["Header"][-1]),
            "declaratie_antwoord": _opt(m, k, "DeclaratieAntwoord", _declaratie_antwoord),
        }
    )


_READERS: dict[str, Callable[[KidsMap, Kids], Bericht]] = {
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
        return read(doc.kids_map, doc.kids(doc.root))
    except KeyError as exc:
        raise ExtractError(f"required element {exc.args[0]} is missing") from None
