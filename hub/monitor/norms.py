"""Date and norm arithmetic of the metric contract (issue 5, "precise readings"), as small pure functions.

Dates are calendar dates: a difference of d days is exactly d × 86400 seconds, whatever the time zone.
Working days are Monday to Friday minus the Dutch national holidays of the PyPI package `holidays` (NL).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import cache
from typing import Literal

import holidays

from hub.dates import plus_dagen, plus_maanden

DAG_SECONDEN = 86400
Uitkomst = Literal["binnen", "buiten"]
UITKOMSTEN: tuple[Uitkomst, ...] = ("binnen", "buiten")

ANTWOORD_VERZOEK = "antwoord_verzoek_5_werkdagen"
PASSENDE_HULP = "passende_hulp_3_maanden"
JEUGDBESCHERMER = "jeugdbeschermer_5_werkdagen"
GEDRAGEN_KOERS = "gedragen_koers_6_weken"


def seconden(begin: date, eind: date, *, vloer: bool = False) -> int:
    """The time from begin to eind in seconds (d days = d × 86400); `vloer` floors a negative span at 0."""
    dagen = (eind - begin).days
    return max(dagen, 0) * DAG_SECONDEN if vloer else dagen * DAG_SECONDEN


@cache
def feestdagen(jaar: int) -> frozenset[date]:
    """The Dutch national holidays of one year (holidays NL), frozen so threads can share them."""
    return frozenset(holidays.country_holidays("NL", years=jaar))


def is_werkdag(d: date) -> bool:
    return d.weekday() < 5 and d not in feestdagen(d.year)


def werkdagen(begin: date, eind: date) -> int:
    """How many working days lie after `begin` up to and including `eind`; 0 when eind is not after begin."""
    if eind <= begin:
        return 0
    weken, rest = divmod((eind - begin).days, 7)
    # Any 7 consecutive days hold five weekdays; the last `rest` days fall on the weekdays of begin + 1..rest
    # (none after eind, so none beyond date.max).
    aantal = weken * 5 + sum(1 for i in range(1, rest + 1) if (begin + timedelta(days=i)).weekday() < 5)
    vrij = sum(
        1
        for jaar in range(begin.year, eind.year + 1)
        for d in feestdagen(jaar)
        if begin < d <= eind and d.weekday() < 5
    )
    return aantal - vrij


def binnen_werkdagen(begin: date, eind: date, n: int) -> bool:
    """Within n working days: at most n working days lie after begin up to and including eind."""
    if (eind - begin).days > 2 * n + 366:
        # Such a span holds over n working days whatever its holidays: no need to load the holidays of every
        # year of it (a date of year 1 or 9999 in a message would load thousands of them).
        return False
    return werkdagen(begin, eind) <= n


def binnen_maanden(begin: date, eind: date, n: int) -> bool:
    """Within n months: eind on or before the same day n calendar months later (clamped); a deadline beyond
    date.max holds every date."""
    return eind <= plus_maanden(begin, n)


def binnen_dagen(begin: date, eind: date, n: int) -> bool:
    """Within n days (6 weeks = 42 days): at most n days from begin to eind."""
    return (eind - begin).days <= n


NORMEN: dict[str, Callable[[date, date], bool]] = {
    ANTWOORD_VERZOEK: lambda b, e: binnen_werkdagen(b, e, 5),
    PASSENDE_HULP: lambda b, e: binnen_maanden(b, e, 3),
    JEUGDBESCHERMER: lambda b, e: binnen_werkdagen(b, e, 5),
    GEDRAGEN_KOERS: lambda b, e: binnen_dagen(b, e, 42),
}


def uitkomst(norm: str, begin: date, eind: date) -> Uitkomst:
    """`binnen` when the span from begin to eind meets the norm, else `buiten`; KeyError for an unknown norm."""
    return "binnen" if NORMEN[norm](begin, eind) else "buiten"


def wacht_boven_norm(begin: date, vandaag: date) -> bool:
    """Waiting longer than 3 months as of vandaag: today lies after the 3-month deadline counted from begin
    (a deadline beyond date.max never passes)."""
    return vandaag > plus_maanden(begin, 3)


def boven_norm_grens(vandaag: date) -> date | None:
    """The latest begin date that is above the 3-month norm as of vandaag, so SQL can compare `begin <= grens`;
    None when not even date.min's is (vandaag within 3 months of date's lower end).

    plus_maanden is non-decreasing in its date, so "above norm" holds exactly for the begin dates up to this one.
    """
    return _laatste(lambda begin: wacht_boven_norm(begin, vandaag), plus_maanden(vandaag, -3), vandaag)


def termijn_voorbij(norm: str, begin: date, vandaag: date) -> bool:
    """The norm's term counted from begin has passed as of vandaag: even a date of vandaag would be `buiten`."""
    return not NORMEN[norm](begin, vandaag)


# Where the search for a cut-off starts: near it, so few days are tried (any start gives the same answer).
_SCHATTING: dict[str, Callable[[date], date]] = {
    ANTWOORD_VERZOEK: lambda v: plus_dagen(v, -6),
    JEUGDBESCHERMER: lambda v: plus_dagen(v, -6),
    GEDRAGEN_KOERS: lambda v: plus_dagen(v, -43),
    PASSENDE_HULP: lambda v: plus_maanden(v, -3),
}


def termijn_grens(norm: str, vandaag: date) -> date | None:
    """The latest begin date whose term has passed as of vandaag, so SQL can compare `begin <= grens`; None when
    not even date.min's has (vandaag at date's lower end).

    Every norm is monotone in its begin date (a later begin leaves more time), so the passed ones are exactly
    the begin dates up to this one. The 5th working day after the begin itself is within the term, the 6th not.
    """
    return _laatste(lambda begin: termijn_voorbij(norm, begin, vandaag), _SCHATTING[norm](vandaag), vandaag)


def _laatste(geldt: Callable[[date], bool], start: date, vandaag: date) -> date | None:
    """The latest date up to vandaag for which `geldt` holds, searched by days from start; None when it holds
    for none. `geldt` must hold for every date up to that one and for none after it, so any start gives the
    same answer: a start near it only tries fewer days.
    """
    grens = start
    while grens < vandaag and geldt(grens + timedelta(days=1)):
        grens += timedelta(days=1)
    while not geldt(grens):
        if grens == date.min:
            return None
        grens -= timedelta(days=1)
    return grens
