"""A retour larger than a Kafka record may be travels by the store: the record names it, the dispatcher reads it.

A JW325 repeats a large JW323's rejected clients with all their lines and codes, laid out: half as large again as
a compact JW323. Such a retour beyond the producer's limit was refused by the producer, taken for a broker outage
and retried for ever, holding up its partition.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiokafka.errors import MessageSizeTooLargeError
from lxml import etree
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine
from sqlmodel import select

from consumers.broker import largest_record
from consumers.embedded import EmbeddedBroker
from consumers.intake import HEADER_RETOUR_IN_STORE, IntakeWorker
from consumers.process import process
from hub.metrics import HubMetrics
from hub.store import audit
from hub.store.db import make_engine, session_factory
from hub.store.tables import BerichtRecord
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.topics import Topics
from producers.retour_dispatcher import Retour, RetourDispatcher
from tests.consumers.standins import Poll
from tests.consumers.test_large_messages import grote_declaratie, hub_settings
from tests.consumers.test_mut_intake import RETOUR, Published, Record
from tests.hub.intake_helpers import new_intake
from tests.tansu import tansu_settings

TODAY = date(2026, 11, 23)
ID = "c" * 32


def compacte_declaratie(clienten: int) -> bytes:
    """test_large_messages' JW323 without layout; the store knows none of its clients (TR304 returns each whole)."""
    tree = etree.fromstring(grote_declaratie(clienten), etree.XMLParser(remove_blank_text=True))
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def worker(db: Engine, broker: Published, **options: Any) -> IntakeWorker:
    """An intake worker on `db` publishing to the stand-in `broker`, without backoff."""
    intake = new_intake(db)
    return IntakeWorker(
        intake=intake,
        broker=broker,  # type: ignore[arg-type]  # a stand-in for the KafkaBroker
        topics=Topics("t."),
        metrics=HubMetrics(CollectorRegistry()),
        mark_published=intake.mark_published,
        backoff_seconds=0,
        **options,
    )


async def test_the_worker_names_a_retour_too_large_for_a_record_and_the_dispatcher_reads_it_from_the_store(
    db: Engine, tmp_path: Path
) -> None:
    raw = compacte_declaratie(20)
    broker = Published()
    intake_worker = worker(db, broker, largest_record=len(raw))
    await intake_worker.handle_batch([Record(raw, (("bericht-id", ID.encode()),))], Poll())  # type: ignore[arg-type]
    [record] = broker.on(RETOUR)
    with session_factory(db)() as session:
        stored = audit.get(session, ID)
        assert stored is not None and stored.retour is not None and stored.outcome == "rejected"
        kept = stored.retour.encode()
    assert len(kept) > len(raw)  # the case itself: the answer outgrows the message
    assert record.value == b"" and record.headers[HEADER_RETOUR_IN_STORE] == "1"
    assert record.headers["bericht"] == "JW325"

    delivered: list[str] = []

    def mark(ids: Sequence[str]) -> set[str]:
        delivered.extend(ids)
        return set(delivered)

    dispatcher = RetourDispatcher(
        tmp_path, mark, HubMetrics(CollectorRegistry()), from_store=intake_worker.intake.retouren
    )
    on_wire = type(
        "R", (), {"value": record.value, "headers": [(k, v.encode()) for k, v in record.headers.items()]}
    )
    retour = Retour.of(on_wire())
    assert retour.in_store
    dispatcher.deliver([retour])
    [written] = (tmp_path / record.headers["ontvanger"]).iterdir()
    assert written.read_bytes() == kept
    assert delivered == [ID]


async def test_a_retour_within_the_limit_travels_on_the_record_itself(db: Engine) -> None:
    raw = compacte_declaratie(2)
    broker = Published()
    await worker(db, broker, largest_record=10 * len(raw)).handle_batch(
        [Record(raw, (("bericht-id", ID.encode()),))],
        Poll(),  # type: ignore[arg-type]  # a stand-in
    )
    [record] = broker.on(RETOUR)
    assert record.value.startswith(b"<?xml") and HEADER_RETOUR_IN_STORE not in record.headers


def test_a_retour_the_store_no_longer_keeps_is_left_out_and_not_marked(tmp_path: Path) -> None:
    marked: list[str] = []

    def mark(ids: Sequence[str]) -> set[str]:
        marked.extend(ids)
        return set(marked)

    dispatcher = RetourDispatcher(tmp_path, mark, HubMetrics(CollectorRegistry()), from_store=lambda ids: {})
    gone = Retour(b"", "d" * 32, "JW325", "0200", in_store=True)
    here = Retour(b"<x/>", "e" * 32, "JW302", "0200")
    dispatcher.deliver([gone, here])
    assert [p.name for p in (tmp_path / "0200").iterdir()] == [f"{'e' * 32}.JW302.xml"]
    assert marked == ["e" * 32]


@pytest.mark.kafka
async def test_hub_process_delivers_a_retour_larger_than_the_producer_may_send(
    tmp_path: Path, tansu: EmbeddedBroker, topic_prefix: str
) -> None:
    berichten = tmp_path / "berichten"
    berichten.mkdir()
    raw = compacte_declaratie(20)
    (berichten / "groot.xml").write_bytes(raw)
    small = tansu_settings(tansu, topic_prefix, producer_max_request_bytes=len(raw) + 4096)
    assert len(raw) <= largest_record(small)
    retouren = tmp_path / "retouren"
    s = hub_settings(tmp_path)
    counts = await process(
        [berichten], settings=s, broker_settings=small, retour_out=retouren, database=s.database_url, as_of=TODAY,
        timeout=120,
    )  # fmt: skip
    assert counts == {"rejected": 1}
    [retour] = retouren.iterdir()
    assert retour.name == "groot.JW325.xml"
    assert len(retour.read_bytes()) > largest_record(small)
    engine = make_engine(s.database_url)
    try:
        with session_factory(engine)() as session:
            [kept] = [r.retour for r in session.exec(select(BerichtRecord)) if r.retour is not None]
            assert retour.read_bytes() == kept.encode()
    finally:
        engine.dispose()


class Refusing(Published):
    """A broker stand-in whose producer refuses, for its size, the toewijzing event of one message."""

    def __init__(self, refused: str) -> None:
        super().__init__()
        self.refused = refused

    async def publish(self, message: Any, topic: str, **kwargs: Any) -> asyncio.Future[None]:
        if topic == "t.toewijzing" and kwargs["headers"].get("bericht-id") == self.refused:
            raise MessageSizeTooLargeError("larger than the broker's message.max.bytes")
        return await super().publish(message, topic, **kwargs)


async def test_a_record_refused_for_its_size_is_a_poison_message_not_an_outage(db: Engine) -> None:
    """A broker whose limit is below the producer's (a topic's max.message.bytes) refuses the record on every
    retry: that message is dead-lettered alone and the rest of its poll is published."""
    refused, other = "a" * 32, "b" * 32
    broker = Refusing(refused)
    intake_worker = worker(db, broker, max_attempts=2)
    poll = Poll()
    records = [
        Record(to_xml("JW301", spec("JW301")), (("bericht-id", refused.encode()),), offset=0),
        Record(to_xml("JW305", spec("JW305")), (("bericht-id", other.encode()),), offset=1),
    ]
    await asyncio.wait_for(intake_worker.handle_batch(records, poll), 30)  # type: ignore[arg-type]  # stand-ins
    assert poll.calls == ["ack"]
    assert [r.headers["bericht-id"] for r in broker.on("t.start")] == [other]  # its toewijzing is stored
    assert other in {r.headers["bericht-id"] for r in broker.on(RETOUR)}
    [letter] = broker.on("t.dead-letter")
    assert letter.headers["bericht-id"] == refused and letter.headers["reason"] == "processing-failed"
    # Its verdict was recorded before the event failed: the 0200 it was answered with stands, no 0001 after it.
    answers = [r.value for r in broker.on(RETOUR) if r.headers["bericht-id"] == refused]
    assert answers and all(b"<jw302:RetourCode>0200</jw302:RetourCode>" in a for a in answers)
    with session_factory(db)() as session:
        stored = audit.get(session, refused)
        assert stored is not None and stored.outcome == "accepted"


async def test_a_dead_letter_whose_record_the_store_refuses_still_gets_its_0001(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unlike a message recorded with its verdict: nothing else answers it (backoffice guide 4.4, the outbox)."""
    broker = Published()
    intake_worker = worker(db, broker, max_attempts=1)

    def poison(*_: Any, **__: Any) -> Any:
        raise ValueError("poison")

    def refuse(*_: Any) -> bool:
        raise RuntimeError("store refuses")

    monkeypatch.setattr(intake_worker.intake, "verwerk_batch", poison)
    monkeypatch.setattr(intake_worker.intake, "record_dead_letter", refuse)
    record = Record(to_xml("JW301", spec("JW301")), (("bericht-id", ID.encode()),))
    await intake_worker.handle_batch([record], Poll())  # type: ignore[arg-type]  # a stand-in
    [answer] = broker.on(RETOUR)
    assert b"<jw302:RetourCode>0001</jw302:RetourCode>" in answer.value
