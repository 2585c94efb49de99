"""What `hub demo` shows (consumers/demo.py), in-process and without a broker: the summary line a log gets, the live
table a terminal gets, the port it falls back to, when the log's first line is written, and how a stop ends it.

Pinned after a mutation pass; tests/test_demo.py runs the whole demo end to end (slow), these pin the figures.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import httpx
import pytest
import uvicorn
from prometheus_client import CollectorRegistry, Counter, Gauge
from rich.console import Console

from consumers import demo
from consumers.intake import HEADER_ID, HEADER_RECEIVED
from consumers.serve import Service


def fake_service() -> tuple[Service, Counter]:
    """A service whose registry holds the series the demo sums: hub_messages_total and the waiting gauges."""
    registry = CollectorRegistry()
    messages = Counter("hub_messages", "messages", ["bericht", "outcome"], registry=registry)
    messages.labels(bericht="JW301", outcome="accepted").inc(7)
    messages.labels(bericht="JW301", outcome="rejected").inc(2)
    messages.labels(bericht="JW305", outcome="accepted").inc(3)
    messages.labels(bericht="JW305", outcome="malformed").inc(1)
    messages.labels(bericht="JW302", outcome="accepted")  # a series at 0, as the hub creates every one
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


def test_the_live_table_has_a_row_per_bericht_that_counted_and_the_waiting_figures() -> None:
    service, _ = fake_service()
    console = Console(record=True, width=200, color_system=None)
    console.print(demo.summary(service, 21))
    lines = [line.split() for line in console.export_text().splitlines()]
    assert ["ijw-hub", "demo", "—", "21", "messages", "sent"] in lines
    header = next(line for line in lines if "bericht" in line)
    assert [w for w in header if w.isalpha()] == ["bericht", *demo.OUTCOMES]
    rows = [[w for w in line if w.isalnum()] for line in lines if line and line[0].startswith("JW")]
    # JW302's series is there at 0: no row for it.
    assert rows == [["JW301", "7", "2", "0", "0"], ["JW305", "3", "0", "0", "1"]]
    assert ["waiting", "now", "9", "above", "the", "3-month", "norm", "3"] in lines


def test_the_live_view_fits_a_24_row_terminal_below_the_urls() -> None:
    """Every type the demo sends counted, every other at 0: the view, the URLs printed above it, the make line
    and the demo-mode warning (two lines at 80 columns) fit 80x24, so the key is on screen all the time."""
    from hub.gi.catalog import GI_BERICHTEN
    from hub.ijw.catalog import BERICHTEN

    registry = CollectorRegistry()
    messages = Counter("hub_messages", "messages", ["bericht", "outcome"], registry=registry)
    for bericht, info in {**BERICHTEN, **GI_BERICHTEN}.items():
        for outcome in demo.OUTCOMES:
            messages.labels(bericht=bericht, outcome=outcome)
        if not info.is_retour and bericht != "GI102":  # what the simulator sends
            messages.labels(bericht=bericht, outcome="accepted").inc(12345)
    service = cast(Service, SimpleNamespace(runtime=SimpleNamespace(registry=registry)))
    console = Console(record=True, width=80, color_system=None)
    console.print(demo.summary(service, 123456))
    view = console.export_text().splitlines()
    assert len(view) + 4 + 2 + 1 + 1 <= 24, "\n".join(view)  # 4 URLs, the warning, make's line, the cursor
    assert max(len(line) for line in view) <= 80


def test_a_port_in_use_falls_back_to_a_free_one_a_free_port_is_kept() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        other = demo._free(port)
        # One the system hands out (ephemeral, unprivileged), not a fixed one that may be taken too.
        assert other != port and other >= 1024
    assert demo._free(other) == other


def test_a_port_a_stopped_demo_left_in_time_wait_is_kept() -> None:
    """The server closes first, so its side of the connection waits out TIME-WAIT (a minute) on the port: the
    listener that binds with SO_REUSEADDR, as uvicorn does, may take it all the same."""
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)) as client:
            served, _ = listener.accept()
            served.close()  # the server's active close
            client.recv(1)  # its FIN arrives; the client closes in turn at the end of the block
    time.sleep(0.1)
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind(("127.0.0.1", port))  # what the old probe did: refused, though a server could listen
    assert demo._free(port) == port


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
    # Narrower than the line: a log keeps it on one line all the same (one summary, one log line).
    console = Console(record=True, width=40, color_system=None, force_terminal=False)
    shown = demo._Shown(service, console, live=False)
    assert shown.interval == 60.0 and shown.view is None
    shown.start()
    await shown.update(21)
    shown.stop()
    assert console.export_text() == demo.summary_line(service, 21) + "\n"


async def test_on_a_terminal_the_view_is_redrawn_each_second() -> None:
    service, _ = fake_service()
    console = Console(record=True, width=200, color_system=None, force_terminal=True)
    shown = demo._Shown(service, console, live=True)
    assert shown.interval == 1.0 and shown.view is not None
    shown.start()
    try:
        view: Any = shown.view
        # The table from the start, before the history is sent (which takes a while).
        first = Console(record=True, width=200, color_system=None)
        first.print(view.renderable)
        text = first.export_text()
        assert "ijw-hub demo — 0 messages sent" in text
        await shown.update(21)
        assert view.is_started
    finally:
        shown.stop()
    assert not view.is_started
    assert "21 messages sent" in console.export_text()


# ---- run_demo with its parts replaced: what it prints, publishes and sends ---------------------------------------


class Demo:
    """The parts run_demo drives, as fakes: simulator, service (broker, registry), uvicorn server and HTTP sender."""

    def __init__(self, monkeypatch: Any, tmp_path: Path, history: int = 3, live: int = 1000) -> None:
        self.published: list[tuple[bytes, str, bytes, dict[str, str]]] = []
        self.sent: list[tuple[str, str, str]] = []
        self.settings: list[Any] = []
        self.roles: list[tuple[str, ...]] = []
        self.configs: list[Any] = []
        self.sim_configs: list[Any] = []
        self.servers: list[Any] = []
        self.send_error: BaseException | None = None  # what sending live traffic raises
        self.refuse: BaseException | None = None  # what the server raises instead of starting
        # Where a Ctrl-C stops the server ("publish": while the history goes out, "send": in the live traffic).
        # uvicorn's handler sets should_exit, closes the port and stops the hub: what the demo does next fails.
        self.stop_at: str | None = None
        demo_ = self
        registry = CollectorRegistry()
        judged = Counter("hub_messages", "messages", ["bericht", "outcome"], registry=registry)

        async def publish(xml: bytes, topic: str, *, key: bytes, headers: dict[str, str]) -> None:
            if demo_.stop_at == "publish" and demo_.published:
                demo_.servers[0].should_exit = True
                raise RuntimeError("ProducerClosed")
            demo_.published.append((xml, topic, key, headers))
            # The intake judges it a moment later, as the real one does.
            asyncio.get_running_loop().call_later(0.2, judged.labels(bericht="JW301", outcome="accepted").inc)

        runtime = SimpleNamespace(
            broker=SimpleNamespace(publish=publish), topics=SimpleNamespace(inbound="ijw.berichten.inkomend")
        )
        runtime.registry = registry

        def build_service(settings: Any, _broker: Any, roles: tuple[str, ...]) -> Any:
            demo_.settings.append(settings)
            demo_.roles.append(roles)
            return SimpleNamespace(runtime=runtime, app=object())

        def bericht(i: int) -> SimpleNamespace:
            return SimpleNamespace(
                xml=b"<b%d/>" % i, key=f"0200:1234{i}", bestandsnaam=f"b{i}.xml", dagtekening=None
            )

        class Simulator:
            def __init__(self, config: Any) -> None:
                demo_.sim_configs.append(config)
                self.wereld = SimpleNamespace(
                    gemeenten=[SimpleNamespace(code="0200")],
                    aanbieders=[SimpleNamespace(agb="12345678")],
                    gis=[SimpleNamespace(agb="87654321")],
                )

            def run(self) -> Any:
                return iter([bericht(i) for i in range(history)])

            def live(self) -> Any:
                return iter([bericht(100 + i) for i in range(live)])

        class Server:
            def __init__(self, config: Any) -> None:
                demo_.configs.append(config)
                demo_.servers.append(self)
                self.started = False
                self.should_exit = False
                self.stopped = False

            async def serve(self) -> None:
                await asyncio.sleep(0.05)
                if demo_.refuse is not None:
                    raise demo_.refuse
                self.started = True
                while not self.should_exit:
                    await asyncio.sleep(0.01)
                await asyncio.sleep(0.05)  # the lifespan shutdown: the hub's consumers finish
                self.stopped = True

        def send_http(items: list[Any], base: str, api_key: str) -> list[Any]:
            if demo_.send_error is not None:
                raise demo_.send_error
            if demo_.stop_at == "send" and demo_.sent:
                demo_.servers[0].should_exit = True
                raise httpx.ConnectError("[Errno 111] Connection refused")
            demo_.sent.extend((item.path.name, base, api_key) for item in items)
            return []

        def mkdtemp(prefix: str) -> str:
            assert prefix == "ijw-hub-demo-"  # README.md: retouren /tmp/ijw-hub-demo-…/outbox
            return str(tmp_path)

        monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
        monkeypatch.setattr(demo, "build_service", build_service)
        monkeypatch.setattr(demo, "Simulator", Simulator)
        monkeypatch.setattr(uvicorn, "Server", Server)
        monkeypatch.setattr(demo, "send_http", send_http)


async def test_the_demo_says_where_to_look_publishes_the_history_and_sends_live_traffic(
    monkeypatch: Any, tmp_path: Path
) -> None:
    fakes = Demo(monkeypatch, tmp_path, history=3, live=2)
    # Narrower than its lines, as a log may be: each URL and each summary stays one line.
    console = Console(record=True, width=50, color_system=None, force_terminal=False)
    ready: list[tuple[str, bool]] = []
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    await asyncio.wait_for(
        demo.run_demo(
            seed=7,
            port=port,
            speed=100.0,
            error_rate=0.05,
            console=console,
            on_ready=lambda base: ready.append((base, fakes.servers[0].started)),
        ),
        timeout=20,
    )
    ((seed, error_rate),) = [(c.seed, c.error_rate) for c in fakes.sim_configs]
    assert (seed, error_rate) == (7, 0.05)
    base = f"http://127.0.0.1:{port}"
    assert ready == [(base, True)]  # only once the server listens
    (settings,) = fakes.settings
    assert fakes.roles == [("all",)] and settings.demo is True and settings.http_port == port
    (api_key,) = json.loads(settings.api_keys.get_secret_value())
    assert api_key.startswith("demo-")
    # Every sender code of the simulated world may use the key.
    assert json.loads(settings.api_keys.get_secret_value())[api_key] == ["0200", "12345678", "87654321"]
    assert settings.database_url == f"sqlite:///{tmp_path / 'demo.sqlite'}"  # a fresh SQLite file
    (config,) = fakes.configs
    assert (config.host, config.port) == ("127.0.0.1", port)
    # In a log: the URLs first (README.md), then a summary line once the history is judged (not "accepted 0"),
    # and the last one.
    lines = console.export_text().splitlines()
    assert lines[:4] == [
        f"metrics  {base}/metrics",
        f"gateway  {base}/berichten  (X-API-Key: {api_key})",
        f"API docs {base}/docs",
        f"retouren {settings.retour_dir}",
    ]
    assert settings.retour_dir == tmp_path / "outbox"
    assert re.match(r"[35] messages sent: accepted 3,", lines[4]), lines[4]
    assert lines[-1].startswith("5 messages sent: accepted 3,")
    # The history straight onto the inbound topic, keyed, with an id and a receipt time; then live over HTTP.
    assert [(xml, topic, key) for xml, topic, key, _ in fakes.published] == [
        (b"<b%d/>" % i, "ijw.berichten.inkomend", f"0200:1234{i}".encode()) for i in range(3)
    ]
    for *_, headers in fakes.published:
        assert set(headers) == {HEADER_ID, HEADER_RECEIVED} and len(headers[HEADER_ID]) == 32
    assert fakes.sent == [("b100.xml", base, api_key), ("b101.xml", base, api_key)]


async def test_a_duration_ends_the_live_traffic_and_a_taken_port_is_not_used(
    monkeypatch: Any, tmp_path: Path
) -> None:
    fakes = Demo(monkeypatch, tmp_path, history=0, live=100_000)
    console = Console(record=True, width=300, color_system=None, force_terminal=False)
    started = time.monotonic()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        await asyncio.wait_for(
            demo.run_demo(port=port, speed=20.0, duration=0.5, console=console), timeout=20
        )
    (settings,) = fakes.settings
    assert settings.http_port != port and fakes.configs[0].port == settings.http_port
    # Said before the URLs, as the README and prometheus-demo.yml assume 8080.
    lines = console.export_text().splitlines()
    assert lines[0] == (
        f"port {port} is in use: this demo listens on {settings.http_port} instead (the README's curl lines "
        "and deploy/prometheus/prometheus-demo.yml assume 8080)"
    )
    assert lines[1] == f"metrics  http://127.0.0.1:{settings.http_port}/metrics"
    assert {base for _, base, _ in fakes.sent} == {f"http://127.0.0.1:{settings.http_port}"}
    # In a log: the four URLs, one summary line at the start and one at the end (the next would be a minute on).
    summaries = [line for line in lines if " messages sent: " in line]
    assert len(summaries) == 2, summaries
    assert time.monotonic() - started < 5
    assert 1 <= len(fakes.sent) <= 15  # about duration x speed, not the endless live traffic
    assert lines[-1].startswith(f"{len(fakes.sent)} messages sent: ")
    assert fakes.servers[0].stopped  # it returns once the server (and the hub in it) has shut down


async def test_without_a_console_the_demo_writes_to_stderr(
    monkeypatch: Any, tmp_path: Path, capsys: Any
) -> None:
    Demo(monkeypatch, tmp_path, history=1, live=1)
    await asyncio.wait_for(demo.run_demo(speed=100.0), timeout=20)
    out, err = capsys.readouterr()
    assert out == ""
    assert "metrics  http://127.0.0.1:" in err and "(X-API-Key: demo-" in err and " messages sent: " in err


async def test_a_server_that_cannot_start_ends_the_demo_with_its_error(
    monkeypatch: Any, tmp_path: Path
) -> None:
    fakes = Demo(monkeypatch, tmp_path)
    fakes.refuse = OSError("address in use")
    console = Console(record=True, width=300, color_system=None, force_terminal=False)
    with pytest.raises(OSError, match="address in use"):
        await asyncio.wait_for(demo.run_demo(console=console), timeout=20)
    assert console.export_text() == ""  # no URLs of a server that is not there


@pytest.mark.parametrize("live_ui", [True, False])
async def test_on_a_terminal_the_demo_shows_the_live_table_unless_told_not_to(
    monkeypatch: Any, tmp_path: Path, live_ui: bool
) -> None:
    Demo(monkeypatch, tmp_path, history=2, live=1)
    console = Console(record=True, width=200, color_system=None, force_terminal=True)
    await asyncio.wait_for(demo.run_demo(speed=100.0, live_ui=live_ui, console=console), timeout=20)
    text = console.export_text()
    # The URLs and the key first, printed once above the view: they stay on screen and in the scrollback.
    assert text.startswith("metrics  http://127.0.0.1:") and "(X-API-Key: demo-" in text.splitlines()[1]
    if live_ui:  # the table, redrawn in place; no log lines
        assert "ijw-hub demo — 3 messages sent" in text and " messages sent: " not in text
    else:  # --no-live: the log's plain lines, on a terminal too
        assert "ijw-hub demo —" not in text and "3 messages sent: accepted 2," in text


async def test_live_traffic_that_cannot_be_sent_ends_the_demo_with_its_error(
    monkeypatch: Any, tmp_path: Path
) -> None:
    fakes = Demo(monkeypatch, tmp_path, history=1, live=5)
    fakes.send_error = ValueError("refused")
    console = Console(record=True, width=300, color_system=None, force_terminal=False)
    with pytest.raises(ValueError, match="refused"):
        await asyncio.wait_for(demo.run_demo(speed=100.0, console=console), timeout=20)
    assert fakes.servers[0].should_exit  # the server is shut down all the same


@pytest.mark.parametrize("stop_at", ["publish", "send"])
async def test_a_stop_while_the_traffic_flows_ends_the_demo_quietly(
    monkeypatch: Any, tmp_path: Path, stop_at: str
) -> None:
    """Ctrl-C: uvicorn stops the server, so the next publish or POST fails; the demo ends without that error."""
    fakes = Demo(monkeypatch, tmp_path, history=3, live=100)
    fakes.stop_at = stop_at
    console = Console(record=True, width=300, color_system=None, force_terminal=False)
    await asyncio.wait_for(demo.run_demo(speed=100.0, console=console), timeout=20)
    server = fakes.servers[0]
    assert server.should_exit and server.stopped  # the hub stopped as on any end
    assert len(fakes.published) == (1 if stop_at == "publish" else 3)
    assert len(fakes.sent) == (0 if stop_at == "publish" else 1)  # nothing sent after the stop


async def test_a_stop_before_the_server_serves_ends_the_demo_quietly(
    monkeypatch: Any, tmp_path: Path
) -> None:
    fakes = Demo(monkeypatch, tmp_path, history=3, live=1)
    console = Console(record=True, width=300, color_system=None, force_terminal=False)

    async def stopped() -> None:  # uvicorn told to stop while the hub starts: it starts, then shuts down
        await asyncio.sleep(0.01)

    monkeypatch.setattr(
        uvicorn, "Server", lambda config: SimpleNamespace(started=False, should_exit=True, serve=stopped)
    )
    await asyncio.wait_for(demo.run_demo(console=console), timeout=20)
    assert console.export_text() == "" and fakes.published == [] and fakes.sent == []
