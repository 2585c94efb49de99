"""Level-2 rules on the product classes of JW301, JW315 and JW317: periods, volume, budget and stacking.

The four product classes (ToegewezenProduct, AangevraagdProduct, TeWijzigenProduct, NieuwProduct) share
their rules but name their period elements differently; `ProductKlasse` holds that difference in one table
(rules.md 4.4). Each finding anchors on the XSLT's first Locatie: the first element, in document order,
of those the rule's Location names that exist. A message's products are read once into `Regel`s, which
all these rules share (`regels`), rather than each rule looking up the same children again.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import combinations, islice
from typing import NamedTuple

from hub.ijw.doc import ABSENT, Doc, Element
from hub.rules.registry import MAX_XSLT_FINDINGS, Context, Hit, first_existing, rule


# eq=False: there is one object per class, so identity is equality, and hashing it (a memo key) is cheap.
@dataclass(frozen=True, slots=True, eq=False)
class ProductKlasse:
    """One product class: where it sits in its message and what its start and end dates are called."""

    bericht: str
    path: str
    start: str
    end: str


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


class Regel(NamedTuple):
    """One product element and what its rules read, read once per message rather than once per rule."""

    klasse: ProductKlasse
    el: Element
    start: Element | None  # the class's start date element (klasse.start)
    end: Element | None  # its end date element (klasse.end)
    begin: date | None
    eind: date | None
    eind_tekst: str | None  # text(end): filled(end) is `eind_tekst is not None`
    product: Element | None
    categorie: Element | None  # Product/Categorie
    code: Element | None  # Product/Code
    code_tekst: str | None
    omvang: Element | None
    eenheid: Element | None  # Omvang/Eenheid
    frequentie: Element | None  # Omvang/Frequentie
    budget: Element | None
    budget_tekst: str | None
    reden_wijziging: Element | None
    reden_tekst: str | None  # text(reden_wijziging)
    frequentie_tekst: str | None  # text(frequentie)
    categorie_raw: str | None  # raw(categorie): the exact text, as the stacking rules compare it
    code_raw: str | None  # raw(code)

    @property
    def open_or_after_2020(self) -> bool:
        """The end date is empty or later than 2020-12-31 (the condition of CD080/CD095/CD096/CS338/CS343)."""
        return self.eind is None or self.eind > GRENS_2020


def _lees(doc: Doc, k: ProductKlasse, el: Element) -> Regel:
    kids = doc.kids(el)
    start, end = kids.get(k.start, ABSENT)[0], kids.get(k.end, ABSENT)[0]
    product, omvang = kids.get("Product", ABSENT)[0], kids.get("Omvang", ABSENT)[0]
    budget, reden = kids.get("Budget", ABSENT)[0], kids.get("RedenWijziging", ABSENT)[0]
    product_kids, omvang_kids = doc.kids(product), doc.kids(omvang)
    categorie, code = product_kids.get("Categorie", ABSENT)[0], product_kids.get("Code", ABSENT)[0]
    frequentie = omvang_kids.get("Frequentie", ABSENT)[0]
    # Positional, in the order of the fields above: a NamedTuple made by keyword costs three times as much.
    return Regel(
        k,
        el,
        start,
        end,
        doc.as_date(start),  # begin
        doc.as_date(end),  # eind
        doc.text(end),  # eind_tekst
        product,
        categorie,
        code,
        doc.text(code),  # code_tekst
        omvang,
        omvang_kids.get("Eenheid", ABSENT)[0],  # eenheid
        frequentie,
        budget,
        doc.text(budget),  # budget_tekst
        reden,
        doc.text(reden),  # reden_tekst
        doc.text(frequentie),  # frequentie_tekst
        doc.raw(categorie),  # categorie_raw
        doc.raw(code),  # code_raw
    )


def _lees_alle(doc: Doc, k: ProductKlasse) -> list[Regel]:
    return [_lees(doc, k, el) for el in doc.all(k.path)]


def regels(doc: Doc, klassen: tuple[ProductKlasse, ...]) -> list[Regel]:
    """Every product of these classes in the doc's message, class by class, each read once per Doc."""
    return doc.memo(_regels_van, klassen)


def _regels_van(doc: Doc, klassen: tuple[ProductKlasse, ...]) -> list[Regel]:
    return [r for k in klassen if k.bericht == doc.bericht for r in doc.memo(_lees_alle, k)]


# --- CS003 ------------------------------------------------------------------------------------------


def _end_before_start(begin: date | None, einde: date | None) -> bool:
    """End before start (given a filled end); an end without any start also fails, as in the XSLT."""
    return begin is None or (einde is not None and einde < begin)


def _periode_hit(
    doc: Doc, el: Element, start_naam: str, eind_naam: str, start: Element | None, eind: Element | None
) -> Hit:
    waarom = f"has no {start_naam}" if start is None else f"is before {start_naam} {doc.datum_tekst(start)}"
    tekst = f"{doc.locatie(el)}: {eind_naam} {doc.datum_tekst(eind)} {waarom}."
    return Hit(first_existing(start, eind), tekst)


@rule("CS003", berichten=berichten_of(ALLE), summary="End date >= start date of the same period")
def einddatum_na_begindatum(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CS003: a period's end date is not before its start date (equal is allowed)."""
    for r in regels(doc, ALLE):
        if r.eind_tekst is not None and _end_before_start(r.begin, r.eind):
            yield _periode_hit(doc, r.el, r.klasse.start, r.klasse.end, r.start, r.end)
    if doc.bericht == "JW301":
        for el in (el for p in CONTACT_PERIODES for el in doc.all(p)):
            start, eind = doc.child(el, "Begindatum"), doc.child(el, "Einddatum")
            if doc.filled(eind) and _end_before_start(doc.as_date(start), doc.as_date(eind)):
                yield _periode_hit(doc, el, "Begindatum", "Einddatum", start, eind)


# --- Omvang, Budget and Product -----------------------------------------------------------------------


@rule("CD041", berichten=berichten_of(MET_PRODUCT), summary="Product/Code filled requires Omvang")
def code_vraagt_omvang(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD041: a specific product (with Product/Code) always has an Omvang."""
    for r in regels(doc, MET_PRODUCT):
        if r.code_tekst is not None and r.omvang is None:
            yield Hit(r.code, f"{doc.locatie(r.el)} has Product/Code {r.code_tekst} but no Omvang.")


@rule("CD075", berichten=berichten_of(ALLE), summary="Budget filled requires an end date")
def budget_vraagt_einddatum(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD075: a budget needs an end date."""
    for r in regels(doc, ALLE):
        if r.budget_tekst is not None and r.eind_tekst is None:
            yield Hit(r.budget, f"{doc.locatie(r.el)} has Budget {r.budget_tekst} but no {r.klasse.end}.")


@rule("CD076", berichten=berichten_of(ALLE), summary="Frequentie 2 (per week) requires an end date")
def frequentie_week_vraagt_einddatum(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD076: a volume per week needs an end date."""
    for r in regels(doc, ALLE):
        if r.frequentie_tekst == "2" and r.eind_tekst is None:
            yield Hit(r.frequentie, f"{doc.locatie(r.el)} has Frequentie 2 (per week) but no {r.klasse.end}.")


@rule("CD077", berichten=berichten_of(ALLE), summary="Budget filled: Omvang must be absent")
def budget_zonder_omvang(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD077: with a Budget there is no Omvang (reported together with CD078)."""
    for r in regels(doc, ALLE):
        if r.budget_tekst is not None and r.omvang is not None:
            yield Hit(r.omvang, f"{doc.locatie(r.el)} has Budget {r.budget_tekst} and also an Omvang.")


@rule("CD078", berichten=berichten_of(ALLE), summary="Omvang present: Budget must be absent")
def omvang_zonder_budget(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD078: with an Omvang there is no Budget."""
    for r in regels(doc, ALLE):
        if r.omvang is not None and r.budget is not None:
            yield Hit(r.omvang, f"{doc.locatie(r.el)} has an Omvang and also Budget {r.budget_tekst}.")


@rule("CD079", berichten=berichten_of(MET_PRODUCT), summary="Budget empty requires Product")
def zonder_budget_een_product(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD079: a generic assignment (no Product) must carry a Budget."""
    for r in regels(doc, MET_PRODUCT):
        if r.budget_tekst is None and r.product is None:
            yield Hit(r.el, f"{doc.locatie(r.el)} has neither a Product nor a Budget.")


def _omvang_zonder_code(doc: Doc, k: ProductKlasse) -> Iterator[Hit]:
    """No Product/Code and end date empty or after 2020-12-31: Omvang must be absent."""
    for r in regels(doc, (k,)):
        if r.code_tekst is None and r.open_or_after_2020 and r.omvang is not None:
            eind = r.eind_tekst or "open-ended"
            yield Hit(
                first_existing(r.end, r.omvang),
                f"{doc.locatie(r.el)} has no Product/Code and {k.end} {eind} (after 2020-12-31) "
                "but has an Omvang.",
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


def _frequentie_bij_eenheid(doc: Doc, klassen: tuple[ProductKlasse, ...]) -> Iterator[Hit]:
    """Eenheid 14/16/83/84 with end empty or after 2020-12-31 needs Frequentie 2, 4 or 6."""
    for r in regels(doc, klassen):
        eenheid = doc.text(r.eenheid)
        if eenheid not in EENHEDEN_MET_FREQUENTIE or not r.open_or_after_2020:
            continue
        frequentie = r.frequentie_tekst
        if frequentie not in FREQUENTIES_TOEGESTAAN:
            yield Hit(
                first_existing(r.end, r.eenheid),
                f"{doc.locatie(r.el)} has Eenheid {eenheid} with Frequentie {frequentie}; "
                "only 2, 4 or 6 are allowed.",
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
    for r in regels(doc, (TOEGEWEZEN,)):  # start and end are Ingangsdatum and Einddatum
        begin, eind = r.begin, r.eind
        if r.reden_tekst == "13" and begin is not None and eind is not None and begin != eind:
            yield Hit(
                r.start,
                f"{doc.locatie(r.el)} has RedenWijziging 13 but Einddatum {r.eind_tekst} "
                f"differs from Ingangsdatum {doc.datum_tekst(r.start)}.",
            )


@rule("CS336", berichten={TOEGEWEZEN.bericht}, summary="RedenWijziging 01 must not be used")
def geen_reden_administratieve_correctie(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CS336: RedenWijziging 01 (administratieve correctie, vervallen) is replaced by 14."""
    for r in regels(doc, (TOEGEWEZEN,)):
        if r.reden_tekst == "01":
            yield Hit(
                r.reden_wijziging, f"{doc.locatie(r.el)} has RedenWijziging 01, which is no longer allowed."
            )


# --- Stacking: TR302, TR386, TR410 --------------------------------------------------------------------


def same_product(doc: Doc, a: Regel, b: Regel) -> bool:
    """The XSLT's "same product": equal specific codes, an aspecific one in the same category, or a generic one."""
    if a.product is None or b.product is None:
        return True  # a generic assignment conflicts with every other product
    cat_a, cat_b = a.categorie_raw, b.categorie_raw
    if a.code_tekst is not None and b.code_tekst is not None:
        return a.code_raw == b.code_raw and cat_a == cat_b
    return doc.filled(a.categorie) and doc.filled(b.categorie) and cat_a == cat_b


def overlap(a: tuple[date, date | None], b: tuple[date, date | None]) -> bool:
    """Periods overlap when neither ends before the other starts; None is open-ended and touching counts."""
    (start_a, eind_a), (start_b, eind_b) = a, b
    return (eind_a is None or eind_a >= start_b) and (eind_b is None or eind_b >= start_a)


def deleted(doc: Doc, r: Regel) -> bool:
    """A deleted ToegewezenProduct: RedenWijziging 13 or 01 with a filled Einddatum equal to the Ingangsdatum."""
    return r.reden_tekst in REDENEN_VERWIJDERD and r.eind is not None and r.eind == r.begin


# Up to this many products _stacking checks every pair, which costs less than sorting for the usual one to three.
_PAIRWISE_MAX = 8


def _stacking(doc: Doc, k: ProductKlasse, *, skip_deleted: bool) -> Iterator[Hit]:
    """One finding per pair of the same product with overlapping periods, anchored on the earlier one.

    In document order of the pairs (the earlier product, then the later one), as the XSLT lists them, when
    there are at most MAX_XSLT_FINDINGS + 1; beyond that the rest follow in the order they are found. The pairs
    are found per group of products that can be the same (`_groepen`), each group's periods sorted by their
    start (`_Perioden`): a message's cost grows with its products times log and its findings, not its pairs.
    """
    periodes: list[tuple[Regel, tuple[date, date | None]]] = [
        (r, (r.begin, r.eind))
        for r in regels(doc, (k,))
        if r.begin is not None and not (skip_deleted and deleted(doc, r))
    ]

    def hit(i: int, j: int) -> Hit:
        a, b = periodes[i][0], periodes[j][0]
        return Hit(
            a.el,
            f"{doc.locatie(a.el)} and {doc.locatie(b.el)} are the same product with overlapping periods.",
        )

    if len(periodes) <= _PAIRWISE_MAX:  # the usual message: a few products, each pair checked in order
        for (i, (a, periode_a)), (j, (b, periode_b)) in combinations(enumerate(periodes), 2):
            if same_product(doc, a, b) and overlap(periode_a, periode_b):
                yield hit(i, j)
        return
    pairs = _overlapping_pairs(doc, periodes)
    first = list(islice(pairs, MAX_XSLT_FINDINGS + 1))
    first.sort()
    for i, j in first:
        yield hit(i, j)
    for i, j in pairs:
        yield hit(i, j)


def _overlapping_pairs(
    doc: Doc, periodes: list[tuple[Regel, tuple[date, date | None]]]
) -> Iterator[tuple[int, int]]:
    """Each pair (i < j) of `periodes` that same_product() and overlap() join, every pair once, in no set order."""
    generiek: list[int] = []  # no Product: the same as every other product
    aspecifiek: dict[str, list[int]] = {}  # by the raw Categorie (filled): the same as any of that category
    specifiek: dict[tuple[str | None, str | None], list[int]] = {}  # by raw Categorie and Code
    for i, (r, _) in enumerate(periodes):
        if r.product is None:
            generiek.append(i)
        elif r.code_tekst is not None:
            specifiek.setdefault((r.categorie_raw, r.code_raw), []).append(i)
        elif doc.filled(r.categorie):
            aspecifiek.setdefault(r.categorie_raw or "", []).append(i)
        # else an aspecific product without a Categorie: only a generic one is the same
    perioden = _Perioden.of(periodes)
    groepen: list[tuple[list[int], list[int] | None]] = []  # (X, None): within X; (X, Y): between X and Y
    if generiek:
        anderen = [i for i in range(len(periodes)) if periodes[i][0].product is not None]
        groepen += [(generiek, None), (generiek, anderen)]
    per_categorie: dict[str | None, list[int]] = {}
    for (categorie, _), leden in specifiek.items():
        groepen.append((leden, None))
        per_categorie.setdefault(categorie, []).extend(leden)
    for categorie, leden in aspecifiek.items():
        groepen.append((leden, None))
        met_code = per_categorie.get(categorie)
        if met_code:
            groepen.append((leden, met_code))
    for x, y in groepen:
        if y is None:
            yield from perioden(x).within()
        else:
            yield from perioden(x).between(perioden(y))


class _Perioden:
    """Some of the periods, sorted by start, with a tree of their latest ends for finding those that overlap.

    overlap() of (s_a, e_a) and (s_b, e_b) is s_b <= e_a and s_a <= e_b (an open end is date.max). For a with
    s_a <= s_b that is: b starts within [s_a, e_a] (a range of the sorted starts) and e_b >= s_a (the tree
    gives those of a range in time proportional to their number, times log).
    """

    __slots__ = ("begins", "eindes", "nummers", "size", "tree")

    def __init__(self, items: list[tuple[date, date, int]]) -> None:
        items.sort()
        self.begins = [b for b, _, _ in items]
        self.eindes = [e for _, e, _ in items]
        self.nummers = [i for _, _, i in items]
        size = 1
        while size < len(items):
            size *= 2
        tree = [date.min] * (2 * size)
        tree[size : size + len(items)] = self.eindes
        for node in range(size - 1, 0, -1):
            tree[node] = max(tree[2 * node], tree[2 * node + 1])
        self.size, self.tree = size, tree

    @staticmethod
    def of(periodes: list[tuple[Regel, tuple[date, date | None]]]) -> Callable[[list[int]], _Perioden]:
        def make(nummers: list[int]) -> _Perioden:
            items = []
            for i in nummers:
                begin, eind = periodes[i][1]
                items.append((begin, date.max if eind is None else eind, i))
            return _Perioden(items)

        return make

    def _ending_from(self, lo: int, hi: int, t: date) -> Iterator[int]:
        """The positions in [lo, hi) whose end is on or after t, in increasing order."""
        tree, size = self.tree, self.size
        left: list[int] = []
        right: list[int] = []  # the range's nodes: left ones from the left, right ones from the right
        lo += size
        hi += size
        while lo < hi:
            if lo & 1:
                left.append(lo)
                lo += 1
            if hi & 1:
                hi -= 1
                right.append(hi)
            lo //= 2
            hi //= 2
        nodes = right + left[::-1]  # a stack: the leftmost node on top
        while nodes:
            node = nodes.pop()
            if tree[node] < t:
                continue
            if node >= size:
                yield node - size
            else:
                nodes += (2 * node + 1, 2 * node)

    def within(self) -> Iterator[tuple[int, int]]:
        begins, nummers = self.begins, self.nummers
        for p, (s_a, e_a) in enumerate(zip(begins, self.eindes, strict=True)):
            if e_a < s_a:
                continue  # ends before it starts: overlaps only what starts earlier, found from there
            hi = bisect_right(begins, e_a, p + 1)
            for q in self._ending_from(p + 1, hi, s_a):
                i, j = nummers[p], nummers[q]
                yield (i, j) if i < j else (j, i)

    def between(self, other: _Perioden) -> Iterator[tuple[int, int]]:
        """Pairs of one of these and one of `other` (disjoint sets): b starting at or after a, then after a."""
        for mine, theirs, strict in ((self, other, False), (other, self, True)):
            begins = theirs.begins
            for s_a, e_a, i in zip(mine.begins, mine.eindes, mine.nummers, strict=True):
                if e_a < s_a:
                    continue
                lo = bisect_right(begins, s_a) if strict else bisect_left(begins, s_a)
                hi = bisect_right(begins, e_a, lo)
                for q in theirs._ending_from(lo, hi, s_a):
                    j = theirs.nummers[q]
                    yield (i, j) if i < j else (j, i)


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
