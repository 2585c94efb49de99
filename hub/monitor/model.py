"""The values the monitor stores and reads: observations (made once, never retracted) and gauge rows.

No field holds personal data: keys are built from sender codes and message numbers (ToewijzingNummer,
ReferentieAanbieder, a store row id), never from a BSN, a pseudonym or a name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeAlias

ONBEKEND = "onbekend"


@dataclass(frozen=True, slots=True)
class Doorlooptijd:
    """One observation of `jeugdhulp_doorlooptijd_seconds`; `sleutel` makes the pair observed at most once."""

    fase: str
    sleutel: str
    regio: str
    productcategorie: str
    seconden: int


@dataclass(frozen=True, slots=True)
class NormUitkomst:
    """One count of `jeugdhulp_norm_total`; `sleutel` names the subject, counted at most once per norm.

    `begin` and `eind` are the two dates the norm compared, so `hub normen` can place the outcome in a month.
    """

    norm: str
    sleutel: str
    uitkomst: str
    regio: str
    begin: date
    eind: date


@dataclass(frozen=True, slots=True)
class Beeindiging:
    """One count of `jeugdhulp_beeindigd_total`: an accepted first stop line (StatusAanlevering 1)."""

    sleutel: str
    reden: str
    regio: str
    productcategorie: str


Observatie: TypeAlias = Doorlooptijd | NormUitkomst | Beeindiging


@dataclass(frozen=True, slots=True)
class WachtRij:
    """Open requests at one stage, grouped by their labels: `aantal` waiting, `boven_norm` of them > 3 months."""

    fase: str
    gemeente: str
    aanbieder: str | None
    productcategorie: str | None
    aantal: int
    boven_norm: int


@dataclass(frozen=True, slots=True)
class Peil:
    """What a gauge is computed against: the day (today or --as-of) and the derived 3-month cut-off."""

    vandaag: date
    boven_norm_grens: date | None  # a chain begun on or before this day waits over 3 months (None: none does)


# A sample of a family other than the histogram: its labels (regio may be left out when gemeente is given;
# None becomes "onbekend") and its value.
Sample: TypeAlias = tuple[Mapping[str, str | None], float]
