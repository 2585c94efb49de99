"""CBS gemeentecodes with their jeugdregio (TR378 and the `regio` label), replaceable by configuration."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hub.errors import ConfigError

DEFAULT_FILE = Path(__file__).with_name("gemeenten-2026.csv")


@dataclass(frozen=True, slots=True)
class Gemeente:
    code: str
    naam: str
    provincie: str
    jeugdregio: str


@cache
def load_gemeenten(path: Path = DEFAULT_FILE) -> dict[str, Gemeente]:
    """Gemeenten by 4-digit CBS code, from a CSV with gemeentecode,gemeentenaam,provincie,jeugdregio."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as exc:
        raise ConfigError(f"cannot read gemeente list {path}: {exc.strerror}") from None
    try:
        return {
            r["gemeentecode"].strip().zfill(4): Gemeente(
                r["gemeentecode"].strip().zfill(4),
                r["gemeentenaam"].strip(),
                r.get("provincie", "").strip(),
                r.get("jeugdregio", "").strip(),
            )
            for r in rows
        }
    except (KeyError, AttributeError) as exc:
        raise ConfigError(f"gemeente list {path} lacks column {exc}") from None


def gemeentecodes(path: Path = DEFAULT_FILE) -> frozenset[str]:
    return frozenset(load_gemeenten(path))
