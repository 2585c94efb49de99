"""Tariffs (hub.reference.tarieven): what test_tarieven.py leaves open about units and rounding."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.reference.tarieven import Contracttarief
from tests.hub.reference.test_tarieven import tarief, tarieven_of


@pytest.mark.parametrize(
    ("uurtarief", "minuuttarief"),
    [(8009, 133), (8010, 134), (8040, 134), (8069, 134), (8070, 135), (29, 0), (30, 1)],
)
def test_minutes_under_an_hourly_tariff_round_half_up_to_whole_cents(
    uurtarief: int, minuuttarief: int
) -> None:
    """IV081: H / 60 rounded half-up, so 133.48 is 133 and 133.5 is 134."""
    assert Contracttarief("45A53", uurtarief, eenheid="04").verwacht("01") == minuuttarief


@pytest.mark.parametrize("eenheid", ["14", "16", "82", "83", "84", "01"])
def test_only_an_hourly_row_judges_a_minutes_line_of_another_unit(eenheid: str) -> None:
    """A row per etmaal (14) or per week says nothing of a line in minutes; a per-minute row says nothing of hours."""
    rij = Contracttarief("45A53", 8000, eenheid=eenheid)
    other = "04" if eenheid == "01" else "01"
    assert rij.verwacht(other) is None
    assert rij.verwacht(eenheid) == 8000


def test_a_row_per_etmaal_leaves_a_minutes_line_unjudged(tmp_path: Path) -> None:
    t = tarieven_of(tmp_path, "productcode,tarief,eenheid\n45A53,24000,14\n")
    assert (tarief(t, eenheid="14"), tarief(t, eenheid="01")) == (24000, None)


def test_a_more_specific_row_for_any_unit_decides_before_a_general_row_for_the_lines_unit(
    tmp_path: Path,
) -> None:
    """Voorrang goes first; the unit only orders rows of one voorrang. The aanbieder's row for any unit beats a
    general hourly row, and its hourly row beats a general per-minute row for a minutes line."""
    t = tarieven_of(
        tmp_path,
        "productcode,tarief,aanbieder,eenheid\n45A53,9000,,04\n45A53,8000,12345678,\n"
        "43A12,150,,01\n43A12,8400,12345678,04\n",
    )
    assert tarief(t, eenheid="04") == 8000
    assert tarief(t, aanbieder="87654321", eenheid="04") == 9000
    assert tarief(t, "43A12", eenheid="01") == 140  # 8400 / 60
    assert tarief(t, "43A12", aanbieder="87654321", eenheid="01") == 150
