"""The linking rules of docs/gi-koppeling.md as pure functions (hub.gi.link): every rule and the ambiguous cases."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from hub.gi import link
from hub.gi.link import Bepaling, Koppeling, KoppelRegels, Start, Toewijzing, Verzoek, koppel

GI, ANDERE_GI, AANBIEDER = "87654321", "87650000", "12345678"
D = date(2026, 9, 1)


def bep(sleutel: int, datum: date = D, categorie: str = "45", gi: str = GI) -> Bepaling:
    return Bepaling(sleutel, gi, categorie, datum)


def vz(
    ref: str,
    dagtekening: date,
    *,
    categorie: str = "45",
    type_: str | None = "04",
    code: str | None = GI,
    sleutel: int = 1,
) -> Verzoek:
    return Verzoek(AANBIEDER, ref, categorie, dagtekening, type_, code, sleutel)


def tw(
    nummer: int,
    datum: date,
    *,
    categorie: str | None = "45",
    ref: str | None = None,
    verwijderd_op: date | None = None,
    tijd: time = time(10),
) -> Toewijzing:
    return Toewijzing(AANBIEDER, nummer, categorie, "45A53", datum, tijd, ref, verwijderd_op)


def toewijzing_van(result: dict[int, Koppeling]) -> dict[int, int | None]:
    return {b: (k.toewijzing.nummer if k.toewijzing else None) for b, k in result.items()}


# ---- the happy path and K1 (window) ---------------------------------------------------------------


def test_verzoek_toewijzing_and_start_are_linked() -> None:
    start = Start(300201, D + timedelta(days=20), 7)
    result = koppel(
        [bep(1)], [vz("A", D + timedelta(days=2))], [tw(300201, D + timedelta(days=9), ref="A")], [start]
    )
    k = result[1]
    assert k.verzoek is not None and k.verzoek.referentie == "A"
    assert k.toewijzing is not None and k.toewijzing.nummer == 300201
    assert k.start == start


@pytest.mark.parametrize(
    ("dagen", "gekoppeld"),
    [(-1, False), (0, True), (365, True), (366, False)],
    ids=["day-before-bepaling", "same-day", "last-day-of-window", "day-after-window"],
)
def test_window_runs_from_the_datum_bepaling_for_n_days(dagen: int, gekoppeld: bool) -> None:
    datum = D + timedelta(days=dagen)
    result = koppel([bep(1)], [vz("A", datum)], [tw(1, datum)], [])
    assert (1 in result) is gekoppeld
    if gekoppeld:
        assert result[1].verzoek is not None and result[1].toewijzing is not None


def test_window_is_configurable() -> None:
    later = D + timedelta(days=40)
    assert 1 not in koppel([bep(1)], [], [tw(1, later)], [], KoppelRegels(termijn_dagen=30))
    assert toewijzing_van(koppel([bep(1)], [], [tw(1, later)], [], KoppelRegels(termijn_dagen=40))) == {1: 1}


def test_other_productcategorie_is_not_linked() -> None:
    later = D + timedelta(days=3)
    result = koppel(
        [bep(1, categorie="45")], [vz("A", later, categorie="43")], [tw(1, later, categorie="43")], []
    )
    assert result == {}


def test_a_toewijzing_without_categorie_never_links() -> None:
    assert koppel([bep(1)], [], [tw(1, D, categorie=None)], []) == {}


# ---- K2 and K3: who asked ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "code", "gekoppeld"),
    [
        ("04", GI, True),
        ("04", None, True),
        ("04", ANDERE_GI, False),
        ("02", None, False),
        ("01", None, False),
    ],
    ids=["gi-named", "gi-by-name-only", "another-gi", "huisarts", "gemeente"],
)
def test_only_a_request_by_this_gi_links(type_: str, code: str | None, gekoppeld: bool) -> None:
    result = koppel([bep(1)], [vz("A", D, type_=type_, code=code)], [], [])
    assert (1 in result) is gekoppeld


def test_a_toewijzing_answering_another_referrers_request_is_not_linked() -> None:
    huisarts = vz("H", D, type_="02", code=None)
    assert koppel([bep(1)], [huisarts], [tw(1, D + timedelta(days=1), ref="H")], []) == {}


def test_a_toewijzing_answering_another_gis_request_is_not_linked() -> None:
    ander = vz("X", D, code=ANDERE_GI)
    assert koppel([bep(1)], [ander], [tw(1, D + timedelta(days=1), ref="X")], []) == {}


def test_a_toewijzing_without_request_links_directly() -> None:
    assert toewijzing_van(koppel([bep(1)], [], [tw(1, D + timedelta(days=1))], [])) == {1: 1}


def test_a_reference_the_hub_does_not_know_does_not_block() -> None:
    assert toewijzing_van(koppel([bep(1)], [], [tw(1, D, ref="ONBEKEND")], [])) == {1: 1}


def test_a_request_whose_referrer_was_not_recorded_does_not_block_its_toewijzing() -> None:
    onbekend = vz("U", D, type_=None, code=None)
    result = koppel([bep(1)], [onbekend], [tw(1, D, ref="U")], [])
    assert toewijzing_van(result) == {1: 1} and result[1].verzoek is None


def test_a_toewijzing_follows_its_request_to_that_bepaling_before_an_older_one() -> None:
    # Bepaling 1 is older, but the request (and so the toewijzing answering it) went to bepaling 2, because
    # bepaling 1 already had a request of its own.
    b1, b2 = bep(1, D), bep(2, D + timedelta(days=5))
    v1, v2 = vz("V1", D + timedelta(days=6), sleutel=1), vz("V2", D + timedelta(days=7), sleutel=2)
    result = koppel([b1, b2], [v1, v2], [tw(9, D + timedelta(days=8), ref="V2")], [])
    assert result[1].verzoek == v1 and result[2].verzoek == v2
    assert toewijzing_van(result) == {1: None, 2: 9}


# ---- K4: several candidates -----------------------------------------------------------------------


def test_two_open_bepalingen_the_oldest_gets_the_toewijzing() -> None:
    result = koppel([bep(2, D + timedelta(days=3)), bep(1, D)], [], [tw(1, D + timedelta(days=5))], [])
    assert toewijzing_van(result) == {1: 1}


def test_two_bepalingen_on_the_same_day_the_first_accepted_goes_first() -> None:
    result = koppel([bep(7, D), bep(3, D)], [], [tw(1, D)], [])
    assert toewijzing_van(result) == {3: 1}


def test_two_toewijzingen_the_earliest_wins_and_the_second_stays_unlinked() -> None:
    later, eerder = tw(2, D + timedelta(days=9)), tw(1, D + timedelta(days=4))
    assert toewijzing_van(koppel([bep(1)], [], [later, eerder], [])) == {1: 1}


def test_two_toewijzingen_on_one_day_the_earlier_time_wins() -> None:
    a, b = tw(5, D, tijd=time(14)), tw(6, D, tijd=time(9))
    assert toewijzing_van(koppel([bep(1)], [], [a, b], [])) == {1: 6}


def test_two_toewijzingen_and_two_bepalingen_each_gets_one_in_date_order() -> None:
    result = koppel(
        [bep(1, D), bep(2, D + timedelta(days=1))],
        [],
        [tw(11, D + timedelta(days=10)), tw(10, D + timedelta(days=2))],
        [],
    )
    assert toewijzing_van(result) == {1: 10, 2: 11}


def test_a_toewijzing_dated_before_the_newer_bepaling_cannot_go_to_it() -> None:
    # The only toewijzing predates bepaling 2, so it goes to bepaling 1 even though 2 is the better fit later.
    result = koppel([bep(1, D), bep(2, D + timedelta(days=10))], [], [tw(1, D + timedelta(days=5))], [])
    assert toewijzing_van(result) == {1: 1}


def test_two_requests_one_bepaling_the_first_request_wins() -> None:
    v1, v2 = vz("V1", D + timedelta(days=1), sleutel=4), vz("V2", D + timedelta(days=1), sleutel=9)
    result = koppel([bep(1)], [v2, v1], [], [])
    assert result[1].verzoek == v1


def test_the_start_is_the_earliest_of_the_toewijzing() -> None:
    starts = [Start(1, D + timedelta(days=9), 3), Start(1, D + timedelta(days=7), 8), Start(2, D, 1)]
    result = koppel([bep(1)], [], [tw(1, D)], starts)
    assert result[1].start == Start(1, D + timedelta(days=7), 8)


# ---- K5 and K6: withdrawal and deletion --------------------------------------------------------------


def test_a_withdrawn_bepaling_is_no_candidate_and_its_toewijzing_goes_to_the_next() -> None:
    # koppel() receives the bepalingen in force only: withdrawing bepaling 1 frees its toewijzing.
    toewijzing = tw(1, D + timedelta(days=5))
    assert toewijzing_van(koppel([bep(1), bep(2, D + timedelta(days=1))], [], [toewijzing], [])) == {1: 1}
    assert toewijzing_van(koppel([bep(2, D + timedelta(days=1))], [], [toewijzing], [])) == {2: 1}


def test_a_correction_takes_over_the_toewijzing_of_the_withdrawn_bepaling() -> None:
    # The correction (new row 2, same DatumBepaling) arrives after the toewijzing: dates decide, not arrival.
    assert toewijzing_van(koppel([bep(2, D)], [], [tw(1, D + timedelta(days=5))], [])) == {2: 1}


def test_a_deleted_toewijzing_is_unlinked_and_the_next_one_takes_its_place() -> None:
    weg = tw(1, D + timedelta(days=2), verwijderd_op=D + timedelta(days=6))
    volgende = tw(2, D + timedelta(days=9))
    assert toewijzing_van(koppel([bep(1)], [], [weg], [])) == {}
    assert toewijzing_van(koppel([bep(1)], [], [weg, volgende], [])) == {1: 2}


# ---- statusmeldingen ------------------------------------------------------------------------------


def test_meldingen_follow_the_links() -> None:
    start = Start(300201, D + timedelta(days=20), 7)
    k = koppel(
        [bep(1)], [vz("A", D + timedelta(days=2))], [tw(300201, D + timedelta(days=9), ref="A")], [start]
    )
    found = {(m.status, m.onderwerp, m.datum) for m in link.meldingen(k)}
    assert found == {
        ("01", f"verzoek:{AANBIEDER}:A", D + timedelta(days=2)),
        ("02", "toewijzing:300201", D + timedelta(days=9)),
        ("03", "toewijzing:300201", D + timedelta(days=20)),
    }
    by_status = {m.status: m for m in link.meldingen(k)}
    assert by_status["02"].toewijzing_nummer == 300201 and by_status["02"].categorie == "45"
    assert by_status["03"].begindatum == D + timedelta(days=20) and by_status["01"].aanbieder == AANBIEDER


def test_vervallen_only_for_a_deleted_toewijzing_the_gi_heard_of_before_the_start() -> None:
    weg = tw(1, D, verwijderd_op=D + timedelta(days=3))
    gemeld = {(5, "02", "toewijzing:1")}
    assert [(m.status, m.datum) for m in link.vervallen(gemeld, [5], [weg])] == [
        ("05", D + timedelta(days=3))
    ]
    assert link.vervallen(gemeld | {(5, "03", "toewijzing:1")}, [5], [weg]) == []  # help had started
    assert link.vervallen(gemeld, [], [weg]) == []  # the bepaling was withdrawn: nothing more
    assert link.vervallen(gemeld, [5], [tw(1, D)]) == []  # not deleted
    assert link.vervallen(set(), [5], [weg]) == []  # the GI never heard of it


def test_norm_overschreden_after_three_calendar_months_when_not_started() -> None:
    eind_januari = date(2026, 1, 31)
    assert link.norm_overschreden(1, eind_januari, False, date(2026, 4, 30)) is None  # 31 Jan + 3 = 30 Apr
    melding = link.norm_overschreden(1, eind_januari, False, date(2026, 5, 1))
    assert melding is not None and (melding.status, melding.datum) == ("04", date(2026, 5, 1))
    assert link.norm_overschreden(1, eind_januari, True, date(2026, 6, 1)) is None


def test_at_the_end_of_date_the_window_and_the_norm_reach_beyond_it() -> None:
    laat = date(9999, 12, 1)
    assert toewijzing_van(koppel([bep(1, laat)], [], [tw(1, date.max)], [])) == {1: 1}
    assert link.norm_overschreden(1, laat, False, date.max) is None  # the deadline lies beyond date.max
    assert link.norm_verstreken(date(9999, 9, 30)) == date.max  # 30 Dec is the deadline
    assert link.norm_verstreken(laat) == date.max  # held there: no day is above the norm


def test_ingetrokken_is_status_06_without_subject() -> None:
    m = link.ingetrokken(3, D)
    assert (m.bepaling, m.status, m.onderwerp, m.datum) == (3, "06", "", D)
