"""The Prestaties of a JW323 against their toewijzing (rules.md 6.6): product, period, volume and budget."""

from __future__ import annotations

import copy
from datetime import date

from hub.synth.berichten import ASPECIFIEK, DECLARATIE_CODE_ASPECIFIEK, SPECIFIEK, bedrag, prestatie, spec
from hub.synth.build import Spec, edit
from tests.hub.rules.stateful.jw323 import (
    PRESTATIE,
    PRESTATIE_PATH,
    budget_toewijzing,
    default_lines,
    eerder,
    jw323,
    lijn,
    met_lijn,
)
from tests.hub.rules.stateful.level3 import (
    ASPECIFIEKE,
    BSN,
    INGANG,
    SPECIFIEKE,
    found,
    judge,
    rules_of,
    snapshot,
    toewijzing,
)


def test_default_prestaties_pass() -> None:
    assert judge("JW323", spec("JW323"), snapshot()) == []


# --- The toewijzing behind a line ----------------------------------------------------------------------


def test_tr338_unknown_toewijzing() -> None:
    violations = judge("JW323", spec("JW323"), snapshot(toewijzingen=(SPECIFIEKE,)))
    assert found(violations) == [("TR338", "9338", PRESTATIE + "[2]")]
    assert violations[0].location == PRESTATIE + "[2]/ToewijzingNummer"


def test_tr384_deleted_toewijzing() -> None:
    verwijderd = toewijzing(ASPECIFIEK[0], ASPECIFIEK[1], None, einddatum=INGANG, reden_wijziging="13")
    violations = judge("JW323", spec("JW323"), snapshot(toewijzingen=(SPECIFIEKE, verwijderd)))
    assert found(violations) == [("TR384", "9384", PRESTATIE + "[2]")]


def test_tr339_other_categorie() -> None:
    state = snapshot(toewijzingen=(toewijzing(categorie="46"), ASPECIFIEKE))
    assert found(judge("JW323", spec("JW323"), state)) == [("TR339", "9339", PRESTATIE + "[1]")]


def test_tr340_other_code() -> None:
    state = snapshot(toewijzingen=(toewijzing(code="45A54"), ASPECIFIEKE))
    violations = judge("JW323", spec("JW323"), state)
    assert found(violations) == [("TR340", "9340", PRESTATIE + "[1]")]
    assert violations[0].location == PRESTATIE + "[1]/ProductCode"


def test_tr339_tr340_aspecific_toewijzing_takes_any_code() -> None:
    assert (
        spec("JW323")["Declaratie"]["Clienten"]["Client"][0]["Prestaties"]["Prestatie"][1]["ProductCode"]
        == DECLARATIE_CODE_ASPECIFIEK
    )
    assert judge("JW323", spec("JW323"), snapshot()) == []


def test_tr341_other_eenheid() -> None:
    state = snapshot(toewijzingen=(toewijzing(eenheid="14", frequentie="4"), ASPECIFIEKE))
    assert found(judge("JW323", spec("JW323"), state)) == [("TR341", "9341", PRESTATIE + "[1]")]


def test_tr341_minutes_for_hours_pass() -> None:
    s = edit(met_lijn("Eenheid", "01"), f"{PRESTATIE_PATH}[1]/GeleverdVolume", 960)
    assert judge("JW323", s, snapshot()) == []


# --- The period of a line ------------------------------------------------------------------------------


def test_tr307_before_ingangsdatum() -> None:
    state = snapshot(toewijzingen=(toewijzing(ingangsdatum=date(2026, 10, 5)), ASPECIFIEKE))
    violations = judge("JW323", spec("JW323"), state)
    assert found(violations) == [("TR307", "9307", PRESTATIE + "[1]")]
    assert violations[0].location == PRESTATIE + "[1]/ProductPeriode/Begindatum"


def test_tr308_after_einddatum() -> None:
    state = snapshot(toewijzingen=(toewijzing(einddatum=date(2026, 10, 20)), ASPECIFIEKE))
    violations = judge("JW323", spec("JW323"), state)
    assert found(violations) == [("TR308", "9308", PRESTATIE + "[1]")]
    assert violations[0].location == PRESTATIE + "[1]/ProductPeriode/Einddatum"


def test_tr387_not_from_the_first_of_the_month() -> None:
    s = met_lijn("ProductPeriode/Begindatum", date(2026, 10, 5))
    violations = judge("JW323", s, snapshot())
    assert found(violations) == [("TR387", "9387", PRESTATIE + "[1]")]
    assert "2026-10-01" in violations[0].message
    # A toewijzing that starts that day makes it right.
    state = snapshot(toewijzingen=(toewijzing(ingangsdatum=date(2026, 10, 5)), ASPECIFIEKE))
    assert judge("JW323", s, state) == []


def test_tr388_not_to_the_end_of_the_month() -> None:
    s = met_lijn("ProductPeriode/Einddatum", date(2026, 10, 30))
    assert found(judge("JW323", s, snapshot())) == [("TR388", "9388", PRESTATIE + "[1]")]
    state = snapshot(toewijzingen=(toewijzing(einddatum=date(2026, 10, 30)), ASPECIFIEKE))
    assert judge("JW323", s, state) == []


def test_tr388_at_the_end_of_date_and_from_a_year_beyond_it() -> None:
    # 9999-12-31 ends its month; a far year reads as that day too. Level 2 rejects both (TR137): the stateful
    # rules must still judge without overflowing past date.max.
    open_einde = snapshot(toewijzingen=(toewijzing(einddatum=None), ASPECIFIEKE))
    for eind in (date.max, "12026-10-30"):
        s = met_lijn("ProductPeriode/Einddatum", eind)
        assert "TR388" not in rules_of(judge("JW323", s, open_einde, level2=False))
    s = met_lijn("ProductPeriode/Einddatum", date(9999, 12, 30))
    assert "TR388" in rules_of(judge("JW323", s, open_einde, level2=False))


# --- Volume and budget ---------------------------------------------------------------------------------


def test_tr321_more_than_the_weekly_volume_allows() -> None:
    # 4 hours per week; October 2026 touches 5 calendar weeks: at most 20 hours.
    violations = judge("JW323", met_lijn("GeleverdVolume", 21), snapshot())
    assert found(violations) == [("TR321", "9321", PRESTATIE + "[1]")]
    assert violations[0].location == PRESTATIE + "[1]/GeleverdVolume"
    assert judge("JW323", met_lijn("GeleverdVolume", 20), snapshot()) == []


def test_tr321_daily_and_monthly_volume() -> None:
    per_dag = snapshot(toewijzingen=(toewijzing(volume=1, frequentie="1"), ASPECIFIEKE))
    assert judge("JW323", met_lijn("GeleverdVolume", 31), per_dag) == []
    assert rules_of(judge("JW323", met_lijn("GeleverdVolume", 32), per_dag)) == ["TR321"]
    per_maand = snapshot(toewijzingen=(toewijzing(volume=10, frequentie="4"), ASPECIFIEKE))
    assert rules_of(judge("JW323", spec("JW323"), per_maand)) == ["TR321"]


def test_tr322_total_volume_exceeded() -> None:
    totaal = toewijzing(volume=40, frequentie="6")
    september = eerder("P0", begindatum=date(2026, 9, 1), volume=30, bedrag=240000)
    violations = judge(
        "JW323", spec("JW323"), snapshot(toewijzingen=(totaal, ASPECIFIEKE), prestaties=(september,))
    )
    assert found(violations) == [("TR322", "9322", PRESTATIE + "[1]")]


def test_tr322_passes_within_total_and_after_credit() -> None:
    totaal = toewijzing(volume=40, frequentie="6")
    september = eerder("P0", begindatum=date(2026, 9, 1), volume=24, bedrag=192000)
    assert (
        judge("JW323", spec("JW323"), snapshot(toewijzingen=(totaal, ASPECIFIEKE), prestaties=(september,)))
        == []
    )
    credited = (
        eerder("P0", begindatum=date(2026, 9, 1), volume=30, bedrag=240000, gecrediteerd=True),
        eerder("C0", begindatum=date(2026, 9, 1), volume=30, bedrag=240000, debet=False, vorig="P0"),
    )
    assert (
        judge("JW323", spec("JW323"), snapshot(toewijzingen=(totaal, ASPECIFIEKE), prestaties=credited)) == []
    )


def test_tr369_budget_exceeded() -> None:
    earlier = eerder(
        "P0",
        nummer=ASPECIFIEK[0],
        begindatum=date(2026, 9, 1),
        categorie=ASPECIFIEK[1],
        code=DECLARATIE_CODE_ASPECIFIEK,
        eenheid="14",
        volume=1,
        bedrag=100000,
    )
    state = snapshot(toewijzingen=(SPECIFIEKE, budget_toewijzing()), prestaties=(earlier,))
    violations = judge("JW323", spec("JW323"), state)
    assert found(violations) == [("TR369", "9369", PRESTATIE + "[2]")]
    assert "565000" in violations[0].message


def test_tr369_passes_within_budget() -> None:
    assert judge("JW323", spec("JW323"), snapshot(toewijzingen=(SPECIFIEKE, budget_toewijzing()))) == []
    rejected = eerder("P0", nummer=ASPECIFIEK[0], begindatum=date(2026, 9, 1), bedrag=100000, toegekend=False)
    state = snapshot(toewijzingen=(SPECIFIEKE, budget_toewijzing()), prestaties=(rejected,))
    assert judge("JW323", spec("JW323"), state) == []


def test_tr322_a_credit_rejected_in_the_same_message_does_not_lower_the_total() -> None:
    """C1 credits September's 24 hours with October's period (TR323 returns it): September stays granted, so
    October's 20 hours make 44 of the 40 assigned, not 28 (as TR389 counts such a credit, Rule.herzien)."""
    totaal = toewijzing(volume=40, frequentie="6")
    september = eerder("P0", begindatum=date(2026, 9, 1), volume=24, bedrag=192000)
    s = jw323((BSN, [lijn("C1", volume=24, vorig="P0"), lijn("P2", volume=20)]))
    violations = judge("JW323", s, snapshot(toewijzingen=(totaal, ASPECIFIEKE), prestaties=(september,)))
    assert found(violations) == [("TR323", "8017", PRESTATIE + "[1]"), ("TR322", "9322", PRESTATIE + "[2]")]


def test_tr369_a_credit_rejected_in_the_same_message_does_not_lower_the_total() -> None:
    """C1 credits September's 100000 cents with October's period (TR323 returns it): the budget of 500000 then
    holds 100000 + 465000, over it, not 465000."""
    september = eerder(
        "P0", nummer=ASPECIFIEK[0], begindatum=date(2026, 9, 1), categorie=ASPECIFIEK[1],
        code=DECLARATIE_CODE_ASPECIFIEK, eenheid="14", volume=1, bedrag=100000,
    )  # fmt: skip
    debet = default_lines()[1]
    credit = prestatie(
        "C1", toewijzing_nummer=ASPECIFIEK[0], categorie=ASPECIFIEK[1], code=DECLARATIE_CODE_ASPECIFIEK,
        begindatum=INGANG, einddatum=date(2026, 10, 31), volume=1, eenheid="14", tarief=100000,
        vorig_referentie_nummer="P0",
    )  # fmt: skip
    expected = [("TR323", "8017", PRESTATIE + "[1]"), ("TR369", "9369", PRESTATIE + "[2]")]
    for budget in (500000, 400000):  # over it without the credit; and with it too
        state = snapshot(toewijzingen=(SPECIFIEKE, budget_toewijzing(budget)), prestaties=(september,))
        violations = judge("JW323", jw323((BSN, [credit, debet])), state)
        assert found(violations) == expected  # once, also where the first judgement found it too
        assert "total 565000 cents" in violations[1].message


def minuten(volume: int) -> Spec:
    """The default JW323 with its specific line declared in minutes (tariff per minute, amount to match)."""
    eerste, tweede = lines_of(edit(met_lijn("Eenheid", "01"), f"{PRESTATIE_PATH}[1]/ProductTarief", 133))
    eerste["GeleverdVolume"] = volume
    eerste["IngediendBedrag"] = bedrag(volume * 133)
    return jw323((BSN, [eerste, tweede]))


def test_tr321_minutes_against_hours_at_the_bound() -> None:
    """4 hours a week over October's 5 calendar weeks: 20 hours, 1200 minutes, and not one more."""
    assert judge("JW323", minuten(1200), snapshot()) == []
    violations = judge("JW323", minuten(1201), snapshot())
    assert found(violations) == [("TR321", "9321", PRESTATIE + "[1]")]
    assert "1201 (Eenheid 01) exceeds the 20 (Eenheid 04)" in violations[0].message


def test_tr321_in_a_unit_other_than_hours() -> None:
    """One etmaal a day: October's 31 days allow 31 etmalen (the default aspecific line declares 31)."""
    etmaal = toewijzing(ASPECIFIEK[0], ASPECIFIEK[1], None, volume=1, eenheid="14", frequentie="1")
    assert judge("JW323", spec("JW323"), snapshot(toewijzingen=(SPECIFIEKE, etmaal))) == []
    minder = toewijzing(
        ASPECIFIEK[0], ASPECIFIEK[1], None, volume=1, eenheid="14", frequentie="1", einddatum=None
    )
    state = snapshot(toewijzingen=(SPECIFIEKE, minder))
    s = met_lijn("GeleverdVolume", 32, line=2)
    s = edit(s, f"{PRESTATIE_PATH}[2]/IngediendBedrag", bedrag(32 * 15000))
    assert found(judge("JW323", jw323((BSN, lines_of(s))), state)) == [("TR321", "9321", PRESTATIE + "[2]")]


def lines_of(s: Spec) -> list[Spec]:
    """A copy of the Prestaties of the first client of `s`."""
    lines: list[Spec] = copy.deepcopy(s["Declaratie"]["Clienten"]["Client"][0]["Prestaties"]["Prestatie"])
    return lines


def test_tr321_a_total_over_the_whole_toewijzing_bounds_one_line_too() -> None:
    """Frequentie 6 (totaal): one line may hold the whole Omvang, not more."""
    totaal = snapshot(toewijzingen=(toewijzing(volume=16, frequentie="6"), ASPECIFIEKE))
    assert judge("JW323", spec("JW323"), totaal) == []  # 16 of 16
    s = met_lijn("GeleverdVolume", 17)
    s = edit(s, f"{PRESTATIE_PATH}[1]/IngediendBedrag", bedrag(17 * 8000))
    assert "TR321" in rules_of(judge("JW323", jw323((BSN, lines_of(s))), totaal))


def test_tr321_leaves_credit_lines_alone() -> None:
    """A credit reverses what was granted: its volume is no delivery, whatever the weekly bound."""
    sinds_september = toewijzing(ingangsdatum=date(2026, 9, 1))  # 4 hours a week
    september = eerder("P0", begindatum=date(2026, 9, 1), volume=30, bedrag=240000)
    credit = september_credit("C1", volume=30, vorig="P0")
    state = snapshot(toewijzingen=(sinds_september, ASPECIFIEKE), prestaties=(september,))
    assert judge("JW323", jw323((BSN, [credit])), state) == []


def september_credit(ref: str, *, volume: int, vorig: str) -> Spec:
    return prestatie(
        ref, toewijzing_nummer=SPECIFIEK[0], categorie=SPECIFIEK[1], code=SPECIFIEK[2],
        begindatum=date(2026, 9, 1), einddatum=date(2026, 9, 30), volume=volume, eenheid="04", tarief=8000,
        vorig_referentie_nummer=vorig,
    )  # fmt: skip


def test_tr322_a_credit_in_the_same_message_lowers_the_total() -> None:
    """September's 24 hours credited in this message: October's 20 make 20 of the 40 assigned, not 44."""
    totaal = toewijzing(volume=40, frequentie="6", ingangsdatum=date(2026, 9, 1))
    september = eerder("P0", begindatum=date(2026, 9, 1), volume=24, bedrag=192000)
    state = snapshot(toewijzingen=(totaal, ASPECIFIEKE), prestaties=(september,))
    s = jw323((BSN, [september_credit("C1", volume=24, vorig="P0"), lijn("P2", volume=20)]))
    assert judge("JW323", s, state) == []
    zonder = jw323((BSN, [lijn("P2", volume=20)]))
    assert rules_of(judge("JW323", zonder, state)) == ["TR322"]
