"""Replicas share one computed copy of the domain metrics (HUB_DOMAIN_METRICS_MAX_AGE_SECONDS), on both databases:
served while it is young and of today, computed anew by one replica at a time, and the same exposition as
computing at every scrape."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from hub.monitor import collector as collector_module
from hub.monitor import contract
from hub.monitor.collector import MonitorCollector, _sleutel
from hub.store.db import session_factory
from hub.store.monitor_snapshot import LEASE, Snapshots
from hub.store.monitor_tables import NormRecord, SnapshotRecord
from tests.hub.monitor import scenario as sc
from tests.hub.monitor.helpers import REGIOS, accept_all, processor

AS_OF = date(2026, 11, 23)
SLEUTEL = _sleutel(frozenset())  # the kept copy of a collector that drops no label
T0 = datetime(2026, 11, 23, 12, tzinfo=UTC)


class Clock:
    """The wall clock of a replica, moved by hand."""

    def __init__(self, at: datetime = T0) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def replica(
    db: Engine,
    now: Clock,
    *,
    max_age: float = 20,
    as_of: Callable[[], date] = lambda: AS_OF,
    drop: tuple[str, ...] = (),
) -> CollectorRegistry:
    reg = CollectorRegistry()
    reg.register(
        MonitorCollector(session_factory(db), REGIOS, clock=as_of, drop_labels=drop, max_age=max_age, now=now)
    )
    return reg


def store_refuses(*args: object) -> None:
    """Stands in for a store call the database refuses."""
    raise OperationalError("UPDATE", {}, Exception("server closed the connection"))


def the_story(db: Engine) -> None:
    """Every kind of family filled: waiting, in zorg, norm outcomes, doorlooptijden, a stop."""
    p = processor(db)
    for event in accept_all(db, sc.xml_berichten()):
        p.verwerk(event)


def add_norm_outcome(db: Engine, sleutel: str) -> None:
    with Session(db) as s:
        s.add(
            NormRecord(
                norm="passende_hulp_3_maanden", sleutel=sleutel, uitkomst="binnen", regio=sc.REGIO,
                observed_at=T0,
            )
        )  # fmt: skip
        s.commit()


def kept_rows(db: Engine) -> int:
    with Session(db) as s:
        count: int = s.execute(select(func.count()).select_from(SnapshotRecord)).scalar_one()
        return count


def test_a_kept_copy_gives_exactly_the_exposition_computing_gives(db: Engine) -> None:
    the_story(db)
    fresh = generate_latest(replica(db, Clock(), max_age=0))
    assert b"jeugdhulp_doorlooptijd_seconds_bucket{" in fresh and b"jeugdhulp_in_zorg{" in fresh
    now = Clock()
    assert generate_latest(replica(db, now)) == fresh  # computed, and kept
    now.at += timedelta(seconds=5)
    other = replica(db, now)
    add_norm_outcome(db, "later")  # not in the copy: what the second replica shows is the kept copy
    assert generate_latest(other) == fresh


def test_the_copy_is_served_while_young_and_computed_anew_once_older(db: Engine) -> None:
    now = Clock()
    first, second = replica(db, now), replica(db, now)
    add_norm_outcome(db, "a")
    before = first.get_sample_value("jeugdhulp_norm_total", NORM_LABELS)
    assert before == 1.0
    add_norm_outcome(db, "b")
    now.at += timedelta(seconds=19.9)
    assert second.get_sample_value("jeugdhulp_norm_total", NORM_LABELS) == 1.0  # the copy, 19.9 s old
    now.at += timedelta(seconds=0.1)
    assert second.get_sample_value("jeugdhulp_norm_total", NORM_LABELS) == 2.0  # 20 s: computed anew
    add_norm_outcome(db, "c")
    now.at += timedelta(seconds=1)
    assert first.get_sample_value("jeugdhulp_norm_total", NORM_LABELS) == 2.0  # the second replica's copy
    assert kept_rows(db) == 1


NORM_LABELS = {"norm": "passende_hulp_3_maanden", "uitkomst": "binnen", "regio": sc.REGIO}


def test_a_copy_of_another_day_is_never_served(db: Engine) -> None:
    now, day = Clock(), [AS_OF]
    reg = replica(db, now, as_of=lambda: day[0])
    assert reg.get_sample_value("jeugdhulp_norm_total", NORM_LABELS) == 0.0
    add_norm_outcome(db, "a")
    day[0] = AS_OF + timedelta(days=1)  # midnight passed one second later: the gauges count as of the new day
    now.at += timedelta(seconds=1)
    assert reg.get_sample_value("jeugdhulp_norm_total", NORM_LABELS) == 1.0


def test_without_a_maximum_age_nothing_is_kept_and_every_scrape_computes(db: Engine) -> None:
    reg = replica(db, Clock(), max_age=0)
    assert reg.get_sample_value("jeugdhulp_norm_total", NORM_LABELS) == 0.0
    add_norm_outcome(db, "a")
    assert reg.get_sample_value("jeugdhulp_norm_total", NORM_LABELS) == 1.0
    assert kept_rows(db) == 0


def test_each_set_of_dropped_labels_keeps_its_own_copy(db: Engine) -> None:
    the_story(db)
    now = Clock()
    full, dropped = replica(db, now), replica(db, now, drop=("gemeente", "aanbieder"))
    assert b'gemeente="0200"' in generate_latest(full)
    assert b'gemeente="0200"' not in generate_latest(dropped)
    assert b'gemeente="0200"' in generate_latest(full)
    assert kept_rows(db) == 2


def test_while_another_replica_computes_the_old_copy_of_today_is_served(db: Engine) -> None:
    now = Clock()
    reg = replica(db, now)
    assert reg.get_sample_value("jeugdhulp_norm_total", NORM_LABELS) == 0.0  # kept at T0
    add_norm_outcome(db, "a")
    now.at += timedelta(seconds=30)
    other = Snapshots(session_factory(db), SLEUTEL)
    until = other.claim(now.at)  # another replica is computing
    assert until == now.at + LEASE
    assert (
        reg.get_sample_value("jeugdhulp_norm_total", NORM_LABELS) == 0.0
    )  # the old copy, not a second computing
    now.at = until  # that replica died: its claim lapses and this one computes
    assert reg.get_sample_value("jeugdhulp_norm_total", NORM_LABELS) == 1.0
    assert other.claim(now.at) is not None  # and ended its own claim when it kept the copy


def test_with_no_copy_of_today_and_another_replica_computing_this_one_computes_without_keeping(
    db: Engine,
) -> None:
    now = Clock()
    other = Snapshots(session_factory(db), SLEUTEL)
    assert other.claim(now.at) is not None  # the first claim of all: no copy yet
    add_norm_outcome(db, "a")
    assert replica(db, now).get_sample_value("jeugdhulp_norm_total", NORM_LABELS) == 1.0
    assert other.read() is None


def claim_at_once(snapshots: list[Snapshots], at: datetime) -> list[datetime | None]:
    """What each replica's claim answers when they all claim at the same moment, each in its own thread."""
    won: list[datetime | None] = []
    barrier = threading.Barrier(len(snapshots))

    def claim(s: Snapshots) -> None:
        barrier.wait()
        won.append(s.claim(at))

    threads = [threading.Thread(target=claim, args=(s,)) for s in snapshots]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return won


def test_one_claim_wins_among_replicas_claiming_at_once(db: Engine) -> None:
    snapshots = [Snapshots(session_factory(db), "") for _ in range(6)]
    for rounds in range(3):  # the first round inserts the row, the later ones update it after the lease
        won = claim_at_once(snapshots, T0 + rounds * LEASE)
        assert sorted(w is not None for w in won) == [False] * 5 + [True], rounds


def test_a_failed_computing_ends_the_claim_and_the_scrape_goes_on(
    db: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    now = Clock()
    collector = MonitorCollector(session_factory(db), REGIOS, clock=lambda: AS_OF, max_age=20, now=now)
    monkeypatch.setattr(collector, "_computed", store_refuses)
    assert list(collector.collect()) == []
    assert "domain metrics unavailable" in caplog.text
    assert (
        Snapshots(session_factory(db), SLEUTEL).claim(now.at) is not None
    )  # released: another may try at once


def test_a_release_with_other_families_keeps_a_copy_of_its_own(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rolling upgrade: replicas of two releases never serve each other's families."""
    norm = b"# TYPE jeugdhulp_norm_total counter"
    now = Clock()
    assert norm in generate_latest(replica(db, now))  # kept
    fewer = tuple(f for f in contract.FAMILIES if f.name != "jeugdhulp_norm_total")
    monkeypatch.setattr(collector_module, "FAMILIES", fewer)
    assert norm not in generate_latest(replica(db, now))  # computed with its own families, not served
    assert kept_rows(db) == 2
