"""producers.tracking: the gateway's memory of the ids it accepted is bounded (README: at most 10,000)."""

from __future__ import annotations

from datetime import UTC, datetime

from producers.ids import BerichtIds
from producers.tracking import RECENT_IDS, Received, Tracking


def test_the_recent_ids_keep_the_newest_10_000_and_forget_the_oldest_first() -> None:
    tracking = Tracking(sessions=None, ids=BerichtIds(b"k" * 32))  # type: ignore[arg-type]  # no store read here
    received = Received("JW301", "0200", "JW301261102", datetime(2026, 11, 23, tzinfo=UTC))
    for n in range(10_001):
        tracking.remember(f"{n:032x}", received)
    assert RECENT_IDS == 10_000 and len(tracking.recent) == 10_000
    assert tracking.seen(f"{0:032x}") is None  # the oldest made room
    assert tracking.seen(f"{1:032x}") is received and tracking.seen(f"{10_000:032x}") is received
