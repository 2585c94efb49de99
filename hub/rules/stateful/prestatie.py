"""The Prestaties of a JW323 against their toewijzing (rules.md 6.6): product, period, volume and budget.

TR338 and TR384 judge the toewijzing a line names; the other rules judge lines on a known toewijzing that
was not deleted. All are reported on the Prestatie.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from hub.dates import maand_einde
from hub.ijw.doc import Doc, Element, child, is_far
from hub.rules.registry import Context, Hit, Level, rule
from hub.rules.stateful.declaratie import Lijn, geldig, lijnen_van
from hub.state.snapshot import PrestatieState, Snapshot, ToewijzingState, per_toewijzing

BEGIN, EIND = "ProductPeriode/Begindatum", "ProductPeriode/Einddatum"
UUR, MINUUT = "04", "01"  # Eenheid: hours assigned may be declared in minutes (TR341)
PER_DAG, PER_WEEK, PER_MAAND, TOTAAL = "1", "2", "4", "6"  # Frequentie (WMO757)


# --- The toewijzing behind a line: TR338, TR384, TR339, TR340, TR341 -----------------------------------


@rule(
    "TR338",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="9338",
    summary="Prestatie refers to a toegewezen product (ToewijzingNummer)",
)
def bestaande_toewijzing(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The Prestatie's ToewijzingNummer names a toewijzing of this client (TR338)."""
    _, regels = lijnen_van(doc, ctx)
    for lijn in regels:
        if lijn.toewijzing is None:
            yield Hit(
                child(lijn.element, "ToewijzingNummer"),
                f"ToewijzingNummer {lijn.toewijzing_nummer} is no toewijzing of this client.",
                klasse=lijn.element,
            )


@rule(
    "TR384",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="9384",
    summary="No declaration on a toewijzing deleted with RedenWijziging 13",
)
def niet_op_verwijderde_toewijzing(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """No Prestatie on a deleted toewijzing (TR384): it counts as never sent."""
    _, regels = lijnen_van(doc, ctx)
    for lijn in regels:
        if lijn.toewijzing is not None and lijn.toewijzing.verwijderd:
            yield Hit(
                child(lijn.element, "ToewijzingNummer"),
                f"Toewijzing {lijn.toewijzing_nummer} was deleted (RedenWijziging "
                f"{lijn.toewijzing.reden_wijziging}).",
                klasse=lijn.element,
            )


def _met_toewijzing(doc: Doc, ctx: Context) -> Iterator[tuple[Lijn, ToewijzingState]]:
    """Lines with a toewijzing that is not deleted (unknown and deleted ones are TR338's and TR384's)."""
    _, regels = lijnen_van(doc, ctx)
    for lijn in regels:
        if lijn.toewijzing is not None and not lijn.toewijzing.verwijderd:
            yield lijn, lijn.toewijzing


def _product_van_toewijzing(doc: Doc, ctx: Context, *, code: bool) -> Iterator[Hit]:
    """TR340 (Code) and TR339 (Categorie): the line declares the toewijzing's, when it has one."""
    naam = "Code" if code else "Categorie"
    for lijn, t in _met_toewijzing(doc, ctx):
        gedeclareerd, toegewezen = (lijn.code, t.code) if code else (lijn.categorie, t.categorie)
        if toegewezen is not None and gedeclareerd != toegewezen:
            yield Hit(
                child(lijn.element, f"Product{naam}"),
                f"Product{naam} {gedeclareerd} differs from {naam} {toegewezen} of toewijzing "
                f"{t.toewijzing_nummer}.",
                klasse=lijn.element,
            )


@rule(
    "TR339",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="9339",
    summary="ProductCategorie equals the toegewezen categorie (if any)",
)
def categorie_van_toewijzing(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """ProductCategorie is the toewijzing's Categorie when it has one (TR339)."""
    return _product_van_toewijzing(doc, ctx, code=False)


@rule(
    "TR340",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="9340",
    summary="ProductCode equals the toegewezen code (if any)",
)
def code_van_toewijzing(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """ProductCode is the toewijzing's Code when it has one (TR340)."""
    return _product_van_toewijzing(doc, ctx, code=True)


@rule(
    "TR341",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="9341",
    summary="Eenheid fits the toegewezen Eenheid",
)
def eenheid_van_toewijzing(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Eenheid is the toewijzing's, or minutes for hours (TR341); aspecific and generic ones: the contract decides."""
    for lijn, t in _met_toewijzing(doc, ctx):
        if t.code is None or t.eenheid is None or lijn.eenheid == t.eenheid:
            continue
        if (t.eenheid, lijn.eenheid) == (UUR, MINUUT):
            continue
        yield Hit(
            child(lijn.element, "Eenheid"),
            f"Eenheid {lijn.eenheid} does not fit Eenheid {t.eenheid} of toewijzing {t.toewijzing_nummer}.",
            klasse=lijn.element,
        )


# --- The period of a line: TR307, TR308, TR387, TR388 --------------------------------------------------


@rule(
    "TR307",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="9307",
    summary="ProductPeriode Begindatum >= toewijzing Ingangsdatum",
)
def niet_voor_ingangsdatum(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The ProductPeriode does not start before the toewijzing (TR307)."""
    for lijn, t in _met_toewijzing(doc, ctx):
        if lijn.begindatum is not None and lijn.begindatum < t.ingangsdatum:
            yield Hit(
                child(lijn.element, "ProductPeriode/Begindatum"),
                f"ProductPeriode/Begindatum {doc.datum_tekst(lijn.element, BEGIN)} is before Ingangsdatum "
                f"{t.ingangsdatum.isoformat()} of toewijzing {t.toewijzing_nummer}.",
                klasse=lijn.element,
            )


@rule(
    "TR308",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="9308",
    summary="ProductPeriode Einddatum <= toewijzing Einddatum (if any)",
)
def niet_na_einddatum(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The ProductPeriode does not end after the toewijzing (TR308)."""
    for lijn, t in _met_toewijzing(doc, ctx):
        if lijn.einddatum is not None and t.einddatum is not None and lijn.einddatum > t.einddatum:
            yield Hit(
                child(lijn.element, "ProductPeriode/Einddatum"),
                f"ProductPeriode/Einddatum {doc.datum_tekst(lijn.element, EIND)} is after Einddatum "
                f"{t.einddatum.isoformat()} of toewijzing {t.toewijzing_nummer}.",
                klasse=lijn.element,
            )


def _verwacht(tekst: str | None, verwacht: date) -> str:
    """`<verwacht>: ` for a TR387/TR388 finding on a date sent as `tekst`; empty when that is a far year:
    the rule then computed `verwacht` from date.max or date.min (9999-12-01), no date the sender meant."""
    return "" if tekst is None or is_far(tekst) else f"{verwacht.isoformat()}: "


@rule(
    "TR387",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="9387",
    summary="ProductPeriode starts on day 1 unless the toewijzing starts later that month",
)
def begint_op_maandbegin(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Begindatum = the later of the first of its month and the Ingangsdatum (TR387); before it is TR307's."""
    for lijn, t in _met_toewijzing(doc, ctx):
        begin = lijn.begindatum
        if begin is None or begin < t.ingangsdatum:
            continue
        verwacht = max(begin.replace(day=1), t.ingangsdatum)
        if begin != verwacht:
            tekst = doc.datum_tekst(lijn.element, BEGIN)
            yield Hit(
                child(lijn.element, "ProductPeriode/Begindatum"),
                f"ProductPeriode/Begindatum {tekst} must be {_verwacht(tekst, verwacht)}the first of the "
                f"month or the later Ingangsdatum of toewijzing {t.toewijzing_nummer}.",
                klasse=lijn.element,
            )


@rule(
    "TR388",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="9388",
    summary="ProductPeriode ends on the last day unless the toewijzing ends earlier that month",
)
def eindigt_op_maandeinde(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Einddatum = the earlier of the last of its month and the toewijzing's Einddatum (TR388); after it is TR308's."""
    for lijn, t in _met_toewijzing(doc, ctx):
        eind = lijn.einddatum
        if eind is None or (t.einddatum is not None and eind > t.einddatum):
            continue
        verwacht = maand_einde(eind) if t.einddatum is None else min(maand_einde(eind), t.einddatum)
        if eind != verwacht:
            tekst = doc.datum_tekst(lijn.element, EIND)
            yield Hit(
                child(lijn.element, "ProductPeriode/Einddatum"),
                f"ProductPeriode/Einddatum {tekst} must be {_verwacht(tekst, verwacht)}the last day of the "
                f"month or the earlier Einddatum of toewijzing {t.toewijzing_nummer}.",
                klasse=lijn.element,
            )


# --- Volume and budget: TR321, TR322, TR369 ------------------------------------------------------------


def schaal(toegewezen: str | None) -> tuple[dict[str, int], int]:
    """Factors that bring line volumes and the assigned volume into one unit: minutes when hours were assigned."""
    if toegewezen == UUR:
        return {UUR: 60, MINUUT: 1}, 60
    return ({} if toegewezen is None else {toegewezen: 1}), 1


def weken(begin: date, eind: date) -> int:
    """Calendar weeks (Monday-Sunday) the period touches: never fewer than its Sundays, so it bounds both the
    calendar-week and the Sunday-count method (IV076/IV077) from above."""
    # Back to each Monday: date.min (0001-01-01) is a Monday, so no step leaves date's range.
    return ((eind - timedelta(days=eind.weekday())) - (begin - timedelta(days=begin.weekday()))).days // 7 + 1


def maximum_per_periode(t: ToewijzingState, begin: date, eind: date) -> int | None:
    """The most the toewijzing allows in one ProductPeriode (in its own Eenheid); None when not bounded."""
    if t.volume is None:
        return None
    perioden = {
        PER_DAG: (eind - begin).days + 1,
        PER_WEEK: weken(begin, eind),
        PER_MAAND: 1,  # a ProductPeriode lies within one calendar month (CS337)
        TOTAAL: 1,
    }
    aantal = perioden.get(t.frequentie or "")
    return None if aantal is None else t.volume * aantal


@rule(
    "TR321",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="9321",
    summary="GeleverdVolume fits the toegewezen volume for the period",
)
def volume_per_periode(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A debet line's GeleverdVolume stays within the Omvang for its ProductPeriode (TR321).

    Bounds are taken generously (whole calendar weeks, a full month) so that the rule never rejects what
    either weekly method of IV076/IV077 would allow; the variant is not part of the state.
    """
    for lijn, t in _met_toewijzing(doc, ctx):
        if not lijn.debet or lijn.volume is None or lijn.begindatum is None or lijn.einddatum is None:
            continue
        factoren, factor_toegewezen = schaal(t.eenheid)
        maximum = maximum_per_periode(t, lijn.begindatum, lijn.einddatum)
        factor = factoren.get(lijn.eenheid or "")
        if maximum is None or factor is None:
            continue
        if lijn.volume * factor > maximum * factor_toegewezen:
            yield Hit(
                child(lijn.element, "GeleverdVolume"),
                f"GeleverdVolume {lijn.volume} (Eenheid {lijn.eenheid}) exceeds the {maximum} (Eenheid "
                f"{t.eenheid}) that toewijzing {t.toewijzing_nummer} allows for this ProductPeriode.",
                klasse=lijn.element,
            )


def _op_toewijzing(state: Snapshot, lijn: Lijn, *, alleen_toegekend: bool) -> list[PrestatieState]:
    return [
        p
        for p in state.prestaties_per(per_toewijzing).get((lijn.client, lijn.toewijzing_nummer), ())
        if (p.toegekend is True if alleen_toegekend else geldig(p))
    ]


def _per_toewijzing(
    regels: Iterable[Lijn], afgewezen: frozenset[Element] = frozenset()
) -> dict[tuple[str | None, int | None], list[Lijn]]:
    """Lines grouped by toewijzing, credit lines first: they lower the running total before debets count. A
    credit that another rule rejects (`afgewezen`, Rule.herzien) lowers nothing: the JW325 returns it, and the
    debet it meant to reverse stays granted (as TR389 counts it)."""
    groepen: dict[tuple[str | None, int | None], list[Lijn]] = defaultdict(list)
    for lijn in sorted(regels, key=lambda lijn: lijn.debet):
        if lijn.debet or lijn.element not in afgewezen:
            groepen[(lijn.client, lijn.toewijzing_nummer)].append(lijn)
    return groepen


@dataclass(frozen=True, slots=True)
class _Maat:
    """What TR322 or TR369 adds up over a toewijzing's lines (unsigned: a credit subtracts) and its maximum."""

    maximum: int
    eerder: Callable[[PrestatieState], int]  # an earlier line's share
    nieuw: Callable[[Lijn], int]  # a line of this message's share
    alleen_toegekend: bool  # only earlier lines the JW325 granted count, else all it did not return


def _getekend(debet: bool, waarde: int) -> int:
    return waarde if debet else -waarde


def _over_maximum(
    doc: Doc, ctx: Context, maat: Callable[[ToewijzingState], _Maat | None]
) -> list[tuple[Lijn, ToewijzingState, int]]:
    """(debet line, toewijzing, running total) per line that brings its toewijzing's total over the maximum
    that `maat` gives (None: not counted), in document order."""
    state, regels = lijnen_van(doc, ctx)
    if state is None:
        return []
    over: list[tuple[Lijn, ToewijzingState, int]] = []
    for groep in _per_toewijzing(regels, ctx.afgewezen).values():
        t = groep[0].toewijzing
        m = None if t is None or t.verwijderd else maat(t)
        if t is None or m is None:
            continue
        eerder = _op_toewijzing(state, groep[0], alleen_toegekend=m.alleen_toegekend)
        totaal = sum(_getekend(p.debet, m.eerder(p)) for p in eerder)
        for lijn in groep:
            totaal += _getekend(lijn.debet, m.nieuw(lijn))
            if lijn.debet and totaal > m.maximum:
                over.append((lijn, t, totaal))
    # Back in document order: the groups put credits first.
    positie = {id(lijn.element): i for i, lijn in enumerate(regels)}
    return sorted(over, key=lambda gevonden: positie.get(id(gevonden[0].element), 0))


def _totaal_volume(t: ToewijzingState) -> _Maat | None:
    """TR322: a total volume (Frequentie 6) in one unit (minutes when hours were assigned); granted lines count."""
    if t.frequentie != TOTAAL or t.volume is None:
        return None
    factoren, factor_toegewezen = schaal(t.eenheid)
    return _Maat(
        t.volume * factor_toegewezen,
        eerder=lambda p: p.volume * factoren.get(p.eenheid, 0),
        nieuw=lambda lijn: (lijn.volume or 0) * factoren.get(lijn.eenheid or "", 0),
        alleen_toegekend=True,
    )


def _budget(t: ToewijzingState) -> _Maat | None:
    """TR369: the Budget in euro cents, counted in IngediendBedrag; every line not returned counts."""
    if t.budget is None:
        return None
    return _Maat(
        t.budget, eerder=lambda p: abs(p.bedrag), nieuw=lambda lijn: lijn.bedrag or 0, alleen_toegekend=False
    )


@rule(
    "TR322",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="9322",
    summary="Sum of GeleverdVolume fits the total toegewezen volume",
    herzien=True,
)
def totaal_volume(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Accepted lines plus this message's stay within a total volume (Frequentie 6) (TR322).

    Reported on each debet line that brings the running total over the maximum. Other frequencies need the
    delivery variant to count weeks over the whole toewijzing and are left to TR321 per period.
    """
    for lijn, t, _ in _over_maximum(doc, ctx, _totaal_volume):
        yield Hit(
            child(lijn.element, "GeleverdVolume"),
            f"GeleverdVolume brings the total declared on toewijzing {t.toewijzing_nummer} over its total "
            f"volume {t.volume} (Eenheid {t.eenheid}).",
            klasse=lijn.element,
        )


@rule(
    "TR369",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="9369",
    summary="Sum of GeleverdVolume fits the toegewezen Budget",
    herzien=True,
)
def binnen_budget(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """All submitted lines on a budget toewijzing stay within its Budget, in euro cents (TR369).

    Counted in IngediendBedrag (the lines of a budget toewijzing are amounts); reported on each debet line
    that brings the running total over the Budget.
    """
    for lijn, t, totaal in _over_maximum(doc, ctx, _budget):
        yield Hit(
            child(lijn.element, "GeleverdVolume"),
            f"The lines declared on toewijzing {t.toewijzing_nummer} total {totaal} cents, over its Budget "
            f"of {t.budget}.",
            klasse=lijn.element,
        )
