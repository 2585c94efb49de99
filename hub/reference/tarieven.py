"""Contract tariffs (TR418, and the hourly tariff behind declared minutes for TR346), from the deployment's CSV.

A tariff is agreed in a contract: between a gemeente (often a whole jeugdregio, which contracts jointly) and an
aanbieder, for a period, per unit. The list may say each of these per row; a row that leaves one out holds for
every value of it. For a Prestatie the most specific row that applies decides (see `Contracttarief.voorrang`),
and where none applies TR418 does not judge the line: the hub cannot know a tariff nobody gave it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from hub.errors import ConfigError
from hub.reference.gemeenten import load_gemeenten
from hub.reference.producten import fout, rijen

TARIEVEN = "tariff list"
VERPLICHT = ("productcode", "tarief")
OPTIONEEL = ("gemeente", "jeugdregio", "aanbieder", "ingangsdatum", "einddatum", "eenheid")

MINUUT, UUR = "01", "04"
# LDT_Eenheid (WJ756): what a tariff can be per.
EENHEDEN = frozenset({"01", "04", "14", "16", "82", "83", "84"})

_CENTEN = re.compile(r"\d+")  # int() would also take "+5", " 5" and "1_000"
_GEMEENTE = re.compile(r"\d{4}")
_AGB = re.compile(r"\d{8}")
_DATUM = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Contracttarief:
    """One row of the list: `tarief` euro cents per `eenheid` for `productcode` within its scope and period."""

    productcode: str
    tarief: int
    gemeente: str | None = None  # CBS code: the JW323's Ontvanger
    jeugdregio: str | None = None  # the Ontvanger's jeugdregio in the gemeente list
    aanbieder: str | None = None  # AGB code: the JW323's Afzender
    ingangsdatum: date = date.min  # the ProductPeriode Begindatum falls in [ingangsdatum, einddatum]
    einddatum: date = date.max
    eenheid: str | None = None  # None: per unit of the declared line, whatever its Eenheid
    regel: int = 0  # its line in the file

    @property
    def voorrang(self) -> tuple[bool, int, bool]:
        """Higher goes first: a row for the aanbieder, then a gemeente's before a jeugdregio's before one for
        all, then one for the line's own Eenheid."""
        gebied = 2 if self.gemeente is not None else 1 if self.jeugdregio is not None else 0
        return (self.aanbieder is not None, gebied, self.eenheid is not None)

    @property
    def contract(self) -> tuple[str | None, ...]:
        """What two rows of one productcode must share to compete for the same Prestatie at the same voorrang."""
        return (self.gemeente, self.jeugdregio, self.aanbieder, self.eenheid)

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
        for rij in self.rijen.get(productcode, ()):
            if (
                (rij.gemeente is None or rij.gemeente == gemeente)
                and (rij.jeugdregio is None or rij.jeugdregio == regio)
                and (rij.aanbieder is None or rij.aanbieder == aanbieder)
                and (datum is None or rij.ingangsdatum <= datum <= rij.einddatum)
                and rij.verwacht(eenheid) is not None
            ):
                return rij
        return None


def load_tarieven(path: Path, gemeenten_file: Path | None = None) -> Tarieven:
    """The tariff list of a CSV with header productcode,tarief and optionally the columns of OPTIONEEL.

    `gemeenten_file`: the gemeente list that gives each gemeente its jeugdregio (None: the list in use).
    """
    gemeenten = load_gemeenten(gemeenten_file)
    regios = {g.jeugdregio for g in gemeenten.values()}
    gelezen: list[Contracttarief] = []
    for regel, waarden in rijen(path, TARIEVEN, VERPLICHT, OPTIONEEL):
        code, tarief, gemeente, jeugdregio, aanbieder, ingang, einde, eenheid = waarden

        def probleem(tekst: str, regel: int = regel) -> ConfigError:
            return fout(TARIEVEN, path, regel, tekst)

        if not _CENTEN.fullmatch(tarief):
            raise probleem(f"tarief {tarief!r} is not a whole number of euro cents (8000 for EUR 80,00)")
        if gemeente and not (_GEMEENTE.fullmatch(gemeente) and gemeente in gemeenten):
            raise probleem(
                f"gemeente {gemeente!r} is not a gemeentecode of the gemeente list (4 digits: 0200)"
            )
        if jeugdregio and jeugdregio not in regios:
            bijna = difflib.get_close_matches(jeugdregio, regios, n=1)
            hint = f" (did you mean {bijna[0]!r}?)" if bijna else ""
            raise probleem(f"jeugdregio {jeugdregio!r} is not a jeugdregio of the gemeente list{hint}")
        if gemeente and jeugdregio:
            raise probleem("a row holds for a gemeente or for a jeugdregio, not for both")
        if aanbieder and not _AGB.fullmatch(aanbieder):
            raise probleem(f"aanbieder {aanbieder!r} is not an AGB code (8 digits)")
        if eenheid and eenheid not in EENHEDEN:
            raise probleem(
                f"eenheid {eenheid!r} is not a code of LDT_Eenheid ({', '.join(sorted(EENHEDEN))})"
            )
        begin, eind = _datum(ingang, "ingangsdatum", probleem), _datum(einde, "einddatum", probleem)
        if begin is not None and eind is not None and eind < begin:
            raise probleem(f"einddatum {einde} is before ingangsdatum {ingang}")
        gelezen.append(
            Contracttarief(
                code, int(tarief), gemeente or None, jeugdregio or None, aanbieder or None,
                begin or date.min, eind or date.max, eenheid or None, regel,
            )
        )  # fmt: skip
    _eenduidig(gelezen, path)
    return Tarieven.van(gelezen, {c: g.jeugdregio for c, g in gemeenten.items()})


def _datum(tekst: str, kolom: str, probleem: Callable[[str], ConfigError]) -> date | None:
    if not tekst:
        return None
    try:
        if _DATUM.fullmatch(tekst):
            return date.fromisoformat(tekst)
    except ValueError:
        pass
    raise probleem(f"{kolom} {tekst!r} is not a date written YYYY-MM-DD")


def _eenduidig(rijen: list[Contracttarief], path: Path) -> None:
    """Refuse two rows that could both decide one Prestatie (same productcode and contract, periods overlapping)
    with different tariffs: the hub would have to guess which one the contract means."""
    per_contract: dict[tuple[str | None, ...], list[Contracttarief]] = {}
    for rij in rijen:  # in file order
        eerdere = per_contract.setdefault((rij.productcode, *rij.contract), [])
        for eerder in eerdere:
            if (
                eerder.tarief != rij.tarief
                and eerder.ingangsdatum <= rij.einddatum
                and rij.ingangsdatum <= eerder.einddatum
            ):
                raise fout(
                    TARIEVEN, path, rij.regel,
                    f"productcode {rij.productcode} has tarief {rij.tarief} here and {eerder.tarief} on "
                    f"line {eerder.regel}{_voor(rij)}",
                )  # fmt: skip
        eerdere.append(rij)


def _voor(rij: Contracttarief) -> str:
    """' for gemeente 0200, aanbieder 12345678 ...', naming what the two rows share (nothing for the simple list)."""
    delen = [
        f"{naam} {waarde}"
        for naam, waarde in (
            ("gemeente", rij.gemeente),
            ("jeugdregio", rij.jeugdregio),
            ("aanbieder", rij.aanbieder),
            ("eenheid", rij.eenheid),
        )
        if waarde is not None
    ]
    if rij.ingangsdatum != date.min or rij.einddatum != date.max:
        delen.append("an overlapping period")
    return f" for {', '.join(delen)}" if delen else ""
