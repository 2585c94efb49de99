"""Claims of docs/definities.md sections 1-3 that no other test held, each test naming the section it holds.

State rows are written as the intake leaves them (tests.hub.monitor.test_collector.Store) or the story of
tests/hub/monitor/scenario.py goes through the intake and processors; the collector reads them as a scrape does.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine, insert

from hub.monitor.collector import MonitorCollector
from hub.monitor.contract import DROPPABLE, FAMILIES
from hub.monitor.norms import NORMEN, PASSENDE_HULP, uitkomst
from hub.monitor.registry import Regios
from hub.store import gauges, gi_monitor
from hub.store.db import session_factory
from hub.store.monitor_tables import BeeindigdRecord, DoorlooptijdRecord, NormRecord
from hub.store.tables import DELETED, BerichtRecord
from hub.synth import berichten as ijw
from tests.hub.gi_pipeline import berichten as gm
from tests.hub.gi_pipeline.helpers import Pipeline
from tests.hub.monitor import scenario as sc
from tests.hub.monitor.helpers import accept_all, day, processor, registry
from tests.hub.monitor.test_collector import AGB, APELDOORN, MIJOV, NOW, Store

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
NOT_GAUGES = {f.name.removesuffix("_total") for f in FAMILIES if f.soort != "gauge"}


@pytest.fixture
def store(db: Engine) -> Iterator[Store]:
    with session_factory(db)() as session:
        yield Store(session)
        session.commit()


def families(reg: CollectorRegistry, names: set[str]) -> Samples:
    """Every sample of these families (as collect() names them: a counter without _total), keyed by sample
    name and labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for m in reg.collect()
        if m.name in names
        for s in m.samples
    }


def story(db: Engine) -> None:
    p = processor(db)
    for event in accept_all(db, sc.xml_berichten()):
        assert p.verwerk(event)


# ---- 1.2 and 1.3: counters and the histogram ------------------------------------------------------


def test_counters_and_the_histogram_count_everything_processed_whatever_the_as_of_date(db: Engine) -> None:
    """docs/definities.md 1.3: --as-of is "today" of the gauges only; the counters and the histogram count every
    processed message, also those dated after it (as of 30 September 2026 the story has not begun)."""
    story(db)
    voor, na = registry(db, date(2026, 9, 30)), registry(db, date(2027, 1, 15))
    assert families(voor, NOT_GAUGES) == families(na, NOT_GAUGES)
    counted = families(voor, NOT_GAUGES)
    assert counted[("jeugdhulp_doorlooptijd_seconds_count", _hist("toewijzing_tot_start"))] == 2
    assert sum(v for (name, _), v in counted.items() if name == "jeugdhulp_norm_total") == 2
    assert sum(v for (name, _), v in counted.items() if name == "jeugdhulp_beeindigd_total") == 1
    # The gauges did follow the date: nothing waits before the story, something after it.
    wachtend = {"jeugdhulp_wachtend"}
    assert families(voor, wachtend) == {} and families(na, wachtend) != {}


def _hist(fase: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({"fase": fase, "regio": sc.REGIO, "productcategorie": "45"}.items()))


def test_only_the_norm_counter_exists_at_zero_before_anything_is_counted(db: Engine) -> None:
    """docs/definities.md 1.2: every norm × uitkomst × regio of jeugdhulp_norm_total exists at 0; the other
    counters (and the histogram) appear only with their first count."""
    found = families(registry(db, date(2026, 11, 23)), NOT_GAUGES)
    assert {name for name, _ in found} == {"jeugdhulp_norm_total"}
    assert set(found.values()) == {0.0}


def test_an_observation_of_exactly_365_days_is_in_the_last_bucket_and_a_longer_one_only_in_inf(
    db: Engine, store: Store
) -> None:
    """docs/definities.md 2: an observation of exactly a bound counts in that bucket; over 365 days only in +Inf."""
    for i, dagen in enumerate((364, 365, 366)):
        store.s.add(
            DoorlooptijdRecord(
                fase="verzoek_tot_toewijzing", sleutel=f"{AGB}:{i}", regio=MIJOV, productcategorie="45",
                seconden=dagen * 86400, observed_at=NOW,
            )
        )  # fmt: skip
    store.s.commit()
    v = registry(db, date(2026, 11, 23)).get_sample_value
    labels = {"fase": "verzoek_tot_toewijzing", "regio": MIJOV, "productcategorie": "45"}
    bucket = "jeugdhulp_doorlooptijd_seconds_bucket"
    assert v(bucket, {**labels, "le": day(182)}) == 0
    assert v(bucket, {**labels, "le": day(365)}) == 2
    assert v(bucket, {**labels, "le": "+Inf"}) == 3


# ---- 1.4: an end before its begin -----------------------------------------------------------------


@pytest.mark.parametrize("norm", sorted(NORMEN))
def test_an_end_before_the_begin_is_binnen_for_every_norm(norm: str) -> None:
    """docs/definities.md 1.4: for each norm an einddatum before the begindatum is binnen."""
    assert uitkomst(norm, date(2026, 10, 1), date(2026, 9, 30)) == "binnen"
    assert uitkomst(norm, date(2026, 10, 1), date(2025, 10, 1)) == "binnen"


GI = "09990001"


def capaciteit(db: Engine, peildatum: date) -> None:
    """A GI003's figures for MIJOV on `peildatum`, as the intake stores them: wachtlijst 4."""
    with db.begin() as conn:
        conn.execute(
            insert(BerichtRecord),
            [{"id": "c" * 32, "content_hash": "0" * 64, "outcome": "accepted", "received_at": NOW}],
        )
        conn.execute(
            gi_monitor.C.insert(),
            [
                {
                    "gi": GI, "regio": MIJOV, "jeugdregio": MIJOV, "peildatum": peildatum,
                    "jeugdbeschermers": Decimal("12.50"), "caseload": 15, "beschikbare_plaatsen": 3,
                    "wachtlijst": 4, "bericht_id": "c" * 32,
                }
            ],
        )  # fmt: skip


# ---- 1.5: dropping gemeente and aanbieder ----------------------------------------------------------


def test_families_without_gemeente_or_aanbieder_are_unchanged_when_those_are_dropped(db: Engine) -> None:
    """docs/definities.md 1.5: HUB_METRICS_DROP_LABELS leaves every family without those labels as it is
    (gi_capaciteit, the histogram, the counters and the norm months)."""
    story(db)
    capaciteit(db, date(2026, 10, 1))
    zonder = {f.name.removesuffix("_total") for f in FAMILIES if not set(f.labels) & DROPPABLE}
    assert {"gi_capaciteit", "jeugdhulp_doorlooptijd_seconds", "jeugdhulp_norm_maand"} <= zonder
    as_of = date(2026, 11, 1)
    alles = families(registry(db, as_of), zonder)
    assert alles == families(registry(db, as_of, drop=sorted(DROPPABLE)), zonder)
    assert alles[("gi_capaciteit", (("gi", GI), ("regio", MIJOV), ("soort", "wachtlijst")))] == 4


def test_observations_keep_the_regio_of_their_moment_and_the_stands_take_the_list_of_now(
    db: Engine, store: Store
) -> None:
    """docs/definities.md 1.5: the histogram, jeugdhulp_norm_total and jeugdhulp_beeindigd_total keep the regio
    stored when observed; the stands read the regio of their gemeente from the gemeente list at every scrape
    (here a list that has moved Apeldoorn to another regio since)."""
    store.toewijzing(1, date(2026, 10, 1))  # waiting
    store.toewijzing(2, date(2026, 10, 1))
    store.start(2, date(2026, 10, 5))  # in zorg
    store.verzoek("A", date(2026, 10, 1))  # unanswered, past its term on 2 November
    store.s.add_all(
        [
            DoorlooptijdRecord(
                fase="toewijzing_tot_start", sleutel="x", regio=MIJOV, productcategorie="45", seconden=86400,
                observed_at=NOW,
            ),
            NormRecord(norm=PASSENDE_HULP, sleutel="x", uitkomst="binnen", regio=MIJOV, observed_at=NOW),
            BeeindigdRecord(sleutel="x", reden="31", regio=MIJOV, productcategorie="45", observed_at=NOW),
        ]
    )  # fmt: skip
    store.s.commit()
    reg = CollectorRegistry()
    reg.register(
        MonitorCollector(session_factory(db), Regios({APELDOORN: "Elders"}), clock=lambda: date(2026, 11, 2))
    )
    regios: dict[str, set[str]] = {}
    for m in reg.collect():
        for s in m.samples:
            if s.value and "regio" in s.labels:
                regios.setdefault(m.name, set()).add(s.labels["regio"])
    assert regios == {
        "jeugdhulp_doorlooptijd_seconds": {MIJOV},
        "jeugdhulp_norm": {MIJOV},
        "jeugdhulp_beeindigd": {MIJOV},
        "jeugdhulp_wachtend": {"Elders"},
        "jeugdhulp_in_zorg": {"Elders"},
        "jeugdhulp_verzoeken_onbeantwoord_boven_norm": {"Elders"},
    }


# ---- 3.1 and 3.2: jeugdhulp_wachtend and its boven-norm part --------------------------------------


def test_a_waiting_toewijzing_keeps_the_labels_of_its_first_version(db: Engine, store: Store) -> None:
    """docs/definities.md 3.1: fase toewijzing is labelled with the gemeente, aanbieder and productcategorie of
    the first version, also when the version in force names another Categorie."""
    store.toewijzing(1, date(2026, 10, 1))
    store.toewijzing(1, date(2026, 10, 5), categorie="43", ingangsdatum=date(2026, 10, 1))
    store.s.commit()
    v = registry(db, date(2026, 10, 6)).get_sample_value
    labels = {"fase": "toewijzing", "regio": MIJOV, "gemeente": APELDOORN, "aanbieder": AGB}
    assert v("jeugdhulp_wachtend", {**labels, "productcategorie": "45"}) == 1
    assert v("jeugdhulp_wachtend", {**labels, "productcategorie": "43"}) is None


def test_a_toewijzings_chain_begins_at_its_earliest_jw315_and_never_at_a_jw317(
    db: Engine, store: Store
) -> None:
    """docs/definities.md 3.2 (and 1.1): of the JW315s a version of the toewijzing answered, the earliest begins
    its chain; a JW317 (verzoek om wijziging) it answered does not, however early."""
    store.verzoek("A", date(2026, 2, 15))
    store.verzoek("B", date(2026, 1, 31))
    store.toewijzing(1, date(2026, 3, 1), referentie_aanbieder="A")
    store.toewijzing(1, date(2026, 3, 2), referentie_aanbieder="B", ingangsdatum=date(2026, 3, 1))
    store.verzoek("W", date(2026, 1, 5), soort="VOW")
    store.toewijzing(2, date(2026, 3, 1), referentie_aanbieder="W")
    store.s.commit()
    labels = {"fase": "toewijzing", "regio": MIJOV, "gemeente": APELDOORN, "productcategorie": "45"}
    for as_of, boven in (
        (date(2026, 4, 30), 0),  # 31 Jan + 3 months = 30 April
        (date(2026, 5, 1), 1),  # toewijzing 1 from 31 January (B), not 15 February (A)
        (date(2026, 6, 1), 1),  # toewijzing 2 from its own 1 March: 1 June is the last day within
        (date(2026, 6, 2), 2),
    ):
        v = registry(db, as_of).get_sample_value
        assert v("jeugdhulp_wachtend", {**labels, "aanbieder": AGB}) == 2, as_of
        assert v("jeugdhulp_wachtend_boven_norm", labels) == boven, as_of


def test_a_withdrawn_bepaling_waits_nowhere_also_as_of_a_day_before_its_withdrawal(db: Engine) -> None:
    """docs/definities.md 3.1: fase bepaling counts the bepalingen not withdrawn, from their GI001's Dagtekening,
    with the bepaling's gemeente and Categorie and aanbieder onbekend; withdrawals are those of now, so an
    --as-of before the withdrawal does not bring the bepaling back."""
    p = Pipeline(db)
    kind = gm.kind(1)
    p.stuur("GI001", gm.gi001(kind, date(2026, 6, 2), "B1", gm.bepaling("B-1", date(2026, 6, 1))))
    p.stuur(
        "GI001",
        gm.gi001(
            gm.kind(2), date(2026, 6, 2), "B2", gm.bepaling("B-2", date(2026, 6, 1), maatregel_id="M-2")
        ),
    )
    p.stuur("GI001", gm.gi001(kind, date(2026, 6, 10), "B3", gm.intrekking("B-1", date(2026, 6, 1))))
    labels = {"fase": "bepaling", "regio": gm.REGIO, "gemeente": gm.GEMEENTE, "productcategorie": gm.CAT}
    assert families(p.registry(date(2026, 6, 1)), {"jeugdhulp_wachtend"}) == {}  # before the Dagtekening
    for as_of in (date(2026, 6, 2), date(2026, 6, 9), date(2026, 6, 10)):
        assert families(p.registry(as_of), {"jeugdhulp_wachtend"}) == {
            ("jeugdhulp_wachtend", tuple(sorted({**labels, "aanbieder": "onbekend"}.items()))): 1
        }, as_of  # B-2 only


def test_a_deleted_toewijzing_sends_its_bepaling_back_to_fase_bepaling(db: Engine) -> None:
    """docs/definities.md 1.1 (and 6.11 b): a toewijzing deleted with RedenWijziging 13 counts as never sent for
    fase toewijzing, and the bepaling linked to it (K6) waits at fase bepaling again. The link is that of now
    (3.1): as of a day before the deletion the chain then counts at both stages."""
    p = Pipeline(db)
    kind, bepaling, tw, weg = gm.kind(1), date(2026, 9, 1), date(2026, 9, 11), date(2026, 9, 16)
    p.stuur("GI001", gm.gi001(kind, bepaling, "B1", gm.bepaling("B-1", bepaling)))
    p.stuur("JW301", gm.jw301(kind, tw, "T1", gm.toegewezen(300201, tw)))
    assert fasen(p, tw) == {"toewijzing": 1}
    ingang = ijw.ingang(tw)
    verwijderd = gm.toegewezen(300201, weg, ingangsdatum=ingang, einddatum=ingang, reden_wijziging="13")
    p.stuur("JW301", gm.jw301(kind, weg, "T2", verwijderd))
    assert fasen(p, weg) == {"bepaling": 1}
    assert fasen(p, tw) == {"bepaling": 1, "toewijzing": 1}


def fasen(p: Pipeline, as_of: date) -> dict[str, float]:
    """jeugdhulp_wachtend as fase -> value (one gemeente, one aanbieder per fase in these tests)."""
    return {
        dict(labels)["fase"]: value
        for (_, labels), value in families(p.registry(as_of), {"jeugdhulp_wachtend"}).items()
    }


def test_a_toewijzing_older_than_the_jw315_a_later_version_answers_counts_from_that_jw315(
    db: Engine, store: Store
) -> None:
    """docs/definities.md 3.2: the table's order decides, not which date is earliest: a toewijzing of 1 January
    that a version of 5 March gives the ReferentieAanbieder of a JW315 of 1 March counts from 1 March."""
    store.toewijzing(1, date(2026, 1, 1))
    store.verzoek("A", date(2026, 3, 1))
    store.toewijzing(1, date(2026, 3, 5), referentie_aanbieder="A", ingangsdatum=date(2026, 1, 1))
    store.s.commit()
    labels = {"fase": "toewijzing", "regio": MIJOV, "gemeente": APELDOORN, "productcategorie": "45"}
    for as_of, boven in ((date(2026, 4, 2), 0), (date(2026, 6, 1), 0), (date(2026, 6, 2), 1)):
        assert registry(db, as_of).get_sample_value("jeugdhulp_wachtend_boven_norm", labels) == boven, as_of


def test_a_jw315_or_version_dated_after_the_day_does_not_move_the_start_of_the_wait(
    db: Engine, store: Store
) -> None:
    """docs/definities.md 3.2: the JW315 and the version carrying its ReferentieAanbieder both count from their
    date: as of a day before either, a toewijzing of 1 January waits from 1 January (with `--as-of`)."""
    store.toewijzing(1, date(2026, 1, 1))
    store.verzoek("A", date(2026, 6, 1))
    store.toewijzing(1, date(2026, 6, 5), referentie_aanbieder="A", ingangsdatum=date(2026, 1, 1))
    store.s.commit()
    labels = {"fase": "toewijzing", "regio": MIJOV, "gemeente": APELDOORN, "productcategorie": "45"}
    # Before the JW315, then before the version naming it: from 1 January; from 5 June on: from 1 June.
    for as_of, boven in ((date(2026, 5, 15), 1), (date(2026, 6, 3), 1), (date(2026, 6, 5), 0)):
        assert registry(db, as_of).get_sample_value("jeugdhulp_wachtend_boven_norm", labels) == boven, as_of


def test_a_linked_bepaling_begins_the_chain_even_when_its_toewijzings_jw315_is_earlier(db: Engine) -> None:
    """docs/definities.md 3.2: the table's order decides, not which date is earliest: a toewijzing linked to a
    bepaling of 1 February counts from that DatumBepaling, though it answers a JW315 of 15 January (too early
    to be linked itself, K1)."""
    p = Pipeline(db)
    kind, bepaling, verzoek, tw = gm.kind(1), date(2026, 2, 1), date(2026, 1, 15), date(2026, 2, 10)
    p.stuur("JW315", gm.jw315(kind, verzoek, "V1"))
    p.stuur("GI001", gm.gi001(kind, bepaling, "B1", gm.bepaling("B-1", bepaling)))
    p.stuur("JW301", gm.jw301(kind, tw, "T1", gm.toegewezen(300201, tw, referentie="VOTV1")))
    assert p.gekoppeld("B-1") == (300201, None, None)
    labels = {"fase": "toewijzing", "regio": gm.REGIO, "gemeente": gm.GEMEENTE, "productcategorie": gm.CAT}
    for as_of, boven in ((date(2026, 4, 16), 0), (date(2026, 5, 1), 0), (date(2026, 5, 2), 1)):
        assert p.registry(as_of).get_sample_value("jeugdhulp_wachtend_boven_norm", labels) == boven, as_of


# ---- 3.3: jeugdhulp_in_zorg -----------------------------------------------------------------------


def in_zorg(db: Engine, as_of: date) -> float | None:
    labels = {"regio": MIJOV, "gemeente": APELDOORN, "productcategorie": "45", "aanbieder": AGB}
    return registry(db, as_of).get_sample_value("jeugdhulp_in_zorg", labels)


def test_in_zorg_ignores_an_unknown_toewijzing_the_toewijzings_deletion_and_a_stop_of_another_start(
    db: Engine, store: Store
) -> None:
    """docs/definities.md 3.3: a start of a toewijzing the hub does not know counts nowhere; a deletion of the
    toewijzing itself (RedenWijziging 13) plays no part; a stop ends only the start with its Begindatum."""
    store.start(99, date(2026, 10, 10))  # no toewijzing 99
    store.toewijzing(1, date(2026, 10, 1))
    store.start(1, date(2026, 10, 10))
    store.toewijzing(
        1,
        date(2026, 10, 20),
        ingangsdatum=date(2026, 10, 1),
        einddatum=date(2026, 10, 1),
        reden_wijziging="13",
    )
    store.toewijzing(2, date(2026, 10, 1))
    store.start(2, date(2026, 10, 12))
    store.stop(2, date(2026, 10, 11), date(2026, 10, 15))  # of a start on the 11th, which was never sent
    store.toewijzing(3, date(2026, 10, 1))
    store.start(3, date(2026, 10, 12), status=DELETED)
    store.s.commit()
    assert in_zorg(db, date(2026, 10, 9)) is None
    assert in_zorg(db, date(2026, 10, 12)) == 2  # 1 and 2; 99 unknown, 3's start deleted
    assert in_zorg(db, date(2026, 11, 1)) == 2  # 1 though deleted since 20 October, 2 whatever that stop
    with session_factory(db)() as session:  # and no row for 99 under any labels
        assert gauges.in_zorg(session, date(2026, 11, 1)) == [(APELDOORN, AGB, "45", 2)]


# ---- 3.4: gi_capaciteit ---------------------------------------------------------------------------


def test_a_gi_that_stops_reporting_stays_with_its_last_figures(db: Engine) -> None:
    """docs/definities.md 3.4: the figures of the latest Peildatum up to today, from that day on and for as long
    as no later GI003 comes; all four soorten under the GI003's Afzender and regio."""
    capaciteit(db, date(2026, 4, 1))
    labels = {"gi": GI, "regio": MIJOV}
    assert families(registry(db, date(2026, 3, 31)), {"gi_capaciteit"}) == {}
    for as_of in (date(2026, 4, 1), date(2027, 4, 1)):
        found = families(registry(db, as_of), {"gi_capaciteit"})
        assert found == {
            ("gi_capaciteit", tuple(sorted({**labels, "soort": soort}.items()))): waarde
            for soort, waarde in (
                ("jeugdbeschermers_fte", 12.5),
                ("caseload", 15),
                ("beschikbaar", 3),
                ("wachtlijst", 4),
            )
        }, as_of
