"""Date arithmetic that stays within Python's date, for dates read from messages.

A message date may be date.max or date.min (hub.ijw.doc.xsd_date reads a year beyond 9999 or before 1 so) or
simply 9999-12-31: `d + timedelta(...)` then raises OverflowError, and a rule or processor must never fail a
message for it. These helpers hold a step past either end at that end; each caller says what that means for it
(a deadline held at date.max is never passed).
"""

from __future__ import annotations

import calendar
from datetime import MAXYEAR, MINYEAR, date, timedelta


def plus_dagen(d: date, dagen: int) -> date:
    """`d + dagen` days (negative: earlier), held at date.min and date.max."""
    try:
        return d + timedelta(days=dagen)
    except OverflowError:
        return date.max if dagen > 0 else date.min


def plus_maanden(d: date, maanden: int) -> date:
    """The same day `maanden` calendar months later (or earlier), clamped at the month end (31 Jan + 3 = 30 Apr);
    held at date.min and date.max."""
    index = d.year * 12 + d.month - 1 + maanden
    jaar, maand = divmod(index, 12)
    if jaar > MAXYEAR:
        return date.max
    if jaar < MINYEAR:
        return date.min
    return date(jaar, maand + 1, min(d.day, calendar.monthrange(jaar, maand + 1)[1]))


def maand_einde(d: date) -> date:
    """The last day of d's month (never beyond date.max: December ends on the 31st)."""
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])
