"""load_snapshot: the verzoeken a message sees, with their answers (pinned by a mutation pass)."""

from __future__ import annotations

from sqlmodel import Session

from hub.state.snapshot import VerzoekState
from hub.synth import berichten
from hub.synth.build import edit
from tests.hub.store.scenario import AANBIEDER, ANDER, CLIENT, DAG, GEMEENTE, PS, accept, snapshot, spec

VOT_A = f"VOT{DAG:%Y%m%d}A"
VOW = f"VOW{DAG:%Y%m%d}"


def test_a_jw319_sees_the_verzoek_it_answers_with_the_earlier_answers_of_its_gemeente(
    session: Session,
) -> None:
    accept(session, "JW315", spec("JW315"))
    accept(session, "JW319", spec("JW319"))  # VerzoekAntwoord 1 on VOT_A
    # another aanbieder's answer (2, in onderzoek) to the same ReferentieAanbieder: not this verzoek's
    elders = edit(spec("JW319", "JW319C", aanbieder="87654321"), "Antwoord/VerzoekAntwoord", "2")
    accept(session, "JW319", edit(elders, "Antwoord/RedenAfwijzingVerzoek", None))
    snap = snapshot(session, "JW319", spec("JW319", "JW319B"))
    assert dict(snap.referenties) == {
        VOT_A: VerzoekState(
            aanbieder=AANBIEDER,
            gemeente=GEMEENTE,
            client=PS(CLIENT.bsn),
            referentie_aanbieder=VOT_A,
            soort="VOT",
            dagtekening=DAG,
            antwoorden=("1",),
            toegewezen=False,
        )
    }
    assert snap.verzoeken == ()  # a JW319 names no client


def test_a_jw317_sees_its_verzoek_as_a_vow(session: Session) -> None:
    accept(session, "JW317", spec("JW317"))
    snap = snapshot(session, "JW317", spec("JW317", "JW317B"))
    assert [(v.referentie_aanbieder, v.soort) for v in snap.verzoeken] == [(VOW, "VOW")]
    assert snap.referenties[VOW].soort == "VOW"


def test_a_jw301_without_references_still_sees_the_clients_verzoeken(session: Session) -> None:
    accept(session, "JW315", spec("JW315"))
    s = spec("JW301")
    assert all(
        p.get("ReferentieAanbieder") is None for p in s["Client"]["ToegewezenProducten"]["ToegewezenProduct"]
    )
    snap = snapshot(session, "JW301", s)
    assert [v.referentie_aanbieder for v in snap.verzoeken] == [VOT_A, f"VOT{DAG:%Y%m%d}B"]
    assert dict(snap.referenties) == {}


def test_a_named_verzoek_of_another_client_is_a_referentie_not_one_of_the_clients_verzoeken(
    session: Session,
) -> None:
    accept(session, "JW315", spec("JW315", persoon=ANDER))
    s = edit(spec("JW301"), "Client/ToegewezenProducten/ToegewezenProduct[1]/ReferentieAanbieder", VOT_A)
    snap = snapshot(session, "JW301", s)
    assert set(snap.referenties) == {VOT_A}
    assert snap.referenties[VOT_A].client == PS(ANDER.bsn)  # the rules compare the client themselves (TR379)
    assert snap.verzoeken == ()


def test_a_jw323_sees_earlier_lines_with_its_referentienummers_at_any_gemeente(session: Session) -> None:
    # TR314: a ReferentieNummer is unique per aanbieder, so its earlier use at another gemeente counts too.
    elders = spec("JW323", gemeente="0363")
    accept(session, "JW323", elders)
    snap = snapshot(session, "JW323", spec("JW323", "JW323B"))
    refs = {
        p["ProductReferentie"]["ReferentieNummer"] for _, p in berichten.prestaties_van(elders["Declaratie"])
    }
    assert refs and {p.referentie_nummer for p in snap.prestaties} == refs
    assert {p.gemeente for p in snap.prestaties} == {"0363"}


def test_a_jw315_sees_the_earlier_verzoeken_of_its_referenties(session: Session) -> None:
    # TR347: a ReferentieAanbieder is used once per aanbieder; the store's reading of a JW315 brings its earlier use.
    accept(session, "JW315", spec("JW315"))
    snap = snapshot(session, "JW315", spec("JW315", "JW315B"))
    assert set(snap.referenties) == {VOT_A, f"VOT{DAG:%Y%m%d}B"}
    assert {(v.referentie_aanbieder, v.soort) for v in snap.verzoeken} == {
        (VOT_A, "VOT"),
        (f"VOT{DAG:%Y%m%d}B", "VOT"),
    }
