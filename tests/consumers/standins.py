"""Stand-ins for the workers' broker and poll: what was published where, and what a poll was told."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sent:
    topic: str
    value: bytes
    key: bytes | None
    headers: dict[str, str]


class SentLog:
    """What a stand-in broker published, in order."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []

    def keep(self, message: Any, topic: str, kwargs: dict[str, Any]) -> None:
        self.sent.append(Sent(topic, message, kwargs.get("key"), dict(kwargs.get("headers") or {})))

    def on(self, topic: str) -> list[Sent]:
        return [s for s in self.sent if s.topic == topic]


class Poll:
    """A KafkaMessage of one poll: its ack and nack, in `calls` (a list shared with other events, if given)."""

    def __init__(self, calls: list[str] | None = None) -> None:
        self.calls = calls if calls is not None else []

    async def ack(self) -> None:
        self.calls.append("ack")

    async def nack(self) -> None:
        self.calls.append("nack")
