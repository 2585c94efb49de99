"""What `hub demo` shows (consumers/demo.py), in-process and without a broker: the summary line a log gets, the live
table a terminal gets, the port it falls back to, and when the log's first line is written.

Pinned after a mutation pass; tests/test_demo.py runs the whole demo end to end (slow), these pin the figures.
"""

from __future__ import annotations

import asyncio
import socket
from types import SimpleNamespace
from typing import Any, cast

from prometheus_client import CollectorRegistry, Counter, Gauge
from rich.console import Console

from consumers import demo
from consumers.serve import Service

URLS = [
    "metrics  http://127.0.0.1:8080/metrics",
    "gateway  http://127.0.0.1:8080/berichten  (X-API-Key: demo-x)",
]


def fake_service() -> tuple[Service, Counter]:
    """A service whose registry holds the series the demo sums: hub_messages_total and the waiting gauges."""
    registry = CollectorRegistry()
    messages = Counter("hub_messages", "messages", ["bericht", "outcome"], registry=registry)
    messages.labels(bericht="JW301", outcome="accepted").inc(7)
    messages.labels(bericht="JW301", outcome="rejected").inc(2)
    messages.labels(bericht="JW305", outcome="accepted").inc(3)
    messages.labels(bericht="JW305", outcome="malformed").inc(1)
    waiting = Gauge("jeugdhulp_wachtend", "waiting", ["stage"], registry=registry)
    waiting.labels(stage="toewijzing").set(4)
    waiting.labels(stage="verzoek").set(5)
    above = Gauge("jeugdhulp_wachtend_boven_norm", "above", ["stage"], registry=registry)
    above.labels(stage="toewijzing").set(1)
    above.labels(stage="verzoek").set(2)
    # Another series whose labels also say "accepted": not a message count.
    Counter("hub_retour", "retour", ["outcome"], registry=registry).labels(outcome="accepted").inc(100)
    return cast(Service, SimpleNamespace(runtime=SimpleNamespace(registry=registry))), messages


def test_the_summary_line_sums_outcomes_over_all_berichten_and_the_waiting_stages() -> None:
    service, _ = fake_service()
    # The line README.md shows for a log.
    assert demo.summary_line(service, 21) == (
        "21 messages sent: accepted 10, rejected 2, duplicate 0, malformed 1; waiting now 9, above the 3-month norm 3"
    )


def test_the_live_table_has_a_row_per_bericht_the_waiting_figures_and_the_urls() -> None:
    service, _ = fake_service()
    console = Console(record=True, width=200, color_system=None)
    console.print(demo.summary(service, URLS, 21))
    lines = [line.split() for line in console.export_text().splitlines()]
    assert ["ijw-hub", "demo", "—", "21", "messages", "sent"] in lines
    header = next(line for line in lines if "bericht" in line)
    assert [w for w in header if w.isalpha()] == ["bericht", *demo.OUTCOMES]
    rows = [[w for w in line if w.isalnum()] for line in lines if line and line[0] in ("│", "┃")]
    assert ["JW301", "7", "2", "0", "0"] in rows and ["JW305", "3", "0", "0", "1"] in rows
    assert ["waiting", "now", "9", "above", "the", "3-month", "norm", "3"] in lines
    for url in URLS:
        assert url.split() in lines


def test_a_taken_port_falls_back_to_a_free_one_a_free_port_is_kept() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        other = demo._free(port)
        # One the system hands out (ephemeral, unprivileged), not a fixed one that may be taken too.
        assert other != port and other >= 1024
    assert demo._free(other) == other


async def test_the_log_waits_for_the_history_to_be_judged_but_not_longer_than_the_feeding() -> None:
    service, messages = fake_service()  # 13 messages judged
    feeding: asyncio.Task[None] = asyncio.create_task(asyncio.sleep(30))
    try:
        await asyncio.wait_for(demo._judged(service, 13, feeding, timeout=30), timeout=5)  # already there
        waiting = asyncio.create_task(demo._judged(service, 14, feeding, timeout=30))
        await asyncio.sleep(0.1)
        assert not waiting.done()
        messages.labels(bericht="JW315", outcome="duplicate").inc()
        await asyncio.wait_for(waiting, timeout=5)
        # Not reached: it stops at the timeout.
        await asyncio.wait_for(demo._judged(service, 99, feeding, timeout=0.2), timeout=5)
    finally:
        feeding.cancel()
    # Not reached and the feeding ended: it stops at once.
    await asyncio.wait_for(demo._judged(service, 99, feeding, timeout=30), timeout=5)


async def test_in_a_log_each_update_prints_the_summary_line_once_a_minute() -> None:
    service, _ = fake_service()
    console = Console(record=True, width=300, color_system=None, force_terminal=False)
    shown = demo._Shown(service, URLS, console, live=False)
    assert shown.interval == 60.0 and shown.view is None
    shown.start()
    await shown.update(21)
    shown.stop()
    assert console.export_text() == demo.summary_line(service, 21) + "\n"


async def test_on_a_terminal_the_view_is_redrawn_each_second() -> None:
    service, _ = fake_service()
    console = Console(record=True, width=200, color_system=None, force_terminal=True)
    shown = demo._Shown(service, URLS, console, live=True)
    assert shown.interval == 1.0 and shown.view is not None
    shown.start()
    try:
        await shown.update(21)
        view: Any = shown.view
        assert view.is_started
    finally:
        shown.stop()
    assert not view.is_started
    assert "21 messages sent" in console.export_text()
