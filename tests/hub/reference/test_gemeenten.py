"""The process's gemeente list: one file for the codes, the jeugdregio's GB031 knows and the regio spelling."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.gi.reference import jeugdregios, normaliseer
from hub.gi.regio import regio_naam
from hub.monitor.registry import Regios
from hub.reference import gemeenten as gemeentelijst
from hub.reference.gemeenten import DEFAULT_FILE, gemeentecodes, load_gemeenten


def renamed_list(tmp_path: Path) -> Path:
    """The shipped list with the Achterhoek renamed and one new gemeente in a new region."""
    csv = tmp_path / "gemeenten-2027.csv"
    text = DEFAULT_FILE.read_text(encoding="utf-8").replace(",Achterhoek", ",Achterhoek Oost")
    csv.write_text(text + "1999,Nieuwland,Gelderland,Nieuwe Regio\n", encoding="utf-8")
    return csv


def test_the_shipped_list_is_in_use_by_default() -> None:
    assert gemeentelijst.in_gebruik() == DEFAULT_FILE
    assert "1999" not in gemeentecodes()
    assert regio_naam("achterhoek") == "Achterhoek"


def test_a_configured_list_serves_every_lookup(tmp_path: Path) -> None:
    gemeentelijst.gebruik(renamed_list(tmp_path))
    assert "1999" in gemeentecodes() and load_gemeenten()["0197"].jeugdregio == "Achterhoek Oost"
    assert normaliseer("Achterhoek Oost") in jeugdregios() and normaliseer("Achterhoek") not in jeugdregios()
    assert regio_naam("achterhoek-oost") == "Achterhoek Oost"
    assert regio_naam("nieuwe regio") == "Nieuwe Regio"
    assert Regios.from_file()("1999") == "Nieuwe Regio"  # the monitor's regio label agrees
    gemeentelijst.gebruik(None)
    assert regio_naam("achterhoek oost") == "achterhoek oost"  # unknown to the shipped list: as sent


def test_a_bad_list_is_refused_and_the_list_in_use_stays(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("code,naam\n0200,Apeldoorn\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="the header has no column 'gemeentecode'"):
        gemeentelijst.gebruik(bad)
    assert gemeentelijst.in_gebruik() == DEFAULT_FILE


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("gemeentecode,gemeentenaam,provincie,jeugdregio\n", "line 1: no rows below the header"),
        ("", "line 1: the file is empty: its first line must be the header gemeentecode,gemeentenaam"),
        ("gemeentecode,gemeentenaam\n0200,Apeldoorn\nA200,Arnhem\n", "line 3: gemeentecode 'A200' is not a CBS code (up to 4 digits: 0200)"),
        ("gemeentecode,gemeentenaam\n0200,\n", "line 2: no value in column 'gemeentenaam'"),
        (b"gemeentecode,gemeentenaam\n0200,Apeldoorn\n0202,Arnh\xe9m\n", "line 3: not UTF-8 (save the file as CSV UTF-8)"),
    ],
)  # fmt: skip
def test_a_list_the_hub_cannot_read_whole_is_refused_naming_file_line_and_problem(
    tmp_path: Path, text: str | bytes, problem: str
) -> None:
    """A header-only list would make TR378 reject every message; a half-read one every message of the rest."""
    path = tmp_path / "gemeenten.csv"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ConfigError) as raised:
        gemeentelijst.gebruik(path)
    assert str(raised.value) == f"gemeente list {path}, {problem}"
    assert gemeentelijst.in_gebruik() == DEFAULT_FILE


def test_leading_zeros_a_spreadsheet_dropped_are_restored(tmp_path: Path) -> None:
    path = tmp_path / "gemeenten.csv"
    path.write_text("gemeentecode,gemeentenaam\n200,Apeldoorn\n", encoding="utf-8")
    assert list(load_gemeenten(path)) == ["0200"]
