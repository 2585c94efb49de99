"""The jeugdregio's a Capaciteit may name (GB031): those of the gemeenten the hub knows.

Region names differ between sources ("Food Valley" / "FoodValley"), so names are compared normalised:
case-folded, without spaces, hyphens and dots.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from hub.reference.gemeenten import in_gebruik, load_gemeenten

_NOISE = re.compile(r"[\s\-.]+")


def normaliseer(naam: str) -> str:
    return _NOISE.sub("", naam).casefold()


def jeugdregios(gemeenten: frozenset[str] | None = None, path: Path | None = None) -> frozenset[str]:
    """Normalised names of the jeugdregio's in the gemeente list (None: the one in use), limited to the given
    gemeentecodes if any."""
    return _jeugdregios(gemeenten, in_gebruik() if path is None else path)


@cache
def _jeugdregios(gemeenten: frozenset[str] | None, path: Path) -> frozenset[str]:
    return frozenset(
        normaliseer(g.jeugdregio)
        for code, g in load_gemeenten(path).items()
        if g.jeugdregio and (gemeenten is None or code in gemeenten)
    )
