"""How a deployment's list is read as CSV (hub.reference.lijst); its refusals are with the others in test_producten.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.reference import gemeenten as gemeentelijst
from hub.reference.producten import load_productcodes
from hub.reference.tarieven import load_tarieven
from tests.hub.reference.test_producten import csv_file


def test_an_unclosed_quote_in_the_gemeente_list_does_not_leave_one_gemeente(tmp_path: Path) -> None:
    """Read leniently, Apeldoorn's name held the rest of the file, and TR378 rejected Arnhem and Epe."""
    path = csv_file(tmp_path, 'gemeentecode,gemeentenaam\n0200,"Apeldoorn\n0202,Arnhem\n0232,Epe\n')
    with pytest.raises(ConfigError, match=r", line 2: not readable as CSV: unexpected end of data"):
        gemeentelijst.gebruik(path)
    assert gemeentelijst.in_gebruik() == gemeentelijst.DEFAULT_FILE


def test_a_quoted_value_after_a_space_is_read_without_its_quotes(tmp_path: Path) -> None:
    """`45, "45A53"` is the code 45A53; a code with the quotes in it would match no message."""
    path = csv_file(tmp_path, 'categorie, code\n45, "45A53"\n"43",00A12\n')
    assert set(load_productcodes(path).rijen) == {("45", "45A53"), ("43", "00A12")}


def test_a_quoted_value_may_hold_a_comma_and_a_line_break_in_an_ignored_column(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path, 'categorie,code,omschrijving\n45,45A53,"Ambulant, individueel\nen thuis"\n43,00A12,\n'
    )
    lijst = load_productcodes(path)
    assert set(lijst.rijen) == {("45", "45A53"), ("43", "00A12")}


def test_a_short_row_leaves_an_optional_column_blank(tmp_path: Path) -> None:
    """A row that ends before an optional column holds for every value of it, as a blank one does."""
    path = csv_file(tmp_path, "categorie,code,aanbieder\n45,45A53\n")
    (bereik,) = load_productcodes(path).rijen[("45", "45A53")]
    assert bereik.aanbieder is None


def test_a_column_the_hub_ignores_may_come_twice(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "categorie,omschrijving,code,omschrijving\n45,a,45A53,b\n")
    assert set(load_productcodes(path).rijen) == {("45", "45A53")}


def test_a_near_miss_of_an_optional_column_is_refused_in_every_list(tmp_path: Path) -> None:
    """The gemeente list's `geldig tot` would have dropped every herindeling, the tariffs' `eenheden` every unit."""
    gemeenten = csv_file(tmp_path, "gemeentecode,gemeentenaam,geldig tot\n0200,Apeldoorn,\n")
    with pytest.raises(
        ConfigError, match=r"line 1: the header has a column 'geldig tot' and no column 'geldig_tot'"
    ):
        gemeentelijst.gebruik(gemeenten)
    tarieven = tmp_path / "t.csv"
    tarieven.write_text("productcode,tarief,eenheden\n45A53,8000,04\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"a column 'eenheden' and no column 'eenheid': did you mean 'eenheid'\?"
    ):
        load_tarieven(tarieven)


def test_columns_that_only_resemble_a_read_one_or_sit_beside_it_are_ignored(tmp_path: Path) -> None:
    """A description column is no near miss; `gemeentenaam` beside `gemeente`, or `regio` beside `jeugdregio`,
    names no column the list lacks."""
    path = csv_file(
        tmp_path,
        "categorie,code,omschrijving,gemeente,gemeentenaam,jeugdregio,regio,datum,aanbieder,aanbiedernaam\n"
        "45,45A53,Ambulant,0200,Apeldoorn,,,2026-01-01,12345678,Zorg BV\n",
    )
    (bereik,) = load_productcodes(path).rijen[("45", "45A53")]
    assert (bereik.gemeente, bereik.aanbieder) == ("0200", "12345678")
