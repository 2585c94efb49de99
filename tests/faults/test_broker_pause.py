"""The broker stopped (SIGSTOP) for 10 s while the intake works through a stream, then continued: nothing is lost."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from consumers.broker import ensure_topics
from consumers.embedded import EmbeddedBroker
from hub.events.models import parse_event
from hub.topics import Topics
from tests.faults.harness import (
    audit_rows,
    event_topics,
    finished,
    publish,
    read_topics,
    reader,
    running_intake,
    wait_until,
)
from tests.faults.stream import Bericht

pytestmark = pytest.mark.kafka

PAUSE_SECONDS = 10.0


async def test_paused_broker_loses_nothing(
    tansu: EmbeddedBroker, stream: list[Bericht], tmp_path: Path
) -> None:
    topics = Topics(f"fault-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=6, replication=1)
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    ids = {b.bericht_id for b in stream}
    engine = reader(url)
    async with running_intake(tansu.bootstrap, topics.prefix, url) as (_, progress):
        # Paced: the intake takes a poll at a time and would otherwise finish the stream before the pause.
        publishing = asyncio.create_task(publish(tansu.bootstrap, topics, stream, pace=0.05))
        await wait_until(lambda: len(progress.judged) >= 5, timeout=60, interval=0.01)
        tansu.pause()  # the session's broker: continue it whatever happens
        try:
            at_pause = len(progress.judged)
            await asyncio.sleep(PAUSE_SECONDS)
            during_pause = len(progress.judged) - at_pause
        finally:
            tansu.resume()
        await publishing
        await wait_until(lambda: finished(engine, ids), timeout=90)
    records = await read_topics(tansu.bootstrap, [topics.retour, topics.dead_letter, *event_topics(topics)])
    rows = audit_rows(engine)
    engine.dispose()

    assert (
        at_pause < len(stream) and during_pause <= 1
    )  # paused mid-stream; the intake could not finish anything
    # Every message judged once and accepted, every retour delivered, every event published.
    assert {i: r.outcome for i, r in rows.items()} == {i: "accepted" for i in ids}
    assert all(r.retour_delivered_at is not None and r.events_published_at is not None for r in rows.values())
    assert {r.headers["bericht-id"] for r in records if r.topic == topics.retour} == ids
    stored = {parse_event(r.event).event_id for r in rows.values() if r.event is not None}
    published = {parse_event(r.value).event_id for r in records if r.topic in event_topics(topics)}
    assert len(stored) == len(stream) and published == stored
    assert [r for r in records if r.topic == topics.dead_letter] == []
