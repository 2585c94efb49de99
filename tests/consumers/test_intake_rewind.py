"""A poll whose handling fails after all (the broker refuses the dead letter) is rewound, not acknowledged.

Without the rewind the consumer polls on from its position and the next acknowledgement commits past the records
of the failed poll: they would never be judged. The processors rewind the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from consumers.intake import IntakeWorker
from hub.metrics import HubMetrics
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.topics import Topics
from tests.hub.intake_helpers import new_intake


@dataclass(frozen=True)
class Record:
    value: bytes
    offset: int
    key: bytes = b"0200:12345678"
    headers: tuple[tuple[str, bytes], ...] = ()
    partition: int = 0
    timestamp: int = 0
    topic: str = "t.berichten.inkomend"


@dataclass
class Poll:
    """The KafkaMessage of a poll, as far as the worker uses it."""

    calls: list[str] = field(default_factory=list)

    async def ack(self) -> None:
        self.calls.append("ack")

    async def nack(self) -> None:
        self.calls.append("nack")


class RefusingBroker:
    """A broker that is gone just when the dead letter goes out."""

    async def publish(self, *args: Any, **kwargs: Any) -> Any:
        raise KafkaConnectionError("broker gone")


async def test_a_poll_that_fails_while_dead_lettering_is_rewound(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    intake = new_intake(db)

    def poison(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("poison")

    monkeypatch.setattr(intake, "verwerk_batch", poison)
    monkeypatch.setattr(intake, "verwerk", poison)
    worker = IntakeWorker(
        intake=intake,
        broker=RefusingBroker(),  # type: ignore[arg-type]  # a stand-in for the KafkaBroker
        topics=Topics("t."),
        metrics=HubMetrics(CollectorRegistry()),
        mark_published=lambda *ids: None,
        max_attempts=1,
        backoff_seconds=0,
    )
    poll = Poll()
    records = [Record(to_xml("JW301", spec("JW301")), 0), Record(to_xml("JW305", spec("JW305")), 1)]
    with pytest.raises(KafkaConnectionError):
        await worker.handle_batch(records, poll)  # type: ignore[arg-type]  # a stand-in for the KafkaMessage
    assert poll.calls == ["nack"]
