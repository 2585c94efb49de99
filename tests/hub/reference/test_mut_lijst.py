"""How a deployment's list is read as CSV (hub.reference.lijst); its refusals are with the others in test_producten.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.reference import gemeenten as gemeentelijst
from hub.reference.producten import load_productcodes
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
