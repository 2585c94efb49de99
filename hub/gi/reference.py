"""The jeugdregio's a Capaciteit may name (GB031): those of the gemeenten the hub knows.

Region names differ between sources ("Food Valley" / "FoodValley"), so names are compared normalised:
case-folded, without spaces, hyphens and dots.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from hub.reference.gemeenten import DEFAULT_FILE, load_gemeenten

_NOISE = re.compile(r"[\s\-.]+")


def normaliseer(naam: str) -> str:
    return _NOISE.sub("", naam).casefold()


@cache
def jeugdregios(gemeenten: frozenset[str] | None = None, path: Path = DEFAULT_FILE) -> frozenset[str]:
    """Normalised names of the jeugdregio's in the gemeente list, limited to the given gemeentecodes if any."""
    return frozenset(
        normaliseer(g.jeugdregio)
        for code, g in load_gemeenten(path).items()
        if g.jeugdregio and (gemeenten is None or code in gemeenten)
    )
