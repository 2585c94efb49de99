"""The intake process killed with SIGKILL mid-stream and restarted ends like an undisturbed run of the same stream.

Without Kafka transactions a crash between publishing and marking "published" republishes an event with the same
event_id (at-least-once; consumers deduplicate on event_id), so the comparison is on distinct (event_id, value)
pairs, and every extra copy must be byte-identical to the first.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from consumers.broker import ensure_topics
from consumers.embedded import EmbeddedBroker
from hub.events.models import parse_event
from hub.topics import Topics
from tests.faults.conftest import StoreFactory
from tests.faults.harness import (
    IntakeProcess,
    Record,
    audit_rows,
    dump_store,
    event_topics,
    finished,
    publish,
    read_topics,
    reader,
    wait_until,
)
from tests.faults.stream import Bericht

pytestmark = pytest.mark.kafka

KILL_AFTER = 8  # messages in the store before the kill: the intake is busy, most of the stream still to come


@dataclass
class Run:
    store: dict[str, list[tuple[Any, ...]]]
    outcomes: dict[str, str]
    events: list[Record]
    retours: list[Record]
    dead_letters: list[Record]
    in_store_at_kill: int | None = None


async def run_intake(tansu: EmbeddedBroker, stream: list[Bericht], url: str, log: Path, *, kill: bool) -> Run:
    """The stream through `hub run --role intake`; with `kill`, SIGKILL it mid-stream and start it again."""
    topics = Topics(f"fault-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=6, replication=1)
    process = IntakeProcess(tansu.bootstrap, topics.prefix, url, log)
    engine = reader(url)
    ids = {b.bericht_id for b in stream}
    at_kill = None
    try:
        process.start()
        if kill:
            # The second half goes out while the intake is dead, so "not all in the store" holds by construction.
            half = len(stream) // 2
            await publish(tansu.bootstrap, topics, stream[:half])
            await wait_until(lambda: _stored(engine) >= KILL_AFTER, timeout=60, interval=0.01)
            process.kill()
            at_kill = _stored(engine)
            await publish(tansu.bootstrap, topics, stream[half:])
            process.start()
        else:
            await publish(tansu.bootstrap, topics, stream)
        await wait_until(lambda: finished(engine, ids), timeout=60)
    except TimeoutError:
        pytest.fail(f"the intake did not finish the stream; its log:\n{process.log_tail()}")
    finally:
        process.stop()
    records = await read_topics(tansu.bootstrap, [topics.retour, topics.dead_letter, *event_topics(topics)])
    try:
        return Run(
            store=dump_store(engine),
            outcomes={i: r.outcome for i, r in audit_rows(engine).items()},
            events=[r for r in records if r.topic in event_topics(topics)],
            retours=[r for r in records if r.topic == topics.retour],
            dead_letters=[r for r in records if r.topic == topics.dead_letter],
            in_store_at_kill=at_kill,
        )
    finally:
        engine.dispose()


def _stored(engine: Any) -> int:
    try:
        return len(audit_rows(engine))
    except Exception:  # the store is still being migrated
        return 0


def copies(records: list[Record], key: Any) -> dict[Any, list[Record]]:
    """Records grouped by `key(record)`, each group in topic order."""
    grouped: dict[Any, list[Record]] = defaultdict(list)
    for r in records:
        grouped[key(r)].append(r)
    return grouped


def event_id(record: Record) -> str:
    return str(parse_event(record.value).event_id)


async def test_sigkill_mid_stream_ends_like_an_undisturbed_run(
    tansu: EmbeddedBroker, stream: list[Bericht], new_store: StoreFactory, tmp_path: Path
) -> None:
    undisturbed = await run_intake(tansu, stream, new_store(), tmp_path / "undisturbed.log", kill=False)
    killed = await run_intake(tansu, stream, new_store(), tmp_path / "killed.log", kill=True)

    assert killed.in_store_at_kill is not None and 0 < killed.in_store_at_kill < len(stream)
    # The reference itself is right: every message accepted once, one event and one retour each.
    assert undisturbed.outcomes == {b.bericht_id: "accepted" for b in stream}
    assert len(undisturbed.events) == len(stream) and len(undisturbed.retours) == len(stream)

    # Judged once: the same verdict per message, no message logged a second time (as a duplicate or otherwise).
    assert killed.outcomes == undisturbed.outcomes
    assert killed.store == undisturbed.store

    # Events: the same set of (event_id, value); a republished event is a byte-identical copy with the same key.
    assert {(event_id(r), r.value) for r in killed.events} == {
        (event_id(r), r.value) for r in undisturbed.events
    }
    for same in copies(killed.events, event_id).values():
        assert {(r.topic, r.key, r.value) for r in same} == {(same[0].topic, same[0].key, same[0].value)}

    # Retouren: one distinct retour per message, the undisturbed run's.
    reference = {r.headers["bericht-id"]: r.value for r in undisturbed.retours}
    for bericht_id, same in copies(killed.retours, lambda r: r.headers["bericht-id"]).items():
        assert {r.value for r in same} == {reference[bericht_id]}
    assert {r.headers["bericht-id"] for r in killed.retours} == reference.keys()
    assert killed.dead_letters == [] and undisturbed.dead_letters == []
