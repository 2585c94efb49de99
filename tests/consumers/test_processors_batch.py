"""The processors as a batch subscriber: one store transaction per poll, a poison event dead-lettered alone,
a store outage retried for the whole batch, a redelivered batch harmless; in memory and over Tansu."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from faststream.kafka import KafkaBroker, TestKafkaBroker
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from consumers.broker import BrokerSettings, ensure_topics, make_broker
from consumers.embedded import EmbeddedBroker
from consumers.intake import HEADER_ID
from consumers.processors import ProcessorWorker, register_processors
from hub.errors import TransientError
from hub.events.models import TOPIC_KIND, HubEvent
from hub.metrics import HubMetrics
from hub.monitor.processor import Processor
from hub.topics import Topics
from tests.consumers.test_broker import committed, until
from tests.hub.monitor import scenario as sc
from tests.hub.monitor.batch import ORDER_DEPENDENT, forget, fresh, gi_events, ijw_events, poisoned, written
from tests.tansu import tansu_settings

UNREADABLE_ID = "f" * 32


def recording(p: Processor, fail: Callable[[int], BaseException | None] = lambda _: None) -> list[int]:
    """Record the size of every transaction the processor opens; `fail(n)` may make the n-th one raise."""
    sizes: list[int] = []
    real = p.verwerk_batch

    def verwerk_batch(events: Sequence[Any]) -> list[bool]:
        sizes.append(len(events))
        if (exc := fail(len(sizes))) is not None:
            raise exc
        return real(events)

    p.verwerk_batch = verwerk_batch  # type: ignore[method-assign]  # wrapped to record the batch sizes
    return sizes


class InMemory:
    """The processors on FastStream's test broker, with the dead letters and the ids they reported done."""

    def __init__(self, p: Processor, *, max_attempts: int = 5) -> None:
        self.broker = KafkaBroker()
        self.topics = Topics("unit.")
        self.metrics = HubMetrics(CollectorRegistry())
        self.done: list[str] = []
        self.letters: list[dict[str, Any]] = []
        register_processors(
            self.broker,
            lambda parsers: ProcessorWorker(
                p,
                parsers,
                self.broker,
                self.topics,
                self.metrics,
                max_attempts=max_attempts,
                backoff_seconds=0,
                on_done=self.done.append,
            ),
            self.topics,
            BrokerSettings(),
        )

        @self.broker.subscriber(self.topics.dead_letter)
        async def dead(body: dict[str, Any]) -> None:  # FastStream decodes the application/json value
            self.letters.append(body)

    async def batch(self, topic_kind: str, *bodies: bytes) -> None:
        """One poll's records on one topic (the test broker hands a batch publish over as one batch)."""
        async with TestKafkaBroker(self.broker) as br:
            await br.publish_batch(
                *bodies, topic=self.topics.normalised(topic_kind), headers={HEADER_ID: UNREADABLE_ID}
            )

    def dead_letters(self, reason: str) -> float:
        value: float = self.metrics.dead_letters.labels(reason=reason)._value.get()
        return value


def starts(db: Engine, p: Processor) -> tuple[HubEvent, HubEvent]:
    """The iJw story's two starts (clients A and B), everything before them already handled."""
    events = ijw_events(db)
    start_a, start_b = (e for e in events if e.type == "StartOntvangen")
    for e in events:
        if e.type != "StartOntvangen":
            assert p.verwerk(e)
    return start_a, start_b


def body(event: HubEvent) -> bytes:
    return event.model_dump_json().encode()


def observed_starts(db: Engine) -> set[str]:
    return {row[1] for row in written(db)["monitor_doorlooptijd"] if row[0] == "toewijzing_tot_start"}


async def test_a_poison_event_in_a_batch_is_dead_lettered_and_the_others_are_stored(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = fresh(db)
    start_a, start_b = starts(db, p)
    poisoned(monkeypatch)[start_a.bericht_id] = RuntimeError("poison")
    sizes = recording(p)
    hub = InMemory(p, max_attempts=2)
    await hub.batch("start", body(start_a), b'{"type": "Onzin"}', body(start_b))

    # The batch fails as a whole, then each event alone: A twice (its bounded retries), B once.
    assert sizes == [2, 1, 1, 1]
    assert [(d["reason"], d["bericht_id"], d["attempts"]) for d in hub.letters] == [
        ("unreadable-event", UNREADABLE_ID, 1),  # never entered the batch
        ("processor-failed", start_a.bericht_id, 2),
    ]
    assert hub.dead_letters("unreadable-event") == hub.dead_letters("processor-failed") == 1
    assert observed_starts(db) == {f"{sc.GEMEENTE}:{sc.NUMMER_B}"}  # B's start is stored, A's is not
    assert hub.done == [start_a.bericht_id, UNREADABLE_ID, start_b.bericht_id]  # all acknowledged, in order
    seconds = hub.metrics.processing_seconds.labels(stage="processors")
    assert seconds._sum.get() >= 0 and sum(b.get() for b in seconds._buckets) == 3  # once per event


async def test_a_batch_is_one_transaction_and_a_store_outage_retries_it_whole(db: Engine) -> None:
    p = fresh(db)
    start_a, start_b = starts(db, p)
    sizes = recording(p, lambda n: TransientError("store unavailable") if n <= 2 else None)
    hub = InMemory(p, max_attempts=1)
    await hub.batch("start", body(start_a), body(start_b))
    assert sizes == [2, 2, 2]  # never split, never dead-lettered
    assert hub.letters == []
    assert observed_starts(db) == {f"{sc.GEMEENTE}:300201", f"{sc.GEMEENTE}:{sc.NUMMER_B}"}
    assert hub.done == [start_a.bericht_id, start_b.bericht_id]


async def test_a_redelivered_batch_changes_nothing(db: Engine) -> None:
    p = fresh(db)
    start_a, start_b = starts(db, p)
    hub = InMemory(p)
    await hub.batch("start", body(start_a), body(start_b))
    first = written(db)
    sizes = recording(p)
    await hub.batch("start", body(start_b), body(start_a))
    assert sizes == [2] and written(db) == first and hub.letters == []
    assert hub.done == [start_a.bericht_id, start_b.bericht_id, start_b.bericht_id, start_a.bericht_id]


# ---- over the embedded broker --------------------------------------------------------------------------


async def end_offsets(bootstrap: str, topics: Sequence[str]) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [
            TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())
        ]
        offsets: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
        return offsets
    finally:
        await consumer.stop()


@pytest.mark.kafka
async def test_over_tansu_the_processors_store_in_batches_what_one_by_one_stores(
    db: Engine, tansu: EmbeddedBroker, topic_prefix: str
) -> None:
    """The GI story (several events per client, on several topics) waits on Tansu when the processors join."""
    events = gi_events(db)
    reference = fresh(db)
    assert all(reference.verwerk(e) for e in events)
    expected = written(
        db, ORDER_DEPENDENT
    )  # the order over partitions is Kafka's: compare what it cannot change
    forget(db)

    settings = tansu_settings(tansu, topic_prefix)
    topics = Topics(topic_prefix)
    await ensure_topics(tansu.bootstrap, topics.all(), 3, 1)
    redelivered = events[0]
    async with make_broker(settings) as producer:
        await producer.start()
        for e in [*events, redelivered]:
            await producer.publish(
                body(e),
                topics.normalised(TOPIC_KIND[type(e)]),
                key=(e.kafka_key or "").encode() or None,
                headers={HEADER_ID: e.bericht_id},
            )
        await producer.publish(
            b"not an event", topics.normalised("start"), headers={HEADER_ID: UNREADABLE_ID}
        )

    p = fresh(db)
    sizes = recording(p)
    broker = make_broker(settings)
    done: list[str] = []
    letters: list[dict[str, Any]] = []
    register_processors(
        broker,
        lambda parsers: ProcessorWorker(
            p, parsers, broker, topics, HubMetrics(CollectorRegistry()), on_done=done.append
        ),
        topics,
        settings,
    )

    @broker.subscriber(topics.dead_letter, group_id=f"{topic_prefix}dead", auto_offset_reset="earliest")
    async def dead(letter: dict[str, Any]) -> None:
        letters.append(letter)

    async with broker:
        await broker.start()
        await until(lambda: len(done) == len(events) + 2 and len(letters) == 1, timeout=60)

    assert sorted(done) == sorted([*(e.bericht_id for e in events), redelivered.bericht_id, UNREADABLE_ID])
    assert [(d["reason"], d["bericht_id"]) for d in letters] == [("unreadable-event", UNREADABLE_ID)]
    assert written(db, ORDER_DEPENDENT) == expected
    assert sum(sizes) >= len(events) and max(sizes) > 1  # batches, not one transaction per event
    # Every record is committed: a restart of the group reads nothing again.
    ends = await end_offsets(
        tansu.bootstrap, [topics.normalised(k) for k in {TOPIC_KIND[type(e)] for e in events}]
    )
    for tp, end in ends.items():
        assert (await committed(tansu.bootstrap, topics.groups.processors, tp) or 0) == end, tp
