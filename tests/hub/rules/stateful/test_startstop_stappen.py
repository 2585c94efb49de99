"""startstop.stappen (indexed, linear) answers what the old Stand (tuples scanned per line) answered, line by line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from hub.rules.stateful.startstop import Regel, StartSleutel, stappen, zelfde_start
from hub.state.snapshot import StartRegel, StopRegel


@dataclass(frozen=True, slots=True)
class OudeStand:
    """The oracle: the Stand the rules read before it was indexed (copied from startstop.py)."""

    starts: tuple[StartRegel, ...]
    stops: tuple[StopRegel, ...]

    def start_in_force(self, sleutel: StartSleutel) -> bool:
        return any(s.sleutel == sleutel for s in self.starts)

    def in_force(self, regel: Regel) -> bool:
        if regel.stop is None:
            return self.start_in_force(regel.start.sleutel)
        return any(s.sleutel == regel.stop.sleutel for s in self.stops)

    def stops_op(self, sleutel: StartSleutel) -> list[StopRegel]:
        return [s for s in self.stops if zelfde_start(s.start_sleutel, sleutel)]

    def actueel(self, start: StartRegel) -> bool:
        return not any(s.start_sleutel == start.sleutel for s in self.stops)

    def na(self, regel: Regel) -> OudeStand:
        if regel.stop is None:
            starts = tuple(s for s in self.starts if s.sleutel != regel.start.sleutel)
            return OudeStand(starts if regel.verwijdert else (*starts, regel.start), self.stops)
        stops = tuple(s for s in self.stops if s.sleutel != regel.stop.sleutel)
        return OudeStand(self.starts, stops if regel.verwijdert else (*stops, regel.stop))


def oud_verloop(lines: list[Regel], stand: OudeStand) -> list[tuple[Regel, OudeStand]]:
    out: list[tuple[Regel, OudeStand]] = []
    for regel in sorted(lines, key=lambda r: not r.verwijdert):
        out.append((regel, stand))
        stand = stand.na(regel)
    return sorted(out, key=lambda stap: stap[0].positie)


def zelfde_toegewezen_product(a: StartRegel, b: StartRegel) -> bool:
    if a.toewijzing_nummer is not None or b.toewijzing_nummer is not None:
        return a.toewijzing_nummer == b.toewijzing_nummer
    return (a.categorie, a.code) == (b.categorie, b.code)


def first_of_each(stops: list[StopRegel]) -> tuple[StopRegel, ...]:
    """The rules read stops_op with any() and [0]: equal keys after the first change neither."""
    seen: dict[object, StopRegel] = {}
    for s in stops:
        seen.setdefault(s.sleutel, s)
    return tuple(seen.values())


DATES = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)]
starts = st.builds(
    StartRegel,
    toewijzing_nummer=st.sampled_from([None, 1, 2]),
    categorie=st.sampled_from(["45", "43"]),
    code=st.sampled_from([None, "45A53"]),
    begindatum=st.sampled_from(DATES[:2]),
)


@st.composite
def stops(draw: st.DrawFn) -> StopRegel:
    s = draw(starts)
    return StopRegel(
        s.toewijzing_nummer,
        s.categorie,
        s.code,
        s.begindatum,
        einddatum=draw(st.sampled_from(DATES[1:])),
        reden_beeindiging=draw(st.sampled_from(["20", "01"])),
    )


@st.composite
def scenario(draw: st.DrawFn) -> tuple[list[Regel], tuple[StartRegel, ...], tuple[StopRegel, ...]]:
    lines = []  # a message has start lines or stop lines; mixed, every index is exercised
    for positie in range(draw(st.integers(0, 10))):
        status = draw(st.sampled_from(["1", "3"]))
        if draw(st.booleans()):
            stop = draw(stops())
            start = StartRegel(stop.toewijzing_nummer, stop.categorie, stop.code, stop.begindatum)
            lines.append(Regel(etree.Element("StopProduct"), positie, status, start, stop))
        else:
            lines.append(Regel(etree.Element("StartProduct"), positie, status, draw(starts)))
    return lines, tuple(draw(st.lists(starts, max_size=6))), tuple(draw(st.lists(stops(), max_size=6)))


@settings(max_examples=500, deadline=None)
@given(scenario())
def test_each_line_is_told_what_the_old_stand_told_it(
    case: tuple[list[Regel], tuple[StartRegel, ...], tuple[StopRegel, ...]],
) -> None:
    lines, in_force_starts, in_force_stops = case
    nieuw = stappen(lines, in_force_starts, in_force_stops)
    oud = oud_verloop(lines, OudeStand(in_force_starts, in_force_stops))
    assert [r for r, _ in nieuw] == [r for r, _ in oud]
    for (regel, stand), (_, o) in zip(nieuw, oud, strict=True):
        assert stand.in_force == o.in_force(regel)  # TR063, TR074
        if regel.stop is None and regel.verwijdert:  # TR071
            assert stand.stop_op_start == any(s.start_sleutel == regel.start.sleutel for s in o.stops)
        if regel.stop is None and not regel.verwijdert:  # TR326
            actueel = [s for s in o.starts if zelfde_toegewezen_product(s, regel.start) and o.actueel(s)]
            assert stand.actuele_start == (actueel[0] if actueel else None)
        if regel.stop is not None and not regel.verwijdert:  # TR069, TR382, TR413-TR415
            nr = regel.start.toewijzing_nummer
            met_nummer = [] if nr is None else [s for s in o.starts if s.toewijzing_nummer == nr]
            assert stand.start_in_force == o.start_in_force(regel.start.sleutel)
            assert stand.start_met_nummer == (met_nummer[0] if met_nummer else None)
            assert stand.stops_op == first_of_each(o.stops_op(regel.start.sleutel))
