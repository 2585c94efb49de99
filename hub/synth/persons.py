"""Synthetic people for test messages: invented names and BSNs from the 99999xxxx test range.

Everything is drawn from the `random.Random` the caller passes, so one seed always gives the same people.
No generated person can be a real one: the BSNs start with 99999 and the surnames are invented.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

BSN_PREFIX = "99999"

# The 11-proef weights for d1..d9 (CS002); the last digit counts negative.
_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)

# (voorvoegsel, achternaam): invented Dutch-sounding surnames, none belonging to a public figure.
ACHTERNAMEN: tuple[tuple[str | None, str], ...] = (
    (None, "Testerman"),
    ("van", "Proefhoven"),
    (None, "Bakkersveld"),
    ("de", "Steekproef"),
    (None, "Voorbeeldsma"),
    ("van der", "Toetsweide"),
    (None, "Nepstra"),
    ("ter", "Oefenhorst"),
    (None, "Schijnhuizen"),
    ("van den", "Modelberg"),
)
VOORNAMEN_JONGEN = ("Daan", "Sem", "Luuk", "Milan", "Noah", "Bram", "Jesse", "Thijs")
VOORNAMEN_MEISJE = ("Emma", "Julia", "Tess", "Sanne", "Lotte", "Noor", "Fleur", "Evi")


@dataclass(frozen=True, slots=True)
class Persoon:
    """A synthetic person; geslacht as COD046 ("1" man, "2" vrouw)."""

    bsn: str
    geboortedatum: date
    geslacht: str
    achternaam: str
    voorvoegsel: str | None
    voornamen: str
    voorletters: str


def is_elfproef(bsn: str) -> bool:
    """True when `bsn` is 9 digits and passes the 11-proef (CS002)."""
    if len(bsn) != 9 or not bsn.isascii() or not bsn.isdigit():
        return False
    return sum(w * int(d) for w, d in zip(_WEIGHTS, bsn, strict=True)) % 11 == 0


def bsn(rng: random.Random) -> str:
    """A BSN from the 99999xxxx test range that passes the 11-proef."""
    while True:
        middle = "".join(str(rng.randrange(10)) for _ in range(3))
        partial = sum(w * int(d) for w, d in zip(_WEIGHTS, BSN_PREFIX + middle, strict=False))
        # The check digit counts -1, so it must equal the weighted sum of the others modulo 11.
        check = partial % 11
        if check < 10:
            return f"{BSN_PREFIX}{middle}{check}"


def jaren_terug(d: date, jaren: int) -> date:
    """The same calendar day `jaren` years earlier; 29 February becomes 28 February."""
    try:
        return d.replace(year=d.year - jaren)
    except ValueError:
        return d.replace(year=d.year - jaren, day=28)


def geboortedatum(rng: random.Random, peildatum: date, min_leeftijd: int = 0, max_leeftijd: int = 17) -> date:
    """A birth date giving an age from min_leeftijd to max_leeftijd (inclusive) on peildatum."""
    vroegst = jaren_terug(peildatum, max_leeftijd + 1) + timedelta(days=1)
    laatst = jaren_terug(peildatum, min_leeftijd)
    return vroegst + timedelta(days=rng.randrange((laatst - vroegst).days + 1))


def voorletters(voornamen: str) -> str:
    """Initials without dots or spaces, as LDT_Voorletters allows (at most 6 letters)."""
    return "".join(naam[0] for naam in voornamen.split())[:6]


def persoon(
    rng: random.Random,
    peildatum: date,
    *,
    min_leeftijd: int = 0,
    max_leeftijd: int = 17,
    achternaam: tuple[str | None, str] | None = None,
) -> Persoon:
    """A synthetic person aged min_leeftijd..max_leeftijd on peildatum (a child by default)."""
    geslacht = rng.choice(("1", "2"))
    namen = VOORNAMEN_JONGEN if geslacht == "1" else VOORNAMEN_MEISJE
    voornamen = " ".join(rng.sample(namen, rng.randint(1, 2)))
    voorvoegsel, naam = achternaam if achternaam is not None else rng.choice(ACHTERNAMEN)
    return Persoon(
        bsn=bsn(rng),
        geboortedatum=geboortedatum(rng, peildatum, min_leeftijd, max_leeftijd),
        geslacht=geslacht,
        achternaam=naam,
        voorvoegsel=voorvoegsel,
        voornamen=voornamen,
        voorletters=voorletters(voornamen),
    )


def kind(rng: random.Random, peildatum: date) -> Persoon:
    """A client of jeugdhulp: 0 to 17 years old on peildatum."""
    return persoon(rng, peildatum)


def ouder(rng: random.Random, van: Persoon, peildatum: date) -> Persoon:
    """An adult (25 to 55) with the child's surname, for a Relatie."""
    return persoon(
        rng, peildatum, min_leeftijd=25, max_leeftijd=55, achternaam=(van.voorvoegsel, van.achternaam)
    )
