"""A JW301 against what the aanbieder knows (rules.md 6.3): TR332, TR379, TR385."""

from __future__ import annotations

from datetime import date

from hub.state.snapshot import PrestatieState, VerzoekState
from hub.synth.berichten import SPECIFIEK, omvang, spec
from hub.synth.build import Spec, edit
from tests.hub.rules.stateful.level3 import (
    AANBIEDER,
    ANDER,
    ASPECIFIEKE,
    CLIENT,
    DAG,
    GEMEENTE,
    INGANG,
    found,
    judge,
    rules_of,
    snapshot,
    toewijzing,
)

TP = "Client/ToegewezenProducten/ToegewezenProduct"
KLASSE_1 = f"/Bericht/{TP}[1]"
NR = SPECIFIEK[0]


def test_tr332_number_of_another_client() -> None:
    violations = judge("JW301", spec("JW301"), snapshot(toewijzingen=(), toewijzing_clients={NR: ANDER}))
    assert found(violations) == [("TR332", "9332", KLASSE_1)]
    assert violations[0].location == KLASSE_1 + "/ToewijzingNummer"


def test_tr332_known_number_changes_product_or_volume() -> None:
    ander_product = snapshot(toewijzingen=(toewijzing(code="45A54"), ASPECIFIEKE))
    violations = judge("JW301", spec("JW301"), ander_product)
    assert found(violations) == [("TR332", "9332", KLASSE_1)]
    assert "Product" in violations[0].message
    ander_volume = snapshot(toewijzingen=(toewijzing(volume=6), ASPECIFIEKE))
    assert rules_of(judge("JW301", spec("JW301"), ander_volume)) == ["TR332"]
    andere_ingang = snapshot(toewijzingen=(toewijzing(ingangsdatum=date(2026, 10, 2)), ASPECIFIEKE))
    assert rules_of(judge("JW301", spec("JW301"), andere_ingang)) == ["TR332"]


def test_tr332_passes() -> None:
    assert judge("JW301", spec("JW301"), snapshot()) == []  # resent unchanged
    assert judge("JW301", spec("JW301"), snapshot(toewijzingen=(), toewijzing_clients={NR: CLIENT})) == []
    # The Einddatum may move, and a total volume (Frequentie 6) may change.
    assert (
        judge("JW301", spec("JW301"), snapshot(toewijzingen=(toewijzing(einddatum=None), ASPECIFIEKE))) == []
    )
    totaal = edit(spec("JW301"), f"{TP}[1]/Omvang", omvang(50, "04", "6"))
    state = snapshot(toewijzingen=(toewijzing(volume=40, frequentie="6"), ASPECIFIEKE))
    assert judge("JW301", totaal, state) == []


def verzoek(referentie: str = "VOT1", *, client: str = CLIENT, gemeente: str = GEMEENTE) -> VerzoekState:
    return VerzoekState(AANBIEDER, gemeente, client, referentie, "VOT", DAG)


def met_referentie(referentie: str = "VOT1") -> Spec:
    return edit(spec("JW301"), f"{TP}[1]/ReferentieAanbieder", referentie)


def test_tr379_unknown_referentie() -> None:
    violations = judge("JW301", met_referentie(), snapshot())
    assert found(violations) == [("TR379", "9379", KLASSE_1)]
    assert violations[0].location == KLASSE_1 + "/ReferentieAanbieder"


def test_tr379_referentie_of_another_client_or_gemeente() -> None:
    assert rules_of(
        judge("JW301", met_referentie(), snapshot(referenties={"VOT1": verzoek(client=ANDER)}))
    ) == ["TR379"]
    andere_gemeente = snapshot(referenties={"VOT1": verzoek(gemeente="0363")})
    assert rules_of(judge("JW301", met_referentie(), andere_gemeente)) == ["TR379"]


def test_tr379_passes() -> None:
    assert judge("JW301", met_referentie(), snapshot(referenties={"VOT1": verzoek()})) == []
    # After "in onderzoek" the toewijzing may still honour the request (rules.md 6.5).
    onderzoek = VerzoekState(AANBIEDER, GEMEENTE, CLIENT, "VOT1", "VOT", DAG, antwoorden=("2",))
    assert judge("JW301", met_referentie(), snapshot(referenties={"VOT1": onderzoek})) == []
    assert judge("JW301", spec("JW301"), snapshot()) == []  # no ReferentieAanbieder: nothing to check


def verwijdering() -> Spec:
    s = edit(spec("JW301"), f"{TP}[1]/RedenWijziging", "13")
    return edit(s, f"{TP}[1]/Einddatum", INGANG)


def prestatie(
    *, toegekend: bool | None = True, gecrediteerd: bool = False, debet: bool = True
) -> PrestatieState:
    return PrestatieState(
        client=CLIENT,
        referentie_nummer="P1",
        vorig_referentie_nummer=None if debet else "P0",
        toewijzing_nummer=NR,
        categorie=SPECIFIEK[1],
        code=SPECIFIEK[2],
        begindatum=INGANG,
        einddatum=date(2026, 10, 31),
        volume=16,
        eenheid="04",
        bedrag=128000,
        debet=debet,
        toegekend=toegekend,
        gecrediteerd=gecrediteerd,
    )


def test_tr385_deleting_a_declared_toewijzing() -> None:
    violations = judge("JW301", verwijdering(), snapshot(prestaties=(prestatie(),)))
    assert found(violations) == [("TR385", "9385", KLASSE_1)]
    assert violations[0].location == KLASSE_1 + "/RedenWijziging"


def test_tr385_passes() -> None:
    for p in (prestatie(gecrediteerd=True), prestatie(toegekend=None), prestatie(toegekend=False)):
        assert judge("JW301", verwijdering(), snapshot(prestaties=(p,))) == [], p
    assert judge("JW301", verwijdering(), snapshot()) == []
    # The same lines do not block a JW301 that does not delete.
    assert judge("JW301", spec("JW301"), snapshot(prestaties=(prestatie(),))) == []


def test_no_state_no_findings() -> None:
    assert judge("JW301", met_referentie(), None) == []
