"""The holidays behind "working days" (issue 5: PyPI `holidays`, NL), pinned, so an upgrade that changes them fails.

The norms' figures follow this list: a `holidays` release that adds or drops a day changes which answers are
within 5 working days. These are the days of the version the figures were checked against (0.109); a change
here needs the monitoring teams' word, not only a newer `holidays` (constraints.txt pins 0.109; pyproject.toml
allows any >= 0.50, so `make lock` may move it).
"""

from __future__ import annotations

from datetime import date

import pytest

from hub.monitor.norms import feestdagen, werkdagen


@pytest.mark.parametrize(
    ("jaar", "verwacht"),
    [
        (
            2025,
            {
                date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 20), date(2025, 4, 21), date(2025, 4, 26),
                date(2025, 5, 5), date(2025, 5, 29), date(2025, 6, 8), date(2025, 6, 9), date(2025, 12, 25),
                date(2025, 12, 26),
            },
        ),
        (
            2026,
            {
                date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 5), date(2026, 4, 6), date(2026, 4, 27),
                date(2026, 5, 14), date(2026, 5, 24), date(2026, 5, 25), date(2026, 12, 25), date(2026, 12, 26),
            },
        ),
        (
            # Pasen 28 March 2027: Goede Vrijdag 26 March, Hemelvaart 39 days after (6 May), Pinksteren 49 (16 May).
            2027,
            {
                date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 28), date(2027, 3, 29), date(2027, 4, 27),
                date(2027, 5, 6), date(2027, 5, 16), date(2027, 5, 17), date(2027, 12, 25), date(2027, 12, 26),
            },
        ),
    ],
)  # fmt: skip
def test_the_dutch_holidays_of_the_package(jaar: int, verwacht: set[date]) -> None:
    # Goede Vrijdag counts; Bevrijdingsdag only in a lustrum year (2025, not 2026); Koningsdag on a Sunday
    # moves to the Saturday before (26 April 2025), so it never costs a working day then.
    assert feestdagen(jaar) == verwacht


@pytest.mark.parametrize(
    ("begin", "eind", "expected"),
    [
        (date(2025, 5, 2), date(2025, 5, 6), 1),  # Fri -> Tue over Bevrijdingsdag 2025 (a lustrum year)
        (date(2026, 5, 4), date(2026, 5, 5), 1),  # 5 May 2026 is a working day
        (date(2030, 5, 3), date(2030, 5, 6), 1),  # Bevrijdingsdag 2030 falls on a Sunday
    ],
)
def test_bevrijdingsdag_costs_a_working_day_only_in_lustrum_years(
    begin: date, eind: date, expected: int
) -> None:
    assert werkdagen(begin, eind) == expected
