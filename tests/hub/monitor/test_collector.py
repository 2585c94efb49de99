"""The collector on both databases, against hand-made store content: exact sample values of every family."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, literal, select
from sqlmodel import Session, SQLModel

from hub.metrics import HubMetrics
from hub.monitor import registry as plugins
from hub.monitor.collector import MonitorCollector, install
from hub.monitor.contract import FAMILIES
from hub.monitor.model import Peil, Sample, WachtRij
from hub.monitor.norms import ANTWOORD_VERZOEK, GEDRAGEN_KOERS, UITKOMSTEN
from hub.settings import HubSettings
from hub.store import gauges
from hub.store.db import make_engine, session_factory
from hub.store.monitor_tables import DoorlooptijdRecord, NormRecord
from hub.store.tables import (
    DELETED,
    AntwoordRecord,
    BerichtRecord,
    StartRecord,
    StopRecord,
    ToewijzingRecord,
    VerzoekRecord,
)
from tests.hub.monitor.helpers import REGIOS, day, registry

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
APELDOORN, ZUTPHEN, ONBEKENDE_GEMEENTE = "0200", "0301", "9999"
MIJOV = "Midden IJssel-Oost Veluwe"
AGB, AGB2 = "12345678", "87654321"
CLIENT = "c" * 64
_ids = itertools.count()


class Store:
    """Writes state rows as the intake would, each under its own accepted message."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def bericht(self, validated: datetime = NOW) -> str:
        bid = f"{next(_ids):032x}"
        self.s.add(
            BerichtRecord(
                id=bid, content_hash="0" * 64, outcome="accepted", received_at=NOW, validated_at=validated
            )
        )
        self.s.flush()
        return bid

    def _add(self, table: type[SQLModel], **fields: Any) -> None:
        """A row for Apeldoorn and AGB, unless `fields` say otherwise."""
        self.s.add(table(**{"gemeente": APELDOORN, "aanbieder": AGB, **fields}, bericht_id=self.bericht()))

    def toewijzing(self, nummer: int, datum: date, **kw: Any) -> None:
        """A toewijzing of 45 on `datum` at 10:00, starting that day, unless `kw` say otherwise."""
        values: dict[str, Any] = {"categorie": "45", "ingangsdatum": datum, "toewijzingstijd": time(10)}
        values.update(kw)
        self._add(ToewijzingRecord, client=CLIENT, toewijzing_nummer=nummer, toewijzingsdatum=datum, **values)

    def start(self, nummer: int, begin: date, *, status: str = "in_force", gemeente: str = APELDOORN) -> None:
        self._add(
            StartRecord, gemeente=gemeente, client=CLIENT, toewijzing_nummer=nummer, categorie="45",
            begindatum=begin, status=status,
        )  # fmt: skip

    def stop(
        self, nummer: int, begin: date, einde: date, *, status: str = "in_force", reden: str = "31"
    ) -> None:
        self._add(
            StopRecord, client=CLIENT, toewijzing_nummer=nummer, categorie="45", begindatum=begin,
            einddatum=einde, reden_beeindiging=reden, status=status,
        )  # fmt: skip

    def verzoek(self, ref: str, dag: date, *, soort: str = "VOT", categorie: str | None = "43") -> None:
        self._add(
            VerzoekRecord, client=CLIENT, referentie_aanbieder=ref, soort=soort, dagtekening=dag,
            categorie=categorie,
        )  # fmt: skip

    def antwoord(self, ref: str, dag: date, antwoord: str) -> None:
        self._add(AntwoordRecord, referentie_aanbieder=ref, verzoek_antwoord=antwoord, dagtekening=dag)


@pytest.fixture
def store(db: Engine) -> Iterator[Store]:
    with session_factory(db)() as session:
        yield Store(session)
        session.commit()


def commit(store: Store) -> None:
    store.s.commit()


def samples(reg: CollectorRegistry, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted(s.labels.items())): s.value for m in reg.collect() if m.name == name for s in m.samples
    }


# ---- histogram and counters from observations -------------------------------------------------------


def test_histogram_buckets_are_cumulative_with_exact_sum_and_count(db: Engine, store: Store) -> None:
    for i, dagen in enumerate((0, 1, 4, 400)):
        store.s.add(
            DoorlooptijdRecord(
                fase="toewijzing_tot_start",
                sleutel=f"{APELDOORN}:{i}",
                regio=MIJOV,
                productcategorie="45",
                seconden=dagen * 86400,
                observed_at=NOW,
            )
        )
    commit(store)
    v = registry(db, date(2026, 11, 23)).get_sample_value
    labels = {"fase": "toewijzing_tot_start", "regio": MIJOV, "productcategorie": "45"}
    bucket = "jeugdhulp_doorlooptijd_seconds_bucket"
    expected = {1: 2, 2: 2, 3: 2, 5: 3, 7: 3, 10: 3, 14: 3, 21: 3, 28: 3, 42: 3, 56: 3, 91: 3, 182: 3, 365: 3}
    assert {n: v(bucket, {**labels, "le": day(n)}) for n in expected} == expected
    assert v(bucket, {**labels, "le": "+Inf"}) == 4
    assert v("jeugdhulp_doorlooptijd_seconds_count", labels) == 4
    assert v("jeugdhulp_doorlooptijd_seconds_sum", labels) == 405 * 86400


def test_every_norm_outcome_and_regio_exists_at_zero(db: Engine, store: Store) -> None:
    store.s.add(NormRecord(norm=GEDRAGEN_KOERS, sleutel="x", uitkomst="buiten", regio=MIJOV, observed_at=NOW))
    commit(store)
    found = samples(
        registry(db, date(2026, 11, 23)), "jeugdhulp_norm"
    )  # collect() names counters without _total
    assert len(found) == 4 * len(UITKOMSTEN) * len(REGIOS.alle())
    assert len(REGIOS.alle()) == 43 and "onbekend" in REGIOS.alle()  # 42 jeugdregio's in the 2026 list
    assert sum(found.values()) == 1
    assert found[(("norm", GEDRAGEN_KOERS), ("regio", MIJOV), ("uitkomst", "buiten"))] == 1
    assert found[(("norm", ANTWOORD_VERZOEK), ("regio", "onbekend"), ("uitkomst", "binnen"))] == 0


def test_every_family_is_exposed_also_when_empty(db: Engine) -> None:
    text = generate_latest(registry(db, date(2026, 11, 23))).decode()
    types = {f.name: f.type for f in text_string_to_metric_families(text)}
    # The parser names counters without _total.
    assert types == {f.name.removesuffix("_total"): f.soort for f in FAMILIES}
    assert types["gi_capaciteit"] == "gauge" and types["gi_bepalingen"] == "counter"
    assert types["jeugdhulp_norm_maand"] == "gauge"


# ---- gauges -----------------------------------------------------------------------------------------


def wachtend(db: Engine, as_of: date, **drop: Any) -> dict[tuple[str, str], float]:
    """jeugdhulp_wachtend as (fase, productcategorie) -> value."""
    reg = registry(db, as_of, **drop)
    return {
        (s.labels["fase"], s.labels["productcategorie"]): s.value
        for m in reg.collect()
        if m.name == "jeugdhulp_wachtend"
        for s in m.samples
    }


def test_the_version_in_force_as_of_the_day_decides(db: Engine, store: Store) -> None:
    store.toewijzing(1, date(2026, 10, 1))
    # Deleted on 1 Nov (RedenWijziging 13, Einddatum = Ingangsdatum): counts as never sent from then on.
    store.toewijzing(
        1,
        date(2026, 11, 1),
        ingangsdatum=date(2026, 10, 1),
        einddatum=date(2026, 10, 1),
        reden_wijziging="13",
    )
    store.toewijzing(2, date(2026, 10, 1), einddatum=date(2026, 10, 31))  # ends 31 Oct
    store.toewijzing(3, date(2026, 10, 1), ingangsdatum=date(2026, 12, 1))  # starts in December
    store.toewijzing(4, date(2026, 12, 1))  # assigned in December
    # Extended on 1 Dec (RedenWijziging 04, verlenging): changed, not deleted, so it still waits.
    store.toewijzing(5, date(2026, 10, 1), einddatum=date(2026, 11, 30))
    store.toewijzing(5, date(2026, 12, 1), ingangsdatum=date(2026, 10, 1), reden_wijziging="04")
    commit(store)
    assert wachtend(db, date(2026, 10, 15)) == {("toewijzing", "45"): 3}  # 1, 2 and 5
    assert wachtend(db, date(2026, 10, 31)) == {
        ("toewijzing", "45"): 3
    }  # an Einddatum of today has not passed
    assert wachtend(db, date(2026, 11, 5)) == {("toewijzing", "45"): 1}  # 5
    assert wachtend(db, date(2026, 12, 1)) == {("toewijzing", "45"): 3}  # 3, 4 and 5 (open-ended since)


def test_a_start_ends_waiting_and_a_deleted_start_counts_as_never_sent(db: Engine, store: Store) -> None:
    store.toewijzing(1, date(2026, 10, 1))
    store.toewijzing(2, date(2026, 10, 1))
    store.start(1, date(2026, 10, 10))
    store.start(2, date(2026, 10, 10), status=DELETED)
    commit(store)
    assert wachtend(db, date(2026, 10, 9)) == {("toewijzing", "45"): 2}  # the start lies in the future
    assert wachtend(db, date(2026, 10, 10)) == {("toewijzing", "45"): 1}


def in_zorg(db: Engine, as_of: date) -> float | None:
    labels = {"regio": MIJOV, "gemeente": APELDOORN, "productcategorie": "45", "aanbieder": AGB}
    return registry(db, as_of).get_sample_value("jeugdhulp_in_zorg", labels)


def test_in_zorg_until_the_stop_has_passed(db: Engine, store: Store) -> None:
    store.toewijzing(1, date(2026, 10, 1))
    store.start(1, date(2026, 10, 10))
    store.stop(1, date(2026, 10, 10), date(2026, 10, 31))
    store.toewijzing(2, date(2026, 10, 1))
    store.start(2, date(2026, 10, 10))
    store.stop(2, date(2026, 10, 10), date(2026, 10, 20), status=DELETED)  # a deleted stop stops nothing
    store.toewijzing(3, date(2026, 10, 1))
    store.start(3, date(2026, 10, 10))
    store.start(3, date(2026, 10, 12))  # two starts (after a resumption): still one toegewezen product
    commit(store)
    assert in_zorg(db, date(2026, 10, 9)) is None
    assert in_zorg(db, date(2026, 10, 31)) == 3  # a stop ending today is still in zorg
    assert in_zorg(db, date(2026, 11, 1)) == 2


def test_verzoek_waits_until_assigned_or_rejected_as_of_the_day(db: Engine, store: Store) -> None:
    store.verzoek("A", date(2026, 10, 1))
    store.verzoek("B", date(2026, 10, 1))
    store.verzoek("C", date(2026, 10, 1))
    store.verzoek("W", date(2026, 10, 1), soort="VOW")  # a VOW is not a requested product of a JW315
    store.toewijzing(1, date(2026, 10, 20), referentie_aanbieder="A", categorie="43")
    store.antwoord("B", date(2026, 10, 6), "2")  # in onderzoek: still waiting
    store.antwoord("B", date(2026, 10, 25), "1")  # afgewezen
    commit(store)
    assert wachtend(db, date(2026, 9, 30)) == {}  # not asked yet
    assert wachtend(db, date(2026, 10, 15)) == {("verzoek", "43"): 3}
    assert wachtend(db, date(2026, 10, 20)) == {("verzoek", "43"): 2, ("toewijzing", "43"): 1}
    assert wachtend(db, date(2026, 10, 25)) == {("verzoek", "43"): 1, ("toewijzing", "43"): 1}


def test_above_norm_counts_from_the_earliest_known_moment_of_the_chain(db: Engine, store: Store) -> None:
    store.verzoek("A", date(2026, 1, 31))
    store.toewijzing(1, date(2026, 3, 1), referentie_aanbieder="A")  # chain begins 31 Jan (the JW315)
    store.toewijzing(2, date(2026, 1, 31))  # no request: begins on its Toewijzingsdatum
    store.toewijzing(3, date(2026, 2, 1))
    commit(store)
    v = registry(db, date(2026, 5, 1)).get_sample_value
    labels = {"fase": "toewijzing", "regio": MIJOV, "gemeente": APELDOORN, "productcategorie": "45"}
    assert v("jeugdhulp_wachtend", {**labels, "aanbieder": AGB}) == 3
    assert v("jeugdhulp_wachtend_boven_norm", labels) == 2  # 31 Jan + 3 months = 30 Apr < 1 May
    assert registry(db, date(2026, 4, 30)).get_sample_value("jeugdhulp_wachtend_boven_norm", labels) == 0


def test_at_the_first_dates_the_chains_wait_but_none_above_the_norm(db: Engine, store: Store) -> None:
    # Within 3 months of date.min no begin date is above the norm: the scrape used to end in OverflowError.
    store.verzoek("A", date.min)
    store.toewijzing(1, date.min)
    commit(store)
    reg = registry(db, date(1, 2, 1))
    labels = {"regio": MIJOV, "gemeente": APELDOORN}
    for fase, categorie in (("verzoek", "43"), ("toewijzing", "45")):
        waiting = {**labels, "fase": fase, "productcategorie": categorie}
        assert reg.get_sample_value("jeugdhulp_wachtend", {**waiting, "aanbieder": AGB}) == 1
        assert reg.get_sample_value("jeugdhulp_wachtend_boven_norm", waiting) == 0
    later = registry(db, date(1, 4, 2)).get_sample_value  # the day after date.min's deadline
    assert (
        later("jeugdhulp_wachtend_boven_norm", {**labels, "fase": "toewijzing", "productcategorie": "45"})
        == 1
    )


def test_a_later_versions_request_and_an_unanswered_request_count_from_their_jw315(
    db: Engine, store: Store
) -> None:
    """docs/definities.md 3.2: a toewijzing's chain begins at the earliest JW315 whose ReferentieAanbieder any of
    its versions carried (here only the second), and a waiting request at its JW315's Dagtekening."""
    store.verzoek("A", date(2026, 1, 31), categorie="45")
    store.toewijzing(1, date(2026, 2, 1))  # alone it would begin on 1 Feb: deadline 1 May, not above on 1 May
    store.toewijzing(1, date(2026, 2, 15), referentie_aanbieder="A")  # the second version answers request A
    store.verzoek("B", date(2026, 1, 31))  # never answered
    commit(store)
    toewijzing = {"fase": "toewijzing", "regio": MIJOV, "gemeente": APELDOORN, "productcategorie": "45"}
    verzoek = {**toewijzing, "fase": "verzoek", "productcategorie": "43"}
    for as_of, boven in ((date(2026, 4, 30), 0), (date(2026, 5, 1), 1)):  # 31 Jan + 3 months = 30 Apr
        v = registry(db, as_of).get_sample_value
        assert v("jeugdhulp_wachtend", {**toewijzing, "aanbieder": AGB}) == 1
        assert v("jeugdhulp_wachtend", {**verzoek, "aanbieder": AGB}) == 1  # A is answered, B waits
        assert v("jeugdhulp_wachtend_boven_norm", toewijzing) == boven, as_of
        assert v("jeugdhulp_wachtend_boven_norm", verzoek) == boven, as_of


def test_unknown_gemeente_and_missing_categorie_are_onbekend(db: Engine, store: Store) -> None:
    store.toewijzing(1, date(2026, 10, 1), gemeente=ONBEKENDE_GEMEENTE, categorie=None)
    commit(store)
    v = registry(db, date(2026, 10, 2)).get_sample_value
    labels = {
        "fase": "toewijzing",
        "regio": "onbekend",
        "gemeente": ONBEKENDE_GEMEENTE,
        "productcategorie": "onbekend",
    }
    assert v("jeugdhulp_wachtend", {**labels, "aanbieder": AGB}) == 1


def test_dropped_labels_sum_over_gemeenten_and_aanbieders(db: Engine, store: Store) -> None:
    store.toewijzing(1, date(2026, 10, 1))
    store.toewijzing(2, date(2026, 10, 1), aanbieder=AGB2)
    store.toewijzing(3, date(2026, 10, 1), gemeente=ZUTPHEN)  # Zutphen is in the same regio
    commit(store)
    reg = registry(db, date(2026, 10, 2), drop=["aanbieder", "gemeente"])
    assert samples(reg, "jeugdhulp_wachtend") == {
        (("fase", "toewijzing"), ("productcategorie", "45"), ("regio", MIJOV)): 3
    }
    assert samples(reg, "jeugdhulp_wachtend_boven_norm") == {
        (("fase", "toewijzing"), ("productcategorie", "45"), ("regio", MIJOV)): 0
    }
    kept = registry(db, date(2026, 10, 2), drop=["aanbieder"])
    assert len(samples(kept, "jeugdhulp_wachtend")) == 2  # per gemeente


# ---- plugins, retour pending, the registry ----------------------------------------------------------


@pytest.fixture
def gi_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the GI pipeline registers: a bepaling stage, a chain origin, and its two families."""
    monkeypatch.setattr(plugins, "WACHT_BRONNEN", [*plugins.WACHT_BRONNEN, _bepalingen])
    monkeypatch.setattr(plugins, "BRONNEN", {**plugins.BRONNEN, "gi_capaciteit": [_capaciteit]})
    monkeypatch.setattr("hub.monitor.collector.WACHT_BRONNEN", plugins.WACHT_BRONNEN)
    monkeypatch.setattr("hub.monitor.collector.BRONNEN", plugins.BRONNEN)
    monkeypatch.setitem(gauges.HERKOMST, "toewijzing", [_bepaling_herkomst])


def _bepalingen(session: Session, peil: Peil) -> Iterator[WachtRij]:
    yield WachtRij("bepaling", APELDOORN, None, "45", 2, 1 if peil.vandaag > date(2026, 12, 1) else 0)


def _capaciteit(session: Session, peil: Peil) -> Iterator[Sample]:
    yield {"gi": "12340000", "regio": MIJOV, "soort": "wachtlijst"}, 7.0


def _bepaling_herkomst() -> Any:
    # A bepaling dated 1 Jan 2026 linked to toewijzing 1 of Apeldoorn.
    return select(
        literal(APELDOORN).label("gemeente"),
        literal(1).label("toewijzing_nummer"),
        literal(date(2026, 1, 1)).label("begin"),
    ).subquery("bepaling_herkomst")


@pytest.mark.usefixtures("gi_plugins")
def test_plugins_add_stages_chain_origins_and_families(db: Engine, store: Store) -> None:
    store.toewijzing(1, date(2026, 3, 1))
    commit(store)
    v = registry(db, date(2026, 5, 1)).get_sample_value
    bepaling = {"fase": "bepaling", "regio": MIJOV, "gemeente": APELDOORN, "productcategorie": "45"}
    assert v("jeugdhulp_wachtend", {**bepaling, "aanbieder": "onbekend"}) == 2
    toewijzing = {**bepaling, "fase": "toewijzing"}
    assert v("jeugdhulp_wachtend_boven_norm", toewijzing) == 1  # from the bepaling of 1 Jan, not 1 Mar
    assert v("gi_capaciteit", {"gi": "12340000", "regio": MIJOV, "soort": "wachtlijst"}) == 7


def test_retour_pending_is_one_family_read_from_the_audit_log(db: Engine, store: Store) -> None:
    for produced, delivered in ((True, False), (True, False), (True, True), (False, False)):
        bid = store.bericht()
        row = store.s.get(BerichtRecord, bid)
        assert row is not None
        row.retour_produced_at = NOW if produced else None
        row.retour_delivered_at = NOW if delivered else None
        store.s.add(row)
    commit(store)
    reg = CollectorRegistry()
    install(reg, HubMetrics(reg), session_factory(db), HubSettings(), lambda: date(2026, 11, 23))
    text = generate_latest(reg).decode()
    assert text.count("# TYPE hub_retour_pending gauge") == 1
    assert reg.get_sample_value("hub_retour_pending") == 2
    with pytest.raises(ValueError, match="Duplicated"):  # the families are described: no second copy
        reg.register(MonitorCollector(session_factory(db), REGIOS))


def test_store_unreachable_leaves_the_scrape_working(caplog: pytest.LogCaptureFixture) -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    try:
        reg = CollectorRegistry()
        install(reg, HubMetrics(reg), session_factory(engine), HubSettings())
        text = generate_latest(reg).decode()
    finally:
        engine.dispose()
    assert "jeugdhulp_" not in text and "hub_retour_pending NaN" in text
    assert "domain metrics unavailable" in caplog.text
