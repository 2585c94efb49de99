"""What the intake reads from a record of the inbound topic: the door's message id, or one that a redelivery keeps."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine
from sqlmodel import Session, select

from consumers.intake import HEADER_ID, HEADER_RECEIVED, IntakeWorker, bericht_id_for, received_at_for
from hub.metrics import HubMetrics
from hub.store.tables import BerichtRecord
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.topics import Topics
from tests.hub.intake_helpers import new_intake


@dataclass(frozen=True)
class Record:
    partition: int
    offset: int
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    topic: str = "ijw.berichten.inkomend"


def test_the_doors_bericht_id_header_is_the_message_id() -> None:
    assert bericht_id_for(Record(0, 7, [(HEADER_ID, b"a" * 32)])) == "a" * 32


def test_without_a_bericht_id_the_id_follows_topic_partition_and_offset() -> None:
    """docs/operations.md, section 2: a system writing to the raw topic itself may leave bericht-id out."""
    derived = bericht_id_for(Record(2, 7))
    assert len(derived) == 32 and int(derived, 16) >= 0
    assert bericht_id_for(Record(2, 7)) == derived  # a redelivery keeps its id
    others = {
        bericht_id_for(Record(3, 7)),
        bericht_id_for(Record(2, 8)),
        bericht_id_for(Record(2, 7, topic="x")),
    }
    assert derived not in others and len(others) == 3


def test_ontvangen_op_is_read_from_its_header() -> None:
    sent = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert received_at_for(Record(0, 0, [(HEADER_RECEIVED, sent.isoformat().encode())])) == sent


@dataclass(frozen=True)
class KafkaRecord:
    value: bytes
    headers: tuple[tuple[str, bytes], ...]
    offset: int = 0
    key: bytes = b"0200:12345678"
    partition: int = 0
    timestamp: int = 0
    topic: str = "t.berichten.inkomend"


class Published:
    """A broker stand-in that keeps what the worker publishes, by topic."""

    def __init__(self) -> None:
        self.records: list[tuple[str, bytes, dict[str, str]]] = []

    async def publish(self, message: Any, topic: str, **kwargs: Any) -> asyncio.Future[None]:
        self.records.append((topic, message, kwargs.get("headers") or {}))
        confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        confirmed.set_result(None)  # the broker's confirmation, at once
        return confirmed


class Poll:
    async def ack(self) -> None: ...

    async def nack(self) -> None:
        raise AssertionError("the poll was rewound")


def worker_on(db: Engine, broker: Published) -> IntakeWorker:
    """An intake worker on `db` that publishes into `broker`, giving up after one attempt."""
    return IntakeWorker(
        intake=new_intake(db),
        broker=broker,  # type: ignore[arg-type]  # a stand-in for the KafkaBroker
        topics=Topics("t."),
        metrics=HubMetrics(CollectorRegistry()),
        mark_published=lambda *ids: None,
        max_attempts=1,
        backoff_seconds=0,
    )


def test_headers_of_another_system_are_taken_only_in_the_hubs_own_forms() -> None:
    """An id that is not the hub's (32 hex) gives way to the derived one; a time without an offset to the clock."""
    uuid_id = b"3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
    for given in (uuid_id, b"A" * 32, b"x" * 500, b"../retour", "ä".encode()):
        assert bericht_id_for(Record(2, 7, [(HEADER_ID, given)])) == bericht_id_for(Record(2, 7))
    before = datetime.now(UTC)
    naive = received_at_for(Record(0, 0, [(HEADER_RECEIVED, b"2026-11-23T09:30:00")]))
    assert naive.tzinfo is not None and naive >= before  # not stored as if it were UTC or local time
    assert received_at_for(Record(0, 0, [(HEADER_RECEIVED, b"23-11-2026")])) >= before
    aware = datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    assert received_at_for(Record(0, 0, [(HEADER_RECEIVED, aware.isoformat().encode())])) == aware


async def test_a_message_another_system_wrote_with_its_own_headers_is_judged_as_any_other(db: Engine) -> None:
    """A UUID as bericht-id and a local time as ontvangen-op (docs/operations.md 2) still give a 0200 retour."""
    broker = Published()
    worker = worker_on(db, broker)
    headers = (
        (HEADER_ID, b"3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"),
        (HEADER_RECEIVED, b"2026-11-23T09:30:00"),
    )
    record = KafkaRecord(to_xml("JW301", spec("JW301")), headers)
    await worker.handle_batch([record], Poll())  # type: ignore[arg-type]  # a stand-in for the KafkaMessage
    topics = [topic for topic, _, _ in broker.records]
    assert "t.dead-letter" not in topics
    retour = next(value for topic, value, _ in broker.records if topic == "t.retourberichten")
    assert b">0200</" in retour
    with Session(db) as session:
        (stored,) = session.exec(select(BerichtRecord.id)).all()
    assert stored == bericht_id_for(record)


def test_an_ontvangen_op_in_the_future_is_not_taken() -> None:
    """A door's clock may run a few minutes ahead; a time beyond that is not when the message arrived."""
    ahead = datetime.now(UTC) + timedelta(minutes=2)
    assert received_at_for(Record(0, 0, [(HEADER_RECEIVED, ahead.isoformat().encode())])) == ahead
    before = datetime.now(UTC)
    later = received_at_for(Record(0, 0, [(HEADER_RECEIVED, b"2030-01-01T00:00:00+00:00")]))
    assert before <= later <= datetime.now(UTC)


async def test_a_record_keyed_otherwise_than_its_pair_is_judged_and_logged(
    db: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Judged as any other (the partition is where it is), with a warning naming the key it should have had."""
    broker = Published()
    worker = worker_on(db, broker)
    raw = to_xml("JW301", spec("JW301"))
    pair = b"0200:12345678"  # the JW301's Afzender (the gemeente) and Ontvanger (the aanbieder)
    with caplog.at_level(logging.INFO, logger="hub.intake"):
        await worker.handle_batch([KafkaRecord(raw, (), key=pair)], Poll())  # type: ignore[arg-type]
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
        other = KafkaRecord(to_xml("JW301", spec("JW301", identificatie="T2")), (), 1, b"12345678:0200")
        await worker.handle_batch([other], Poll())  # type: ignore[arg-type]
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.getMessage() == "record key is not the message's gemeente:aanbieder"
    assert (
        warning.__dict__["verwacht"] == pair.decode() and "key" not in warning.__dict__
    )  # a key may be a BSN
    retouren = [value for topic, value, _ in broker.records if topic == "t.retourberichten"]
    assert len(retouren) == 2 and all(b">0200</" in r for r in retouren)
