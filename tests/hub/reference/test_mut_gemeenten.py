"""The gemeente list (hub.reference.gemeenten): a code on two rows, and what a row reads as."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.reference import gemeenten as gemeentelijst
from hub.reference.gemeenten import Gemeente, load_gemeenten
from tests.hub.reference.test_producten import csv_file

HEADER = "gemeentecode,gemeentenaam,provincie,jeugdregio\n"


@pytest.mark.parametrize(
    "rows",
    [
        "0200,Apeldoorn,Gelderland,Noord Veluwe\n0202,Arnhem,Gelderland,Centraal Gelderland\n200,Apeldoorn,Gelderland,Midden IJssel-Oost Veluwe\n",
        "0200,Apeldoorn,Gelderland,Noord Veluwe\n0202,Arnhem,Gelderland,Centraal Gelderland\n0200,Apeldorn,Gelderland,Noord Veluwe\n",
    ],
    ids=["another-jeugdregio", "another-name"],
)  # fmt: skip
def test_a_gemeentecode_on_two_rows_that_differ_is_refused(tmp_path: Path, rows: str) -> None:
    """Read leniently, the last row won: a region's contract rows silently stopped holding for the gemeente."""
    path = csv_file(tmp_path, HEADER + rows)
    with pytest.raises(ConfigError) as raised:
        gemeentelijst.gebruik(path)
    assert str(raised.value) == (
        f"gemeente list {path}, line 4: gemeentecode 0200 is also on line 2, "
        "with another name, provincie, jeugdregio or geldig_tot"
    )
    assert gemeentelijst.in_gebruik() == gemeentelijst.DEFAULT_FILE


def test_a_row_repeated_as_it_is_does_no_harm(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path, HEADER + "0200,Apeldoorn,Gelderland,Noord Veluwe\n200,Apeldoorn,Gelderland,Noord Veluwe\n"
    )
    assert load_gemeenten(path) == {"0200": Gemeente("0200", "Apeldoorn", "Gelderland", "Noord Veluwe")}


def test_a_row_reads_as_its_columns_in_any_order_and_without_the_optional_ones(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path, "Jeugdregio,GemeenteNaam,GemeenteCode\nNoord Veluwe, Apeldoorn ,0200\n\n,Zeven,7\n"
    )
    assert load_gemeenten(path) == {
        "0200": Gemeente("0200", "Apeldoorn", "", "Noord Veluwe"),
        "0007": Gemeente("0007", "Zeven", "", ""),
    }


@pytest.mark.parametrize("code", ["02000", "2OO", "-200", "0200 0202"])
def test_a_gemeentecode_is_up_to_four_digits(tmp_path: Path, code: str) -> None:
    path = csv_file(tmp_path, f"gemeentecode,gemeentenaam\n{code},Apeldoorn\n")
    with pytest.raises(ConfigError, match=r", line 2: gemeentecode .* is not a CBS code"):
        load_gemeenten(path)


def test_the_codes_of_the_list_in_use(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "gemeentecode,gemeentenaam\n0200,Apeldoorn\n0202,Arnhem\n")
    assert gemeentelijst.gemeentecodes(path) == frozenset({"0200", "0202"})
    assert len(gemeentelijst.gemeentecodes()) == 342  # the shipped CBS list 2026
