"""Month arithmetic of the synthetic messages: first and last days of months, as periods and care run by month."""

from __future__ import annotations

from datetime import date, timedelta


def maand_begin(d: date) -> date:
    return d.replace(day=1)


def vorige_maand(d: date) -> date:
    """The first day of the month before d."""
    return maand_begin(maand_begin(d) - timedelta(days=1))


def volgende_maand(d: date) -> date:
    """The first day of the month after d."""
    return maand_begin(maand_begin(d) + timedelta(days=32))


def maand_einde(d: date) -> date:
    return volgende_maand(d) - timedelta(days=1)


def plus_maanden(d: date, maanden: int) -> date:
    """The first day of the month `maanden` months after the month of d."""
    for _ in range(maanden):
        d = volgende_maand(d)
    return maand_begin(d)
