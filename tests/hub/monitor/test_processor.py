"""The processor on both databases: the story of tests/hub/monitor/scenario.py through intake and processor.

Asserts the exact values of every domain metric the contract defines for the story, at several --as-of dates,
and that the observations do not depend on the order, the repetition or the replica that handles the events.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine, delete
from sqlmodel import select

from hub.events.models import AntwoordOntvangen, ToewijzingOntvangen
from hub.monitor.norms import ANTWOORD_VERZOEK, PASSENDE_HULP
from hub.store.db import session_factory
from hub.store.monitor_tables import DoorlooptijdRecord, VerwerktEventRecord
from hub.synth import berichten as b
from hub.synth.build import edit, to_xml
from tests.hub.monitor import scenario as sc
from tests.hub.monitor.helpers import accept_all, day, observations, processor, registry

G, A, R = sc.GEMEENTE, sc.AANBIEDER, sc.REGIO


STORY = {
    ("d", "verzoek_tot_toewijzing", f"{A}:{sc.REF_A}", R, "45", 7 * 86400),
    ("d", "toewijzing_tot_start", f"{G}:300201", R, "45", 4 * 86400),
    ("d", "toewijzing_tot_start", f"{G}:{sc.NUMMER_B}", R, "45", 12 * 86400),
    ("n", ANTWOORD_VERZOEK, f"{A}:{sc.REF_A}", "binnen", R),  # 1 Oct -> 8 Oct: 5 working days
    ("n", ANTWOORD_VERZOEK, f"{A}:{sc.REF_B}", "buiten", R),  # 1 Oct -> 12 Oct (in onderzoek): 7
    ("b", "31", R, "45"),
}


def test_story_gives_exactly_the_contracts_observations(db: Engine) -> None:
    p = processor(db)
    for event in accept_all(db, sc.xml_berichten()):
        assert p.verwerk(event)
    assert observations(db) == STORY


def test_story_metrics_as_of_15_january(db: Engine) -> None:
    p = processor(db)
    for event in accept_all(db, sc.xml_berichten()):
        p.verwerk(event)
    reg = registry(db, date(2027, 1, 15))
    v = reg.get_sample_value
    hist = "jeugdhulp_doorlooptijd_seconds"
    tts = {"fase": "toewijzing_tot_start", "regio": R, "productcategorie": "45"}
    assert [v(f"{hist}_bucket", {**tts, "le": day(n)}) for n in (3, 5, 10, 14, 365)] == [0, 1, 1, 2, 2]
    assert v(f"{hist}_bucket", {**tts, "le": "+Inf"}) == 2
    assert v(f"{hist}_count", tts) == 2 and v(f"{hist}_sum", tts) == 16 * 86400
    vtt = {"fase": "verzoek_tot_toewijzing", "regio": R, "productcategorie": "45"}
    assert v(f"{hist}_bucket", {**vtt, "le": day(5)}) == 0 and v(f"{hist}_bucket", {**vtt, "le": day(7)}) == 1
    assert v(f"{hist}_sum", vtt) == 7 * 86400
    norm = {"norm": ANTWOORD_VERZOEK, "regio": R}
    assert v("jeugdhulp_norm_total", {**norm, "uitkomst": "binnen"}) == 1
    assert v("jeugdhulp_norm_total", {**norm, "uitkomst": "buiten"}) == 1
    assert v("jeugdhulp_norm_total", {"norm": PASSENDE_HULP, "uitkomst": "buiten", "regio": "onbekend"}) == 0
    assert v("jeugdhulp_beeindigd_total", {"regio": R, "productcategorie": "45", "reden": "31"}) == 1
    waiting = {"regio": R, "gemeente": G, "productcategorie": "43"}
    # B (in onderzoek) waits at the verzoek stage since 1 Oct, 300202 at the toewijzing stage since 8 Oct.
    for fase in ("verzoek", "toewijzing"):
        assert v("jeugdhulp_wachtend", {**waiting, "fase": fase, "aanbieder": A}) == 1
        assert v("jeugdhulp_wachtend_boven_norm", {**waiting, "fase": fase}) == 1
    assert (
        v("jeugdhulp_wachtend", {**waiting, "productcategorie": "45", "fase": "toewijzing", "aanbieder": A})
        is None
    )
    assert v("jeugdhulp_in_zorg", {"regio": R, "gemeente": G, "productcategorie": "45", "aanbieder": A}) == 1


@pytest.mark.parametrize(
    ("as_of", "wachtend", "in_zorg"),
    [
        # Before the JW315: nothing is known yet.
        (date(2026, 9, 30), {}, None),
        # 10 Oct: A is assigned; 300201, 300202 and 400101 wait for their start; B waits for an answer.
        (date(2026, 10, 10), {("verzoek", "43"): 1, ("toewijzing", "45"): 2, ("toewijzing", "43"): 1}, None),
        # 31 Oct: the stop of 300201 ends today, so it is still in zorg, and so is 400101.
        (date(2026, 10, 31), {("verzoek", "43"): 1, ("toewijzing", "43"): 1}, 2),
        # 1 Nov: 300201's care has ended: neither in zorg nor waiting.
        (date(2026, 11, 1), {("verzoek", "43"): 1, ("toewijzing", "43"): 1}, 1),
    ],
)
def test_gauges_follow_the_as_of_date(
    db: Engine, as_of: date, wachtend: dict[tuple[str, str], int], in_zorg: int | None
) -> None:
    p = processor(db)
    for event in accept_all(db, sc.xml_berichten()):
        p.verwerk(event)
    reg = registry(db, as_of)
    found = {
        (s.labels["fase"], s.labels["productcategorie"]): s.value
        for metric in reg.collect()
        if metric.name == "jeugdhulp_wachtend"
        for s in metric.samples
    }
    assert found == wachtend
    assert reg.get_sample_value(
        "jeugdhulp_wachtend_boven_norm",
        {"fase": "verzoek", "regio": R, "gemeente": G, "productcategorie": "43"},
    ) == (0 if wachtend else None)
    assert (
        reg.get_sample_value(
            "jeugdhulp_in_zorg", {"regio": R, "gemeente": G, "productcategorie": "45", "aanbieder": A}
        )
        == in_zorg
    )


def test_order_of_events_does_not_matter(db: Engine) -> None:
    events = accept_all(db, sc.xml_berichten())
    p = processor(db)
    for event in reversed(events):  # e.g. the stop before the start, the answer before the toewijzing
        p.verwerk(event)
    assert observations(db) == STORY


def test_redelivered_event_changes_nothing(db: Engine) -> None:
    events = accept_all(db, sc.xml_berichten())
    p = processor(db)
    for event in events:
        p.verwerk(event)
    assert not any(p.verwerk(event) for event in events)  # every one is known by its event_id
    with session_factory(db)() as s:
        assert len(s.exec(select(VerwerktEventRecord)).all()) == len(events)
    assert observations(db) == STORY


def test_second_replica_computes_the_same_observations_and_adds_none(db: Engine) -> None:
    events = accept_all(db, sc.xml_berichten())
    for event in events:
        processor(db).verwerk(event)
    with session_factory(db)() as s:  # a replica that has not seen the bookkeeping of the first one
        s.execute(delete(VerwerktEventRecord))
        s.commit()
    other = processor(db)
    assert all(other.verwerk(event) for event in events)
    assert observations(db) == STORY
    with session_factory(db)() as s:
        assert len(s.exec(select(DoorlooptijdRecord)).all()) == 3


def test_first_answer_wins_whatever_order_the_events_come_in(db: Engine) -> None:
    # A is first answered "in onderzoek" on 2 Oct (1 working day), then assigned on 20 Oct (first version).
    jw319 = edit(
        b.spec("JW319", dagtekening=date(2026, 10, 2), identificatie="AW0"),
        "Antwoord",
        b.antwoord(sc.REF_A, verzoek_antwoord="2", reden_afwijzing=None),
    )
    laat = date(2026, 10, 20)
    jw301 = edit(
        b.spec("JW301", dagtekening=laat, identificatie="TW1"),
        "Client/ToegewezenProducten/ToegewezenProduct[1]/ReferentieAanbieder",
        sc.REF_A,
    )
    events = accept_all(
        db,
        [
            ("vot", to_xml("JW315", sc.jw315())),
            ("aw", to_xml("JW319", jw319)),
            ("tw", to_xml("JW301", jw301)),
        ],
    )
    assert isinstance(events[1], AntwoordOntvangen) and isinstance(events[2], ToewijzingOntvangen)
    p = processor(db)
    p.verwerk(events[2])  # the toewijzing's event first: the JW319 was still accepted before it
    p.verwerk(events[1])
    assert observations(db) == {
        ("n", ANTWOORD_VERZOEK, f"{A}:{sc.REF_A}", "binnen", R),
        ("d", "verzoek_tot_toewijzing", f"{A}:{sc.REF_A}", R, "45", 19 * 86400),
    }


def test_events_without_observations_are_still_marked_handled(db: Engine) -> None:
    events = accept_all(db, sc.xml_berichten()[:1])  # the JW315 alone: no pair is complete yet
    p = processor(db)
    assert p.verwerk(events[0])
    assert observations(db) == set()
    assert not p.verwerk(events[0])
