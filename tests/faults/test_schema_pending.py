"""A hub whose database lacks its migrations retries or waits, and never dead-letters a valid message.

Started before `hub db upgrade` ran, the consumers wait for the schema instead of consuming; a table that goes
missing while they consume is a store that is unavailable, not a poison message.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence

import pytest
from sqlalchemy import text

from consumers.app import Runtime
from consumers.broker import ensure_topics
from consumers.embedded import EmbeddedBroker
from hub.errors import TransientError
from hub.intake import Inbound, Intake, IntakeResult
from hub.store.db import upgrade
from hub.topics import Topics
from tests.faults.harness import (
    audit_rows,
    broker_settings,
    event_topics,
    finished,
    hub_settings,
    publish,
    read_topics,
    reader,
    running_intake,
    throwaway_postgres,
    wait_until,
)
from tests.faults.stream import Bericht

pytestmark = [pytest.mark.kafka, pytest.mark.postgres]

MAX_ATTEMPTS = 1  # any failure that is not taken as transient dead-letters at once


async def test_consumers_started_before_the_migrations_wait_for_them(
    tansu: EmbeddedBroker, stream: list[Bericht], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hub.store")
    berichten = stream[:10]
    ids = {b.bericht_id for b in berichten}
    topics = Topics(f"fault-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=6, replication=1)
    await publish(tansu.bootstrap, topics, berichten)  # waiting on the topic before the hub starts
    processed: list[str] = []
    with throwaway_postgres() as url:
        settings = hub_settings(url, migrate_on_start=False, max_attempts=MAX_ATTEMPTS)
        runtime = Runtime(
            settings,
            broker_settings(tansu.bootstrap, topics.prefix),
            url,
            roles=("intake", "processors"),
            on_processor_done=processed.append,
        )
        runtime.prepare()
        engine = reader(url)
        try:
            await runtime.start()
            await wait_until(lambda: "not at the newest migration" in caplog.text, timeout=30)
            assert not runtime.broker.running and processed == []  # connected (to publish), not consuming
            await asyncio.to_thread(upgrade, url)  # `hub db upgrade`, as another process would run it
            await wait_until(lambda: finished(engine, ids), timeout=60)
            await wait_until(lambda: ids <= set(processed), timeout=60)
            dead_letters = runtime.registry.get_sample_value(
                "hub_dead_letters_total", {"reason": "processing-failed"}
            )
        finally:
            await runtime.stop()
            runtime.engine.dispose()
        rows = audit_rows(engine)
        engine.dispose()
    records = await read_topics(tansu.bootstrap, [topics.dead_letter, *event_topics(topics)])
    assert {i: r.outcome for i, r in rows.items()} == {i: "accepted" for i in ids}
    assert dead_letters == 0 and [r for r in records if r.topic == topics.dead_letter] == []
    assert sorted(r.headers["bericht-id"] for r in records) == sorted(ids)  # one event each
    assert "database schema is current; the consumers start" in caplog.text


class CountingIntake(Intake):
    """The real intake, counting the batches that failed because the store was unavailable."""

    def __init__(self, base: Intake) -> None:
        super().__init__(base.validator, base.sessions, base.pseudonym, clock=base.clock, now=base.now)
        self.transient = 0

    def verwerk_batch(self, items: Sequence[Inbound]) -> list[IntakeResult]:
        try:
            return super().verwerk_batch(items)
        except TransientError:
            self.transient += 1
            raise


async def test_a_table_missing_while_consuming_is_retried_not_dead_lettered(
    tansu: EmbeddedBroker, stream: list[Bericht]
) -> None:
    berichten = stream[:5]
    ids = {b.bericht_id for b in berichten}
    topics = Topics(f"fault-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=6, replication=1)
    counting: list[CountingIntake] = []

    def wrap(intake: Intake) -> Intake:
        counting.append(CountingIntake(intake))
        return counting[0]

    with throwaway_postgres() as url:
        upgrade(url)
        engine = reader(url)
        settings = hub_settings(url, max_attempts=MAX_ATTEMPTS)
        async with running_intake(tansu.bootstrap, topics.prefix, url, settings=settings, wrap=wrap) as (
            runtime,
            _,
        ):
            with engine.begin() as conn:
                conn.execute(text("ALTER TABLE bericht RENAME TO bericht_weg"))
            await publish(tansu.bootstrap, topics, berichten)
            # More failed attempts than a poison message gets before it is dead-lettered.
            await wait_until(lambda: bool(counting) and counting[0].transient > MAX_ATTEMPTS + 1, timeout=60)
            with engine.begin() as conn:
                conn.execute(text("ALTER TABLE bericht_weg RENAME TO bericht"))
            await wait_until(lambda: finished(engine, ids), timeout=60)
            dead_letters = runtime.registry.get_sample_value(
                "hub_dead_letters_total", {"reason": "processing-failed"}
            )
        rows = audit_rows(engine)
        engine.dispose()
    records = await read_topics(tansu.bootstrap, [topics.dead_letter])
    assert {i: r.outcome for i, r in rows.items()} == {i: "accepted" for i in ids}
    assert dead_letters == 0 and records == []
