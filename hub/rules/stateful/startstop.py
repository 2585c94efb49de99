"""Start and stop across messages (rules.md 6.2): TR019, TR063, TR069, TR382, TR071, TR074, TR326, TR413-TR415.

A JW305/JW307 is judged line by line against the starts and stops in force, with the lines of the message
itself applied as they are processed: deletions (StatusAanlevering 3) first, then new lines (1), each group
in document order (process.md 4). So a correction (delete + add in one message, IV008) is judged on the state
after the deletion, and new lines of one message count against each other. Findings are reported in
document order, on the StartProduct / StopProduct.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from hub.ijw.doc import Doc, Element, child, text
from hub.rules.registry import Context, Hit, Level, rule
from hub.rules.stateful.common import datum, doc_client, nummer, product_of, snapshot
from hub.state.snapshot import Snapshot, StartRegel, StopRegel

START = "Client/StartProducten/StartProduct"
STOP = "Client/StopProducten/StopProduct"
VERWIJDEREN = "3"  # StatusAanlevering: delete the earlier line with this key; anything else here is new (1)

StartSleutel = tuple[int | None, str | None, str | None, date]


@dataclass(frozen=True, slots=True)
class Regel:
    """One StartProduct or StopProduct of the message, read as the snapshot records lines."""

    element: Element
    positie: int
    status: str | None
    start: StartRegel  # for a stop: the start it refers to
    stop: StopRegel | None = None  # JW307 lines only

    @property
    def verwijdert(self) -> bool:
        return self.status == VERWIJDEREN


def zelfde_start(a: StartSleutel, b: StartSleutel) -> bool:
    """Same Bsn, ToewijzingNummer and Begindatum (TR413-TR415); without ToewijzingNummer the Product counts too."""
    if a[0] is None:
        return a == b  # taakgericht: the Product is all that tells two deliveries apart
    return a[0] == b[0] and a[3] == b[3]


@dataclass(frozen=True, slots=True)
class Stand:
    """What the starts and stops in force tell about one line, at the moment it is processed.

    Answered while the lines are applied one by one (`stappen`), each from an index: a message's cost grows
    with its lines, not with its lines times the starts and stops in force.
    """

    in_force: bool  # a line with this line's logical key (a start's, or a stop's) is in force (TR063, TR074)
    stop_op_start: bool = False  # a stop in force for exactly this line's start (TR071)
    # The first current start (in force, no stop for it) of the same toegewezen product (TR326): new starts only.
    actuele_start: StartRegel | None = None
    start_in_force: bool = False  # this line's start is in force (TR069, TR382): new stops only
    start_met_nummer: StartRegel | None = None  # the first start in force with its ToewijzingNummer: likewise
    stops_op: tuple[StopRegel, ...] = ()  # the stops in force for the same start (TR413-TR415): likewise


def _toegewezen_product(s: StartRegel) -> tuple[object, ...]:
    """TR326's "same toegewezen product": the same ToewijzingNummer; without one (taakgericht), the same Product."""
    return (
        ("nr", s.toewijzing_nummer) if s.toewijzing_nummer is not None else ("product", s.categorie, s.code)
    )


def _zelfde_start_sleutel(start_sleutel: StartSleutel) -> tuple[object, ...]:
    """The group of zelfde_start(): ToewijzingNummer and Begindatum; without a ToewijzingNummer the whole key."""
    return start_sleutel if start_sleutel[0] is None else (start_sleutel[0], start_sleutel[3])


class _InForce:
    """The starts and stops in force while a message's lines are applied, indexed for the questions of Stand.

    Dicts keep the order of the tuples they replace: a line applied again moves to the end, as it did there.
    """

    def __init__(self, starts: tuple[StartRegel, ...], stops: tuple[StopRegel, ...]) -> None:
        self.starts: dict[StartSleutel, StartRegel] = {}
        self.per_product: dict[tuple[object, ...], dict[StartSleutel, StartRegel]] = {}
        self.stops: dict[tuple[object, ...], StopRegel] = {}
        self.stops_per_start: dict[StartSleutel, int] = {}  # stops in force per exact start key
        self.stops_op: dict[tuple[object, ...], dict[tuple[object, ...], StopRegel]] = {}
        for start in starts:
            if start.sleutel not in self.starts:  # the first of equal keys, as any() and [0] found it
                self._add_start(start)
        for stop in stops:
            if stop.sleutel not in self.stops:
                self._add_stop(stop)

    def _add_start(self, start: StartRegel) -> None:
        self.starts[start.sleutel] = start
        self.per_product.setdefault(_toegewezen_product(start), {})[start.sleutel] = start

    def _remove_start(self, sleutel: StartSleutel) -> None:
        start = self.starts.pop(sleutel, None)
        if start is not None:
            del self.per_product[_toegewezen_product(start)][sleutel]

    def _add_stop(self, stop: StopRegel) -> None:
        self.stops[stop.sleutel] = stop
        k = stop.start_sleutel
        self.stops_per_start[k] = self.stops_per_start.get(k, 0) + 1
        self.stops_op.setdefault(_zelfde_start_sleutel(k), {})[stop.sleutel] = stop

    def _remove_stop(self, sleutel: tuple[object, ...]) -> None:
        stop = self.stops.pop(sleutel, None)
        if stop is not None:
            self.stops_per_start[stop.start_sleutel] -= 1
            del self.stops_op[_zelfde_start_sleutel(stop.start_sleutel)][sleutel]

    def stand(self, regel: Regel) -> Stand:
        """What the lines in force tell about `regel` before it is applied."""
        start = regel.start
        if regel.stop is None:
            if regel.verwijdert:
                return Stand(
                    in_force=start.sleutel in self.starts,
                    stop_op_start=self.stops_per_start.get(start.sleutel, 0) > 0,
                )
            zelfde = self.per_product.get(_toegewezen_product(start), {})
            actueel = next((s for s in zelfde.values() if not self.stops_per_start.get(s.sleutel, 0)), None)
            return Stand(in_force=start.sleutel in self.starts, actuele_start=actueel)
        in_force = regel.stop.sleutel in self.stops
        if regel.verwijdert:
            return Stand(in_force=in_force)
        met_nummer = None
        if start.toewijzing_nummer is not None:
            met_nummer = next(iter(self.per_product.get(_toegewezen_product(start), {}).values()), None)
        return Stand(
            in_force=in_force,
            start_in_force=start.sleutel in self.starts,
            start_met_nummer=met_nummer,
            stops_op=tuple(self.stops_op.get(_zelfde_start_sleutel(start.sleutel), {}).values()),
        )

    def apply(self, regel: Regel) -> None:
        """The state after processing this line as if it were accepted."""
        if regel.stop is None:
            self._remove_start(regel.start.sleutel)
            if not regel.verwijdert:
                self._add_start(regel.start)
        else:
            self._remove_stop(regel.stop.sleutel)
            if not regel.verwijdert:
                self._add_stop(regel.stop)


def _start(el: Element) -> StartRegel | None:
    begindatum = datum(el, "Begindatum")
    if begindatum is None:
        return None  # mandatory: a missing one is a level-1 error
    categorie, code = product_of(el)
    return StartRegel(nummer(el), categorie, code, begindatum, datum(el, "ToewijzingIngangsdatum"))


def _stop(el: Element, start: StartRegel) -> StopRegel | None:
    einddatum, reden = datum(el, "Einddatum"), text(el, "RedenBeeindiging")
    if einddatum is None or reden is None:
        return None
    return StopRegel(
        toewijzing_nummer=start.toewijzing_nummer,
        categorie=start.categorie,
        code=start.code,
        begindatum=start.begindatum,
        einddatum=einddatum,
        reden_beeindiging=reden,
        toewijzing_ingangsdatum=start.toewijzing_ingangsdatum,
    )


def regels(doc: Doc) -> list[Regel]:
    """The message's lines in document order; unreadable ones (level-1 errors) are left out."""
    out: list[Regel] = []
    is_stop = doc.bericht == "JW307"
    for positie, el in enumerate(doc.all(STOP if is_stop else START)):
        start = _start(el)
        if start is None:
            continue
        stop = _stop(el, start) if is_stop else None
        if is_stop and stop is None:
            continue
        out.append(Regel(el, positie, text(el, "StatusAanlevering"), start, stop))
    return out


def verloop(doc: Doc, state: Snapshot) -> list[tuple[Regel, Stand]]:
    """Each line with what the state it is judged on tells about it; in document order."""
    return stappen(regels(doc), state.starts, state.stops)


def stappen(
    lines: list[Regel], starts: tuple[StartRegel, ...], stops: tuple[StopRegel, ...]
) -> list[tuple[Regel, Stand]]:
    """Each line with its Stand, the lines applied deletions first, then new lines; returned in document order."""
    in_force = _InForce(starts, stops)
    out: list[tuple[Regel, Stand]] = []
    for regel in sorted(lines, key=lambda r: not r.verwijdert):  # stable: document order per group
        out.append((regel, in_force.stand(regel)))
        in_force.apply(regel)
    return sorted(out, key=lambda stap: stap[0].positie)


def _stappen(doc: Doc, ctx: Context) -> list[tuple[Regel, Stand]]:
    state = snapshot(ctx)
    return [] if state is None else verloop(doc, state)


def beschrijf(start: StartRegel, begindatum: str | None = None) -> str:
    """The key of a start for a finding; `begindatum` is the message line's Begindatum as sent (a stored
    start has only its date, in which a far year sent earlier reads as 9999-12-31 or 0001-01-01)."""
    product = "no Product" if start.categorie is None else f"Product {start.categorie}/{start.code or '-'}"
    nr = (
        "no ToewijzingNummer"
        if start.toewijzing_nummer is None
        else f"ToewijzingNummer {start.toewijzing_nummer}"
    )
    return f"({nr}, {product}, Begindatum {begindatum or start.begindatum.isoformat()})"


def _sleutel(doc: Doc, regel: Regel) -> str:
    """beschrijf() of the start a line of this message names, with its Begindatum as sent."""
    return beschrijf(regel.start, doc.datum_tekst(regel.element, "Begindatum"))


def _naam(regel: Regel) -> str:
    return "StopProduct" if regel.stop is not None else "StartProduct"


# --- TR019 ---------------------------------------------------------------------------------------------


def _toewijzing_ontbreekt(state: Snapshot, nr: int, cl: str | None) -> bool:
    """No toewijzing with this number for this client between the gemeente and aanbieder (a deleted one counts as
    never sent, process.md 3.4)."""
    t = state.toewijzing(nr, cl)
    return t is None or t.verwijderd


@rule(
    "TR019",
    berichten={"JW305", "JW307"},
    level=Level.STATEFUL,
    retourcode="9019",
    summary="Start/stop must refer to an existing toewijzing (ToewijzingNummer)",
)
def bestaande_toewijzing(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A new line's ToewijzingNummer names a toewijzing of this client (TR019); taakgericht lines and deletions
    (TR063: no further content checks) are exempt."""
    state = snapshot(ctx)
    if state is None:
        return
    cl = doc_client(state, doc)
    for regel in regels(doc):
        nr = regel.start.toewijzing_nummer
        if nr is None or regel.verwijdert or not _toewijzing_ontbreekt(state, nr, cl):
            continue
        yield Hit(
            child(regel.element, "ToewijzingNummer"),
            f"{_naam(regel)} refers to ToewijzingNummer {nr}, which is no toewijzing of this client from this "
            "gemeente to this aanbieder.",
            klasse=regel.element,
        )


# --- Deletions: TR063, TR071 ---------------------------------------------------------------------------


@rule(
    "TR063",
    berichten={"JW305", "JW307"},
    level=Level.STATEFUL,
    retourcode="9063",
    summary="StatusAanlevering 3 requires an earlier delivery with the same key",
)
def verwijderen_bestaande_regel(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A deletion (StatusAanlevering 3) names a line in force with the same logical key (TR063)."""
    for regel, stand in _stappen(doc, ctx):
        if not regel.verwijdert or stand.in_force:
            continue
        sleutel = _sleutel(doc, regel)
        if regel.stop is not None:
            sleutel += (
                f" with Einddatum {doc.datum_tekst(regel.element, 'Einddatum')} and "
                f"RedenBeeindiging {regel.stop.reden_beeindiging}"
            )
        yield Hit(
            child(regel.element, "StatusAanlevering"),
            f"{_naam(regel)} {sleutel} deletes a line that is not in force.",
            klasse=regel.element,
        )


@rule(
    "TR071",
    berichten={"JW305"},
    level=Level.STATEFUL,
    retourcode="9071",
    summary="Start cannot be deleted once a stop was sent for it",
)
def start_zonder_stop_verwijderen(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A start may only be deleted while no stop is in force for it; delete the stop first (TR071)."""
    for regel, stand in _stappen(doc, ctx):
        if regel.verwijdert and stand.stop_op_start:
            yield Hit(
                child(regel.element, "StatusAanlevering"),
                f"StartProduct {_sleutel(doc, regel)} cannot be deleted: a stop is in force for it.",
                klasse=regel.element,
            )


# --- New lines: TR074, TR326 ---------------------------------------------------------------------------


@rule(
    "TR074",
    berichten={"JW305", "JW307"},
    level=Level.STATEFUL,
    retourcode="9074",
    summary="StatusAanlevering 1: key not already received earlier",
)
def nieuwe_sleutel(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A new line's logical key is not in force already, from earlier messages or this one (TR074)."""
    for regel, stand in _stappen(doc, ctx):
        if not regel.verwijdert and stand.in_force:
            yield Hit(
                regel.element,
                f"{_naam(regel)} {_sleutel(doc, regel)} repeats the key of a line already in force.",
                klasse=regel.element,
            )


@rule(
    "TR326",
    berichten={"JW305"},
    level=Level.STATEFUL,
    retourcode="9326",
    summary="No new start while a current start exists for the toegewezen product",
)
def een_actuele_start(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A new start needs the earlier start of the toegewezen product stopped or deleted first (TR326, OP289)."""
    for regel, stand in _stappen(doc, ctx):
        if regel.verwijdert:
            continue
        actueel = stand.actuele_start
        if actueel is not None:
            yield Hit(
                regel.element,
                f"StartProduct {_sleutel(doc, regel)} while start {beschrijf(actueel)} is still current.",
                klasse=regel.element,
            )


# --- Stops: TR069, TR382, TR413, TR414, TR415 ----------------------------------------------------------


def _nieuwe_stops(doc: Doc, ctx: Context) -> Iterator[tuple[Regel, StopRegel, Stand]]:
    for regel, stand in _stappen(doc, ctx):
        if regel.stop is not None and not regel.verwijdert:
            yield regel, regel.stop, stand


@rule(
    "TR069",
    berichten={"JW307"},
    level=Level.STATEFUL,
    retourcode="9069",
    summary="Stop requires a current start with the same key",
)
def stop_na_start(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A stop refers to a start in force with the same ToewijzingNummer, Product and Begindatum (TR069).

    When a start with the stop's ToewijzingNummer is in force but its key differs, TR382 (same retourcode
    9069) reports the stop instead, so one error gives one finding.
    """
    for regel, _, stand in _nieuwe_stops(doc, ctx):
        if stand.start_in_force or stand.start_met_nummer is not None:
            continue
        yield Hit(
            regel.element,
            f"StopProduct {_sleutel(doc, regel)} has no start in force for this client.",
            klasse=regel.element,
        )


@rule(
    "TR382",
    berichten={"JW307"},
    level=Level.STATEFUL,
    retourcode="9069",
    summary="Key elements of the start copied unchanged into the stop",
)
def sleutel_van_start(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The stop copies ToewijzingNummer, Product and Begindatum of the start in force unchanged (TR382)."""
    for regel, _, stand in _nieuwe_stops(doc, ctx):
        kandidaat = stand.start_met_nummer
        if kandidaat is None or stand.start_in_force:
            continue
        yield Hit(
            regel.element,
            f"StopProduct {_sleutel(doc, regel)} does not copy the key of the start in force "
            f"{beschrijf(kandidaat)}.",
            klasse=regel.element,
        )


@rule(
    "TR413",
    berichten={"JW307"},
    level=Level.STATEFUL,
    retourcode="9413",
    summary="No second temporary stop (reden 20) for the same start",
)
def een_tijdelijke_stop(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """After a temporary stop (RedenBeeindiging 20) only a definitive stop may follow for that start (TR413)."""
    for regel, stop, stand in _nieuwe_stops(doc, ctx):
        if stop.tijdelijk and any(s.tijdelijk for s in stand.stops_op):
            yield Hit(
                child(regel.element, "RedenBeeindiging"),
                f"StopProduct {_sleutel(doc, regel)} is a second temporary stop (RedenBeeindiging 20).",
                klasse=regel.element,
            )


@rule(
    "TR414",
    berichten={"JW307"},
    level=Level.STATEFUL,
    retourcode="9414",
    summary="Einddatum >= Einddatum of the current stop for the same start",
)
def einddatum_na_vorige_stop(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A further stop for a start ends on or after the stop in force for it (TR414, OP378)."""
    for regel, stop, stand in _nieuwe_stops(doc, ctx):
        eerder = [s for s in stand.stops_op if s.einddatum > stop.einddatum]
        if eerder:
            einddatum = doc.datum_tekst(regel.element, "Einddatum")
            yield Hit(
                child(regel.element, "Einddatum"),
                f"StopProduct {_sleutel(doc, regel)} has Einddatum {einddatum}, before "
                f"Einddatum {eerder[0].einddatum.isoformat()} of the stop in force for that start.",
                klasse=regel.element,
            )


@rule(
    "TR415",
    berichten={"JW307"},
    level=Level.STATEFUL,
    retourcode="9415",
    summary="No stop after a definitive stop for the same start",
)
def niets_na_definitieve_stop(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """After a definitive stop (any RedenBeeindiging but 20) no further stop for that start (TR415, OP377)."""
    for regel, _, stand in _nieuwe_stops(doc, ctx):
        definitief = [s for s in stand.stops_op if not s.tijdelijk]
        if definitief:
            yield Hit(
                child(regel.element, "RedenBeeindiging"),
                f"StopProduct {_sleutel(doc, regel)} follows definitive stop with RedenBeeindiging "
                f"{definitief[0].reden_beeindiging}.",
                klasse=regel.element,
            )
