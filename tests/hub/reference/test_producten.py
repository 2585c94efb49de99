"""The product code list (TR381) and tariff list (TR418) files: what they read, and one clear line per flaw."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.reference.producten import load_productcodes, load_tarieven


def csv_file(tmp_path: Path, text: str | bytes, name: str = "lijst.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_product_codes_are_pairs_kept_as_written(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path,
        "\ufeffCategorie, Code ,omschrijving\r\n45,45A53,Ambulante jeugdhulp\r\n\r\n43,00A12,\r\n45,45A53,twice\r\n",
    )
    assert load_productcodes(path) == frozenset({("45", "45A53"), ("43", "00A12")})


def test_columns_may_come_in_any_order(tmp_path: Path) -> None:
    path = csv_file(tmp_path, 'code,categorie\n"45A53",45\n')
    assert load_productcodes(path) == frozenset({("45", "45A53")})


def test_tariffs_are_cents_per_productcode(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "productcode,tarief\n45A53,8000\n43A12,015000\n45A53,8000\n")
    assert load_tarieven(path) == {"45A53": 8000, "43A12": 15000}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "line 1: the file is empty: its first line must be the header productcode,tarief"),
        ("\n45A53,8000\n", "line 1: the first line is blank: it must be the header productcode,tarief"),
        ("productcode,tarief\n", "line 1: no rows below the header"),
        ("productcode,bedrag\n45A53,8000\n", "line 1: the header has no column 'tarief' (the header is 'productcode,bedrag'; expected productcode,tarief)"),
        ("productcode;tarief\n45A53;8000\n", "line 1: the header has no column 'productcode' (columns separated by ';': separate them by commas, productcode,tarief)"),
        ("productcode,tarief\n45A53,8000\n43A12,80.50\n", "line 3: tarief '80.50' is not a whole number of euro cents (8000 for EUR 80,00)"),
        ("productcode,tarief\n45A53,-8000\n", "line 2: tarief '-8000' is not a whole number of euro cents (8000 for EUR 80,00)"),
        ("productcode,tarief\n45A53,80,50\n", "line 2: 3 values for 2 columns (a decimal comma, or a comma in an unquoted value?)"),
        ("productcode,tarief\n45A53\n", "line 2: no value in column 'tarief'"),
        ("productcode,tarief\n,8000\n", "line 2: no value in column 'productcode'"),
        ("productcode,tarief\n45A53,8000\n43A12,15000\n45A53,8100\n", "line 4: productcode 45A53 has tarief 8100 here and 8000 on line 2"),
    ],
)  # fmt: skip
def test_a_bad_tariff_list_is_refused_naming_file_line_and_problem(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = csv_file(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_tarieven(path)
    assert str(raised.value) == f"tariff list {path}, {problem}"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("categorie\n45\n", "line 1: the header has no column 'code' (the header is 'categorie'; expected categorie,code)"),
        ("categorie,code\n5,45A53\n", "line 2: categorie '5' is not a two-digit productcategorie"),
        ("categorie,code\n45,45A53\n45,\n", "line 3: no value in column 'code'"),
        (b"categorie,code\n45,45A53\n43,Caf\xe9\n", "line 3: not UTF-8 (save the file as CSV UTF-8)"),
    ],
)  # fmt: skip
def test_a_bad_product_code_list_is_refused_naming_file_line_and_problem(
    tmp_path: Path, text: str | bytes, problem: str
) -> None:
    path = csv_file(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_productcodes(path)
    assert str(raised.value) == f"product code list {path}, {problem}"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"^cannot read tariff list .*nope\.csv: No such file or directory$"
    ):
        load_tarieven(tmp_path / "nope.csv")
