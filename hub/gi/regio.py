"""The jeugdregio a GI names, spelled as the gemeente list spells it: the `regio` label of every metric.

GB031 compares names leniently (hub.gi.reference.normaliseer), so "FoodValley" and "Food Valley" are both
accepted; the metrics must show one spelling, the one the gemeente -> regio mapping uses.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from hub.gi.reference import normaliseer
from hub.reference.gemeenten import in_gebruik, load_gemeenten


@cache
def _namen(path: Path) -> dict[str, str]:
    """Normalised jeugdregio name -> its spelling in the gemeente list (the list GB031 checks against)."""
    return {normaliseer(g.jeugdregio): g.jeugdregio for g in load_gemeenten(path).values() if g.jeugdregio}


def regio_naam(jeugdregio: str) -> str:
    """The jeugdregio as the gemeente list in use spells it; a name the list lacks stays as sent."""
    return _namen(in_gebruik()).get(normaliseer(jeugdregio), jeugdregio)
