"""hub.monitor.norms: cases of the norm arithmetic that no other test pins down."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hub.monitor.norms import binnen_werkdagen, werkdagen


def test_a_term_of_300_working_days_ends_on_its_300th_working_day_more_than_a_year_later() -> None:
    # binnen_werkdagen skips counting a span that surely holds over n working days; a span over 366 days is not
    # such a span when n is large. After Thu 1 Jan 2026: 254 working days in 2026, 20 in January 2027 (1 Jan is
    # Nieuwjaarsdag), 20 in February, 1-5 March: Mon 8 March 2027 (431 days later) is the 300th, Tue 9 the 301st.
    begin = date(2026, 1, 1)
    assert werkdagen(begin, date(2027, 3, 8)) == 300
    assert binnen_werkdagen(begin, date(2027, 3, 8), 300) is True
    assert binnen_werkdagen(begin, date(2027, 3, 9), 300) is False


@pytest.mark.parametrize("n", [250, 300, 400])
def test_within_n_working_days_agrees_with_counting_up_to_the_shortcut_for_large_n(n: int) -> None:
    begin = date(2026, 1, 1)
    for days in range(300, 2 * n + 380, 5):
        eind = begin + timedelta(days=days)
        assert binnen_werkdagen(begin, eind, n) == (werkdagen(begin, eind) <= n), days
