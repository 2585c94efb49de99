"""The product code list (TR381) file: what it reads, and one clear line per flaw (tariffs: test_tarieven.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.reference.producten import load_productcodes


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
