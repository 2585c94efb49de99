"""The header fields of a message that is not XSD-valid, read as far as they can be, for its audit record.

Track and trace shows such a message to its sender (found by the Afzender), and its Identificatie is a
correlation field of the logs; both are read without trusting the message any further.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.errors import BerichtUnreadable
from hub.ijw.parse import ParseLimits, parse_bericht

IDENTIFICATIE_MAX = 12  # the maxLength of LDT_IdentificatieBericht


@dataclass(frozen=True, slots=True)
class LeesbareHeader:
    afzender: str | None = None
    ontvanger: str | None = None
    identificatie: str | None = None


def leesbare_header(raw: bytes, limits: ParseLimits) -> LeesbareHeader:
    """Afzender, Ontvanger and Identificatie of a message that is not XSD-valid, when its header can be read."""
    try:
        root = parse_bericht(raw, limits).root
    except BerichtUnreadable:
        return LeesbareHeader()

    def text(path: str) -> str | None:
        return (root.findtext(path) or "").strip() or None

    return LeesbareHeader(
        text("{*}Header/{*}Afzender"),
        text("{*}Header/{*}Ontvanger"),
        _identificatie(text("{*}Header/{*}BerichtIdentificatie/{*}Identificatie")),
    )


def _identificatie(value: str | None) -> str | None:
    """An Identificatie as its type allows it (LDT_IdentificatieBericht: at most 12 characters), else None.

    It goes into the log lines and the audit row of a message that is not XSD-valid, where free text beyond its
    type (a name, a BSN, megabytes) would otherwise land as sent.
    """
    if value is None or len(value) > IDENTIFICATIE_MAX or not value.isprintable():
        return None
    return value
