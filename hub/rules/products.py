"""Level-2 rules on the product classes of JW301, JW315 and JW317: periods, volume, budget and stacking.

The four product classes (ToegewezenProduct, AangevraagdProduct, TeWijzigenProduct, NieuwProduct) share
their rules but name their period elements differently; `ProductKlasse` holds that difference in one table
(rules.md 4.4). Each finding anchors on the XSLT's first Locatie: the first element, in document order,
of those the rule's Location names that exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import combinations

from hub.ijw.doc import Doc, Element, as_date, child, filled, locatie, present, raw, text
from hub.rules.registry import Context, Hit, rule


@dataclass(frozen=True, slots=True)
class ProductKlasse:
    """One product class: where it sits in its message and what its start and end dates are called."""

    bericht: str
    path: str
    start: str
    end: str

    @property
    def naam(self) -> str:
        return self.path.rpartition("/")[2]


TOEGEWEZEN = ProductKlasse(
    "JW301", "Client/ToegewezenProducten/ToegewezenProduct", "Ingangsdatum", "Einddatum"
)
AANGEVRAAGD = ProductKlasse(
    "JW315",
    "Client/AangevraagdeProducten/AangevraagdProduct",
    "ToewijzingIngangsdatum",
    "ToewijzingEinddatum",
)
TE_WIJZIGEN = ProductKlasse(
    "JW317", "Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct", "GewensteIngangsdatum", "Einddatum"
)
NIEUW = ProductKlasse(
    "JW317", "Client/Verzoek/NieuweProducten/NieuwProduct", "GewensteIngangsdatum", "Einddatum"
)

ALLE = (TOEGEWEZEN, AANGEVRAAGD, TE_WIJZIGEN, NIEUW)
MET_PRODUCT = (TOEGEWEZEN, AANGEVRAAGD, NIEUW)  # TeWijzigenProduct has no Product element
MET_CS338 = (TOEGEWEZEN, TE_WIJZIGEN, NIEUW)  # AangevraagdProduct has the same check as CS343

# JW301 contact periods (client and relation contacts), checked by CS003 like a product period.
CONTACT_PERIODES = ("Client/Contactgegevens/Contact/Periode", "Client/Relaties/Relatie/Contact/Periode")

# Products that ended on or before this date are exempt from the post-2020 volume rules.
GRENS_2020 = date(2020, 12, 31)
EENHEDEN_MET_FREQUENTIE = frozenset({"14", "16", "83", "84"})  # etmaal, dagdeel, euro's, stuks inspanning
FREQUENTIES_TOEGESTAAN = frozenset({"2", "4", "6"})  # per week, per maand, totaal binnen geldigheidsduur
REDENEN_VERWIJDERD = frozenset({"13", "01"})


def berichten_of(klassen: Iterable[ProductKlasse]) -> frozenset[str]:
    return frozenset(k.bericht for k in klassen)


def products(doc: Doc, klassen: Iterable[ProductKlasse]) -> Iterator[tuple[ProductKlasse, Element]]:
    """Every product element of these classes in the doc's message, class by class."""
    for k in klassen:
        if k.bericht == doc.bericht:
            for el in doc.all(k.path):
                yield k, el


def first_existing(*elements: Element | None) -> Element | None:
    """The first element that exists: the XSLT's first Locatie when the candidates are in document order."""
    return next((el for el in elements if el is not None), None)


def open_or_after_2020(k: ProductKlasse, product: Element) -> bool:
    """The end date is empty or later than 2020-12-31 (the condition of CD080/CD095/CD096/CS338/CS343)."""
    eind = as_date(product, k.end)
    return eind is None or eind > GRENS_2020


# --- CS003 ------------------------------------------------------------------------------------------


def _end_before_start(start: Element | None, eind: Element | None) -> bool:
    """End before start; an end without any start also fails, as in the XSLT."""
    if not filled(eind):
        return False
    begin, einde = as_date(start), as_date(eind)
    return begin is None or (einde is not None and einde < begin)


@rule("CS003", berichten=berichten_of(ALLE), summary="End date >= start date of the same period")
def einddatum_na_begindatum(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CS003: a period's end date is not before its start date (equal is allowed)."""
    periodes: list[tuple[Element, str, str]] = [(el, k.start, k.end) for k, el in products(doc, ALLE)]
    if doc.bericht == "JW301":
        periodes += [(el, "Begindatum", "Einddatum") for p in CONTACT_PERIODES for el in doc.all(p)]
    for el, start_naam, eind_naam in periodes:
        start, eind = child(el, start_naam), child(el, eind_naam)
        if _end_before_start(start, eind):
            waarom = f"is before {start_naam} {text(start)}" if start is not None else f"has no {start_naam}"
            yield Hit(first_existing(start, eind), f"{locatie(el)}: {eind_naam} {text(eind)} {waarom}.")


# --- Omvang, Budget and Product -----------------------------------------------------------------------


@rule("CD041", berichten=berichten_of(MET_PRODUCT), summary="Product/Code filled requires Omvang")
def code_vraagt_omvang(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD041: a specific product (with Product/Code) always has an Omvang."""
    for _, el in products(doc, MET_PRODUCT):
        if filled(el, "Product/Code") and not present(el, "Omvang"):
            yield Hit(
                child(el, "Product/Code"),
                f"{locatie(el)} has Product/Code {text(el, 'Product/Code')} but no Omvang.",
            )


@rule("CD075", berichten=berichten_of(ALLE), summary="Budget filled requires an end date")
def budget_vraagt_einddatum(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD075: a budget needs an end date."""
    for k, el in products(doc, ALLE):
        if filled(el, "Budget") and not filled(el, k.end):
            yield Hit(child(el, "Budget"), f"{locatie(el)} has Budget {text(el, 'Budget')} but no {k.end}.")


@rule("CD076", berichten=berichten_of(ALLE), summary="Frequentie 2 (per week) requires an end date")
def frequentie_week_vraagt_einddatum(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD076: a volume per week needs an end date."""
    for k, el in products(doc, ALLE):
        if text(el, "Omvang/Frequentie") == "2" and not filled(el, k.end):
            yield Hit(
                child(el, "Omvang/Frequentie"), f"{locatie(el)} has Frequentie 2 (per week) but no {k.end}."
            )


@rule("CD077", berichten=berichten_of(ALLE), summary="Budget filled: Omvang must be absent")
def budget_zonder_omvang(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD077: with a Budget there is no Omvang (reported together with CD078)."""
    for _, el in products(doc, ALLE):
        if filled(el, "Budget") and present(el, "Omvang"):
            yield Hit(
                child(el, "Omvang"), f"{locatie(el)} has Budget {text(el, 'Budget')} and also an Omvang."
            )


@rule("CD078", berichten=berichten_of(ALLE), summary="Omvang present: Budget must be absent")
def omvang_zonder_budget(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD078: with an Omvang there is no Budget."""
    for _, el in products(doc, ALLE):
        if present(el, "Omvang") and present(el, "Budget"):
            yield Hit(
                child(el, "Omvang"), f"{locatie(el)} has an Omvang and also Budget {text(el, 'Budget')}."
            )


@rule("CD079", berichten=berichten_of(MET_PRODUCT), summary="Budget empty requires Product")
def zonder_budget_een_product(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD079: a generic assignment (no Product) must carry a Budget."""
    for _, el in products(doc, MET_PRODUCT):
        if not filled(el, "Budget") and not present(el, "Product"):
            yield Hit(el, f"{locatie(el)} has neither a Product nor a Budget.")


def _omvang_zonder_code(doc: Doc, k: ProductKlasse) -> Iterator[Hit]:
    """No Product/Code and end date empty or after 2020-12-31: Omvang must be absent."""
    for _, el in products(doc, (k,)):
        if not filled(el, "Product/Code") and open_or_after_2020(k, el) and present(el, "Omvang"):
            eind = text(el, k.end) or "open-ended"
            yield Hit(
                first_existing(child(el, k.end), child(el, "Omvang")),
                f"{locatie(el)} has no Product/Code and {k.end} {eind} (after 2020-12-31) but has an Omvang.",
            )


@rule(
    "CD080",
    berichten={TOEGEWEZEN.bericht},
    summary="No Product/Code and end after 2020 or open: Omvang must be absent",
)
def toegewezen_aspecifiek_zonder_omvang(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD080: aspecific or generic ToegewezenProduct ending after 2020 has no Omvang."""
    return _omvang_zonder_code(doc, TOEGEWEZEN)


@rule(
    "CD095",
    berichten={AANGEVRAAGD.bericht},
    summary="Requested product without Code, end after 2020 or open: no Omvang",
)
def aangevraagd_aspecifiek_zonder_omvang(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD095: aspecific or generic AangevraagdProduct ending after 2020 has no Omvang."""
    return _omvang_zonder_code(doc, AANGEVRAAGD)


@rule(
    "CD096", berichten={NIEUW.bericht}, summary="New product without Code, end after 2020 or open: no Omvang"
)
def nieuw_aspecifiek_zonder_omvang(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD096: aspecific or generic NieuwProduct ending after 2020 has no Omvang."""
    return _omvang_zonder_code(doc, NIEUW)


def _frequentie_bij_eenheid(doc: Doc, klassen: Iterable[ProductKlasse]) -> Iterator[Hit]:
    """Eenheid 14/16/83/84 with end empty or after 2020-12-31 needs Frequentie 2, 4 or 6."""
    for k, el in products(doc, klassen):
        eenheid, frequentie = text(el, "Omvang/Eenheid"), text(el, "Omvang/Frequentie")
        if (
            eenheid in EENHEDEN_MET_FREQUENTIE
            and open_or_after_2020(k, el)
            and frequentie not in FREQUENTIES_TOEGESTAAN
        ):
            yield Hit(
                first_existing(child(el, k.end), child(el, "Omvang/Eenheid")),
                f"{locatie(el)} has Eenheid {eenheid} with Frequentie {frequentie}; only 2, 4 or 6 are allowed.",
            )


@rule(
    "CS338",
    berichten=berichten_of(MET_CS338),
    summary="Eenheid 14/16/83/84 (end after 2020 or open) requires Frequentie 2, 4 or 6",
)
def toegewezen_frequentie_bij_eenheid(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CS338: ToegewezenProduct, TeWijzigenProduct and NieuwProduct."""
    return _frequentie_bij_eenheid(doc, MET_CS338)


@rule(
    "CS343",
    berichten={AANGEVRAAGD.bericht},
    summary="Requested product: Eenheid 14/16/83/84 requires Frequentie 2, 4 or 6",
)
def aangevraagd_frequentie_bij_eenheid(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CS343: AangevraagdProduct."""
    return _frequentie_bij_eenheid(doc, (AANGEVRAAGD,))


# --- RedenWijziging (JW301) ---------------------------------------------------------------------------


@rule("CS335", berichten={TOEGEWEZEN.bericht}, summary="RedenWijziging 13 only when Einddatum = Ingangsdatum")
def verwijderd_einddatum_is_ingangsdatum(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CS335: a deleted toewijzing ends on its start; like the XSLT, only compared when both dates exist."""
    for el in doc.all(TOEGEWEZEN.path):
        begin, eind = as_date(el, "Ingangsdatum"), as_date(el, "Einddatum")
        if text(el, "RedenWijziging") == "13" and begin is not None and eind is not None and begin != eind:
            yield Hit(
                child(el, "Ingangsdatum"),
                f"{locatie(el)} has RedenWijziging 13 but Einddatum {eind} differs from Ingangsdatum {begin}.",
            )


@rule("CS336", berichten={TOEGEWEZEN.bericht}, summary="RedenWijziging 01 must not be used")
def geen_reden_administratieve_correctie(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CS336: RedenWijziging 01 (administratieve correctie, vervallen) is replaced by 14."""
    for el in doc.all(TOEGEWEZEN.path):
        if text(el, "RedenWijziging") == "01":
            yield Hit(
                child(el, "RedenWijziging"),
                f"{locatie(el)} has RedenWijziging 01, which is no longer allowed.",
            )


# --- Stacking: TR302, TR386, TR410 --------------------------------------------------------------------


def same_product(a: Element, b: Element) -> bool:
    """The XSLT's "same product": equal specific codes, an aspecific one in the same category, or a generic one."""
    if not present(a, "Product") or not present(b, "Product"):
        return True  # a generic assignment conflicts with every other product
    cat_a, cat_b = raw(a, "Product/Categorie"), raw(b, "Product/Categorie")
    if filled(a, "Product/Code") and filled(b, "Product/Code"):
        return raw(a, "Product/Code") == raw(b, "Product/Code") and cat_a == cat_b
    return filled(a, "Product/Categorie") and filled(b, "Product/Categorie") and cat_a == cat_b


def overlap(a: tuple[date, date | None], b: tuple[date, date | None]) -> bool:
    """Periods overlap when neither ends before the other starts; None is open-ended and touching counts."""
    (start_a, eind_a), (start_b, eind_b) = a, b
    return (eind_a is None or eind_a >= start_b) and (eind_b is None or eind_b >= start_a)


def deleted(product: Element) -> bool:
    """A deleted ToegewezenProduct: RedenWijziging 13 or 01 with a filled Einddatum equal to the Ingangsdatum."""
    eind = as_date(product, "Einddatum")
    return (
        text(product, "RedenWijziging") in REDENEN_VERWIJDERD
        and eind is not None
        and eind == as_date(product, "Ingangsdatum")
    )


def _stacking(doc: Doc, k: ProductKlasse, *, skip_deleted: bool) -> Iterator[Hit]:
    """One finding per pair of the same product with overlapping periods, anchored on the earlier one."""
    regels: list[tuple[Element, tuple[date, date | None]]] = []
    for _, el in products(doc, (k,)):
        start = as_date(el, k.start)
        if start is None or (skip_deleted and deleted(el)):
            continue
        regels.append((el, (start, as_date(el, k.end))))
    for (a, periode_a), (b, periode_b) in combinations(regels, 2):
        if same_product(a, b) and overlap(periode_a, periode_b):
            yield Hit(a, f"{locatie(a)} and {locatie(b)} are the same product with overlapping periods.")


@rule(
    "TR302",
    berichten={TOEGEWEZEN.bericht},
    summary="Same product not twice with overlapping periods in a toewijzing",
)
def geen_stapeling_toewijzing(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR302: deleted ToegewezenProducten take no part."""
    return _stacking(doc, TOEGEWEZEN, skip_deleted=True)


@rule(
    "TR386",
    berichten={AANGEVRAAGD.bericht},
    summary="Same product not twice with overlapping periods in a VOT",
)
def geen_stapeling_vot(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR386: AangevraagdProducten, no exemption for deleted ones."""
    return _stacking(doc, AANGEVRAAGD, skip_deleted=False)


@rule(
    "TR410",
    berichten={NIEUW.bericht},
    summary="Same product not twice with overlapping periods in NieuwProduct",
)
def geen_stapeling_vow(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR410: among NieuwProducten only; against current toewijzingen that is stateful TR361."""
    return _stacking(doc, NIEUW, skip_deleted=False)
