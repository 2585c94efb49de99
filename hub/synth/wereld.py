"""The simulated world: gemeenten of the chosen jeugdregio's, aanbieders with products and capacity, and
GIs.

Everything is drawn from the rng the caller passes, so one seed gives the same world. AGB codes are
synthetic (9999xxxx aanbieders, 9998xxxx GIs, 9997xxxx and 9996xxxx verwijzers); BSNs come from the
99999xxxx test range.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import holidays

from hub.reference.gemeenten import Gemeente, load_gemeenten
from hub.synth.persons import BSN_PREFIX, is_elfproef

GELDERLAND = (
    "Achterhoek",
    "Arnhem",
    "Food Valley",
    "Midden IJssel-Oost Veluwe",
    "Noord Veluwe",
    "Rijk van Nijmegen",
    "Rivierenland",
)
# The gemeente that keeps the hub for a region (the Ontvanger of a GI003); elsewhere the lowest code.
CENTRUMGEMEENTEN = {
    "Achterhoek": "0222",
    "Arnhem": "0202",
    "Food Valley": "0228",
    "Midden IJssel-Oost Veluwe": "0200",
    "Noord Veluwe": "0243",
    "Rijk van Nijmegen": "0268",
    "Rivierenland": "0281",
}


@dataclass(frozen=True, slots=True)
class Productsoort:
    """How a JZ020 category is assigned and delivered: Omvang or a budget; waiting and care in days."""

    categorie: str
    naam: str
    eenheid: str | None  # None: aspecific with a Budget, no Omvang (CD077)
    frequentie: str
    volume: tuple[int, int]
    wachten: float  # median days from toewijzing to start when the aanbieder has room
    duur: float  # median days of care
    maanden: int  # length of a toewijzing
    gewicht: int  # how often the category is needed


PRODUCTSOORTEN: dict[str, Productsoort] = {
    p.categorie: p
    for p in (
        Productsoort("45", "Jeugdhulp ambulant", "04", "2", (1, 6), 18, 150, 6, 12),
        Productsoort("54", "Jeugd-ggz", "04", "4", (2, 10), 45, 180, 12, 5),
        Productsoort("41", "Dagbehandeling", "16", "2", (2, 8), 21, 180, 6, 3),
        Productsoort("43", "Jeugdhulp verblijf (incl. behandeling)", "14", "2", (7, 7), 30, 240, 12, 3),
        Productsoort("44", "Jeugdhulp verblijf (excl. behandeling)", "14", "2", (7, 7), 25, 240, 12, 2),
        Productsoort("46", "Jeugdhulp crisis", "14", "6", (7, 28), 1, 28, 1, 1),
        Productsoort("40", "Persoonlijke verzorging", "04", "2", (1, 4), 7, 200, 12, 1),
        Productsoort("42", "Vervoerdiensten", "82", "2", (2, 10), 7, 200, 12, 1),
        Productsoort("50", "Maatwerkarrangementen jeugd", None, "2", (0, 0), 14, 180, 6, 1),
    )
}
GI_CATEGORIEEN = ("45", "54", "41", "43", "44")  # what a GI determines most (never 47-49: GB015)


@dataclass(frozen=True, slots=True)
class Aanbieder:
    agb: str
    naam: str
    regios: tuple[str, ...]
    producten: dict[str, tuple[str, ...]]  # categorie -> the product codes it delivers
    capaciteit: int  # clients in care at the same time

    def levert(self, categorie: str, regio: str) -> bool:
        return categorie in self.producten and regio in self.regios


@dataclass(frozen=True, slots=True)
class Gi:
    """A gecertificeerde instelling working in some of the regions."""

    agb: str
    naam: str
    regios: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Wereld:
    regios: tuple[str, ...]
    gemeenten: tuple[Gemeente, ...]
    aanbieders: tuple[Aanbieder, ...]
    gis: tuple[Gi, ...]

    def centrum(self, regio: str) -> str:
        """The gemeente that keeps the hub for this region."""
        codes = sorted(g.code for g in self.gemeenten if g.jeugdregio == regio)
        vast = CENTRUMGEMEENTEN.get(regio)
        return vast if vast in codes else codes[0]

    def aanbieders_voor(self, categorie: str, regio: str) -> list[Aanbieder]:
        return [a for a in self.aanbieders if a.levert(categorie, regio)]


# ---- regions and gemeenten -------------------------------------------------------------------------


def _normaal(naam: str) -> str:
    return re.sub(r"[\s\-.]+", "", naam).casefold()


def kies_regios(namen: Sequence[str]) -> tuple[str, ...]:
    """The jeugdregio's as the gemeente list spells them; an unknown name raises ValueError."""
    bekend = {_normaal(g.jeugdregio): g.jeugdregio for g in load_gemeenten().values() if g.jeugdregio}
    out: list[str] = []
    for naam in namen:
        regio = bekend.get(_normaal(naam))
        if regio is None:
            raise ValueError(f"unknown jeugdregio {naam!r}; known: {', '.join(sorted(set(bekend.values())))}")
        if regio not in out:
            out.append(regio)
    if not out:
        raise ValueError("no jeugdregio given")
    return tuple(out)


def gemeenten_van(regios: Sequence[str]) -> tuple[Gemeente, ...]:
    """The regions' gemeenten, by code, without the codes a herindeling ends (rows with geldig_tot)."""
    gemeenten = load_gemeenten().values()
    return tuple(
        sorted(
            (g for g in gemeenten if g.jeugdregio in regios and g.geldig_tot is None), key=lambda g: g.code
        )
    )


# ---- aanbieders and GIs ----------------------------------------------------------------------------


def _categorieen(rng: random.Random) -> list[str]:
    """One main category, weighted by need, and up to three more."""
    soorten = list(PRODUCTSOORTEN.values())
    gekozen: list[str] = []
    for _ in range(rng.choices((1, 2, 3, 4), weights=(4, 4, 2, 1))[0]):
        c = rng.choices(soorten, weights=[s.gewicht for s in soorten])[0].categorie
        if c not in gekozen:
            gekozen.append(c)
    return gekozen


def _codes(rng: random.Random, categorie: str) -> tuple[str, ...]:
    """Product codes in the style of a regional list: categorie, letter, two digits (5 characters)."""
    if PRODUCTSOORTEN[categorie].eenheid is None:
        return ()
    return tuple(sorted({f"{categorie}A{rng.randint(1, 6):02d}" for _ in range(rng.randint(1, 2))}))


def maak_aanbieders(
    rng: random.Random, regios: Sequence[str], aantal: int, clienten: int
) -> tuple[Aanbieder, ...]:
    """`aantal` aanbieders; every region gets ambulant help, capacity is drawn around the expected load.

    Expected clients in care per aanbieder at once: about clienten x 0.5 / aantal in nine months. Capacity is
    0.5 to 1.6 times that, so some aanbieders run full and their clients wait longer.
    """
    belasting = max(2.0, clienten * 0.5 / max(aantal, 1))
    out: list[Aanbieder] = []
    for n in range(aantal):
        categorieen = _categorieen(rng)
        eigen = regios[n % len(regios)]  # round robin first, so every region has someone
        if n < len(regios) and "45" not in categorieen:
            categorieen.insert(0, "45")
        extra = rng.sample(list(regios), k=min(len(regios), rng.choices((0, 1, 2), weights=(5, 3, 1))[0]))
        werkgebied = tuple(dict.fromkeys([eigen, *extra]))
        out.append(
            Aanbieder(
                agb=f"9999{n + 1:04d}",
                naam=f"Aanbieder {n + 1:02d} {PRODUCTSOORTEN[categorieen[0]].naam.lower()}",
                regios=werkgebied,
                producten={c: _codes(rng, c) for c in categorieen},
                capaciteit=max(2, round(belasting * rng.uniform(0.5, 1.6))),
            )
        )
    return tuple(out)


def maak_gis(regios: Sequence[str]) -> tuple[Gi, ...]:
    """Three GIs: two work in every region, the third in every other one."""
    return (
        Gi("99980001", "Gecertificeerde instelling A (jeugdbescherming)", tuple(regios)),
        Gi("99980002", "Gecertificeerde instelling B (landelijk)", tuple(regios)),
        Gi("99980003", "Gecertificeerde instelling C (jeugdreclassering)", tuple(regios[::2])),
    )


def maak_wereld(rng: random.Random, regios: Sequence[str], aanbieders: int, clienten: int) -> Wereld:
    gekozen = kies_regios(regios)
    return Wereld(
        regios=gekozen,
        gemeenten=gemeenten_van(gekozen),
        aanbieders=maak_aanbieders(rng, gekozen, aanbieders, clienten),
        gis=maak_gis(gekozen),
    )


def bsn_pool(rng: random.Random) -> list[str]:
    """Every BSN of the 99999xxxx test range that passes the 11-proef (about 900), shuffled."""
    pool = [
        bsn
        for middle in range(1000)
        for check in range(10)
        if is_elfproef(bsn := f"{BSN_PREFIX}{middle:03d}{check}")
    ]
    rng.shuffle(pool)
    return pool


# ---- calendar ---------------------------------------------------------------------------------------


@cache
def _feestdagen(jaar: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=jaar))


def is_werkdag(d: date) -> bool:
    """Monday to Friday, not a Dutch national holiday: the days messages are made."""
    return d.weekday() < 5 and d not in _feestdagen(d.year)


def werkdag_vanaf(d: date) -> date:
    while not is_werkdag(d):
        d += timedelta(days=1)
    return d


def plus_werkdagen(d: date, n: int) -> date:
    """The n-th working day after d; n = 0 gives d itself, or the next working day."""
    d = werkdag_vanaf(d)
    for _ in range(n):
        d = werkdag_vanaf(d + timedelta(days=1))
    return d


def maanden_verder(d: date, maanden: int) -> date:
    """The same day `maanden` calendar months later (earlier when negative), clamped at month ends."""
    jaar, maand = divmod(d.year * 12 + d.month - 1 + maanden, 12)
    for dag in (d.day, 30, 29, 28):
        try:
            return date(jaar, maand + 1, dag)
        except ValueError:
            continue
    raise AssertionError("unreachable")
