"""A deployment's product code list (TR381): which ProductCode belongs to which ProductCategorie, per contract.

The national list holds for everyone; a gemeente (or a jeugdregio, which contracts jointly) may agree its own
codes with its aanbieders, for a period (hub.reference.contract). A pair is accepted when a row of the list holds
for the message's gemeente, aanbieder and date. The list has no default: unconfigured, TR381 is not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from hub.errors import ConfigError
from hub.reference import contract
from hub.reference.contract import ALLES, Bereik, BereikLezer
from hub.reference.gemeenten import load_gemeenten
from hub.reference.lijst import fout, rijen

PRODUCTCODES = "product code list"
VERPLICHT = ("categorie", "code")

_CATEGORIE = re.compile(r"\d{2}")  # LDT_ProductCategorie: two digits, kept as text


@dataclass(frozen=True)
class Productcodes:
    """Per (categorie, code) the contracts it holds for; and the jeugdregio of each gemeente."""

    rijen: Mapping[tuple[str, str], tuple[Bereik, ...]]
    regio_van: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def landelijk(cls, paren: Iterable[tuple[str, str]]) -> Productcodes:
        """Pairs that hold for every contract (a national list)."""
        return cls({paar: (ALLES,) for paar in paren})

    def bevat(
        self, categorie: str, code: str, *, gemeente: str | None, aanbieder: str | None, datum: date | None
    ) -> bool:
        """Whether a row with this pair holds for a message of this gemeente and aanbieder on this date."""
        bereiken = self.rijen.get((categorie, code), ())
        if ALLES in bereiken:
            return True  # the national list's rows: no need to find the region
        regio = None if gemeente is None else self.regio_van.get(gemeente)
        return any(b.omvat(gemeente, regio, aanbieder, datum) for b in bereiken)


def load_productcodes(path: Path, gemeenten_file: Path | None = None) -> Productcodes:
    """The list of a CSV with header categorie,code and optionally contract.KOLOMMEN; values kept as written.

    `gemeenten_file`: the gemeente list that gives each gemeente its jeugdregio (None: the list in use).
    """
    lezer = BereikLezer(load_gemeenten(gemeenten_file))
    per_paar: dict[tuple[str, str], set[Bereik]] = {}
    for regel, (categorie, code, *bereik) in rijen(path, PRODUCTCODES, VERPLICHT, contract.KOLOMMEN):

        def probleem(tekst: str, regel: int = regel) -> ConfigError:
            return fout(PRODUCTCODES, path, regel, tekst)

        if not _CATEGORIE.fullmatch(categorie):
            raise probleem(f"categorie {categorie!r} is not a two-digit productcategorie")
        per_paar.setdefault((categorie, code), set()).add(lezer.lees(tuple(bereik), probleem))
    return Productcodes({paar: tuple(bereiken) for paar, bereiken in per_paar.items()}, lezer.regio_van)
