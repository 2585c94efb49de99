"""producers.handover: a message is on the broker or in the spool before a 202, else 503 with the publisher's Retry-After.

README (POST /berichten): `503` + `Retry-After` when the broker is unreachable and the message cannot be spooled
in the database (spool full, or the database away too). The warning says which of the two it was, with the
message's ids and never its body.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from producers.handover import hand_over
from producers.problems import ProblemError
from producers.publisher import BufferFull, NotKept, SpoolUnavailable

RECEIVED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
EXTRA = {"bericht_id": "0" * 32, "identificatie": "ID-1", "bericht": "JW301"}
BODY = b"<JW301>geheime inhoud 999990019</JW301>"


@dataclass
class Publisher:
    refusal: Exception | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def publish(
        self, raw: bytes, *, bericht_id: str, received_at: datetime, key: str | None = None
    ) -> None:
        self.calls.append({"raw": raw, "bericht_id": bericht_id, "received_at": received_at, "key": key})
        if self.refusal is not None:
            raise self.refusal


async def test_a_kept_message_is_published_as_received_with_its_id_time_and_key() -> None:
    publisher = Publisher()
    await hand_over(
        publisher, BODY, bericht_id="a" * 32, received_at=RECEIVED, key="0363:12345678", extra=EXTRA
    )
    assert publisher.calls == [
        {"raw": BODY, "bericht_id": "a" * 32, "received_at": RECEIVED, "key": "0363:12345678"}
    ]


@pytest.mark.parametrize(
    ("refusal", "why"),
    [
        (BufferFull(retry_after=4, pending=100), "spool full"),
        (SpoolUnavailable(retry_after=2, pending=0), "spool unavailable"),
    ],
)
async def test_a_message_neither_published_nor_spooled_is_503_unavailable_with_retry_after(
    refusal: NotKept, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="hub.gateway"), pytest.raises(ProblemError) as refused:
        await hand_over(
            Publisher(refusal), BODY, bericht_id="b" * 32, received_at=RECEIVED, key=None, extra=EXTRA
        )
    problem = refused.value
    assert (problem.status, problem.slug, problem.title) == (503, "unavailable", "Broker unreachable")
    assert problem.headers == {"Retry-After": str(refusal.retry_after)}
    [record] = caplog.records
    assert (record.name, record.levelno) == ("hub.gateway", logging.WARNING)
    assert record.getMessage() == f"bericht refused: broker unreachable and {why}"
    assert {name: record.__dict__[name] for name in EXTRA} == EXTRA
    assert "999990019" not in caplog.text


async def test_another_error_of_the_publisher_is_not_turned_into_a_503() -> None:
    # An unexpected failure is the gateway's 500 (tests/producers/test_gateway.py), not a "retry later".
    with pytest.raises(RuntimeError):
        await hand_over(
            Publisher(RuntimeError("boom")),
            BODY,
            bericht_id="c" * 32,
            received_at=RECEIVED,
            key=None,
            extra=EXTRA,
        )
