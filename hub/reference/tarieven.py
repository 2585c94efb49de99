"""Contract tariffs (TR418, and the hourly tariff behind declared minutes for TR346), from the deployment's CSV.

A tariff is agreed in a contract: between a gemeente (often a whole jeugdregio, which contracts jointly) and an
aanbieder, for a period (hub.reference.contract), per unit. For a Prestatie the most specific row that applies
decides (see `Contracttarief.voorrang`), and where none applies TR418 does not judge the line: the hub cannot
know a tariff nobody gave it.
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

TARIEVEN = "tariff list"
VERPLICHT = ("productcode", "tarief")
OPTIONEEL = (*contract.KOLOMMEN, "eenheid")

MINUUT, UUR = "01", "04"
# LDT_Eenheid (WJ756): what a tariff can be per.
EENHEDEN = frozenset({"01", "04", "14", "16", "82", "83", "84"})

_CENTEN = re.compile(r"\d+")  # int() would also take "+5", " 5" and "1_000"


@dataclass(frozen=True, slots=True)
class Contracttarief:
    """One row of the list: `tarief` euro cents per `eenheid` for `productcode` within its scope and period."""

    productcode: str
    tarief: int
    bereik: Bereik = ALLES  # the gemeente: the JW323's Ontvanger; the aanbieder: its Afzender; the date: the
    # Prestatie's ProductPeriode Begindatum
    eenheid: str | None = None  # None: per unit of the declared line, whatever its Eenheid
    regel: int = 0  # its line in the file

    @property
    def voorrang(self) -> tuple[bool, int, bool]:
        """Higher goes first: a row for the aanbieder, then a gemeente's before a jeugdregio's before one for
        all, then one for a unit (Tarieven.voor: the line's own before the hourly one for minutes)."""
        return (self.bereik.aanbieder is not None, self.bereik.gebied, self.eenheid is not None)

    def verwacht(self, eenheid: str) -> int | None:
        """The ProductTarief a line in `eenheid` must carry under this row; None when the row is for another unit.

        Minutes under an hourly tariff H carry H / 60 rounded half-up to whole cents (IV081).
        """
        if self.eenheid is None or self.eenheid == eenheid:
            return self.tarief
        if self.eenheid == UUR and eenheid == MINUUT:
            return (self.tarief + 30) // 60
        return None


@dataclass(frozen=True)
class Tarieven:
    """The rows by productcode, each list in order of voorrang; and the jeugdregio of each gemeente."""

    rijen: Mapping[str, tuple[Contracttarief, ...]]
    regio_van: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def van(cls, rijen: Iterable[Contracttarief], regio_van: Mapping[str, str] | None = None) -> Tarieven:
        per_code: dict[str, list[Contracttarief]] = {}
        for rij in rijen:
            per_code.setdefault(rij.productcode, []).append(rij)
        return cls(
            {
                code: tuple(sorted(lijst, key=lambda r: r.voorrang, reverse=True))
                for code, lijst in per_code.items()
            },
            dict(regio_van or {}),
        )

    @classmethod
    def per_code(cls, tarieven: Mapping[str, int]) -> Tarieven:
        """One tariff per productcode for every contract, period and unit (the list's simplest form)."""
        return cls.van(Contracttarief(code, tarief) for code, tarief in tarieven.items())

    def voor(
        self,
        productcode: str,
        *,
        gemeente: str | None,
        aanbieder: str | None,
        datum: date | None,
        eenheid: str,
    ) -> Contracttarief | None:
        """The row that decides a Prestatie's tariff, or None when no row applies to it."""
        regio = None if gemeente is None else self.regio_van.get(gemeente)
        beste: Contracttarief | None = None
        for rij in self.rijen.get(productcode, ()):
            if beste is not None and rij.voorrang != beste.voorrang:
                break  # in order of voorrang: the rest rank lower
            if rij.bereik.omvat(gemeente, regio, aanbieder, datum) and rij.verwacht(eenheid) is not None:
                # A minutes line has two rows for a unit at one voorrang, its own and the hourly one (IV081):
                # its own decides, wherever the file has it.
                if rij.eenheid == eenheid:
                    return rij
                beste = beste or rij
        return beste


def load_tarieven(path: Path, gemeenten_file: Path | None = None) -> Tarieven:
    """The tariff list of a CSV with header productcode,tarief and optionally the columns of OPTIONEEL.

    `gemeenten_file`: the gemeente list that gives each gemeente its jeugdregio (None: the list in use).
    """
    lezer = BereikLezer(load_gemeenten(gemeenten_file))
    gelezen: list[Contracttarief] = []
    for regel, (code, tarief, *bereik, eenheid) in rijen(path, TARIEVEN, VERPLICHT, OPTIONEEL):

        def probleem(tekst: str, regel: int = regel) -> ConfigError:
            return fout(TARIEVEN, path, regel, tekst)

        if not _CENTEN.fullmatch(tarief):
            raise probleem(f"tarief {tarief!r} is not a whole number of euro cents (8000 for EUR 80,00)")
        if eenheid and eenheid not in EENHEDEN:
            raise probleem(
                f"eenheid {eenheid!r} is not a code of LDT_Eenheid ({', '.join(sorted(EENHEDEN))})"
            )
        gelezen.append(
            Contracttarief(code, int(tarief), lezer.lees(tuple(bereik), probleem), eenheid or None, regel)
        )
    _eenduidig(gelezen, path)
    return Tarieven.van(gelezen, lezer.regio_van)


def _eenduidig(rijen: list[Contracttarief], path: Path) -> None:
    """Refuse two rows that could both decide one Prestatie (same productcode, contract and unit, periods
    overlapping) with different tariffs: the hub would have to guess which one the contract means."""
    per_contract: dict[tuple[object, ...], list[Contracttarief]] = {}
    for rij in rijen:  # in file order
        b = rij.bereik
        eerdere = per_contract.setdefault(
            (rij.productcode, b.gemeente, b.jeugdregio, b.aanbieder, rij.eenheid), []
        )
        for eerder in eerdere:
            if eerder.tarief != rij.tarief and eerder.bereik.overlapt(b):
                delen = b.beschrijving() + [f"eenheid {rij.eenheid}"] * (rij.eenheid is not None)
                delen += ["an overlapping period"] * b.gedateerd
                raise fout(
                    TARIEVEN, path, rij.regel,
                    f"productcode {rij.productcode} has tarief {rij.tarief} here and {eerder.tarief} on "
                    f"line {eerder.regel}" + (f" for {', '.join(delen)}" if delen else ""),
                )  # fmt: skip
        eerdere.append(rij)
