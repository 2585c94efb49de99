"""The collector's shared copy and its wiring, where the mutation pass of hub/monitor/collector.py found nothing
pinned: a copy that cannot be kept, the copy's key, install()'s answer, and the plugins of a process of its own."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import Engine

from hub.metrics import HubMetrics
from hub.monitor.collector import MonitorCollector, _sleutel, install
from hub.settings import HubSettings
from hub.store.db import session_factory
from hub.store.monitor_snapshot import LEASE, Snapshots
from tests.hub.monitor.helpers import REGIOS
from tests.hub.monitor.test_snapshot import (
    AS_OF,
    NORM_LABELS,
    SLEUTEL,
    Clock,
    add_norm_outcome,
    kept_rows,
    replica,
    store_refuses,
    the_story,
)
from tests.processes import fresh_json


def test_a_copy_that_cannot_be_kept_is_served_and_its_claim_lapses_after_the_lease(
    db: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    now = Clock()
    collector = MonitorCollector(session_factory(db), REGIOS, clock=lambda: AS_OF, max_age=20, now=now)

    add_norm_outcome(db, "a")
    monkeypatch.setattr(collector.snapshots, "save", store_refuses)
    reg = CollectorRegistry()
    reg.register(collector)
    with caplog.at_level(logging.WARNING, logger="hub.monitor"):
        assert reg.get_sample_value("jeugdhulp_norm_total", NORM_LABELS) == 1.0  # computed all the same
    [record] = [r for r in caplog.records if "domain metrics not kept" in r.getMessage()]
    assert (record.getMessage(), record.name, record.levelno, record.__dict__["error"]) == (
        "domain metrics not kept: store error",
        "hub.monitor",
        logging.WARNING,
        "OperationalError",
    )
    other = Snapshots(session_factory(db), SLEUTEL)
    assert other.read() is None
    assert other.claim(now.at + LEASE - timedelta(microseconds=1)) is None  # the failed replica's claim holds
    assert other.claim(now.at + LEASE) is not None  # until its lease ends


def test_labels_that_cannot_be_dropped_share_the_copy_of_none_dropped(db: Engine) -> None:
    """Only gemeente and aanbieder are ever dropped: naming regio too exposes, and keeps, what dropping none does."""
    the_story(db)
    now = Clock()
    full = generate_latest(replica(db, now))
    assert generate_latest(replica(db, now, drop=("regio", "maand"))) == full
    assert kept_rows(db) == 1


def test_the_key_names_the_dropped_labels_in_order_and_a_digest_of_the_families() -> None:
    """The key is compared across processes (each with its own hash seed) and fits the 64 characters of its column."""
    digest = SLEUTEL.removeprefix("|")
    assert len(digest) == 16 and int(digest, 16) >= 0
    dropped = _sleutel(frozenset({"gemeente", "aanbieder"}))
    assert dropped.startswith("aanbieder,gemeente|") and len(dropped.split("|")[1]) == 16
    assert dropped.split("|")[1] != digest  # other labels exposed: another digest
    assert _sleutel(frozenset({"gemeente"})).startswith("gemeente|")


def test_install_answers_the_collector_it_registered_with_the_settings_it_was_given(db: Engine) -> None:
    reg = CollectorRegistry()
    settings = HubSettings(domain_metrics_max_age_seconds=30, metrics_drop_labels=["gemeente"])
    collector = install(reg, HubMetrics(reg), session_factory(db), settings, lambda: date(2026, 3, 1))
    assert isinstance(collector, MonitorCollector)
    assert (collector.max_age, collector.drop, collector.clock()) == (
        timedelta(seconds=30),
        frozenset({"gemeente"}),
        date(2026, 3, 1),
    )
    with pytest.raises(ValueError, match="Duplicated"):  # that very collector is the registered one
        reg.register(collector)
    reg.unregister(collector)
    assert b"jeugdhulp_" not in generate_latest(reg)


def test_a_collector_of_a_process_of_its_own_reads_the_plugins_sources() -> None:
    """A process that builds only the collector (no processor) still sees every plugin's waiting stages and
    families: otherwise jeugdhulp_wachtend and gi_capaciteit would stay empty there."""
    code = (
        "import json, sys\n"
        "from hub.monitor import registry\n"
        "from hub.monitor.collector import MonitorCollector\n"
        "from hub.store.db import make_engine, session_factory\n"
        "before = len(registry.WACHT_BRONNEN)\n"
        "MonitorCollector(session_factory(make_engine('sqlite://')), registry.Regios.from_file())\n"
        "print(json.dumps({'before': before, 'wacht': len(registry.WACHT_BRONNEN),"
        " 'bronnen': sorted(registry.BRONNEN)}))\n"
    )
    found = fresh_json(code)
    assert found["before"] == 0 and found["wacht"] >= 2
    assert {"gi_capaciteit", "jeugdhulp_in_zorg"} <= set(found["bronnen"])


@pytest.mark.parametrize("copy_of_today", [True, False])
def test_a_claim_the_store_refuses_serves_the_copy_of_today_or_computes_without_keeping(
    db: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, copy_of_today: bool
) -> None:
    """SQLite refuses a write while it is busy (reads go on): the scrape serves what it can instead of nothing."""
    now = Clock()
    collector = MonitorCollector(session_factory(db), REGIOS, clock=lambda: AS_OF, max_age=20, now=now)
    reg = CollectorRegistry()
    reg.register(collector)
    if copy_of_today:
        assert reg.get_sample_value("jeugdhulp_norm_total", NORM_LABELS) == 0.0  # kept at T0
    add_norm_outcome(db, "a")
    now.at += timedelta(seconds=30)  # the copy is too old: this replica claims the next computing

    monkeypatch.setattr(collector.snapshots, "claim", store_refuses)
    with caplog.at_level(logging.WARNING, logger="hub.monitor"):
        served = reg.get_sample_value("jeugdhulp_norm_total", NORM_LABELS)
    assert served == (0.0 if copy_of_today else 1.0)  # the old copy, else computed
    assert [r.getMessage() for r in caplog.records] == ["domain metrics not kept: store error"]
    assert kept_rows(db) == (1 if copy_of_today else 0)
