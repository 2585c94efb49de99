"""CBS gemeentecodes with their jeugdregio (TR378 and the `regio` label), replaceable by configuration.

A process uses one gemeente list for everything: TR378 and GB004 (the codes), GB031 and the spelling of a GI's
jeugdregio (the region names), and the `regio` label. `gebruik()` sets it once at start-up from
`HUB_GEMEENTEN_FILE` or `--gemeenten`; the lookups without a path read that list.
"""

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


def gemeentecodes(path: Path | None = None) -> frozenset[str]:
    return frozenset(load_gemeenten(path))
