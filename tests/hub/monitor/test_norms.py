"""The contract's date arithmetic: seconds, working days (with Dutch holidays), months (clamped), norms."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import partial

import pytest

from hub.dates import plus_maanden
from hub.monitor import norms
from hub.monitor.norms import (
    ANTWOORD_VERZOEK,
    GEDRAGEN_KOERS,
    JEUGDBESCHERMER,
    PASSENDE_HULP,
    boven_norm_grens,
    seconden,
    termijn_grens,
    termijn_voorbij,
    uitkomst,
    wacht_boven_norm,
    werkdagen,
)


def test_a_day_is_exactly_86400_seconds_also_across_daylight_saving() -> None:
    # 2026-10-25 is the night the clocks go back in the Netherlands: still 86400 per calendar day.
    assert seconden(date(2026, 10, 24), date(2026, 10, 26)) == 2 * 86400
    assert seconden(date(2026, 3, 28), date(2026, 3, 30)) == 2 * 86400


def test_negative_span_is_kept_unless_floored() -> None:
    assert seconden(date(2026, 10, 8), date(2026, 10, 5)) == -3 * 86400
    assert seconden(date(2026, 10, 8), date(2026, 10, 5), vloer=True) == 0


@pytest.mark.parametrize(
    ("begin", "eind", "expected"),
    [
        (date(2026, 10, 1), date(2026, 10, 1), 0),  # the start date itself never counts
        (date(2026, 10, 1), date(2026, 10, 2), 1),  # Thu -> Fri
        (date(2026, 10, 2), date(2026, 10, 5), 1),  # Fri -> Mon: the weekend is free
        (date(2026, 10, 3), date(2026, 10, 4), 0),  # Sat -> Sun
        (date(2026, 10, 1), date(2026, 10, 8), 5),
        (date(2026, 10, 1), date(2026, 10, 12), 7),
        (date(2026, 10, 8), date(2026, 10, 1), 0),  # end before start
        (date(2026, 4, 24), date(2026, 4, 28), 1),  # Fri -> Tue over Koningsdag (Mon 27 April 2026)
        (date(2026, 4, 23), date(2026, 4, 27), 1),  # Thu -> Koningsdag itself: the end day is no working day
        (date(2026, 4, 2), date(2026, 4, 7), 1),  # Thu -> Tue over Goede Vrijdag and Tweede Paasdag
        (date(2026, 5, 22), date(2026, 5, 26), 1),  # Fri -> Tue over Tweede Pinksterdag (25 May)
        (date(2026, 5, 13), date(2026, 5, 15), 1),  # Hemelvaartsdag (Thu 14 May)
        (date(2026, 12, 24), date(2026, 12, 28), 1),  # Kerst: 25 Dec is a Friday, 26 a Saturday
        (date(2026, 12, 31), date(2027, 1, 4), 1),  # Nieuwjaarsdag (Fri 1 Jan 2027), across the year
        (date(2025, 4, 25), date(2025, 4, 28), 1),  # Koningsdag 2025 fell on a Saturday: Monday counts
        (date(2025, 12, 24), date(2025, 12, 29), 1),  # Kerst 2025 on Thu and Fri
        (date(2026, 1, 2), date(2026, 12, 31), 253),  # 259 weekdays after 2 Jan, minus 6 holidays on weekdays
    ],
)
def test_working_days_after_start_up_to_and_including_end(begin: date, eind: date, expected: int) -> None:
    assert werkdagen(begin, eind) == expected


def test_working_days_agree_with_counting_day_by_day() -> None:
    """Every end date of a year and a half, holidays on the end day itself included."""
    begin = date(2025, 12, 1)
    for n in range(0, 550):
        eind = begin + timedelta(days=n)
        slow = sum(1 for i in range(1, n + 1) if norms.is_werkdag(begin + timedelta(days=i)))
        assert werkdagen(begin, eind) == slow


def test_within_working_days_agrees_with_counting_and_skips_far_spans(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    begin = date(2025, 12, 1)
    for n in (0, 5, 30):
        for days in range(0, 2 * n + 400, 3):
            eind = begin + timedelta(days=days)
            assert norms.binnen_werkdagen(begin, eind, n) == (werkdagen(begin, eind) <= n), (n, days)
    loaded: list[int] = []

    def feestdagen(jaar: int) -> frozenset[date]:
        loaded.append(jaar)
        return frozenset()

    monkeypatch.setattr(norms, "feestdagen", feestdagen)
    assert norms.binnen_werkdagen(date.min, date(2026, 1, 5), 5) is False
    assert loaded == []  # no holidays of two thousand years


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        (date(2026, 1, 31), 3, date(2026, 4, 30)),  # clamped at the month end
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2027, 11, 30), 3, date(2028, 2, 29)),  # leap year
        (date(2026, 10, 1), 3, date(2027, 1, 1)),
        (date(2026, 5, 31), -3, date(2026, 2, 28)),  # backwards too
        (date(2026, 3, 15), 0, date(2026, 3, 15)),
    ],
)
def test_plus_maanden(d: date, n: int, expected: date) -> None:
    assert plus_maanden(d, n) == expected


@pytest.mark.parametrize(
    ("norm", "begin", "eind", "expected"),
    [
        (ANTWOORD_VERZOEK, date(2026, 10, 1), date(2026, 10, 8), "binnen"),  # exactly 5 working days
        (ANTWOORD_VERZOEK, date(2026, 10, 1), date(2026, 10, 9), "buiten"),  # the 6th
        (ANTWOORD_VERZOEK, date(2026, 4, 22), date(2026, 4, 30), "binnen"),  # Koningsdag does not count
        (ANTWOORD_VERZOEK, date(2026, 10, 1), date(2026, 9, 30), "binnen"),  # answered before it was asked
        (
            JEUGDBESCHERMER,
            date(2026, 12, 21),
            date(2026, 12, 29),
            "binnen",
        ),  # over Kerst: 21 Dec + 5 wd = 29 Dec
        (JEUGDBESCHERMER, date(2026, 12, 21), date(2026, 12, 30), "buiten"),
        (PASSENDE_HULP, date(2026, 1, 31), date(2026, 4, 30), "binnen"),  # clamped: 30 April is the last day
        (PASSENDE_HULP, date(2026, 1, 31), date(2026, 5, 1), "buiten"),
        (PASSENDE_HULP, date(2026, 10, 1), date(2027, 1, 1), "binnen"),
        (PASSENDE_HULP, date(2026, 10, 1), date(2027, 1, 2), "buiten"),
        (GEDRAGEN_KOERS, date(2026, 1, 1), date(2026, 2, 12), "binnen"),  # 42 days
        (GEDRAGEN_KOERS, date(2026, 1, 1), date(2026, 2, 13), "buiten"),  # 43 days
        # At the ends of date (a far year in a message reads as one): a deadline beyond date.max holds all.
        (PASSENDE_HULP, date(9999, 11, 1), date.max, "binnen"),
        (PASSENDE_HULP, date.min, date.max, "buiten"),
        (GEDRAGEN_KOERS, date.min, date.max, "buiten"),
        (ANTWOORD_VERZOEK, date.max, date.min, "binnen"),
    ],
)
def test_norm_outcomes(norm: str, begin: date, eind: date, expected: str) -> None:
    assert uitkomst(norm, begin, eind) == expected


def test_unknown_norm_is_an_error() -> None:
    with pytest.raises(KeyError):
        uitkomst("wachttijd_1_dag", date(2026, 1, 1), date(2026, 1, 2))


@pytest.mark.parametrize(
    ("begin", "vandaag", "boven"),
    [
        (date(2026, 1, 31), date(2026, 4, 30), False),  # on the deadline: not yet above
        (date(2026, 1, 31), date(2026, 5, 1), True),
        (date(2026, 10, 1), date(2027, 1, 1), False),
        (date(2026, 10, 1), date(2027, 1, 2), True),
        (date(9999, 10, 1), date.max, False),  # the deadline lies beyond date: never passed
        (date.max, date.max, False),
        (date.min, date(2026, 11, 23), True),
    ],
)
def test_waiting_above_the_3_month_norm(begin: date, vandaag: date, boven: bool) -> None:
    assert wacht_boven_norm(begin, vandaag) is boven


@pytest.mark.parametrize(
    "vandaag", [date(2026, 4, 30), date(2026, 5, 1), date(2026, 3, 1), date(2027, 3, 1), date(2028, 5, 31)]
)
def test_cut_off_date_separates_above_from_within_norm(vandaag: date) -> None:
    grens = boven_norm_grens(vandaag)
    assert grens is not None
    assert wacht_boven_norm(grens, vandaag)
    assert not wacht_boven_norm(grens + timedelta(days=1), vandaag)
    # Every begin date up to the cut-off is above the norm, every later one is not.
    for offset in range(-40, 40):
        begin = grens + timedelta(days=offset)
        assert wacht_boven_norm(begin, vandaag) is (begin <= grens)


def test_cut_off_of_1_may_is_31_january() -> None:
    assert boven_norm_grens(date(2026, 5, 1)) == date(2026, 1, 31)


def test_no_cut_off_within_3_months_of_the_first_date() -> None:
    # Not even a begin on date.min waits longer than 3 months then: None, where the search used to step below
    # date.min and end /metrics of a `hub process --as-of 0001-02-01` in OverflowError.
    assert boven_norm_grens(date(1, 1, 1)) is None
    assert boven_norm_grens(date(1, 4, 1)) is None
    assert boven_norm_grens(date(1, 4, 2)) == date.min
    assert boven_norm_grens(date(2026, 4, 30)) == date(2026, 1, 29)


# ---- the term of a norm as of today: the gauges of what still waits for its second date -----------------------


@pytest.mark.parametrize(
    ("norm", "begin", "vandaag", "voorbij"),
    [
        # Uitspraak Thu 1 Oct 2026: the 5th working day after it (Thu 8 Oct) is still within, Fri 9 Oct is not.
        (JEUGDBESCHERMER, date(2026, 10, 1), date(2026, 10, 8), False),
        (JEUGDBESCHERMER, date(2026, 10, 1), date(2026, 10, 9), True),
        # Fri 2 Oct: the 5th working day is Fri 9 Oct; the weekend after it adds none, Mon 12 Oct is the 6th.
        (JEUGDBESCHERMER, date(2026, 10, 2), date(2026, 10, 11), False),
        (JEUGDBESCHERMER, date(2026, 10, 2), date(2026, 10, 12), True),
        # Thu 23 Apr 2026 over Koningsdag (Mon 27 Apr): Fri 1 May is the 5th working day, Mon 4 May the 6th.
        (JEUGDBESCHERMER, date(2026, 4, 23), date(2026, 5, 3), False),
        (JEUGDBESCHERMER, date(2026, 4, 23), date(2026, 5, 4), True),
        (GEDRAGEN_KOERS, date(2026, 1, 1), date(2026, 2, 12), False),  # 42 days: 6 weeks exactly
        (GEDRAGEN_KOERS, date(2026, 1, 1), date(2026, 2, 13), True),
        (PASSENDE_HULP, date(2026, 1, 31), date(2026, 4, 30), False),
        (PASSENDE_HULP, date(2026, 1, 31), date(2026, 5, 1), True),
        (GEDRAGEN_KOERS, date(2026, 3, 1), date(2026, 2, 1), False),  # begins after today
    ],
)
def test_a_term_has_passed_when_even_a_date_of_today_would_be_buiten(
    norm: str, begin: date, vandaag: date, voorbij: bool
) -> None:
    assert termijn_voorbij(norm, begin, vandaag) is voorbij
    assert uitkomst(norm, begin, vandaag) == ("buiten" if voorbij else "binnen")
    grens = termijn_grens(norm, vandaag)
    assert grens is not None and (begin <= grens) is voorbij


@pytest.mark.parametrize("norm", [ANTWOORD_VERZOEK, JEUGDBESCHERMER, GEDRAGEN_KOERS, PASSENDE_HULP])
def test_the_terms_cut_off_separates_passed_from_running_on_every_day(norm: str) -> None:
    """Each day from before Christmas 2025 to past Pinksteren 2026 (weekends and every kind of holiday)."""
    for dag in range(200):
        vandaag = date(2025, 12, 15) + timedelta(days=dag)
        grens = termijn_grens(norm, vandaag)
        assert grens is not None
        for offset in range(-130, 3):
            begin = vandaag + timedelta(days=offset)
            assert termijn_voorbij(norm, begin, vandaag) is (begin <= grens), (vandaag, begin)


def test_the_3_month_terms_cut_off_is_the_waiting_gauges() -> None:
    for dag in range(0, 800, 7):
        vandaag = date(2026, 1, 1) + timedelta(days=dag)
        assert termijn_grens(PASSENDE_HULP, vandaag) == boven_norm_grens(vandaag)


def test_the_cut_off_at_the_ends_of_date() -> None:
    assert termijn_grens(JEUGDBESCHERMER, date.min) is None  # no begin date lies before date.min
    assert termijn_grens(GEDRAGEN_KOERS, date(1, 1, 20)) is None
    assert termijn_grens(GEDRAGEN_KOERS, date(1, 2, 13)) == date.min  # 43 days after 1 January of year 1
    assert termijn_grens(GEDRAGEN_KOERS, date.max) == date.max - timedelta(days=43)


@pytest.mark.parametrize(
    "norm", [ANTWOORD_VERZOEK, JEUGDBESCHERMER, GEDRAGEN_KOERS, PASSENDE_HULP, "boven_norm"]
)
@pytest.mark.parametrize(
    "vandaag", [date(2026, 1, 2), date(2026, 5, 1), date(2026, 12, 28), date(2028, 2, 29)]
)
def test_the_cut_off_search_gives_the_same_date_from_any_start(norm: str, vandaag: date) -> None:
    """The estimates start next to the cut-off; a start far before it or after it walks there (either loop)."""
    if norm == "boven_norm":
        grens = boven_norm_grens(vandaag)
        geldt: Callable[[date], bool] = partial(wacht_boven_norm, vandaag=vandaag)
    else:
        grens = termijn_grens(norm, vandaag)
        geldt = partial(termijn_voorbij, norm, vandaag=vandaag)
    assert grens is not None
    for start in (
        vandaag - timedelta(days=400),
        grens - timedelta(days=1),
        grens,
        grens + timedelta(days=1),
        vandaag,
    ):
        assert norms._laatste(geldt, start, vandaag) == grens, start


def test_the_cut_off_search_stops_at_today_and_at_the_first_date() -> None:
    # A condition that holds for every date (no norm's does) ends at vandaag, even vandaag = date.max.
    assert norms._laatste(lambda begin: True, date(2026, 1, 1), date(2026, 1, 10)) == date(2026, 1, 10)
    assert norms._laatste(lambda begin: True, date.max - timedelta(days=3), date.max) == date.max
    assert norms._laatste(lambda begin: False, date(1, 1, 5), date(1, 3, 1)) is None
