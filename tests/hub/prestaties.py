"""Test JW323 lines: a Prestatie on the default specific toewijzing, shared by the rule and store tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from hub.synth.berichten import SPECIFIEK, prestatie
from hub.synth.build import Spec

OKTOBER = (date(2026, 10, 1), date(2026, 10, 31))  # the DeclaratiePeriode of the default JW323


def specifieke_prestatie(referentie: str, **kwargs: Any) -> Spec:
    """A Prestatie with the key fields of the default JW323's first line: 300201, 45/45A53, October, 16 hours."""
    nummer, categorie, code = SPECIFIEK
    values: dict[str, Any] = {
        "toewijzing_nummer": nummer,
        "categorie": categorie,
        "code": code,
        "begindatum": OKTOBER[0],
        "einddatum": OKTOBER[1],
        "volume": 16,
    }
    values.update(kwargs)
    return prestatie(referentie, **values)
