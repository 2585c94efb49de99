"""The tariff list (TR418): what it reads, which row decides a Prestatie, and one clear line per flaw."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.reference.tarieven import Contracttarief, Tarieven, load_tarieven
from tests.hub.reference.test_producten import csv_file

APELDOORN, EPE, ARNHEM = "0200", "0232", "0202"  # Apeldoorn and Epe share a jeugdregio, Arnhem is another's
REGIO = "Midden IJssel-Oost Veluwe"
AANBIEDER, ANDERE = "12345678", "87654321"


def tarieven_of(tmp_path: Path, text: str) -> Tarieven:
    return load_tarieven(csv_file(tmp_path, text))


def tarief(
    t: Tarieven,
    code: str = "45A53",
    *,
    gemeente: str = APELDOORN,
    aanbieder: str = AANBIEDER,
    datum: date = date(2026, 10, 1),
    eenheid: str = "04",
) -> int | None:
    """The ProductTarief a line must carry, None when no row judges it."""
    rij = t.voor(code, gemeente=gemeente, aanbieder=aanbieder, datum=datum, eenheid=eenheid)
    return None if rij is None else rij.verwacht(eenheid)


def test_tariffs_are_cents_per_productcode(tmp_path: Path) -> None:
    t = tarieven_of(tmp_path, "productcode,tarief\n45A53,8000\n43A12,015000\n45A53,8000\n")
    assert (tarief(t), tarief(t, "43A12"), tarief(t, "99X99")) == (8000, 15000, None)
    assert tarief(t, gemeente=ARNHEM, aanbieder=ANDERE, datum=date(1999, 1, 1), eenheid="14") == 8000


def test_the_simple_list_is_one_row_per_code_for_every_contract(tmp_path: Path) -> None:
    loaded = tarieven_of(tmp_path, "productcode,tarief\n45A53,8000\n")
    assert loaded.rijen == {"45A53": (Contracttarief("45A53", 8000, regel=2),)}
    assert Tarieven.per_code({"45A53": 8000}).rijen == {"45A53": (Contracttarief("45A53", 8000),)}


SCOPED = """\
Tarief,Productcode,Jeugdregio,Gemeente,Aanbieder,Ingangsdatum,Einddatum,Omschrijving
8000,45A53,,,,,,landelijk
8100,45A53,Midden IJssel-Oost Veluwe,,,,,regio
8200,45A53,,0200,,,,Apeldoorn
8300,45A53,,,12345678,,2025-12-31,de aanbieder tot 2026
8400,45A53,,,12345678,2026-01-01,,de aanbieder vanaf 2026
8500,45A53,,0200,12345678,2026-07-01,2026-09-30,Apeldoorn met de aanbieder in het derde kwartaal
"""


@pytest.mark.parametrize(
    ("gemeente", "aanbieder", "datum", "expected"),
    [
        (ARNHEM, ANDERE, date(2026, 10, 1), 8000),  # no row but the general one
        (EPE, ANDERE, date(2026, 10, 1), 8100),  # the jeugdregio's
        (APELDOORN, ANDERE, date(2026, 10, 1), 8200),  # the gemeente's before its jeugdregio's
        (APELDOORN, AANBIEDER, date(2025, 12, 31), 8300),  # the aanbieder's before the gemeente's
        (ARNHEM, AANBIEDER, date(2026, 1, 1), 8400),  # the period of the ProductPeriode's Begindatum
        (APELDOORN, AANBIEDER, date(2026, 7, 1), 8500),  # gemeente and aanbieder: the most specific
        (APELDOORN, AANBIEDER, date(2026, 10, 1), 8400),  # its period ended
    ],
)
def test_the_most_specific_row_in_its_period_decides(
    tmp_path: Path, gemeente: str, aanbieder: str, datum: date, expected: int
) -> None:
    t = tarieven_of(tmp_path, SCOPED)
    assert tarief(t, gemeente=gemeente, aanbieder=aanbieder, datum=datum) == expected


def test_a_row_for_one_unit_judges_only_lines_in_it_and_minutes_under_an_hourly_tariff(
    tmp_path: Path,
) -> None:
    t = tarieven_of(tmp_path, "productcode,tarief,eenheid\n45A53,8000,04\n45A53,30000,\n43A12,120,01\n")
    assert tarief(t, eenheid="04") == 8000
    assert tarief(t, eenheid="01") == 133  # 8000 / 60 = 133.33, half-up (IV081)
    assert tarief(t, eenheid="14") == 30000  # not per hour: the row for any unit
    assert tarief(t, "43A12", eenheid="01") == 120
    assert tarief(t, "43A12", eenheid="04") is None  # a minute tariff says nothing of a line in hours
    half = tarieven_of(tmp_path, "productcode,tarief,eenheid\n45A53,8010,04\n")
    assert tarief(half, eenheid="01") == 134  # 133.5 rounds up


def test_rows_of_one_contract_in_periods_that_do_not_overlap_may_differ(tmp_path: Path) -> None:
    t = tarieven_of(
        tmp_path,
        "productcode,tarief,ingangsdatum,einddatum,gemeente\n"
        "45A53,8000,2025-01-01,2025-12-31,0200\n45A53,8240,2026-01-01,,0200\n45A53,9000,2025-06-01,,0202\n",
    )
    assert tarief(t, datum=date(2025, 12, 31)) == 8000
    assert tarief(t, datum=date(2026, 1, 1)) == 8240
    assert tarief(t, datum=date(2024, 12, 31)) is None  # before every period: not judged
    assert tarief(t, gemeente=ARNHEM, datum=date(2025, 6, 1)) == 9000


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
        ("productcode,tarief,gemeente\n45A53,8000,200\n", "line 2: gemeente '200' is not a gemeentecode of the gemeente list (4 digits: 0200)"),
        ("productcode,tarief,gemeente\n45A53,8000,9999\n", "line 2: gemeente '9999' is not a gemeentecode of the gemeente list (4 digits: 0200)"),
        ("productcode,tarief,jeugdregio\n45A53,8000,Noord-Veluwe\n", "line 2: jeugdregio 'Noord-Veluwe' is not a jeugdregio of the gemeente list (did you mean 'Noord Veluwe'?)"),
        ("productcode,tarief,gemeente,jeugdregio\n45A53,8000,0200,Midden IJssel-Oost Veluwe\n", "line 2: a row holds for a gemeente or for a jeugdregio, not for both"),
        ("productcode,tarief,aanbieder\n45A53,8000,1234567\n", "line 2: aanbieder '1234567' is not an AGB code (8 digits)"),
        ("productcode,tarief,eenheid\n45A53,8000,4\n", "line 2: eenheid '4' is not a code of LDT_Eenheid (01, 04, 14, 16, 82, 83, 84)"),
        ("productcode,tarief,ingangsdatum\n45A53,8000,1-1-2026\n", "line 2: ingangsdatum '1-1-2026' is not a date written YYYY-MM-DD"),
        ("productcode,tarief,einddatum\n45A53,8000,2026-02-30\n", "line 2: einddatum '2026-02-30' is not a date written YYYY-MM-DD"),
        ("productcode,tarief,ingangsdatum,einddatum\n45A53,8000,2026-01-01,2025-12-31\n", "line 2: einddatum 2025-12-31 is before ingangsdatum 2026-01-01"),
        (
            "productcode,tarief,gemeente,ingangsdatum,einddatum\n45A53,8000,0200,2026-01-01,2026-06-30\n"
            "45A53,8000,0202,2026-01-01,\n45A53,8100,0200,2026-06-30,\n",
            "line 4: productcode 45A53 has tarief 8100 here and 8000 on line 2 for gemeente 0200, an overlapping period",
        ),
        (
            "productcode,tarief,aanbieder,eenheid\n45A53,8000,12345678,04\n45A53,8100,12345678,04\n",
            "line 3: productcode 45A53 has tarief 8100 here and 8000 on line 2 for aanbieder 12345678, eenheid 04",
        ),
    ],
)  # fmt: skip
def test_a_bad_tariff_list_is_refused_naming_file_line_and_problem(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = csv_file(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_tarieven(path)
    assert str(raised.value) == f"tariff list {path}, {problem}"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"^cannot read tariff list .*nope\.csv: No such file or directory$"
    ):
        load_tarieven(tmp_path / "nope.csv")


def test_the_jeugdregio_follows_the_gemeente_list_in_use(tmp_path: Path) -> None:
    """A herindeling or another list moves a gemeente to another jeugdregio: its rows follow the list given."""
    lijst = csv_file(
        tmp_path,
        "gemeentecode,gemeentenaam,provincie,jeugdregio\n0200,Apeldoorn,Gelderland,Veluwe\n0202,Arnhem,Gelderland,Centraal\n",
        "gemeenten.csv",
    )
    path = csv_file(tmp_path, "productcode,tarief,jeugdregio\n45A53,8000,Veluwe\n")
    t = load_tarieven(path, lijst)
    assert (tarief(t), tarief(t, gemeente=ARNHEM)) == (8000, None)
    with pytest.raises(ConfigError, match="jeugdregio 'Veluwe' is not a jeugdregio of the gemeente list"):
        load_tarieven(path)  # the shipped list has no such region


def test_the_guides_examples_read(tmp_path: Path) -> None:
    """docs/operations.md section 10 shows tariff lists; each must load as shown."""
    guide = (Path(__file__).resolve().parents[3] / "docs" / "operations.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```csv\n(productcode,tarief.*?)```", guide, flags=re.DOTALL)
    assert len(blocks) == 2
    for i, block in enumerate(blocks):
        assert tarief(load_tarieven(csv_file(tmp_path, block, f"{i}.csv"))) is not None


@pytest.mark.parametrize(
    "rows",
    ["45A53,8000,04\n45A53,135,01\n", "45A53,135,01\n45A53,8000,04\n"],
    ids=["hours-first", "minutes-first"],
)
def test_a_row_for_minutes_decides_a_minutes_line_before_an_hourly_row_in_any_order(
    tmp_path: Path, rows: str
) -> None:
    """Both rows judge a minutes line (the hourly one through IV081); the row for the line's own unit decides,
    whichever comes first in the file."""
    t = tarieven_of(tmp_path, "productcode,tarief,eenheid\n" + rows)
    assert (tarief(t, eenheid="01"), tarief(t, eenheid="04")) == (135, 8000)
    rij = t.voor("45A53", gemeente=APELDOORN, aanbieder=AANBIEDER, datum=date(2026, 10, 1), eenheid="01")
    assert rij is not None and rij.eenheid == "01"
