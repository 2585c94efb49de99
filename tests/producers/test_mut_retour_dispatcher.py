"""producers.retour_dispatcher: what its docstrings promise and a mutation pass found no test holding.

Shortened names keep distinct texts apart by a hash; a record's missing headers fall back to `onbekend`; a poll is
delivered before its offsets are committed, retried while the outbox or the store is away, counted once per retour
delivered for the first time, and reported to `on_done` after the commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest
from faststream.kafka import KafkaBroker, KafkaMessage, TestKafkaBroker
from prometheus_client import CollectorRegistry

from consumers.broker import BrokerSettings
from hub.errors import TransientError
from hub.metrics import HubMetrics
from hub.topics import Topics
from producers.retour_dispatcher import (
    MAX_NAME,
    Retour,
    RetourDispatcher,
    register_retour_dispatcher,
    safe_name,
)

ID = "1" * 32


def delivered(registry: CollectorRegistry, bericht: str) -> float:
    return registry.get_sample_value("hub_retour_delivered_total", {"bericht": bericht}) or 0.0


@dataclass
class Record:
    """A consumer record as aiokafka gives it: the value and (name, bytes | None) headers."""

    value: bytes | None
    headers: Sequence[tuple[str, bytes | None]] = ()


@dataclass
class Poll:
    """The KafkaMessage of one poll: only `ack` is used (and `consumer`, absent here: no lag to report)."""

    events: list[str] = field(default_factory=list)

    async def ack(self) -> None:
        self.events.append("ack")


def record(bericht_id: str, bericht: str = "JW302", ontvanger: str = "0200", body: bytes = b"<r/>") -> Record:
    return Record(
        body,
        [
            ("bericht-id", bericht_id.encode()),
            ("bericht", bericht.encode()),
            ("ontvanger", ontvanger.encode()),
        ],
    )


# ---- names -----------------------------------------------------------------------------------------------


def test_long_names_that_differ_only_in_the_middle_stay_apart_and_keep_both_ends() -> None:
    """safe_name: beyond the limit the middle gives way to a hash of the whole text, so distinct texts keep
    distinct names; the start and the end (`.<retourbericht>.xml`) stay readable."""
    first = "a" * 250 + "1" + "b" * 100 + ".JW302.xml"
    second = "a" * 250 + "2" + "b" * 100 + ".JW302.xml"
    names = [safe_name(first), safe_name(second)]
    assert names[0] != names[1]
    for name in names:
        assert len(name) == MAX_NAME and name.startswith("a" * 100) and name.endswith("b" * 10 + ".JW302.xml")


def test_a_name_within_the_limit_is_kept_as_it_is_but_for_unsafe_characters() -> None:
    assert safe_name("a" * MAX_NAME) == "a" * MAX_NAME
    assert safe_name("0200 x/y.JW302.xml") == "0200_x_y.JW302.xml"
    assert safe_name(".hidden") == "_hidden" and safe_name("") == "_"


# ---- records ---------------------------------------------------------------------------------------------


def test_a_record_is_read_from_its_headers_and_missing_ones_fall_back() -> None:
    full = Retour.of(record(ID, "JW306", "87654321", b"<jw306/>"))
    assert full == Retour(b"<jw306/>", ID, "JW306", "87654321")
    bare = Retour.of(Record(None, [("bericht-id", None), ("other", b"x")]))
    assert bare == Retour(b"", "", "onbekend", "")
    assert Retour.of(Record(b"<r/>", cast(Any, None))) == Retour(b"<r/>", "", "onbekend", "")
    mangled = Retour.of(Record(b"<r/>", [("bericht-id", ID.encode()), ("ontvanger", b"02\xff00")]))
    assert mangled.ontvanger == "02\ufffd00"  # a header that is not UTF-8 is read, not a poll that fails


# ---- delivering ------------------------------------------------------------------------------------------


def test_the_same_retour_twice_in_one_poll_is_counted_once_and_a_redelivery_not_at_all(
    tmp_path: Path,
) -> None:
    registry = CollectorRegistry()
    seen: set[str] = set()

    def mark_delivered(ids: Sequence[str]) -> set[str]:
        first = set(ids) - seen
        seen.update(ids)
        return first

    dispatcher = RetourDispatcher(tmp_path, mark_delivered, HubMetrics(registry))
    twice = Retour(b"<r/>", ID, "JW302", "0200")
    other = Retour(b"<r/>", "2" * 32, "JW306", "0200")
    dispatcher.deliver([twice, other, twice])
    assert (delivered(registry, "JW302"), delivered(registry, "JW306")) == (1.0, 1.0)
    dispatcher.deliver([twice])  # a redelivery after a crash: the file again, not the count
    assert delivered(registry, "JW302") == 1.0


def test_without_per_receiver_directories_every_retour_lands_in_the_outbox_itself(tmp_path: Path) -> None:
    """`hub process` writes one flat directory, under the file names it chooses."""
    dispatcher = RetourDispatcher(
        tmp_path,
        lambda ids: set(ids),
        HubMetrics(CollectorRegistry()),
        file_name=lambda bericht_id, bericht: f"{bericht}-{bericht_id}.xml",
        per_receiver=False,
    )
    dispatcher.deliver([Retour(b"<r/>", ID, "JW302", "0200")])
    assert [p.name for p in tmp_path.iterdir()] == [f"JW302-{ID}.xml"]


def test_without_an_outbox_nothing_is_written_and_the_delivery_is_still_recorded(tmp_path: Path) -> None:
    marked: list[str] = []

    def mark_delivered(ids: Sequence[str]) -> set[str]:
        marked.extend(ids)
        return set(ids)

    registry = CollectorRegistry()
    RetourDispatcher(None, mark_delivered, HubMetrics(registry)).deliver(
        [Retour(b"<r/>", ID, "JW302", "0200")]
    )
    assert marked == [ID] and delivered(registry, "JW302") == 1.0
    assert list(tmp_path.iterdir()) == []


async def test_a_poll_is_delivered_then_committed_then_reported_done(tmp_path: Path) -> None:
    poll = Poll()

    def mark_delivered(ids: Sequence[str]) -> set[str]:
        poll.events.append("marked")
        return set(ids)

    dispatcher = RetourDispatcher(
        tmp_path, mark_delivered, HubMetrics(CollectorRegistry()), on_done=lambda i: poll.events.append(i)
    )
    records = [record(ID), record("2" * 32, ontvanger="0363")]
    await dispatcher.handle_batch(records, cast(KafkaMessage, poll), "ijw-hub-retour")
    assert poll.events == ["marked", "ack", ID, "2" * 32]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.xml")) == [
        f"0200/{ID}.JW302.xml",
        f"0363/{'2' * 32}.JW302.xml",
    ]


@pytest.mark.parametrize("failure", [OSError("outbox unmounted"), TransientError("store unavailable")])
async def test_a_poll_is_retried_while_the_outbox_or_the_store_is_away_and_committed_after(
    tmp_path: Path, failure: Exception, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The retour must not be lost: no commit before it is delivered and recorded."""
    slept: list[float] = []

    async def sleep(delay: float) -> None:
        slept.append(delay)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    poll = Poll()
    attempts = 0

    def mark_delivered(ids: Sequence[str]) -> set[str]:
        nonlocal attempts
        attempts += 1
        if attempts <= 8:
            raise failure
        poll.events.append("marked")
        return set(ids)

    dispatcher = RetourDispatcher(tmp_path, mark_delivered, HubMetrics(CollectorRegistry()))
    await dispatcher.handle_batch([record(ID)], cast(KafkaMessage, poll), "ijw-hub-retour")
    assert poll.events == ["marked", "ack"] and attempts == 9
    # Backoff: doubling from 0.2 s, capped at 10 s.
    assert slept == pytest.approx([0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 10.0, 10.0])


async def test_an_outage_is_logged_once_by_its_class_and_its_end_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A lasting fault (a full disk, a read-only outbox) must show in the log, not only as consumer lag."""

    async def sleep(delay: float) -> None:
        pass

    monkeypatch.setattr(asyncio, "sleep", sleep)
    attempts = 0

    def mark_delivered(ids: Sequence[str]) -> set[str]:
        nonlocal attempts
        attempts += 1
        if attempts <= 5:
            raise OSError(28, "No space left on device: /outbox/0200/999999999")
        return set(ids)

    dispatcher = RetourDispatcher(tmp_path, mark_delivered, HubMetrics(CollectorRegistry()))
    with caplog.at_level(logging.INFO, logger="hub.retour"):
        await dispatcher.handle_batch([record(ID)], cast(KafkaMessage, Poll()), "ijw-hub-retour")
        await dispatcher.handle_batch([record("2" * 32)], cast(KafkaMessage, Poll()), "ijw-hub-retour")
    lines = [(r.levelno, r.getMessage(), getattr(r, "error", None)) for r in caplog.records]
    assert lines == [
        (logging.WARNING, "retouren not delivered: the outbox or the store failed; retrying", "OSError"),
        (logging.INFO, "retouren delivered again", None),
    ]
    assert "999999999" not in caplog.text  # the class only, never the error's text (docs/operations.md 9)


async def test_another_failure_is_not_retried_and_nothing_is_committed(tmp_path: Path) -> None:
    """Only an unavailable outbox or store is waited for; anything else goes to the consumer's error handling."""
    poll = Poll()

    def mark_delivered(ids: Sequence[str]) -> set[str]:
        raise ValueError("a bug")

    dispatcher = RetourDispatcher(tmp_path, mark_delivered, HubMetrics(CollectorRegistry()))
    with pytest.raises(ValueError, match="a bug"):
        await dispatcher.handle_batch([record(ID)], cast(KafkaMessage, poll), "ijw-hub-retour")
    assert poll.events == []


async def test_an_empty_poll_is_committed_without_a_transaction(tmp_path: Path) -> None:
    poll = Poll()

    def mark_delivered(ids: Sequence[str]) -> set[str]:
        poll.events.append("marked")
        return set(ids)

    dispatcher = RetourDispatcher(tmp_path, mark_delivered, HubMetrics(CollectorRegistry()))
    await dispatcher.handle_batch([], cast(KafkaMessage, poll), "ijw-hub-retour")
    assert poll.events == ["ack"]


async def test_the_registered_subscriber_delivers_each_record_of_the_retour_topic(tmp_path: Path) -> None:
    broker = KafkaBroker()
    topics = Topics("unit.")
    done: list[str] = []
    registry = CollectorRegistry()
    dispatcher = RetourDispatcher(tmp_path, lambda ids: set(ids), HubMetrics(registry), on_done=done.append)
    register_retour_dispatcher(broker, dispatcher, topics, BrokerSettings())
    headers = {
        "bericht-id": ID,
        "bericht": "JW306",
        "ontvanger": "87654321",
        "content-type": "application/xml",
    }
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b"<jw306/>", topics.retour, headers=headers)
    assert done == [ID] and delivered(registry, "JW306") == 1.0
    assert (tmp_path / "87654321" / f"{ID}.JW306.xml").read_bytes() == b"<jw306/>"


@dataclass(frozen=True)
class Partition:
    topic: str
    partition: int


class Consumer:
    """The part of an AIOKafkaConsumer the lag needs: one partition, 10 records written, 7 consumed."""

    def assignment(self) -> set[Partition]:
        return {Partition("unit.ijw.retourberichten", 0)}

    def highwater(self, tp: Partition) -> int:
        return 10

    async def position(self, tp: Partition) -> int:
        return 7


@dataclass
class PollWithConsumer(Poll):
    consumer: Consumer = field(default_factory=Consumer)


async def test_after_a_poll_the_lag_of_its_group_is_reported(tmp_path: Path) -> None:
    """hub_consumer_lag{group,topic,partition} (docs/operations.md), for the retour group too."""
    registry = CollectorRegistry()
    dispatcher = RetourDispatcher(tmp_path, lambda ids: set(ids), HubMetrics(registry))
    await dispatcher.handle_batch([record(ID)], cast(KafkaMessage, PollWithConsumer()), "ijw-hub-retour")
    labels = {"group": "ijw-hub-retour", "topic": "unit.ijw.retourberichten", "partition": "0"}
    assert registry.get_sample_value("hub_consumer_lag", labels) == 3.0
