"""GB101-GB105: GI messages against a GiSnapshot of what was accepted before."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any, TypedDict, Unpack

import pytest

from hub.gi.state import BepalingState, GiSnapshot, MaatregelState
from hub.gi.synth import BEPALING_ID, GEMEENTE, GI_AGB, MAATREGEL_ID, bepaling, maatregel, spec
from hub.rules.registry import Level, Violation
from hub.synth.berichten import DEFAULT_DAGTEKENING, default_persoon
from hub.synth.build import Spec, edit
from tests.hub.gi.helpers import CTX, violations

DAG = DEFAULT_DAGTEKENING
BSN = default_persoon(DAG).bsn
UITSPRAAK = DAG - timedelta(weeks=4)
LOC_B = "/Bericht/Client/Bepalingen/Bepaling[{}]"


def pseudonym(bsn: str) -> str:
    return "p-" + bsn


CLIENT = pseudonym(BSN)
ANDER = pseudonym("999990019")


def bekend(
    bepaling_id: str = BEPALING_ID,
    *,
    client: str = CLIENT,
    ingetrokken: bool = False,
    gemeente: str = GEMEENTE,
) -> BepalingState:
    return BepalingState(
        gi=GI_AGB,
        bepaling_id=bepaling_id,
        client=client,
        gemeente=gemeente,
        maatregel_id=MAATREGEL_ID,
        maatregel_type="02",
        categorie="45",
        code="45A53",
        datum_bepaling=DAG - timedelta(days=30),
        gewenste_ingangsdatum=DAG,
        urgentie="3",
        dagtekening=DAG - timedelta(days=30),
        ingetrokken=ingetrokken,
    )


def maatregel_bekend(client: str = CLIENT, maatregel_type: str = "02", **dates: date) -> MaatregelState:
    return MaatregelState(
        gi=GI_AGB, maatregel_id=MAATREGEL_ID, client=client, maatregel_type=maatregel_type, **dates
    )


def snapshot(**kwargs: Any) -> GiSnapshot:
    return GiSnapshot(pseudonym=pseudonym, **kwargs)


def judge(bericht: str, s: Spec, state: GiSnapshot | None, code: str) -> list[Violation]:
    return violations(bericht, s, code, ctx=replace(CTX, state=state), levels=(Level.STATEFUL,))


def met_bepalingen(*bepalingen: Spec) -> Spec:
    return edit(spec("GI001"), "Client/Bepalingen/Bepaling", list(bepalingen))


def b(bepaling_id: str = BEPALING_ID, status: str = "1") -> Spec:
    return bepaling(
        bepaling_id, datum_bepaling=DAG - timedelta(days=3), gewenste_ingangsdatum=DAG, status=status
    )


@pytest.mark.parametrize("code", ["GB101", "GB102", "GB103", "GB104", "GB105"])
def test_rules_are_silent_without_state(code: str) -> None:
    for bericht in ("GI001", "GI002", "GI003"):
        assert judge(bericht, spec(bericht), None, code) == []
        assert violations(bericht, spec(bericht), code, ctx=CTX, levels=(Level.STATEFUL,)) == []


@pytest.mark.parametrize("bericht", ["GI001", "GI002", "GI003"])
def test_gb101_identificatie_used_before(bericht: str) -> None:
    found = judge(bericht, spec(bericht), snapshot(identificatie_bekend=True), "GB101")
    assert [(v.location, v.retourcode, v.klasse) for v in found] == [
        ("/Bericht/Header/BerichtIdentificatie/Identificatie", "G101", None)
    ]
    assert judge(bericht, spec(bericht), snapshot(), "GB101") == []


def test_gb102_new_bepaling_with_an_id_in_force() -> None:
    found = judge("GI001", spec("GI001"), snapshot(bepalingen={BEPALING_ID: bekend()}), "GB102")
    assert [(v.location, v.retourcode) for v in found] == [
        ("/Bericht/Client/Bepalingen/Bepaling/BepalingId", "G102")
    ]
    assert found[0].klasse is not None


@pytest.mark.parametrize(
    "state",
    [
        pytest.param({}, id="unknown"),
        pytest.param({BEPALING_ID: bekend(ingetrokken=True)}, id="withdrawn-before"),
    ],
)
def test_gb102_new_id_or_reuse_after_withdrawal_passes(state: dict[str, BepalingState]) -> None:
    assert judge("GI001", spec("GI001"), snapshot(bepalingen=state), "GB102") == []


def test_gb102_correction_in_one_message() -> None:
    state = snapshot(bepalingen={BEPALING_ID: bekend()})
    assert judge("GI001", met_bepalingen(b(status="3"), b(status="1")), state, "GB102") == []
    assert (
        judge("GI001", met_bepalingen(b(status="1"), b(status="3")), state, "GB102") == []
    )  # order is irrelevant


def test_gb102_correction_needs_a_valid_withdrawal() -> None:
    # The withdrawal names another client's bepaling: it frees nothing, so the new one still collides.
    state = snapshot(bepalingen={BEPALING_ID: bekend(client=ANDER)})
    found = judge("GI001", met_bepalingen(b(status="3"), b(status="1")), state, "GB102")
    assert [v.location for v in found] == [f"{LOC_B.format(2)}/BepalingId"]


def test_gb103_withdrawal_of_a_bepaling_in_force_passes() -> None:
    s = edit(spec("GI001"), "Client/Bepalingen/Bepaling[1]/StatusAanlevering", "3")
    assert judge("GI001", s, snapshot(bepalingen={BEPALING_ID: bekend()}), "GB103") == []


@pytest.mark.parametrize(
    ("state", "reden"),
    [
        pytest.param({}, "is unknown", id="unknown"),
        pytest.param({BEPALING_ID: bekend(ingetrokken=True)}, "was already withdrawn", id="withdrawn"),
        pytest.param({BEPALING_ID: bekend(client=ANDER)}, "belongs to another client", id="other-client"),
        # Sent to another gemeente, the withdrawal would never reach the bepaling's links and status updates.
        pytest.param(
            {BEPALING_ID: bekend(gemeente="0344")},
            "was sent to gemeente 0344: withdraw it there",
            id="other-gemeente",
        ),
    ],
)
def test_gb103_withdrawal_must_refer_to_a_bepaling_in_force(
    state: dict[str, BepalingState], reden: str
) -> None:
    s = edit(spec("GI001"), "Client/Bepalingen/Bepaling[1]/StatusAanlevering", "3")
    found = judge("GI001", s, snapshot(bepalingen=state), "GB103")
    assert [(v.location, v.retourcode) for v in found] == [
        ("/Bericht/Client/Bepalingen/Bepaling/BepalingId", "G103")
    ]
    # The reason goes to the GI in the GI101's Tekst: exactly one sentence per case.
    assert found[0].message == f"Withdrawal of BepalingId {BEPALING_ID}: the bepaling {reden}."


def test_gb102_a_withdrawal_sent_to_another_gemeente_frees_no_id() -> None:
    state = snapshot(bepalingen={BEPALING_ID: bekend(gemeente="0344")})
    found = judge("GI001", met_bepalingen(b(status="3"), b(status="1")), state, "GB102")
    assert [v.location for v in found] == [f"{LOC_B.format(2)}/BepalingId"]


def test_gb103_new_and_withdrawal_of_the_same_id_in_one_message() -> None:
    # Withdrawals are processed first, so a bepaling cannot be withdrawn by the message that brings it.
    found = judge("GI001", met_bepalingen(b(status="1"), b(status="3")), snapshot(), "GB103")
    assert [v.location for v in found] == [f"{LOC_B.format(2)}/BepalingId"]


@pytest.mark.parametrize("bericht", ["GI001", "GI002"])
def test_gb104_maatregel_of_another_client(bericht: str) -> None:
    found = judge(
        bericht, spec(bericht), snapshot(maatregelen={MAATREGEL_ID: maatregel_bekend(client=ANDER)}), "GB104"
    )
    assert [v.retourcode for v in found] == ["G104"]
    assert found[0].location is not None and found[0].location.endswith("MaatregelId")


@pytest.mark.parametrize("bericht", ["GI001", "GI002"])
def test_gb104_maatregel_with_another_type(bericht: str) -> None:
    state = snapshot(maatregelen={MAATREGEL_ID: maatregel_bekend(maatregel_type="04")})
    found = judge(bericht, spec(bericht), state, "GB104")
    assert [v.retourcode for v in found] == ["G104"]
    assert found[0].location is not None and found[0].location.endswith("MaatregelType")
    assert (
        judge(bericht, spec(bericht), snapshot(maatregelen={MAATREGEL_ID: maatregel_bekend()}), "GB104") == []
    )


class Datums(TypedDict, total=False):
    """The dates of a GI002 Maatregel (hub.gi.synth.maatregel)."""

    uitspraak: date
    vaste_jeugdbeschermer: date
    gedragen_koers: date
    einddatum: date


def voortgang(**dates: Unpack[Datums]) -> Spec:
    return edit(spec("GI002"), "Client/Maatregelen/Maatregel", [maatregel(**dates)])


def test_gb105_later_date_before_an_earlier_uitspraak() -> None:
    state = snapshot(maatregelen={MAATREGEL_ID: maatregel_bekend(datum_uitspraak=UITSPRAAK)})
    bad = judge("GI002", voortgang(vaste_jeugdbeschermer=UITSPRAAK - timedelta(days=1)), state, "GB105")
    assert [(v.location, v.retourcode) for v in bad] == [
        ("/Bericht/Client/Maatregelen/Maatregel/DatumVasteJeugdbeschermer", "G105")
    ]
    assert judge("GI002", voortgang(vaste_jeugdbeschermer=UITSPRAAK), state, "GB105") == []


def test_gb105_uitspraak_after_dates_received_earlier() -> None:
    state = snapshot(maatregelen={MAATREGEL_ID: maatregel_bekend(datum_gedragen_koers=UITSPRAAK)})
    bad = judge("GI002", voortgang(uitspraak=UITSPRAAK + timedelta(days=1)), state, "GB105")
    assert [v.location for v in bad] == ["/Bericht/Client/Maatregelen/Maatregel/DatumUitspraak"]
    assert judge("GI002", voortgang(uitspraak=UITSPRAAK), state, "GB105") == []


def test_gb105_both_dates_in_the_message_are_level2() -> None:
    # The message corrects both dates at once: the earlier uitspraak no longer counts, GB021 judges the pair.
    state = snapshot(
        maatregelen={MAATREGEL_ID: maatregel_bekend(datum_uitspraak=UITSPRAAK + timedelta(days=9))}
    )
    assert (
        judge("GI002", voortgang(uitspraak=UITSPRAAK, vaste_jeugdbeschermer=UITSPRAAK), state, "GB105") == []
    )


def test_gb104_does_not_judge_a_withdrawal() -> None:
    # A withdrawal names its bepaling by BepalingId and Bsn only (docs 2.5): the maatregel it repeats is not
    # judged, so a valid withdrawal that frees its id for a new bepaling (GB102) is never rejected itself.
    state = snapshot(
        bepalingen={BEPALING_ID: bekend()}, maatregelen={MAATREGEL_ID: maatregel_bekend(client=ANDER)}
    )
    assert judge("GI001", met_bepalingen(b(status="3")), state, "GB104") == []
    found = judge("GI001", met_bepalingen(b(status="3"), b(status="1")), state, "GB104")
    assert [v.location for v in found] == [f"{LOC_B.format(2)}/Maatregel/MaatregelId"]
