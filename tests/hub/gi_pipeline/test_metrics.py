"""The GI metrics of issue 5 through the transport-free pipeline: the story of scenario.py, exact values."""

from __future__ import annotations

from datetime import date

from prometheus_client import generate_latest
from sqlalchemy import Engine

from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline import scenario as sc
from tests.hub.gi_pipeline.helpers import AS_OF, Pipeline


def story(db: Engine) -> Pipeline:
    p = Pipeline(db)
    for _, bericht, spec in sc.in_volgorde():
        p.stuur(bericht, spec)
    p.processor.peil(AS_OF)
    return p


def test_the_story_gives_the_contracts_values(db: Engine) -> None:
    p = story(db)
    sc.check_metrics(sc.domain_samples(generate_latest(p.registry()).decode()))


def test_the_story_gives_each_statusmelding_once(db: Engine) -> None:
    p = story(db)
    assert {(r.bepaling_id, r.status): r.status_datum for r in p.meldingen()} == sc.STATUSSEN
    assert len(p.meldingen()) == len(sc.STATUSSEN)


def test_the_story_in_another_order_gives_the_same_values(db: Engine) -> None:
    """The processors may see events of different senders in any order: iJw first, GI last here."""
    p = Pipeline(db)
    berichten = sc.in_volgorde()
    held = []
    for _, bericht, spec in berichten:
        result = p.stuur(bericht, spec, verwerk=False)
        if result.event is not None:
            held.append(result.event)
    for event in sorted(held, key=lambda e: (e.bericht.startswith("GI"), e.dagtekening)):
        assert p.processor.verwerk(event)
    p.processor.peil(AS_OF)
    sc.check_metrics(sc.domain_samples(generate_latest(p.registry()).decode()))
    assert {(r.bepaling_id, r.status) for r in p.meldingen()} == set(sc.STATUSSEN)


def test_a_bepaling_waits_from_its_gi001s_dagtekening_and_stops_when_its_toewijzing_is_dated(
    db: Engine,
) -> None:
    p = Pipeline(db)
    for _, bericht, spec in sc.in_volgorde():
        p.stuur(bericht, spec)

    def bepaling_wacht(as_of: date) -> float | None:
        labels = {
            "fase": "bepaling",
            "regio": sc.R,
            "gemeente": sc.G,
            "productcategorie": m.CAT,
            "aanbieder": "onbekend",
        }
        return p.registry(as_of).get_sample_value("jeugdhulp_wachtend", labels)

    assert bepaling_wacht(date(2026, 5, 3)) is None  # B-C1's GI001 is dated 2026-05-04
    assert bepaling_wacht(date(2026, 5, 4)) == 1  # B-C1
    assert bepaling_wacht(date(2026, 6, 15)) == 1  # B-C1 linked today (500101); B-B1 since 1 Jun
    assert bepaling_wacht(date(2026, 9, 6)) == 2  # B-B1 and B-A1
    # From 7 Sep B-A1's linked request waits at the verzoek stage: each chain is counted once, at its latest stage.
    assert bepaling_wacht(date(2026, 9, 7)) == 1
    verzoek = {
        "fase": "verzoek",
        "regio": sc.R,
        "gemeente": sc.G,
        "productcategorie": m.CAT,
        "aanbieder": sc.AGB,
    }
    assert p.registry(date(2026, 9, 7)).get_sample_value("jeugdhulp_wachtend", verzoek) == 1
    assert bepaling_wacht(date(2026, 10, 2)) == 2  # B-B1 and B-D1 (B-A1 linked on 14 Sep)
    assert bepaling_wacht(date(2026, 10, 20)) == 1  # B-D1 linked


def test_a_linked_request_is_above_the_norm_counted_from_its_bepaling(db: Engine) -> None:
    p = Pipeline(db)
    kind = m.kind(9)
    p.stuur("GI001", m.gi001(kind, date(2026, 6, 1), "B1", m.bepaling("B-1", date(2026, 6, 1))))
    p.stuur("JW315", m.jw315(kind, date(2026, 8, 3), "V1"))  # by the GI, for 45; never answered
    p.stuur("JW315", m.jw315(m.kind(10), date(2026, 8, 4), "V2", categorie=m.CAT_B))  # no bepaling behind it
    labels = {"fase": "verzoek", "regio": sc.R, "gemeente": sc.G}
    reg = p.registry(
        date(2026, 10, 15)
    )  # 3 months before: 15 Jul; the bepaling is older, both requests younger
    assert reg.get_sample_value("jeugdhulp_wachtend_boven_norm", {**labels, "productcategorie": m.CAT}) == 1
    assert reg.get_sample_value("jeugdhulp_wachtend_boven_norm", {**labels, "productcategorie": m.CAT_B}) == 0
    bepaling = {"fase": "bepaling", "regio": sc.R, "gemeente": sc.G, "productcategorie": m.CAT}
    assert (
        reg.get_sample_value("jeugdhulp_wachtend_boven_norm", bepaling) is None
    )  # counted at the verzoek stage
