"""Date arithmetic on message dates: a step past date.min or date.max is held there instead of raising."""

from __future__ import annotations

from datetime import date

import pytest

from hub.dates import maand_einde, plus_dagen, plus_maanden


@pytest.mark.parametrize(
    ("d", "dagen", "expected"),
    [
        (date(2026, 12, 31), 1, date(2027, 1, 1)),
        (date(2026, 1, 1), -1, date(2025, 12, 31)),
        (date(9999, 12, 30), 1, date.max),
        (date.max, 1, date.max),
        (date.max, 365, date.max),
        (date.min, -1, date.min),
        (date.max, -1, date(9999, 12, 30)),
    ],
)
def test_plus_dagen(d: date, dagen: int, expected: date) -> None:
    assert plus_dagen(d, dagen) == expected


@pytest.mark.parametrize(
    ("d", "maanden", "expected"),
    [
        (date(2026, 1, 31), 3, date(2026, 4, 30)),
        (date(9999, 9, 30), 3, date(9999, 12, 30)),
        (date(9999, 10, 1), 3, date.max),  # 10000-01-01 lies beyond date
        (date.max, 3, date.max),
        (date(5, 12, 31), -60, date.min),  # 0000-12-31 lies before date
        (date(6, 2, 28), -60, date(1, 2, 28)),
        (date.min, -3, date.min),
    ],
)
def test_plus_maanden_is_held_at_the_ends(d: date, maanden: int, expected: date) -> None:
    assert plus_maanden(d, maanden) == expected


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 2, 10), date(2026, 2, 28)),
        (date(2024, 2, 1), date(2024, 2, 29)),
        (date(2026, 12, 31), date(2026, 12, 31)),
        (date(9999, 12, 1), date.max),
        (date.max, date.max),
        (date.min, date(1, 1, 31)),
    ],
)
def test_maand_einde(d: date, expected: date) -> None:
    assert maand_einde(d) == expected
