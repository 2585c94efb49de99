"""PostgreSQL restarted while the intake works through a stream: store errors are retried, nothing is lost or doubled.

The restart is split into stop and start around publishing the rest of the stream, so the downtime overlaps the
processing for certain rather than by timing luck.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
import uuid
from collections import Counter

import pytest
from sqlalchemy import Engine, text

from consumers.broker import ensure_topics
from consumers.embedded import EmbeddedBroker
from hub.events.models import parse_event
from hub.topics import Topics
from tests.faults.harness import (
    audit_rows,
    dump_store,
    event_topics,
    finished,
    publish,
    read_topics,
    reader,
    running_intake,
    throwaway_postgres,
    wait_until,
)
from tests.faults.stream import Bericht

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

DOWNTIME_SECONDS = 1.0


def cluster() -> tuple[str, str]:
    """Version and name of the cluster on port 5432, from pg_lsclusters (e.g. ("15", "main"))."""
    if shutil.which("pg_ctlcluster") is None:
        pytest.skip("pg_ctlcluster is not installed: the server cannot be restarted from here")
    listing = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True
    ).stdout
    for line in listing.splitlines():
        version, name, port, *_ = line.split()
        if port == "5432":
            return version, name
    raise AssertionError(f"no PostgreSQL cluster on port 5432:\n{listing}")


def pg_ctl(version: str, name: str, action: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action],
        capture_output=True, check=True, timeout=60,
    )  # fmt: skip


def online(version: str, name: str) -> bool:
    status = subprocess.run(["pg_ctlcluster", version, name, "status"], capture_output=True, timeout=30)
    return status.returncode == 0


async def test_database_restart_loses_nothing(
    tansu: EmbeddedBroker, stream: list[Bericht], postgres_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    version, name = cluster()
    caplog.set_level(logging.WARNING, logger="hub.intake")
    topics = Topics(f"fault-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=6, replication=1)
    ids = {b.bericht_id for b in stream}
    half = len(stream) // 2
    with throwaway_postgres() as url:
        engine = reader(url)
        async with running_intake(tansu.bootstrap, topics.prefix, url) as (_, progress):
            await publish(tansu.bootstrap, topics, stream[:half])
            await wait_until(lambda: len(progress.judged) >= 5, timeout=60, interval=0.01)
            try:
                await asyncio.to_thread(pg_ctl, version, name, "stop")
                at_stop = len(progress.judged)
                await publish(tansu.bootstrap, topics, stream[half:])
                await asyncio.sleep(DOWNTIME_SECONDS)
            finally:
                if not online(version, name):  # never leave the machine's server down
                    await asyncio.to_thread(pg_ctl, version, name, "start")
            await wait_until(lambda: finished(engine, ids), timeout=90)
        records = await read_topics(
            tansu.bootstrap, [topics.retour, topics.dead_letter, *event_topics(topics)]
        )
        rows = audit_rows(engine)
        store = dump_store(engine)
        engine.dispose()

    assert at_stop < len(stream)
    retried = [
        r
        for r in caplog.records
        if r.name == "hub.intake" and r.getMessage() == "dependency unavailable, retrying"
    ]
    assert retried, "the intake never met the stopped server"
    # Judged exactly once each, and the state applied once: 2 toewijzingen, 2 starts and 1 stop per client, ...
    assert {i: r.outcome for i, r in rows.items()} == {i: "accepted" for i in ids}
    clients = sum(1 for b in stream if b.bericht == "JW301")
    verzoeken = sum(1 for b in stream if b.bericht == "JW315")
    assert {t: len(store[t]) for t in ("toewijzing", "startregel", "stopregel", "verzoek", "antwoord")} == {
        "toewijzing": 2 * clients, "startregel": 2 * clients, "stopregel": clients,
        "verzoek": 2 * verzoeken, "antwoord": verzoeken,
    }  # fmt: skip
    # Every retour delivered and every event published; a republished event is an identical copy.
    assert all(r.retour_delivered_at is not None and r.events_published_at is not None for r in rows.values())
    assert {r.headers["bericht-id"] for r in records if r.topic == topics.retour} == ids
    stored = {str(parse_event(r.event).event_id): r.event for r in rows.values() if r.event is not None}
    published = Counter(
        (str(parse_event(r.value).event_id), r.value) for r in records if r.topic in event_topics(topics)
    )
    assert {event_id for event_id, _ in published} == stored.keys() and len(stored) == len(stream)
    assert len({event_id for event_id, _ in published}) == len(published)  # copies are byte-identical
    assert [r for r in records if r.topic == topics.dead_letter] == []
    # The other tests' session engine reconnects by itself (pool_pre_ping).
    with postgres_engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
