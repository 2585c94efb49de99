"""Monthly norm figures (`hub normen`): the outcomes of `jeugdhulp_norm_total` per calendar month, from the store.

An outcome counts in the month of its einddatum (the norm's second date: the answer, the start, the date of the
vaste jeugdbeschermer or gedragen koers) or, as a cohort, of its begindatum (the JW315's Dagtekening, the
DatumBepaling, the DatumUitspraak); never by when the hub processed it. docs/definities.md 4.4.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from difflib import get_close_matches
from typing import Any

from sqlmodel import Session

from hub.gi.reference import normaliseer
from hub.monitor.contract import NORMEN
from hub.store import norm_maand
from hub.store.norm_maand import Datum

KOLOMMEN = ("norm", "regio", "binnen", "buiten", "totaal", "percentage_binnen")
_MAAND = re.compile(r"(\d{4})-(\d{2})")
# Where the open cases are (docs/definities.md 6.4): a month figure counts only outcomes with both dates.
OPEN_GEVALLEN = (
    "open cases (no second date yet) are in no month: see the gauges jeugdhulp_verzoeken_onbeantwoord_boven_norm, "
    "jeugdhulp_wachtend_boven_norm and gi_maatregelen_wachtend_boven_norm (docs/definities.md 6.4)"
)
HERSTEL = (
    "stored before this release, they fall in no month; a replay of the archive with `hub process` into an "
    "empty database gives them their dates (docs/operations.md section 6, rebuilding)"
)


@dataclass(frozen=True, slots=True, order=True)
class Maand:
    """A calendar month."""

    jaar: int
    maand: int

    @classmethod
    def parse(cls, tekst: str) -> Maand:
        """YYYY-MM; ValueError otherwise."""
        found = _MAAND.fullmatch(tekst.strip())
        if found is None or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1:
            raise ValueError(f"{tekst!r} is not a month (YYYY-MM)")
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def van(cls, dag: date) -> Maand:
        """The calendar month `dag` lies in."""
        return cls(dag.year, dag.month)

    @classmethod
    def vorige(cls, vandaag: date) -> Maand:
        """The calendar month before the one `vandaag` lies in (the default of `hub normen`)."""
        return cls(vandaag.year - 1, 12) if vandaag.month == 1 else cls(vandaag.year, vandaag.month - 1)

    @property
    def eerste_dag(self) -> date:
        return date(self.jaar, self.maand, 1)

    @property
    def laatste_dag(self) -> date:
        return date(self.jaar, self.maand, calendar.monthrange(self.jaar, self.maand)[1])

    @property
    def volgende(self) -> Maand:
        return Maand(self.jaar + 1, 1) if self.maand == 12 else Maand(self.jaar, self.maand + 1)

    def __str__(self) -> str:
        return f"{self.jaar:04d}-{self.maand:02d}"


@dataclass(frozen=True, slots=True)
class NormCijfer:
    """One norm in one regio over one month."""

    norm: str
    regio: str | None  # None: no regio has an outcome that month (the norm is listed all the same)
    binnen: int
    buiten: int

    @property
    def totaal(self) -> int:
        return self.binnen + self.buiten

    @property
    def percentage_binnen(self) -> float | None:
        """binnen / totaal in percent, to one decimal (half up); None when there is no outcome."""
        if not self.totaal:
            return None
        procent = Decimal(100 * self.binnen) / Decimal(self.totaal)
        return float(procent.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Maandcijfers:
    maand: Maand
    naar: Datum
    normen: tuple[NormCijfer, ...]
    zonder_datum: int  # outcomes without this date (stored before migration 0013), in the regio's asked for


def maandcijfers(
    session: Session, maand: Maand, naar: Datum, regios: Sequence[str] | None = None
) -> Maandcijfers:
    """Every norm per regio for `maand` by `naar`: the regio's asked for (zero rows too), else those with outcomes."""
    normen = normcijfers(session, maand, naar, regios)
    return Maandcijfers(maand, naar, normen, norm_maand.zonder_datum(session, NORMEN, naar, regios))


def normcijfers(
    session: Session, maand: Maand, naar: Datum, regios: Sequence[str] | None = None
) -> tuple[NormCijfer, ...]:
    """The rows of `maandcijfers` in one query, without the dateless outcomes (the gauge jeugdhulp_norm_maand's)."""
    tellingen: dict[tuple[str, str], dict[str, int]] = {}
    for norm, regio, uitkomst, n in norm_maand.aantallen(
        session, NORMEN, naar, maand.eerste_dag, maand.laatste_dag, regios
    ):
        tellingen.setdefault((norm, regio), {})[uitkomst] = n
    rijen: Iterable[str | None] = (
        regios if regios is not None else sorted({regio for _, regio in tellingen}) or [None]
    )
    volgorde = list(dict.fromkeys(rijen))
    return tuple(
        NormCijfer(
            norm,
            regio,
            tellingen.get((norm, regio or ""), {}).get("binnen", 0),
            tellingen.get((norm, regio or ""), {}).get("buiten", 0),
        )
        for norm in NORMEN
        for regio in volgorde
    )


def gauge_maanden(vandaag: date) -> tuple[Maand, ...]:
    """The months the gauge jeugdhulp_norm_maand shows as of `vandaag`: the one before and the current one."""
    # January of year 1 has no month before it that a date can hold.
    return tuple(m for m in (Maand.vorige(vandaag), Maand.van(vandaag)) if m.jaar >= 1)


def kies_regios(gevraagd: Sequence[str], bekend: Iterable[str]) -> list[str]:
    """The regio's asked for, spelled as `bekend` spells them (case, spaces, dashes and dots do not matter);
    ValueError naming the unknown one with the closest known names."""
    namen = {normaliseer(naam): naam for naam in bekend}
    gekozen: list[str] = []
    for naam in gevraagd:
        gevonden = namen.get(normaliseer(naam))
        if gevonden is None:
            dichtbij = get_close_matches(naam, list(namen.values()), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(d) for d in dichtbij)}?" if dichtbij else ""
            raise ValueError(f"unknown regio {naam!r}{hint} (known: {', '.join(sorted(namen.values()))})")
        gekozen.append(gevonden)
    return list(dict.fromkeys(gekozen))


# ---- output ----------------------------------------------------------------------------------------


def _rij(c: NormCijfer) -> dict[str, Any]:
    """One row of the json output: the csv's columns, in their order."""
    return {kolom: getattr(c, kolom) for kolom in KOLOMMEN}


def als_json(cijfers: Maandcijfers) -> str:
    return json.dumps(
        {
            "maand": str(cijfers.maand),
            "naar": cijfers.naar,
            "normen": [_rij(c) for c in cijfers.normen],
            "zonder_datum": cijfers.zonder_datum,
        },
        ensure_ascii=False,
    )


def als_csv(cijfers: Maandcijfers) -> str:
    """A header line and one row per norm and regio; the month and date in the first two columns, so months append."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("maand", "naar", *KOLOMMEN))
    for c in cijfers.normen:
        procent = c.percentage_binnen
        writer.writerow(
            (
                cijfers.maand,
                cijfers.naar,
                c.norm,
                c.regio or "",
                c.binnen,
                c.buiten,
                c.totaal,
                "" if procent is None else f"{procent:.1f}",
            )
        )
    return out.getvalue()


def als_tekst(cijfers: Maandcijfers) -> str:
    """A table for people, with the dateless outcomes and where the open cases are."""
    uitleg = {
        "einddatum": "in the month of their second date (answer, start, vaste jeugdbeschermer, gedragen koers)",
        "begindatum": "in the month of their first date (JW315 Dagtekening, DatumBepaling, DatumUitspraak)",
    }[cijfers.naar]
    kop = ("norm", "regio", "binnen", "buiten", "totaal", "% binnen")
    rijen = [
        (
            c.norm,
            c.regio or "-",
            str(c.binnen),
            str(c.buiten),
            str(c.totaal),
            "-" if c.percentage_binnen is None else f"{c.percentage_binnen:.1f}",
        )
        for c in cijfers.normen
    ]
    breed = [max(len(r[i]) for r in (kop, *rijen)) for i in range(len(kop))]

    def regel(r: Sequence[str]) -> str:
        links = [r[i].ljust(breed[i]) for i in range(2)]
        rechts = [r[i].rjust(breed[i]) for i in range(2, len(r))]
        return "  ".join([*links, *rechts]).rstrip()

    lines = [
        f"norm outcomes of {cijfers.maand}, by {cijfers.naar}: counted {uitleg}",
        "",
        regel(kop),
        *(regel(r) for r in rijen),
        "",
        f"outcomes without dates: {cijfers.zonder_datum}" + (f" ({HERSTEL})" if cijfers.zonder_datum else ""),
        OPEN_GEVALLEN,
    ]
    return "\n".join(lines) + "\n"
