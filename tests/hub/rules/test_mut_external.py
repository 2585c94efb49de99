"""hub.rules.external: cases of the level-4 rules that no other test pins down."""

from __future__ import annotations

from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc
from hub.reference.tarieven import Contracttarief, Tarieven
from hub.rules.registry import Context, Level, iter_violations
from hub.synth.build import Spec, to_tree
from tests.hub.rules.test_external import PRESTATIE_PAD, TODAY, jw323, regel


def tr418(s: Spec, *rijen: Contracttarief) -> list[tuple[str | None, str | None, str]]:
    """(retourcode, Locatie, message) of every TR418 finding on the JW323 under these tariff rows."""
    doc = Doc(to_tree("JW323", s), BERICHTEN["JW323"])
    ctx = Context(today=TODAY, tarieven=Tarieven.van(rijen))
    return [
        (v.retourcode, v.location, v.message)
        for v in iter_violations(doc, ctx, (Level.EXTERNAL,))
        if v.rule == "TR418"
    ]


def test_tr418_on_minutes_names_the_hourly_tariff_behind_the_expected_minute_rate_and_the_rows_line() -> None:
    # 8000 per hour: 133.33 per minute, 133 half-up; the line says 134.
    s = jw323(regel("A", eenheid="01", tarief=134, volume=50, bedrag_cent=6667))
    assert tr418(s, Contracttarief("45A53", 8000, eenheid="04", regel=7)) == [
        (
            "0611",
            f"{PRESTATIE_PAD}/ProductTarief",
            "ProductTarief 134 differs from the contract tariff 133 (hourly tariff 8000 / 60, half-up)"
            " for 45A53 (tariff list line 7)",
        )
    ]


def test_tr418_names_no_line_for_a_row_that_comes_from_no_file() -> None:
    s = jw323(regel("A", tarief=8001, bedrag_cent=128016))
    assert tr418(s, Contracttarief("45A53", 8000)) == [
        (
            "0611",
            f"{PRESTATIE_PAD}/ProductTarief",
            "ProductTarief 8001 differs from the contract tariff 8000 for 45A53",
        )
    ]
