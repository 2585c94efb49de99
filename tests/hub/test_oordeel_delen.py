"""hub.oordeel.Delen: which parts of a JW323 a finding rejects, by lookups, as the scan of every part did."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from hub.oordeel import Delen


def scanned(anchor: str | None, locaties: Sequence[str]) -> set[int]:
    """The earlier implementation: every part's Locatie compared with the anchor."""
    if anchor is not None:
        hit = {
            i
            for i, loc in enumerate(locaties)
            if loc == anchor or loc.startswith(anchor + "/") or anchor.startswith(loc + "/")
        }
        if hit:
            return hit
    return set(range(len(locaties)))


def prestatie(client: int, regel: int) -> str:
    return f"/Bericht/Declaratie/Clienten/Client[{client}]/Prestaties/Prestatie[{regel}]"


@st.composite
def berichten(draw: st.DrawFn) -> tuple[list[str], list[str | None]]:
    clienten = draw(st.lists(st.integers(1, 4), min_size=0, max_size=4))  # prestaties per client
    locaties = [prestatie(c + 1, r + 1) for c, n in enumerate(clienten) for r in range(n)]
    kandidaten: list[str | None] = [
        None,
        "/Bericht/Header",
        "/Bericht/Header/Afzender",
        "/Bericht/Declaratie",
        "/Bericht/Declaratie/Clienten",
        "/Bericht/Declaratie/Clienten/Client[1]",
        "/Bericht/Declaratie/Clienten/Client[3]/Bsn",
        "/Bericht/Declaratie/Clienten/Client[12]",  # the prefix of no part: "Client[1]" is not "Client[12]"
        "/Bericht/Declaratie/DeclaratieNummer",
        prestatie(1, 1),
        prestatie(2, 3) + "/ProductPeriode/Begindatum",
        prestatie(1, 12) + "/GeleverdVolume",
        "/Bericht",
        "/Ander",
    ]
    anchors = draw(st.lists(st.sampled_from(kandidaten), min_size=1, max_size=6))
    return locaties, anchors


@given(berichten())
def test_the_lookups_reject_what_the_scan_of_every_part_rejected(
    bericht: tuple[list[str], list[str | None]],
) -> None:
    locaties, anchors = bericht
    delen = Delen(locaties)
    for anchor in anchors:
        assert delen.afgekeurd(anchor) == scanned(anchor, locaties), anchor


def test_a_line_a_client_and_the_header() -> None:
    locaties = [prestatie(1, 1), prestatie(1, 2), prestatie(2, 1)]
    delen = Delen(locaties)
    assert delen.afgekeurd(prestatie(1, 2) + "/Bedrag") == {1}
    assert delen.afgekeurd("/Bericht/Declaratie/Clienten/Client[1]") == {0, 1}
    assert delen.afgekeurd("/Bericht/Header/Dagtekening") == {0, 1, 2}
