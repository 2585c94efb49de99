"""Verzoeken (JW315, JW317) against the gemeente's state (rules.md 6.4)."""

from __future__ import annotations

from datetime import date

from hub.state.snapshot import VerzoekSoort, VerzoekState
from hub.synth.berichten import ASPECIFIEK, SPECIFIEK, nieuw_product, omvang, spec, te_wijzigen_product
from hub.synth.build import Spec, edit
from tests.hub.rules.stateful.level3 import (
    AANBIEDER,
    ANDER,
    ASPECIFIEKE,
    CLIENT,
    DAG,
    EINDE,
    GEMEENTE,
    INGANG,
    SPECIFIEKE,
    TODAY,
    found,
    judge,
    rules_of,
    snapshot,
    toewijzing,
)

VERZOEK = "Client/Verzoek"
AANGEVRAAGD = "/Bericht/Client/AangevraagdeProducten/AangevraagdProduct"
ONGEWIJZIGD = "/Bericht/Client/Verzoek/OngewijzigdeProducten/OngewijzigdProduct"
TE_WIJZIGEN = "/Bericht/Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct"
NIEUW = "/Bericht/Client/Verzoek/NieuweProducten/NieuwProduct"
DECEMBER = date(2026, 12, 1)  # the default VOW's GewensteIngangsdatum


def verzoek(
    referentie: str,
    *,
    soort: VerzoekSoort = "VOT",
    client: str = CLIENT,
    aanbieder: str = AANBIEDER,
    antwoorden: tuple[str, ...] = (),
    toegewezen: bool = False,
) -> VerzoekState:
    return VerzoekState(aanbieder, GEMEENTE, client, referentie, soort, DAG, antwoorden, toegewezen)


# --- TR347 -----------------------------------------------------------------------------------------------


def test_tr347_referentie_used_before() -> None:
    violations = judge(
        "JW315", spec("JW315"), snapshot(referenties={"VOT20261102B": verzoek("VOT20261102B")})
    )
    assert found(violations) == [("TR347", "9347", AANGEVRAAGD + "[2]")]
    assert violations[0].location == AANGEVRAAGD + "[2]/ReferentieAanbieder"
    vow = snapshot(referenties={"VOW20261102": verzoek("VOW20261102", soort="VOW", antwoorden=("1",))})
    assert found(judge("JW317", spec("JW317"), vow)) == [("TR347", "9347", "/Bericht/Client/Verzoek")]


def test_tr347_within_one_message() -> None:
    # TR383 rejects this at level 2 already; the stateful rule agrees when reached.
    s = edit(
        spec("JW315"),
        "Client/AangevraagdeProducten/AangevraagdProduct[2]/ReferentieAanbieder",
        "VOT20261102A",
    )
    violations = judge("JW315", s, snapshot(), level2=False)
    assert found(violations) == [("TR347", "9347", AANGEVRAAGD + "[2]")]
    assert violations[0].location == AANGEVRAAGD + "[2]/ReferentieAanbieder"
    assert (
        violations[0].message == "ReferentieAanbieder 'VOT20261102A' occurs more than once in this message."
    )


def test_tr347_passes() -> None:
    assert judge("JW315", spec("JW315"), snapshot()) == []
    # Another aanbieder's reference with the same text is no conflict.
    other = snapshot(referenties={"VOT20261102A": verzoek("VOT20261102A", aanbieder="87654321")})
    assert judge("JW315", spec("JW315"), other) == []


# --- TR374 -----------------------------------------------------------------------------------------------


def test_tr374_pending_request() -> None:
    pending = snapshot(verzoeken=(verzoek("VOT1"),))
    assert found(judge("JW315", spec("JW315"), pending)) == [("TR374", "9374", "/Bericht/Client")]
    in_onderzoek = snapshot(verzoeken=(verzoek("VOT1", antwoorden=("2",)),))
    assert found(judge("JW317", spec("JW317"), in_onderzoek)) == [
        ("TR374", "9374", "/Bericht/Client/Verzoek")
    ]


def test_tr374_passes() -> None:
    afgehandeld = (
        verzoek("VOT1", antwoorden=("1",)),
        verzoek("VOT2", antwoorden=("2",), toegewezen=True),
        verzoek("VOT3", client=ANDER),
    )
    assert judge("JW315", spec("JW315"), snapshot(verzoeken=afgehandeld)) == []
    assert judge("JW317", spec("JW317"), snapshot(verzoeken=afgehandeld)) == []


# --- TR304, TR349, TR350, TR351 --------------------------------------------------------------------------


def test_tr304_unknown_client() -> None:
    violations = judge("JW317", spec("JW317"), snapshot(toewijzingen=(toewijzing(client=ANDER),)))
    assert ("TR304", "8187", "/Bericht/Client") in found(violations)
    assert next(v for v in violations if v.rule == "TR304").location == "/Bericht/Client/Bsn"


def test_tr349_current_toewijzing_missing() -> None:
    derde = toewijzing(300203, "45", "45A54")
    violations = judge("JW317", spec("JW317"), snapshot(toewijzingen=(SPECIFIEKE, ASPECIFIEKE, derde)))
    assert found(violations) == [("TR349", "9349", "/Bericht/Client/Verzoek")]
    assert "300203" in violations[0].message


def test_tr349_passes_for_ended_and_deleted_toewijzingen() -> None:
    afgelopen = toewijzing(300203, "45", "45A54", einddatum=date(2026, 11, 2))
    verwijderd = toewijzing(300204, "45", "45A54", einddatum=INGANG, reden_wijziging="13")
    toekomst = toewijzing(300205, "45", "45A54", ingangsdatum=date(2027, 6, 1), einddatum=date(2027, 6, 30))
    state = snapshot(toewijzingen=(SPECIFIEKE, ASPECIFIEKE, afgelopen, verwijderd))
    assert judge("JW317", spec("JW317"), state) == []
    # One that starts later is current: it must be in the VOW.
    state = snapshot(toewijzingen=(SPECIFIEKE, ASPECIFIEKE, toekomst))
    assert rules_of(judge("JW317", spec("JW317"), state)) == ["TR349"]


def test_tr350_ongewijzigd_not_current() -> None:
    afgelopen = toewijzing(
        ASPECIFIEK[0], "43", None, volume=None, eenheid=None, frequentie=None, einddatum=date(2026, 10, 31)
    )
    violations = judge("JW317", spec("JW317"), snapshot(toewijzingen=(SPECIFIEKE, afgelopen)))
    assert found(violations) == [("TR350", "9350", ONGEWIJZIGD)]
    assert violations[0].location == ONGEWIJZIGD + "/ToewijzingNummer"


def test_tr351_te_wijzigen_unknown() -> None:
    violations = judge("JW317", spec("JW317"), snapshot(toewijzingen=(ASPECIFIEKE, toewijzing(client=ANDER))))
    assert found(violations) == [("TR351", "9351", TE_WIJZIGEN)]


def test_tr304_tr349_tr350_tr351_pass() -> None:
    assert judge("JW317", spec("JW317"), snapshot()) == []


# --- TeWijzigenProduct against its toewijzing ------------------------------------------------------------


def te_wijzigen(*producten: Spec, ongewijzigd: bool = False, nieuw: bool = True) -> Spec:
    """The default VOW with these TeWijzigenProducten (the aspecific one unchanged and the new one when asked)."""
    s = spec("JW317")
    s["Client"]["Verzoek"]["TeWijzigenProducten"]["TeWijzigenProduct"] = list(producten)
    if not ongewijzigd:
        s["Client"]["Verzoek"]["OngewijzigdeProducten"] = None
    if not nieuw:
        s["Client"]["Verzoek"]["NieuweProducten"] = None
    return s


def wijzig(
    nummer: int = SPECIFIEK[0],
    *,
    gewenst: date = DECEMBER,
    einddatum: date | None = EINDE,
    volume: int | None = 6,
    frequentie: str = "2",
    budget: int | None = None,
) -> Spec:
    o = None if volume is None else omvang(volume, "04", frequentie)
    return te_wijzigen_product(
        nummer, gewenste_ingangsdatum=gewenst, einddatum=einddatum, omvang=o, budget=budget
    )


def test_tr357_retroactive_change_not_from_ingangsdatum() -> None:
    violations = judge("JW317", te_wijzigen(wijzig(gewenst=date(2026, 11, 1)), ongewijzigd=True), snapshot())
    assert found(violations) == [("TR357", "9357", TE_WIJZIGEN)]
    assert violations[0].location == TE_WIJZIGEN + "/GewensteIngangsdatum"


def test_tr357_passes() -> None:
    assert judge("JW317", te_wijzigen(wijzig(gewenst=INGANG), ongewijzigd=True), snapshot()) == []
    assert judge("JW317", te_wijzigen(wijzig(gewenst=date(2026, 11, 3)), ongewijzigd=True), snapshot()) == []


def test_tr373_total_volume_change_not_from_ingangsdatum() -> None:
    state = snapshot(toewijzingen=(toewijzing(volume=40, frequentie="6"), ASPECIFIEKE))
    violations = judge("JW317", te_wijzigen(wijzig(volume=50, frequentie="6"), ongewijzigd=True), state)
    assert found(violations) == [("TR373", "9373", TE_WIJZIGEN)]


def test_tr373_budget_change_not_from_ingangsdatum() -> None:
    budget = toewijzing(ASPECIFIEK[0], "43", None, volume=None, eenheid=None, frequentie=None, budget=250000)
    s = te_wijzigen(wijzig(), wijzig(ASPECIFIEK[0], volume=None, budget=300000))
    violations = judge("JW317", s, snapshot(toewijzingen=(SPECIFIEKE, budget)))
    assert found(violations) == [("TR373", "9373", TE_WIJZIGEN + "[2]")]
    assert "Budget 250000 -> 300000" in violations[0].message


def test_tr373_passes() -> None:
    state = snapshot(toewijzingen=(toewijzing(volume=40, frequentie="6"), ASPECIFIEKE))
    assert judge("JW317", te_wijzigen(wijzig(volume=40, frequentie="6"), ongewijzigd=True), state) == []
    assert (
        judge(
            "JW317", te_wijzigen(wijzig(gewenst=INGANG, volume=50, frequentie="6"), ongewijzigd=True), state
        )
        == []
    )


def test_tr411_specific_toewijzing_needs_omvang() -> None:
    s = te_wijzigen(wijzig(volume=None), ongewijzigd=True)
    assert found(judge("JW317", s, snapshot())) == [("TR411", "9411", TE_WIJZIGEN)]


def test_tr412_aspecific_toewijzing_without_omvang() -> None:
    violations = judge("JW317", te_wijzigen(wijzig(), wijzig(ASPECIFIEK[0])), snapshot())
    assert found(violations) == [("TR412", "9412", TE_WIJZIGEN + "[2]")]
    assert violations[0].location == TE_WIJZIGEN + "[2]/Omvang"


def test_tr375_generic_toewijzing_without_omvang() -> None:
    generiek = toewijzing(
        ASPECIFIEK[0], None, None, volume=None, eenheid=None, frequentie=None, budget=250000
    )
    # Without the NieuwProduct: a generic toewijzing stacks with every product (TR361).
    s = te_wijzigen(wijzig(), wijzig(ASPECIFIEK[0]), nieuw=False)
    violations = judge("JW317", s, snapshot(toewijzingen=(SPECIFIEKE, generiek)))
    # TR375 overlaps TR412 by design: generic implies no Code.
    assert found(violations) == [
        ("TR412", "9412", TE_WIJZIGEN + "[2]"),
        ("TR375", "9375", TE_WIJZIGEN + "[2]"),
    ]


def test_tr411_tr412_tr375_pass() -> None:
    budget = toewijzing(ASPECIFIEK[0], "43", None, volume=None, eenheid=None, frequentie=None, budget=250000)
    s = te_wijzigen(wijzig(), wijzig(ASPECIFIEK[0], gewenst=INGANG, volume=None, budget=300000))
    assert judge("JW317", s, snapshot(toewijzingen=(SPECIFIEKE, budget))) == []


# --- TR361 -----------------------------------------------------------------------------------------------


def met_nieuw(
    categorie: str, code: str | None, begin: date = DECEMBER, *, te_wijzigen_eind: date = EINDE
) -> Spec:
    s = edit(spec("JW317"), f"{VERZOEK}/TeWijzigenProducten/TeWijzigenProduct/Einddatum", te_wijzigen_eind)
    o = omvang(2) if code is not None else None
    nieuw = nieuw_product(
        categorie=categorie, code=code, gewenste_ingangsdatum=begin, einddatum=EINDE, omvang=o
    )
    s["Client"]["Verzoek"]["NieuweProducten"]["NieuwProduct"] = [nieuw]
    return s


def test_tr361_new_product_stacks_on_changed_toewijzing() -> None:
    violations = judge("JW317", met_nieuw(SPECIFIEK[1], SPECIFIEK[2]), snapshot())
    assert found(violations) == [("TR361", "9361", NIEUW)]
    assert "TeWijzigenProduct" in violations[0].message


def test_tr361_new_product_stacks_on_unchanged_toewijzing() -> None:
    violations = judge("JW317", met_nieuw(ASPECIFIEK[1], "43A12"), snapshot())
    assert found(violations) == [("TR361", "9361", NIEUW)]
    assert "OngewijzigdProduct" in violations[0].message


def test_tr361_passes() -> None:
    assert judge("JW317", spec("JW317"), snapshot()) == []  # another code in the same category
    # The changed toewijzing now ends before the new product starts.
    s = met_nieuw(SPECIFIEK[1], SPECIFIEK[2], date(2027, 1, 1), te_wijzigen_eind=date(2026, 12, 31))
    assert judge("JW317", s, snapshot()) == []


def test_no_state_no_findings() -> None:
    assert judge("JW315", spec("JW315"), None) == []
    assert judge("JW317", met_nieuw(SPECIFIEK[1], SPECIFIEK[2]), None) == []


def test_tr361_generic_toewijzing_stacks_with_every_new_product() -> None:
    generiek = toewijzing(
        ASPECIFIEK[0], None, None, volume=None, eenheid=None, frequentie=None, budget=250000
    )
    violations = judge("JW317", spec("JW317"), snapshot(toewijzingen=(SPECIFIEKE, generiek)))
    assert found(violations) == [("TR361", "9361", NIEUW)]


# --- Boundaries the text names ---------------------------------------------------------------------------


def test_tr357_gewenste_ingangsdatum_on_the_dagtekening_counts_as_not_in_the_future() -> None:
    """'If GewensteIngangsdatum <= Dagtekening': equal to the Dagtekening it must be the Ingangsdatum."""
    violations = judge("JW317", te_wijzigen(wijzig(gewenst=DAG), ongewijzigd=True), snapshot())
    assert found(violations) == [("TR357", "9357", TE_WIJZIGEN)]


def test_a_toewijzing_ending_today_is_current() -> None:
    """Current (rules.md 6.1): Einddatum on or after the current date; the VOW must name it (TR349) and may
    name it as OngewijzigdProduct (TR350)."""
    vandaag = toewijzing(
        ASPECIFIEK[0], "43", None, volume=None, eenheid=None, frequentie=None, einddatum=TODAY
    )
    assert judge("JW317", spec("JW317"), snapshot(toewijzingen=(SPECIFIEKE, vandaag))) == []
    derde = toewijzing(300203, "45", "45A54", einddatum=TODAY)
    state = snapshot(toewijzingen=(SPECIFIEKE, ASPECIFIEKE, derde))
    assert found(judge("JW317", spec("JW317"), state)) == [("TR349", "9349", "/Bericht/Client/Verzoek")]


def test_tr412_tr375_end_date_on_2020_12_31_is_exempt() -> None:
    """Omvang is forbidden only when the end date is empty or later than 2020-12-31."""
    generiek = toewijzing(
        ASPECIFIEK[0], None, None, volume=None, eenheid=None, frequentie=None, budget=250000
    )
    state = snapshot(toewijzingen=(SPECIFIEKE, generiek))
    for einddatum, expected in ((date(2020, 12, 31), []), (date(2021, 1, 1), ["TR412", "TR375"])):
        product = wijzig(ASPECIFIEK[0], gewenst=INGANG, einddatum=einddatum)
        s = te_wijzigen(wijzig(), product, nieuw=False)
        # Dates of 2020 in a message of 2026 are beside the point here: judged behind level 2.
        assert rules_of(judge("JW317", s, state, level2=False)) == expected, einddatum
