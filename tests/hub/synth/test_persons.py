import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.synth.persons import (
    ACHTERNAMEN,
    Persoon,
    bsn,
    geboortedatum,
    is_elfproef,
    jaren_terug,
    kind,
    ouder,
    persoon,
    voorletters,
)

PEILDATUM = date(2026, 11, 2)


def leeftijd(geboren: date, op: date) -> int:
    return op.year - geboren.year - ((op.month, op.day) < (geboren.month, geboren.day))


@pytest.mark.parametrize(
    ("nummer", "verwacht"),
    [
        ("123456782", True),
        ("123456789", False),  # rules.md CS002: fails the 11-proef
        ("000000000", True),  # rules.md CS002: passes, no exception list
        ("12345678", False),
        ("12345678a", False),
        ("１２３４５６７８２", False),  # full-width digits are not a BSN
    ],
)
def test_is_elfproef(nummer: str, verwacht: bool) -> None:
    assert is_elfproef(nummer) is verwacht


@given(st.integers())
def test_bsn_always_passes_elfproef_in_test_range(seed: int) -> None:
    nummer = bsn(random.Random(seed))
    assert is_elfproef(nummer)
    assert nummer.startswith("99999")
    assert len(nummer) == 9


def test_bsn_is_deterministic_per_seed_and_varies_between_seeds() -> None:
    assert bsn(random.Random(7)) == bsn(random.Random(7))
    assert len({bsn(random.Random(seed)) for seed in range(50)}) > 10


def test_persoon_is_deterministic_per_seed() -> None:
    assert kind(random.Random(3), PEILDATUM) == kind(random.Random(3), PEILDATUM)
    assert kind(random.Random(3), PEILDATUM) != kind(random.Random(4), PEILDATUM)


@pytest.mark.parametrize("seed", range(25))
def test_kind_is_a_valid_child(seed: int) -> None:
    p = kind(random.Random(seed), PEILDATUM)
    assert isinstance(p, Persoon)
    assert is_elfproef(p.bsn) and p.bsn.startswith("99999")
    assert 0 <= leeftijd(p.geboortedatum, PEILDATUM) <= 17
    assert p.geboortedatum <= PEILDATUM
    assert p.geslacht in {"1", "2"}
    assert (p.voorvoegsel, p.achternaam) in ACHTERNAMEN
    assert p.voorletters == "".join(n[0] for n in p.voornamen.split())
    assert p.voorletters.isalpha() and 1 <= len(p.voorletters) <= 6


def test_persoon_is_frozen() -> None:
    p = kind(random.Random(1), PEILDATUM)
    with pytest.raises(AttributeError):
        p.bsn = "999990019"  # type: ignore[misc]  # frozen: the write must fail


def test_ouder_shares_surname_and_is_adult() -> None:
    rng = random.Random(5)
    k = kind(rng, PEILDATUM)
    o = ouder(rng, k, PEILDATUM)
    assert (o.voorvoegsel, o.achternaam) == (k.voorvoegsel, k.achternaam)
    assert 25 <= leeftijd(o.geboortedatum, PEILDATUM) <= 55
    assert o.bsn != k.bsn or o.geboortedatum != k.geboortedatum


@given(st.integers(), st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31)), st.integers(0, 17))
def test_geboortedatum_age_bounds(seed: int, peildatum: date, jaren: int) -> None:
    geboren = geboortedatum(random.Random(seed), peildatum, jaren, jaren)
    assert leeftijd(geboren, peildatum) == jaren


def test_persoon_age_range_and_given_surname() -> None:
    p = persoon(
        random.Random(0), PEILDATUM, min_leeftijd=30, max_leeftijd=30, achternaam=("van", "Proefhoven")
    )
    assert leeftijd(p.geboortedatum, PEILDATUM) == 30
    assert (p.voorvoegsel, p.achternaam) == ("van", "Proefhoven")


def test_jaren_terug_from_leap_day() -> None:
    assert jaren_terug(date(2028, 2, 29), 1) == date(2027, 2, 28)
    assert jaren_terug(date(2028, 2, 29), 4) == date(2024, 2, 29)


def test_voorletters_max_six() -> None:
    assert voorletters("Anna Bea Cor Dirk Eva Fien Gijs") == "ABCDEF"
