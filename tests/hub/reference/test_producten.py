"""The product code list (TR381) file: what it reads, and one clear line per flaw (tariffs: test_tarieven.py)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.reference.producten import Productcodes, load_productcodes

HINT = "(a quote not closed, or text after a closing quote?)"
RENAME = (
    "(rename it, or give the column another name if it is one the hub should ignore, such as a description)"
)


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
        '\ufeffCategorie, Code ,omschrijving\r\n45,45A53,Ambulante jeugdhulp\r\n\r\n43,00A12,\r\n45,45A53,"twice,\r\nover two lines"\r\n',
    )
    assert load_productcodes(path).rijen == Productcodes.landelijk({("45", "45A53"), ("43", "00A12")}).rijen


def test_columns_may_come_in_any_order(tmp_path: Path) -> None:
    path = csv_file(tmp_path, 'code,categorie\n"45A53",45\n')
    assert load_productcodes(path).rijen == Productcodes.landelijk({("45", "45A53")}).rijen


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("categorie\n45\n", "line 1: the header has no column 'code' (the header is 'categorie'; expected categorie,code)"),
        ("categorie,code\n5,45A53\n", "line 2: categorie '5' is not a two-digit productcategorie"),
        ("categorie,code\n45,45A53\n45,\n", "line 3: no value in column 'code'"),
        (b"categorie,code\n45,45A53\n43,Caf\xe9\n", "line 3: not UTF-8 (save the file as CSV UTF-8)"),
        ("categorie,code,gemeente\n45,45A53,9999\n", "line 2: gemeente '9999' is not a gemeentecode of the gemeente list (4 digits: 0200)"),
        ("categorie,code,jeugdregio\n45,45A53,Noord-Veluwe\n", "line 2: jeugdregio 'Noord-Veluwe' is not a jeugdregio of the gemeente list (did you mean 'Noord Veluwe'?)"),
        ("categorie,code,aanbieder\n45,45A53,AGB123\n", "line 2: aanbieder 'AGB123' is not an AGB code (8 digits)"),
        ("categorie,code,einddatum\n45,45A53,31-12-2026\n", "line 2: einddatum '31-12-2026' is not a date written YYYY-MM-DD"),
        # Read leniently, the open quote took every later line into one code: 43,00A12 was lost.
        ('categorie,code\n45,"45A53\n43,00A12\n44,00B01\n', f"line 2: not readable as CSV: unexpected end of data {HINT}"),
        ('categorie,"code\n45,45A53\n', f"line 1: not readable as CSV: unexpected end of data {HINT}"),  # in the header
        # The line named is the one the record starts on, past blank lines.
        ('categorie,code\n45,45A53\n\n43,"00A12\n44,00B01\n', f"line 4: not readable as CSV: unexpected end of data {HINT}"),
        ('categorie,code\n45,45A53\n43,"00"A12\n', f"line 3: not readable as CSV: ',' expected after '\"' {HINT}"),
        ("categorie,code\n45," + "9" * 140_000 + "\n", f"line 2: not readable as CSV: field larger than field limit (131072) {HINT}"),
        (b"\ncategorie,code\n43,Caf\xe9\n", "line 3: not UTF-8 (save the file as CSV UTF-8)"),  # a blank first line counts
        # A quote closed on a later line put a line break into a code; an unread column may hold one.
        ('categorie,code\n45,"45\nA53"\n43,00A12\n', f"line 2: a line break inside the value of column 'code' {HINT}"),
        ('categorie,code,gemeente\n45,45A53,"02\r\n00"\n', f"line 2: a line break inside the value of column 'gemeente' {HINT}"),
        ('categorie,code,omschrijving\n5,45A53,"two\nlines"\n', "line 2: categorie '5' is not a two-digit productcategorie"),
        # Read leniently, the first of the two counted: a list with an old and a new column read the old one.
        ("categorie,code,Code\n45,45A53,45X01\n", "line 1: the header has the column 'code' 2 times"),
        ("categorie,code,gemeente,omschrijving,Gemeente\n45,45A53,,x,0200\n", "line 1: the header has the column 'gemeente' 2 times"),
        # An ignored column that names an optional one nearly or in other words: every row held for every aanbieder.
        ("categorie,code,aanbeider\n45,45A53,12345678\n", f"line 1: the header has a column 'aanbeider' and no column 'aanbieder': did you mean 'aanbieder'? {RENAME}"),
        ("categorie,code,Gemeentecode,omschrijving\n45,45A53,0200,x\n", f"line 1: the header has a column 'gemeentecode' and no column 'gemeente': did you mean 'gemeente'? {RENAME}"),
        ("categorie,code,Begin datum,einddatum\n45,45A53,2026-01-01,\n", f"line 1: the header has a column 'begin datum' and no column 'ingangsdatum': did you mean 'ingangsdatum'? {RENAME}"),
        ("categorie,code,jeugd_regio\n45,45A53,Noord Veluwe\n", f"line 1: the header has a column 'jeugd_regio' and no column 'jeugdregio': did you mean 'jeugdregio'? {RENAME}"),
    ],
)  # fmt: skip
def test_a_bad_product_code_list_is_refused_naming_file_line_and_problem(
    tmp_path: Path, text: str | bytes, problem: str
) -> None:
    path = csv_file(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_productcodes(path)
    assert str(raised.value) == f"product code list {path}, {problem}"


SCOPED = """categorie,code,gemeente,jeugdregio,aanbieder,ingangsdatum,einddatum
45,45A53,,,,,
45,45X01,0200,,,,
45,45X02,,Midden IJssel-Oost Veluwe,12345678,2026-01-01,
45,45X03,,,,,2025-12-31
"""


@pytest.mark.parametrize(
    ("code", "gemeente", "aanbieder", "datum", "bevat"),
    [
        ("45A53", "0202", "87654321", date(2020, 1, 1), True),  # the national list's row holds for all
        ("45X01", "0200", "87654321", date(2026, 1, 1), True),  # Apeldoorn's own code
        ("45X01", "0232", "87654321", date(2026, 1, 1), False),  # not Epe's, though in the same jeugdregio
        ("45X02", "0232", "12345678", date(2026, 1, 1), True),  # the region's contract with this aanbieder
        ("45X02", "0232", "87654321", date(2026, 1, 1), False),  # another aanbieder
        ("45X02", "0232", "12345678", date(2025, 12, 31), False),  # before the contract
        ("45X02", "0202", "12345678", date(2026, 1, 1), False),  # Arnhem is another region
        ("45X03", "0202", "12345678", date(2025, 12, 31), True),
        ("45X03", "0202", "12345678", date(2026, 1, 1), False),  # withdrawn at the end of 2025
        ("45X04", "0200", "12345678", date(2026, 1, 1), False),  # in no row
    ],
)
def test_a_pair_holds_where_a_row_of_the_list_holds(
    tmp_path: Path, code: str, gemeente: str, aanbieder: str, datum: date, bevat: bool
) -> None:
    lijst = load_productcodes(csv_file(tmp_path, SCOPED))
    assert lijst.bevat("45", code, gemeente=gemeente, aanbieder=aanbieder, datum=datum) is bevat
    assert not lijst.bevat(
        "43", code, gemeente=gemeente, aanbieder=aanbieder, datum=datum
    )  # another categorie


def test_the_guides_examples_read(tmp_path: Path) -> None:
    """docs/operations.md section 10 shows product code lists; each must load as shown."""
    guide = (Path(__file__).resolve().parents[3] / "docs" / "operations.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```csv\n(categorie,code.*?)```", guide, flags=re.DOTALL)
    assert len(blocks) == 2
    for i, block in enumerate(blocks):
        assert load_productcodes(csv_file(tmp_path, block, f"{i}.csv")).rijen
