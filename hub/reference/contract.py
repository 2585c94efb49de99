"""For which contract a row of a deployment's list holds: gemeente or jeugdregio, aanbieder, period.

The product code list (TR381) and the tariff list (TR418) share these optional columns. A row that leaves one
out holds for every value of it. The gemeente list in use gives each gemeente its jeugdregio, so regions that
contract jointly need one row, not one per gemeente.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from hub.errors import ConfigError
from hub.reference.gemeenten import Gemeente
from hub.reference.lijst import datum

KOLOMMEN = ("gemeente", "jeugdregio", "aanbieder", "ingangsdatum", "einddatum")

_GEMEENTE = re.compile(r"\d{4}")
_AGB = re.compile(r"\d{8}")

Probleem = Callable[[str], ConfigError]  # the error for this row of this file, given the problem


@dataclass(frozen=True, slots=True)
class Bereik:
    """A row's contract: None holds for every gemeente, region or aanbieder; the period's ends are included."""

    gemeente: str | None = None  # CBS code
    jeugdregio: str | None = None  # as the gemeente list spells it
    aanbieder: str | None = None  # AGB code
    ingangsdatum: date = date.min
    einddatum: date = date.max

    def omvat(
        self, gemeente: str | None, regio: str | None, aanbieder: str | None, datum: date | None
    ) -> bool:
        """Whether the row holds for a message of this gemeente (in this regio) and aanbieder, on this date."""
        return (
            (self.gemeente is None or self.gemeente == gemeente)
            and (self.jeugdregio is None or self.jeugdregio == regio)
            and (self.aanbieder is None or self.aanbieder == aanbieder)
            and (datum is None or self.ingangsdatum <= datum <= self.einddatum)
        )

    @property
    def gebied(self) -> int:
        """2 for a gemeente's row, 1 for a jeugdregio's, 0 for one of every gemeente."""
        return 2 if self.gemeente is not None else 1 if self.jeugdregio is not None else 0

    def overlapt(self, ander: Bereik) -> bool:
        """Whether the two periods share a day."""
        return self.ingangsdatum <= ander.einddatum and ander.ingangsdatum <= self.einddatum

    @property
    def gedateerd(self) -> bool:
        return self.ingangsdatum != date.min or self.einddatum != date.max

    def beschrijving(self) -> list[str]:
        """Whom the row is limited to, for messages: ['gemeente 0200', 'aanbieder 12345678']."""
        return [
            f"{naam} {waarde}"
            for naam, waarde in (
                ("gemeente", self.gemeente),
                ("jeugdregio", self.jeugdregio),
                ("aanbieder", self.aanbieder),
            )
            if waarde is not None
        ]


ALLES = Bereik()


class BereikLezer:
    """Reads the KOLOMMEN of a row, checked against the gemeente list in use when the list was read."""

    def __init__(self, gemeenten: Mapping[str, Gemeente]) -> None:
        self.gemeenten = gemeenten
        self.regios = sorted({g.jeugdregio for g in gemeenten.values()})
        self.regio_van = {code: g.jeugdregio for code, g in gemeenten.items()}

    def lees(self, waarden: tuple[str, ...], probleem: Probleem) -> Bereik:
        """The Bereik of the KOLOMMEN' values ("" where blank or absent); ConfigError on any flaw."""
        gemeente, jeugdregio, aanbieder, ingang, einde = waarden
        if gemeente and not (_GEMEENTE.fullmatch(gemeente) and gemeente in self.gemeenten):
            raise probleem(
                f"gemeente {gemeente!r} is not a gemeentecode of the gemeente list (4 digits: 0200)"
            )
        if jeugdregio and jeugdregio not in self.regio_van.values():
            bijna = difflib.get_close_matches(jeugdregio, self.regios, n=1)
            hint = f" (did you mean {bijna[0]!r}?)" if bijna else ""
            raise probleem(f"jeugdregio {jeugdregio!r} is not a jeugdregio of the gemeente list{hint}")
        if gemeente and jeugdregio:
            raise probleem("a row holds for a gemeente or for a jeugdregio, not for both")
        if aanbieder and not _AGB.fullmatch(aanbieder):
            raise probleem(f"aanbieder {aanbieder!r} is not an AGB code (8 digits)")
        begin, eind = _datum(ingang, "ingangsdatum", probleem), _datum(einde, "einddatum", probleem)
        if begin is not None and eind is not None and eind < begin:
            raise probleem(f"einddatum {einde} is before ingangsdatum {ingang}")
        return Bereik(
            gemeente or None, jeugdregio or None, aanbieder or None, begin or date.min, eind or date.max
        )


def _datum(tekst: str, kolom: str, probleem: Probleem) -> date | None:
    try:
        return datum(tekst, kolom)
    except ValueError as e:
        raise probleem(str(e)) from None
