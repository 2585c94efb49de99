"""A message the intake process dies on, again at each restart, is dead-lettered after HUB_MAX_ATTEMPTS starts.

An OOM kill, a segfault in a C library or a liveness kill raises nothing the intake could count in memory: the group
redelivers the record after the restart and, before the starts were counted in the store (hub.store.attempts), the
process died on it for ever and its partition stood still. Here `hub run --role intake` is SIGKILLed whenever the
store shows it starting on a large declaratie (which takes it a second or more to judge), and started again.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from lxml import etree
from sqlalchemy import Engine, select

from consumers.broker import ensure_topics
from consumers.embedded import EmbeddedBroker
from consumers.intake import HEADER_ID, HEADER_RECEIVED
from hub.events.models import DeadLetter
from hub.store.attempts import IntakeAttemptRecord, Position
from hub.store.tables import table_of
from hub.topics import Topics
from tests.consumers.test_large_messages import grote_declaratie
from tests.faults.harness import (
    RECEIVED_AT,
    IntakeProcess,
    Record,
    audit_rows,
    event_topics,
    finished,
    publish,
    read_topics,
    reader,
)
from tests.faults.stream import PAIRS, Bericht

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(240)]

MAX_ATTEMPTS = (
    2  # HUB_MAX_ATTEMPTS: three deaths (the poll, then the message twice) before it is dead-lettered
)
CLIENTS = 2000  # a JW323 of about 9 MiB: judging it takes the intake well over a second
LARGE_ID = uuid.uuid5(uuid.NAMESPACE_URL, "fault-tests/process-death/large").hex
MiB = 2**20


async def publish_large(bootstrap: str, topic: str, raw: bytes, key: str) -> Position:
    """The declaratie on the inbound topic as a door puts it there; where it landed."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=32 * MiB)
    await producer.start()
    try:
        headers = [(HEADER_ID, LARGE_ID.encode()), (HEADER_RECEIVED, RECEIVED_AT.isoformat().encode())]
        sent = await producer.send_and_wait(topic, raw, key=key.encode(), headers=headers)
    finally:
        await producer.stop()
    return topic, sent.partition, sent.offset


def starts(engine: Engine, position: Position) -> tuple[int, int]:
    """The (poll, message) starts the store counts at the position; (0, 0) while it is being created."""
    t = table_of(IntakeAttemptRecord)
    topic, partition, offset = position
    query = select(t.c.scope, t.c.attempts).where(
        t.c.topic == topic, t.c.partition == partition, t.c.offset == offset
    )
    try:
        with engine.connect() as conn:
            counted = {row.scope: row.attempts for row in conn.execute(query)}
    except Exception:  # not migrated yet
        return 0, 0
    return counted.get("poll", 0), counted.get("message", 0)


def judging(state: tuple[int, int], kills: list[tuple[int, int]]) -> bool:
    """The intake is on the declaratie now, in a start not killed yet: its first poll, or a new start alone before
    it gives up on it. (A restarted process counts its poll before its message: a state whose message count
    a kill has seen already is the process on its way to the next message start, not judging.)"""
    poll, message = state
    seen = max((m for _, m in kills), default=0)
    return (poll == 1 and message == 0 and not kills) or seen < message <= MAX_ATTEMPTS


def by_id(records: list[Record]) -> dict[str, set[bytes]]:
    grouped: dict[str, set[bytes]] = defaultdict(set)
    for r in records:
        grouped[r.headers["bericht-id"]].add(r.value)
    return grouped


async def test_a_message_the_intake_dies_on_is_dead_lettered_and_its_partition_flows_on(
    tansu: EmbeddedBroker, stream: list[Bericht], tmp_path: Path
) -> None:
    topics = Topics(f"fault-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=6, replication=1)
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    gemeente, aanbieder = PAIRS[0]
    large = grote_declaratie(CLIENTS)
    header = etree.fromstring(large).find("{*}Header")
    assert (
        header is not None
    )  # of the stream's first pair: its messages share its partition and wait behind it
    assert (header.findtext("{*}Afzender"), header.findtext("{*}Ontvanger")) == (aanbieder, gemeente)
    log = tmp_path / "intake.log"
    process = IntakeProcess(tansu.bootstrap, topics.prefix, url, log, HUB_MAX_ATTEMPTS=str(MAX_ATTEMPTS))
    engine = reader(url)
    ids = {b.bericht_id for b in stream}
    kills: list[tuple[int, int]] = []
    try:
        process.start()
        position = await publish_large(tansu.bootstrap, topics.inbound, large, f"{gemeente}:{aanbieder}")
        await publish(tansu.bootstrap, topics, stream)
        deadline = time.monotonic() + 150
        while not await asyncio.to_thread(finished, engine, ids | {LARGE_ID}):
            assert time.monotonic() < deadline, f"not finished after {kills}; its log:\n{process.log_tail()}"
            state = await asyncio.to_thread(starts, engine, position)
            if judging(state, kills):
                process.kill()  # as the OOM killer would, while it judges the declaratie
                kills.append(state)
                process.start()
            await asyncio.sleep(0.02)
    finally:
        process.stop()
    records = await read_topics(tansu.bootstrap, [topics.retour, topics.dead_letter, *event_topics(topics)])
    rows = audit_rows(engine)
    engine.dispose()

    # Killed in its poll, then on each of its starts alone; the next start dead-lettered it unjudged.
    assert kills == [(1, 0), *((1 + n, n) for n in range(1, MAX_ATTEMPTS + 1))]
    assert process.starts == len(kills) + 1
    [letter] = [r for r in records if r.topic == topics.dead_letter]
    dead = DeadLetter.model_validate_json(letter.value)
    assert (dead.reason, dead.error, dead.attempts, dead.bericht_id, dead.raw_size) == (
        "processing-failed", f"ProcessDiedWhileHandling after {MAX_ATTEMPTS} attempts", MAX_ATTEMPTS, LARGE_ID,
        len(large),
    )  # fmt: skip
    assert (letter.headers["source-partition"], letter.headers["source-offset"]) == tuple(
        map(str, position[1:])
    )

    # Its sender has a header-only 0001 (a JW325), and the audit log says failed; everything else accepted once.
    retour_records = [r for r in records if r.topic == topics.retour]
    retouren = by_id(retour_records)
    assert retouren.keys() == ids | {LARGE_ID}
    assert all(len(values) == 1 for values in retouren.values())  # a republished retour is the same bytes
    [answer] = retouren[LARGE_ID]
    codes = [el.text for el in etree.fromstring(answer).iterfind("{*}Header/{*}RetourCodes/{*}RetourCode")]
    assert codes == ["0001"]
    assert {r.headers["bericht"] for r in retour_records if r.headers["bericht-id"] == LARGE_ID} == {"JW325"}
    assert {i: r.outcome for i, r in rows.items()} == {LARGE_ID: "failed"} | {i: "accepted" for i in ids}

    # Every event once (a republished one is a byte-identical copy), none for the dead-lettered declaratie.
    events = by_id([r for r in records if r.topic in event_topics(topics)])
    assert events.keys() == ids and all(len(values) == 1 for values in events.values())

    logged = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    said = [(e.get("message"), e.get("offset")) for e in logged if e.get("bericht_id") == LARGE_ID]
    assert (
        "poll started before and never finished: its messages are handled one by one",
        position[2],
    ) in said
    assert (
        "message started before and never finished: dead-lettered without judging it again",
        position[2],
    ) in said
