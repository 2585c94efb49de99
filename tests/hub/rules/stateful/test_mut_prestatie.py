"""What the mutation pass over hub/rules/stateful/prestatie.py found unpinned (rules.md 6.6)."""

from __future__ import annotations

from datetime import date

from hub.synth.berichten import ASPECIFIEK, DECLARATIE_CODE_ASPECIFIEK
from hub.synth.build import edit
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
    snapshot,
    toewijzing,
)
from tests.hub.rules.stateful.test_prestatie import september_credit


def test_tr384_is_reported_on_the_toewijzingnummer() -> None:
    verwijderd = toewijzing(ASPECIFIEK[0], ASPECIFIEK[1], None, einddatum=INGANG, reden_wijziging="13")
    violations = judge(
        "JW323", jw323((BSN, default_lines())), snapshot(toewijzingen=(SPECIFIEKE, verwijderd))
    )
    assert found(violations) == [("TR384", "9384", PRESTATIE + "[2]")]
    assert violations[0].location == PRESTATIE + "[2]/ToewijzingNummer"
    assert "Toewijzing 300202 was deleted (RedenWijziging 13)" in violations[0].message


def test_tr339_is_reported_on_the_productcategorie() -> None:
    state = snapshot(toewijzingen=(toewijzing(categorie="46"), ASPECIFIEKE))
    violations = judge("JW323", jw323((BSN, default_lines())), state)
    assert found(violations) == [("TR339", "9339", PRESTATIE + "[1]")]
    assert violations[0].location == PRESTATIE + "[1]/ProductCategorie"
    assert "ProductCategorie 45 differs from Categorie 46" in violations[0].message


def test_tr341_is_reported_on_the_eenheid() -> None:
    state = snapshot(toewijzingen=(toewijzing(eenheid="14", frequentie="4"), ASPECIFIEKE))
    violations = judge("JW323", jw323((BSN, default_lines())), state)
    assert found(violations) == [("TR341", "9341", PRESTATIE + "[1]")]
    assert violations[0].location == PRESTATIE + "[1]/Eenheid"


def test_tr341_judges_a_line_after_one_on_an_aspecific_toewijzing() -> None:
    """The aspecific line (the contract decides its Eenheid) comes first; the specific one after it still counts."""
    specifiek, aspecifiek = default_lines()
    state = snapshot(toewijzingen=(toewijzing(eenheid="14", frequentie="4"), ASPECIFIEKE))
    violations = judge("JW323", jw323((BSN, [aspecifiek, specifiek])), state)
    assert found(violations) == [("TR341", "9341", PRESTATIE + "[2]")]


def test_tr341_judges_a_line_after_one_in_minutes_for_hours() -> None:
    """Minutes on hours pass; the next line, on a specific toewijzing in hours but declared in etmalen, does not."""
    in_minuten = edit(met_lijn("Eenheid", "01"), f"{PRESTATIE_PATH}[1]/GeleverdVolume", 960)
    in_uren = toewijzing(ASPECIFIEK[0], ASPECIFIEK[1], DECLARATIE_CODE_ASPECIFIEK, eenheid="04")
    violations = judge("JW323", in_minuten, snapshot(toewijzingen=(SPECIFIEKE, in_uren)))
    assert found(violations) == [("TR341", "9341", PRESTATIE + "[2]")]


def test_tr388_names_the_einddatum_as_sent_and_the_expected_one() -> None:
    violations = judge("JW323", met_lijn("ProductPeriode/Einddatum", date(2026, 10, 30)), snapshot())
    assert found(violations) == [("TR388", "9388", PRESTATIE + "[1]")]
    assert violations[0].message.startswith("ProductPeriode/Einddatum 2026-10-30 must be 2026-10-31: ")


def test_tr387_judges_a_line_after_one_that_starts_before_the_toewijzing() -> None:
    """The first line starts before its toewijzing (TR307's); the next one, not on the first, is TR387's."""
    s = met_lijn("ProductPeriode/Begindatum", date(2026, 10, 5), line=2)
    state = snapshot(toewijzingen=(toewijzing(ingangsdatum=date(2026, 10, 5)), ASPECIFIEKE))
    violations = judge("JW323", s, state)
    assert sorted(found(violations)) == [
        ("TR307", "9307", PRESTATIE + "[1]"),
        ("TR387", "9387", PRESTATIE + "[2]"),
    ]
    tr387 = next(v for v in violations if v.rule == "TR387")
    assert tr387.location == PRESTATIE + "[2]/ProductPeriode/Begindatum"


def test_tr388_judges_a_line_after_one_that_ends_after_the_toewijzing() -> None:
    """The first line ends after its toewijzing (TR308's); the next one, not on the last day, is TR388's."""
    s = met_lijn("ProductPeriode/Einddatum", date(2026, 10, 30), line=2)
    state = snapshot(toewijzingen=(toewijzing(einddatum=date(2026, 10, 20)), ASPECIFIEKE))
    violations = judge("JW323", s, state)
    assert sorted(found(violations)) == [
        ("TR308", "9308", PRESTATIE + "[1]"),
        ("TR388", "9388", PRESTATIE + "[2]"),
    ]
    tr388 = next(v for v in violations if v.rule == "TR388")
    assert tr388.location == PRESTATIE + "[2]/ProductPeriode/Einddatum"


def test_tr321_a_monthly_volume_allows_itself_once_per_productperiode() -> None:
    """Frequentie 4 (per maand): a ProductPeriode lies within one month, so it may hold the Volume once."""
    per_maand = snapshot(toewijzingen=(toewijzing(volume=16, frequentie="4"), ASPECIFIEKE))
    assert judge("JW323", jw323((BSN, default_lines())), per_maand) == []
    te_veel = snapshot(toewijzingen=(toewijzing(volume=15, frequentie="4"), ASPECIFIEKE))
    assert found(judge("JW323", jw323((BSN, default_lines())), te_veel)) == [
        ("TR321", "9321", PRESTATIE + "[1]")
    ]


def test_tr321_judges_a_line_after_one_without_a_bound() -> None:
    """The aspecific line (no Omvang) comes first; the specific line after it, over its weekly bound, is found."""
    specifiek, aspecifiek = default_lines()
    specifiek["GeleverdVolume"] = 21
    violations = judge("JW323", jw323((BSN, [aspecifiek, specifiek])), snapshot())
    assert found(violations) == [("TR321", "9321", PRESTATIE + "[2]")]


def test_tr321_judges_a_debet_line_after_a_credit_line() -> None:
    """The credit (left alone) comes first; the debet after it, over its weekly bound, is found."""
    sinds_september = toewijzing(ingangsdatum=date(2026, 9, 1))
    september = eerder("P0", begindatum=date(2026, 9, 1), volume=30, bedrag=240000)
    state = snapshot(toewijzingen=(sinds_september, ASPECIFIEKE), prestaties=(september,))
    s = jw323((BSN, [september_credit("C1", volume=30, vorig="P0"), lijn("P2", volume=21)]))
    assert found(judge("JW323", s, state)) == [("TR321", "9321", PRESTATIE + "[2]")]


def test_tr322_counts_granted_lines_only() -> None:
    """September's 30 hours still wait for their JW325 (toegekend None): not yet accepted, so October's 16
    make 16 of the 40 assigned."""
    totaal = toewijzing(volume=40, frequentie="6")
    september = eerder("P0", begindatum=date(2026, 9, 1), volume=30, bedrag=240000, toegekend=None)
    state = snapshot(toewijzingen=(totaal, ASPECIFIEKE), prestaties=(september,))
    assert judge("JW323", jw323((BSN, default_lines())), state) == []


def test_tr369_counts_lines_awaiting_their_answer() -> None:
    """Every submitted line not returned counts against the Budget, also one the JW325 has not answered yet."""
    september = eerder(
        "P0", nummer=ASPECIFIEK[0], begindatum=date(2026, 9, 1), categorie=ASPECIFIEK[1],
        code=DECLARATIE_CODE_ASPECIFIEK, eenheid="14", volume=1, bedrag=100000, toegekend=None,
    )  # fmt: skip
    state = snapshot(toewijzingen=(SPECIFIEKE, budget_toewijzing()), prestaties=(september,))
    assert found(judge("JW323", jw323((BSN, default_lines())), state)) == [
        ("TR369", "9369", PRESTATIE + "[2]")
    ]


def test_tr322_and_tr369_are_reported_on_the_geleverdvolume() -> None:
    totaal = toewijzing(volume=10, frequentie="6")
    state = snapshot(toewijzingen=(totaal, budget_toewijzing(400000)))
    violations = judge("JW323", jw323((BSN, default_lines())), state)
    assert [(v.rule, v.location) for v in violations if v.rule in ("TR322", "TR369")] == [
        ("TR322", PRESTATIE + "[1]/GeleverdVolume"),
        ("TR369", PRESTATIE + "[2]/GeleverdVolume"),
    ]
