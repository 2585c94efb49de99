"""For which contract a row holds (hub.reference.contract): what the other tests leave open."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.reference.contract import ALLES, Bereik
from hub.reference.producten import load_productcodes
from tests.hub.reference.test_producten import csv_file

JAAR_2026 = Bereik(ingangsdatum=date(2026, 1, 1), einddatum=date(2026, 12, 31))


def test_a_dated_row_holds_for_a_product_without_a_date() -> None:
    """A JW315 product may leave ToewijzingIngangsdatum out: a row of any period then holds (TR381)."""
    assert JAAR_2026.omvat("0200", "Midden IJssel-Oost Veluwe", "12345678", None)
    assert not Bereik(gemeente="0202", ingangsdatum=date(2026, 1, 1)).omvat("0200", None, None, None)


def test_periods_that_share_only_their_edge_day_overlap_either_way_round() -> None:
    tot_juli = Bereik(einddatum=date(2026, 6, 30))
    vanaf_juli = Bereik(ingangsdatum=date(2026, 6, 30))
    assert tot_juli.overlapt(vanaf_juli) and vanaf_juli.overlapt(tot_juli)
    assert not tot_juli.overlapt(Bereik(ingangsdatum=date(2026, 7, 1)))
    assert not Bereik(ingangsdatum=date(2026, 7, 1)).overlapt(tot_juli)


def test_a_row_is_dated_by_either_end_and_described_by_whom_it_holds_for() -> None:
    assert Bereik(einddatum=date(2026, 12, 31)).gedateerd
    assert Bereik(ingangsdatum=date(2026, 1, 1)).gedateerd
    assert not ALLES.gedateerd and ALLES.beschrijving() == []
    assert Bereik(jeugdregio="Noord Veluwe", aanbieder="12345678").beschrijving() == [
        "jeugdregio Noord Veluwe",
        "aanbieder 12345678",
    ]


def test_a_jeugdregio_like_none_of_the_list_is_named_without_a_suggestion(tmp_path: Path) -> None:
    path = csv_file(tmp_path, "categorie,code,jeugdregio\n45,45A53,Qqq\n")
    with pytest.raises(ConfigError) as raised:
        load_productcodes(path)
    assert str(raised.value).endswith("line 2: jeugdregio 'Qqq' is not a jeugdregio of the gemeente list")


@pytest.mark.parametrize("datum", ["20260101", "2026-W01-1", "2026-01-01T00:00"])
def test_a_date_is_written_yyyy_mm_dd_and_in_no_other_iso_form(tmp_path: Path, datum: str) -> None:
    """date.fromisoformat takes these too; the list's format is YYYY-MM-DD only."""
    path = csv_file(tmp_path, f"categorie,code,ingangsdatum\n45,45A53,{datum}\n")
    with pytest.raises(ConfigError) as raised:
        load_productcodes(path)
    assert str(raised.value).endswith(f"line 2: ingangsdatum '{datum}' is not a date written YYYY-MM-DD")
