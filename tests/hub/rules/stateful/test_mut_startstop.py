"""What the mutation pass over hub/rules/stateful/startstop.py found unpinned (rules.md 6.2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hub.state.snapshot import StartRegel, StopRegel
from hub.synth.berichten import ASPECIFIEK, start_product, stop_product
from hub.synth.build import Spec
from tests.hub.rules.stateful.level3 import INGANG, SPECIFIEKE, found, judge, rules_of, snapshot, toewijzing
from tests.hub.rules.stateful.test_startstop import (
    CAT,
    CODE,
    EIND,
    GESTART,
    HALF,
    NR,
    START,
    STOP,
    jw305,
    jw307,
    start,
    start_regel,
    stop,
    stop_regel,
)

LATER, LATER_EIND = date(2026, 10, 20), date(2026, 10, 25)  # a second start of the same toewijzing, stopped
ANDER_PRODUCT = (ASPECIFIEK[1], None)  # another Product: an aspecific one


def taak_stop(categorie: str, code: str | None, eind: date = EIND, reden: str = "20") -> Spec:
    """A taakgericht stop (no ToewijzingNummer) of the start of this Product on INGANG."""
    return stop_product(
        None, categorie=categorie, code=code, begindatum=INGANG, einddatum=eind, reden_beeindiging=reden
    )


def taak_start(categorie: str, code: str | None) -> StartRegel:
    return StartRegel(None, categorie, code, INGANG)


def taak_tijdelijk_gestopt(categorie: str, code: str | None) -> StopRegel:
    return StopRegel(None, categorie, code, INGANG, HALF, "20")


def test_tr413_taakgericht_second_temporary_stop_of_the_same_product() -> None:
    state = snapshot(starts=(taak_start(CAT, CODE),), stops=(taak_tijdelijk_gestopt(CAT, CODE),))
    violations = judge("JW307", jw307(taak_stop(CAT, CODE)), state)
    assert found(violations) == [("TR413", "9413", STOP)]


def test_tr413_taakgericht_stop_of_another_product_is_another_start() -> None:
    """Without ToewijzingNummer the Product tells two deliveries apart: a temporary stop of the other is no
    earlier stop of this one, though both began the same day."""
    ander = ANDER_PRODUCT
    state = snapshot(
        starts=(taak_start(CAT, CODE), taak_start(*ander)), stops=(taak_tijdelijk_gestopt(*ander),)
    )
    assert judge("JW307", jw307(taak_stop(CAT, CODE)), state) == []


def test_tr413_a_stop_of_another_begindatum_is_another_start() -> None:
    """Same ToewijzingNummer, another Begindatum: the temporary stop of the first start leaves the later alone."""
    state = snapshot(starts=(start_regel(), start_regel(LATER)), stops=(stop_regel(HALF, "20"),))
    assert judge("JW307", jw307(stop(LATER_EIND, "20", begin=LATER)), state) == []
    assert rules_of(judge("JW307", jw307(stop(EIND, "20")), state)) == ["TR413"]


def test_tr019_names_the_kind_of_line() -> None:
    geen = snapshot(toewijzingen=())
    assert judge("JW305", jw305(start()), geen)[0].message.startswith(
        "StartProduct refers to ToewijzingNummer "
    )
    violations = judge("JW307", jw307(stop()), replace(geen, starts=(start_regel(),)))
    assert rules_of(violations) == ["TR019"]
    assert violations[0].message.startswith("StopProduct refers to ToewijzingNummer ")


def test_tr074_describes_a_taakgericht_key_without_toewijzingnummer() -> None:
    state = snapshot(starts=(taak_start(CAT, CODE),))
    violations = judge("JW305", jw305(start(nummer=None)), state)
    assert "TR074" in rules_of(violations)
    assert violations[0].message == (
        f"StartProduct (no ToewijzingNummer, Product {CAT}/{CODE}, Begindatum 2026-10-01) repeats the key of a "
        "line already in force."
    )


def test_tr063_describes_a_stop_key_with_its_toewijzingnummer() -> None:
    violations = judge("JW307", jw307(stop(status="3")), GESTART)
    assert violations[0].message == (
        f"StopProduct (ToewijzingNummer {NR}, Product {CAT}/{CODE}, Begindatum 2026-10-01) with Einddatum "
        "2026-10-31 and RedenBeeindiging 31 deletes a line that is not in force."
    )


def test_a_finding_quotes_a_far_begindatum_as_sent() -> None:
    """A year past 9999 reads as date.max; the finding names the Begindatum the sender wrote (level 2 rejects
    it too: judged behind level 2 on purpose)."""
    ver = start()
    ver["Begindatum"] = "12026-10-01"
    s = jw305(start(), ver)
    violations = judge("JW305", s, snapshot(), level2=False)
    tr326 = [v for v in violations if v.rule == "TR326"]
    assert tr326 and "Begindatum 12026-10-01)" in tr326[0].message


def test_tr326_another_toewijzingnummer_is_another_toegewezen_product() -> None:
    """Same Product, another ToewijzingNummer: TR326 compares the numbers, not the products."""
    andere = toewijzing(NR + 2)
    state = snapshot(toewijzingen=(SPECIFIEKE, andere), starts=(start_regel(),))
    assert judge("JW305", jw305(start(LATER, nummer=NR + 2)), state) == []


def test_tr326_taakgericht_start_of_another_product() -> None:
    state = snapshot(starts=(taak_start(*ANDER_PRODUCT),))
    assert judge("JW305", jw305(start(LATER, nummer=None)), state) == []


def test_tr326_numbered_start_beside_a_taakgericht_one_of_the_same_product() -> None:
    """One line with a ToewijzingNummer and one without are different toegewezen producten."""
    state = snapshot(starts=(taak_start(CAT, CODE),))
    assert judge("JW305", jw305(start(LATER)), state) == []


def test_tr069_judges_a_stop_after_one_with_its_start() -> None:
    s = jw307(stop(), stop(nummer=ASPECIFIEK[0]))  # no start in force for the aspecific toewijzing
    assert found(judge("JW307", s, GESTART)) == [("TR069", "9069", STOP + "[2]")]


def test_tr382_judges_a_stop_after_one_with_its_start() -> None:
    s = jw307(stop(), stop(begin=date(2026, 10, 2)))
    assert found(judge("JW307", s, GESTART)) == [("TR382", "9069", STOP + "[2]")]


def test_tr414_names_both_einddatums() -> None:
    tijdelijk = snapshot(starts=(start_regel(),), stops=(stop_regel(HALF, "20"),))
    violations = judge("JW307", jw307(stop(date(2026, 10, 10), "31")), tijdelijk)
    assert rules_of(violations) == ["TR414"]
    assert (
        "has Einddatum 2026-10-10, before Einddatum 2026-10-15 of the stop in force" in violations[0].message
    )


def test_tr415_is_reported_on_the_redenbeeindiging() -> None:
    definitief = snapshot(starts=(start_regel(),), stops=(stop_regel(EIND, "31"),))
    violations = judge("JW307", jw307(stop(EIND, "20")), definitief)
    assert found(violations) == [("TR415", "9415", STOP)]
    assert violations[0].location == STOP + "/RedenBeeindiging"
    assert violations[0].message.endswith("follows definitive stop with RedenBeeindiging 31.")


def test_tr019_judges_a_line_after_one_it_exempts() -> None:
    s = jw305(start(nummer=None), start(nummer=NR + 2))  # taakgericht first; then a number the client lacks
    assert found(judge("JW305", s, snapshot())) == [("TR019", "9019", START + "[2]")]


def test_tr063_judges_a_deletion_after_a_new_line() -> None:
    s = jw305(start(LATER), start(status="3"))
    assert found(judge("JW305", s, snapshot())) == [("TR063", "9063", START + "[2]")]


def test_tr326_judges_a_new_start_after_a_deletion() -> None:
    taak = taak_start(*ANDER_PRODUCT)
    weg = start_product(None, categorie=taak.categorie, code=taak.code, begindatum=INGANG, status="3")
    state = snapshot(starts=(start_regel(), taak))
    assert found(judge("JW305", jw305(weg, start(LATER)), state)) == [("TR326", "9326", START + "[2]")]
