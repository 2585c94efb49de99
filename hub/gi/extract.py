"""Read a schema-valid GI message (a `Doc`) into its typed model: one small reader per part.

Same contract as hub/ijw/extract.py: values whitespace-collapsed, blank is None, and a missing required
element means the XSD check was skipped (ExtractError).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypedDict, TypeVar

from hub.gi.models import (
    Bepaling,
    BepalingClient,
    BepalingOntvangst,
    Capaciteit,
    CapaciteitOntvangst,
    Fout,
    Gi001,
    Gi002,
    Gi003,
    Gi101,
    Gi102,
    GiBericht,
    Maatregel,
    MaatregelOntvangst,
    MaatregelRef,
    OntvangstHeader,
    Statusmelding,
    VoortgangClient,
)
from hub.ijw.doc import Doc, Element, children, collapse, xsd_date
from hub.ijw.extract import ExtractError
from hub.ijw.models import Achternaam, Header, Naam, Omvang, Product, XsdVersie

T = TypeVar("T")
Kids = dict[str, Element]


def _kids(el: Element) -> Kids:
    return {c.tag.rpartition("}")[2]: c for c in el if isinstance(c.tag, str)}


def _value(el: Element) -> str:
    return collapse(el.text or "")


def _str(k: Kids, name: str) -> str:
    return _value(k[name])


def _opt_str(k: Kids, name: str) -> str | None:
    el = k.get(name)
    return None if el is None else _value(el) or None


def _date(k: Kids, name: str) -> date:
    try:
        return xsd_date(_str(k, name))
    except ValueError as exc:
        raise ExtractError(f"{name} is not a date") from exc


def _opt_date(k: Kids, name: str) -> date | None:
    return None if name not in k else _date(k, name)


def _int(k: Kids, name: str) -> int:
    try:
        return int(k[name].text or "")
    except ValueError as exc:
        raise ExtractError(f"{name} is not an integer") from exc


def _opt_int(k: Kids, name: str) -> int | None:
    return None if name not in k else _int(k, name)


def _decimal(k: Kids, name: str) -> Decimal:
    try:
        return Decimal(_str(k, name))
    except InvalidOperation as exc:
        raise ExtractError(f"{name} is not a decimal") from exc


def _opt(k: Kids, name: str, read: Callable[[Element], T]) -> T | None:
    el = k.get(name)
    return None if el is None else read(el)


def _each(k: Kids, wrapper: str, item: str, read: Callable[[Element], T]) -> tuple[T, ...]:
    el = k.get(wrapper)
    return () if el is None else tuple(read(c) for c in children(el, item))


def _codes(k: Kids) -> tuple[str, ...]:
    return _each(k, "RetourCodes", "RetourCode", _value)


# --- shared parts ---------------------------------------------------------------------------------


def _xsd_versie(el: Element) -> XsdVersie:
    k = _kids(el)
    return XsdVersie(
        basisschema_xsd_versie=_str(k, "BasisschemaXsdVersie"), bericht_xsd_versie=_str(k, "BerichtXsdVersie")
    )


def _naam(el: Element) -> Naam:
    k = _kids(el)
    g = _kids(k["Geslachtsnaam"])
    return Naam(
        geslachtsnaam=Achternaam(achternaam=_str(g, "Achternaam"), voorvoegsel=_opt_str(g, "Voorvoegsel")),
        voornamen=_opt_str(k, "Voornamen"),
        voorletters=_opt_str(k, "Voorletters"),
    )


def _product(el: Element) -> Product:
    k = _kids(el)
    return Product(categorie=_str(k, "Categorie"), code=_opt_str(k, "Code"))


def _omvang(el: Element) -> Omvang:
    k = _kids(el)
    return Omvang(volume=_int(k, "Volume"), eenheid=_str(k, "Eenheid"), frequentie=_str(k, "Frequentie"))


def _header(el: Element) -> Header:
    k = _kids(el)
    ident = _kids(k["BerichtIdentificatie"])
    return Header(
        bericht_code=_str(k, "BerichtCode"),
        bericht_versie=_int(k, "BerichtVersie"),
        bericht_subversie=_int(k, "BerichtSubversie"),
        afzender=_str(k, "Afzender"),
        ontvanger=_str(k, "Ontvanger"),
        identificatie=_str(ident, "Identificatie"),
        dagtekening=_date(ident, "Dagtekening"),
        xsd_versie=_xsd_versie(k["XsdVersie"]),
    )


def _fout(el: Element) -> Fout:
    k = _kids(el)
    return Fout(code=_str(k, "Code"), locatie=_opt_str(k, "Locatie"), tekst=_str(k, "Tekst"))


def _fouten(k: Kids) -> tuple[Fout, ...]:
    return _each(k, "Fouten", "Fout", _fout)


# --- GI001 / GI002 / GI003 ------------------------------------------------------------------------


class _ClientFields(TypedDict):
    bsn: str
    geboortedatum: date
    datum_gebruik: str | None
    naam: Naam


def _client_fields(k: Kids) -> _ClientFields:
    geboorte = _kids(k["Geboortedatum"])
    return _ClientFields(
        bsn=_str(k, "Bsn"),
        geboortedatum=_date(geboorte, "Datum"),
        datum_gebruik=_opt_str(geboorte, "DatumGebruik"),
        naam=_naam(k["Naam"]),
    )


def _bepaling(el: Element) -> Bepaling:
    k = _kids(el)
    m = _kids(k["Maatregel"])
    return Bepaling(
        bepaling_id=_str(k, "BepalingId"),
        maatregel=MaatregelRef(maatregel_id=_str(m, "MaatregelId"), maatregel_type=_str(m, "MaatregelType")),
        datum_bepaling=_date(k, "DatumBepaling"),
        product=_product(k["Product"]),
        omvang=_opt(k, "Omvang", _omvang),
        gewenste_ingangsdatum=_date(k, "GewensteIngangsdatum"),
        urgentie=_str(k, "Urgentie"),
        voorkeur_aanbieder=_opt_str(k, "VoorkeurAanbieder"),
        toelichting=_opt_str(k, "Toelichting"),
        status_aanlevering=_str(k, "StatusAanlevering"),
    )


def _maatregel(el: Element) -> Maatregel:
    k = _kids(el)
    return Maatregel(
        maatregel_id=_str(k, "MaatregelId"),
        maatregel_type=_str(k, "MaatregelType"),
        datum_uitspraak=_opt_date(k, "DatumUitspraak"),
        datum_vaste_jeugdbeschermer=_opt_date(k, "DatumVasteJeugdbeschermer"),
        datum_gedragen_koers=_opt_date(k, "DatumGedragenKoers"),
        einddatum=_opt_date(k, "Einddatum"),
    )


def _capaciteit(el: Element) -> Capaciteit:
    k = _kids(el)
    return Capaciteit(
        jeugdregio=_str(k, "Jeugdregio"),
        peildatum=_date(k, "Peildatum"),
        jeugdbeschermers=_decimal(k, "Jeugdbeschermers"),
        caseload=_int(k, "Caseload"),
        beschikbare_plaatsen=_int(k, "BeschikbarePlaatsen"),
        wachtlijst=_int(k, "Wachtlijst"),
    )


def _gi001(k: Kids) -> Gi001:
    c = _kids(k["Client"])
    client = BepalingClient(**_client_fields(c), bepalingen=_each(c, "Bepalingen", "Bepaling", _bepaling))
    return Gi001(header=_header(k["Header"]), client=client)


def _gi002(k: Kids) -> Gi002:
    c = _kids(k["Client"])
    client = VoortgangClient(
        **_client_fields(c), maatregelen=_each(c, "Maatregelen", "Maatregel", _maatregel)
    )
    return Gi002(header=_header(k["Header"]), client=client)


def _gi003(k: Kids) -> Gi003:
    return Gi003(
        header=_header(k["Header"]), capaciteiten=_each(k, "Capaciteiten", "Capaciteit", _capaciteit)
    )


# --- GI101 / GI102 --------------------------------------------------------------------------------


def _ontvangst_header(el: Element) -> OntvangstHeader:
    k = _kids(el)
    return OntvangstHeader(
        **dict(_header(el)),  # the shared fields as they are, nested models included
        bericht_code_heenbericht=_str(k, "BerichtCodeHeenbericht"),
        identificatie_retour=_str(k, "IdentificatieRetour"),
        dagtekening_retour=_date(k, "DagtekeningRetour"),
        xsd_versie_retour=_xsd_versie(k["XsdVersieRetour"]),
        retour_codes=_codes(k),
        fouten=_fouten(k),
    )


def _bepaling_ontvangst(el: Element) -> BepalingOntvangst:
    k = _kids(el)
    return BepalingOntvangst(
        bepaling_id=_str(k, "BepalingId"),
        status_aanlevering=_str(k, "StatusAanlevering"),
        retour_codes=_codes(k),
        fouten=_fouten(k),
    )


def _maatregel_ontvangst(el: Element) -> MaatregelOntvangst:
    k = _kids(el)
    return MaatregelOntvangst(maatregel_id=_str(k, "MaatregelId"), retour_codes=_codes(k), fouten=_fouten(k))


def _capaciteit_ontvangst(el: Element) -> CapaciteitOntvangst:
    k = _kids(el)
    return CapaciteitOntvangst(
        jeugdregio=_str(k, "Jeugdregio"),
        peildatum=_date(k, "Peildatum"),
        retour_codes=_codes(k),
        fouten=_fouten(k),
    )


def _gi101(k: Kids) -> Gi101:
    return Gi101(
        header=_ontvangst_header(k["Header"]),
        bepalingen=_each(k, "Bepalingen", "Bepaling", _bepaling_ontvangst),
        maatregelen=_each(k, "Maatregelen", "Maatregel", _maatregel_ontvangst),
        capaciteiten=_each(k, "Capaciteiten", "Capaciteit", _capaciteit_ontvangst),
    )


def _statusmelding(el: Element) -> Statusmelding:
    k = _kids(el)
    return Statusmelding(
        bepaling_id=_str(k, "BepalingId"),
        status=_str(k, "Status"),
        status_datum=_date(k, "StatusDatum"),
        toewijzing_nummer=_opt_int(k, "ToewijzingNummer"),
        aanbieder=_opt_str(k, "Aanbieder"),
        product=_opt(k, "Product", _product),
        begindatum=_opt_date(k, "Begindatum"),
        toelichting=_opt_str(k, "Toelichting"),
    )


def _gi102(k: Kids) -> Gi102:
    return Gi102(header=_header(k["Header"]), statusmelding=_statusmelding(k["Statusmelding"]))


_READERS: dict[str, Callable[[Kids], GiBericht]] = {
    "GI001": _gi001,
    "GI002": _gi002,
    "GI003": _gi003,
    "GI101": _gi101,
    "GI102": _gi102,
}


def extract_gi(doc: Doc) -> GiBericht:
    """The typed model of a schema-valid GI message; raises ExtractError only when the XSD check was skipped."""
    try:
        read = _READERS[doc.bericht]
    except KeyError:
        raise ExtractError(f"{doc.bericht} is not a GI message") from None
    try:
        return read(_kids(doc.root))
    except KeyError as exc:
        raise ExtractError(f"required element {exc.args[0]} is missing") from None
