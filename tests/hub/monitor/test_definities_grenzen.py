"""The boundaries of docs/definities.md 1.3 and 1.4 a monitoring team asks about, with hand-counted expectations.

Working days from a begin on a weekend or a holiday, over Bevrijdingsdag in and out of a lustrum year and over
Kerst into the new year; 3 months from the end of a month; 6 weeks across daylight saving; the Dutch "today".
Each expected date is counted by hand in the comment beside it, not derived from the code under test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hub.clock import vandaag
from hub.monitor.norms import (
    ANTWOORD_VERZOEK,
    GEDRAGEN_KOERS,
    JEUGDBESCHERMER,
    PASSENDE_HULP,
    boven_norm_grens,
    termijn_grens,
    uitkomst,
    wacht_boven_norm,
    werkdagen,
)

# ---- 5 werkdagen (1.4): the begin date itself never counts, whatever day it is ----------------------------


@pytest.mark.parametrize("norm", [ANTWOORD_VERZOEK, JEUGDBESCHERMER])
@pytest.mark.parametrize(
    ("begin", "vijfde", "zesde"),
    [
        # Sat 3 Oct 2026: Mon 5 (1), Tue 6 (2), Wed 7 (3), Thu 8 (4), Fri 9 (5), Mon 12 (6).
        (date(2026, 10, 3), date(2026, 10, 9), date(2026, 10, 12)),
        # Sun 26 Apr 2026: Koningsdag Mon 27 is free; Tue 28 (1), Wed 29 (2), Thu 30 (3), Fri 1 May (4),
        # Mon 4 May (5), Tue 5 May (6): 2026 is no lustrum year, so Bevrijdingsdag is a working day.
        (date(2026, 4, 26), date(2026, 5, 4), date(2026, 5, 5)),
        # On Koningsdag itself (Mon 27 Apr 2026): the same days follow.
        (date(2026, 4, 27), date(2026, 5, 4), date(2026, 5, 5)),
        # Goede Vrijdag 3 Apr 2026: weekend, Tweede Paasdag Mon 6 free; Tue 7 (1) .. Fri 10 (4), Mon 13 (5).
        (date(2026, 4, 3), date(2026, 4, 13), date(2026, 4, 14)),
        # Mon 28 Apr 2025: Tue 29 (1), Wed 30 (2), Thu 1 May (3), Fri 2 May (4), Bevrijdingsdag Mon 5 May
        # is free in the lustrum year 2025, Tue 6 May (5), Wed 7 May (6).
        (date(2025, 4, 28), date(2025, 5, 6), date(2025, 5, 7)),
        # Wed 24 Dec 2025: Kerst Thu 25 and Fri 26, weekend; Mon 29 (1), Tue 30 (2), Wed 31 (3) are working
        # days, Nieuwjaarsdag Thu 1 Jan is free, Fri 2 Jan (4), Mon 5 Jan (5), Tue 6 Jan (6).
        (date(2025, 12, 24), date(2026, 1, 5), date(2026, 1, 6)),
    ],
)
def test_the_5th_working_day_is_binnen_and_the_6th_buiten(
    norm: str, begin: date, vijfde: date, zesde: date
) -> None:
    assert werkdagen(begin, vijfde) == 5
    assert werkdagen(begin, zesde) == 6
    assert uitkomst(norm, begin, vijfde) == "binnen"
    assert uitkomst(norm, begin, zesde) == "buiten"


@pytest.mark.parametrize("norm", [ANTWOORD_VERZOEK, JEUGDBESCHERMER])
def test_the_term_cut_off_over_koningsdag(norm: str) -> None:
    """3.5 and 3.6: on Tue 5 May 2026 a begin on Koningsdag (Mon 27 Apr) or before has passed its term (6 working
    days after it: 28, 29, 30 Apr, 1, 4 and 5 May); one of Tue 28 Apr has 5 and has not."""
    assert termijn_grens(norm, date(2026, 5, 5)) == date(2026, 4, 27)
    # On Mon 4 May: Fri 24 Apr has 5 after it (Koningsdag is free: 28, 29, 30 Apr, 1 and 4 May), Thu 23 Apr has
    # 6 (24 Apr too), so the latest passed begin is Thu 23 Apr.
    assert termijn_grens(norm, date(2026, 5, 4)) == date(2026, 4, 23)


# ---- 3 maanden (1.4): the same day three calendar months later, clamped at the month end ------------------


@pytest.mark.parametrize(
    ("begin", "laatste_binnen"),
    [
        (date(2026, 11, 30), date(2027, 2, 28)),  # no 30 February: the last day of February
        (date(2026, 11, 28), date(2027, 2, 28)),  # so 28, 29 and 30 November share their deadline
        (date(2027, 2, 28), date(2027, 5, 28)),  # the same day, not the month end: 28 May, not 31 May
        (date(2028, 2, 29), date(2028, 5, 29)),  # a leap day
        (date(2027, 11, 30), date(2028, 2, 29)),  # into a leap February
        (date(2026, 12, 31), date(2027, 3, 31)),  # across the year
        (date(2026, 8, 31), date(2026, 11, 30)),  # no 31 November
    ],
)
def test_passende_hulp_up_to_the_same_day_3_months_later(begin: date, laatste_binnen: date) -> None:
    dag_erna = date.fromordinal(laatste_binnen.toordinal() + 1)
    assert uitkomst(PASSENDE_HULP, begin, laatste_binnen) == "binnen"
    assert uitkomst(PASSENDE_HULP, begin, dag_erna) == "buiten"
    assert not wacht_boven_norm(begin, laatste_binnen)
    assert wacht_boven_norm(begin, dag_erna)


def test_on_1_march_three_days_of_november_pass_the_3_month_norm_at_once() -> None:
    """3.2: 28, 29 and 30 November 2026 all reach their deadline on 28 February 2027, so on 1 March all three are
    above the norm while 1 December is not (its deadline is 1 March); on 28 February only 27 November is."""
    assert boven_norm_grens(date(2027, 3, 1)) == date(2026, 11, 30)
    assert boven_norm_grens(date(2027, 2, 28)) == date(2026, 11, 27)


# ---- 6 weken (1.4): 42 calendar days, daylight saving or not ----------------------------------------------


def test_6_weeks_are_42_days_across_the_change_to_summer_time() -> None:
    # Uitspraak Sun 1 Mar 2026; summer time begins on 29 March. 31 - 1 = 30 days to 31 Mar, + 12 = 42: 12 April.
    assert uitkomst(GEDRAGEN_KOERS, date(2026, 3, 1), date(2026, 4, 12)) == "binnen"
    assert uitkomst(GEDRAGEN_KOERS, date(2026, 3, 1), date(2026, 4, 13)) == "buiten"


# ---- vandaag (1.3): the calendar day in the Netherlands ---------------------------------------------------


@pytest.mark.parametrize(
    ("utc", "dag"),
    [
        (datetime(2026, 4, 30, 21, 59, tzinfo=UTC), date(2026, 4, 30)),  # 23:59 summer time
        (datetime(2026, 4, 30, 22, 0, tzinfo=UTC), date(2026, 5, 1)),  # 00:00 summer time (UTC+2)
        (datetime(2026, 12, 31, 22, 59, tzinfo=UTC), date(2026, 12, 31)),  # 23:59 winter time
        (datetime(2026, 12, 31, 23, 0, tzinfo=UTC), date(2027, 1, 1)),  # 00:00 winter time (UTC+1)
    ],
)
def test_today_turns_at_midnight_in_amsterdam(utc: datetime, dag: date) -> None:
    assert vandaag(utc) == dag
