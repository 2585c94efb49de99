"""CBS gemeentecodes with their jeugdregio (TR378 and the `regio` label), replaceable by configuration.

A process uses one gemeente list for everything: TR378 and GB004 (the codes), GB031 and the spelling of a GI's
jeugdregio (the region names), and the `regio` label. `gebruik()` sets it once at start-up from
`HUB_GEMEENTEN_FILE` or `--gemeenten`; the lookups without a path read that list. A row with `geldig_tot` keeps a
code that a herindeling ended: TR378 lets a JW301 or JW315 use it for products that started by that day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from hub.reference.lijst import datum, fout, rijen

DEFAULT_FILE = Path(__file__).with_name("gemeenten-2026.csv")
GEMEENTEN = "gemeente list"
VERPLICHT = ("gemeentecode", "gemeentenaam")
OPTIONEEL = ("provincie", "jeugdregio", "geldig_tot")

_CODE = re.compile(r"\d{1,4}")  # a spreadsheet may have dropped the leading zeros: 200 is 0200


@dataclass(frozen=True, slots=True)
class Gemeente:
    code: str
    naam: str
    provincie: str
    jeugdregio: str
    geldig_tot: date | None = None  # the last day the code was valid (a herindeling); None: valid now


_in_gebruik = DEFAULT_FILE


def gebruik(path: Path | None) -> None:
    """Make this list (None: the shipped one) the process's gemeente list; read it now, so a bad file stops the
    start-up with ConfigError rather than the first message that needs it."""
    global _in_gebruik
    chosen = DEFAULT_FILE if path is None else path
    _load(chosen)
    _in_gebruik = chosen


def in_gebruik() -> Path:
    """The file of the process's gemeente list."""
    return _in_gebruik


def load_gemeenten(path: Path | None = None) -> dict[str, Gemeente]:
    """Gemeenten by 4-digit CBS code, from a CSV with gemeentecode,gemeentenaam,provincie,jeugdregio (None: the
    list in use)."""
    return _load(_in_gebruik if path is None else path)


@cache
def _load(path: Path) -> dict[str, Gemeente]:
    """The list read as the deployment's other lists are (hub.reference.lijst): one line naming any flaw, since a
    list read in part would reject every message of a missing gemeente (TR378)."""
    gemeenten: dict[str, Gemeente] = {}
    regels: dict[str, int] = {}
    for regel, (code, naam, provincie, jeugdregio, tot) in rijen(path, GEMEENTEN, VERPLICHT, OPTIONEEL):
        if not _CODE.fullmatch(code):
            raise fout(
                GEMEENTEN, path, regel, f"gemeentecode {code!r} is not a CBS code (up to 4 digits: 0200)"
            )
        try:
            geldig_tot = datum(tot, "geldig_tot")
        except ValueError as e:
            raise fout(GEMEENTEN, path, regel, str(e)) from None
        gemeente = Gemeente(code.zfill(4), naam, provincie, jeugdregio, geldig_tot)
        eerder = gemeenten.setdefault(gemeente.code, gemeente)
        if eerder != gemeente:  # the last row would silently win, e.g. an old row left after a herindeling
            raise fout(
                GEMEENTEN, path, regel,
                f"gemeentecode {gemeente.code} is also on line {regels[gemeente.code]}, with another name, provincie, jeugdregio or geldig_tot",
            )  # fmt: skip
        regels.setdefault(gemeente.code, regel)
    return gemeenten


def gemeentecodes(path: Path | None = None) -> frozenset[str]:
    return frozenset(load_gemeenten(path))


def geldig_tot(path: Path | None = None) -> dict[str, date]:
    """The last day of each code that a herindeling ended (the rows with `geldig_tot`; None: the list in use)."""
    return {code: g.geldig_tot for code, g in load_gemeenten(path).items() if g.geldig_tot is not None}
