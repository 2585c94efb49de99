"""`hub demo` (what `make demo` runs): the whole hub on a laptop with simulated traffic and a live summary.

Embedded broker, a fresh SQLite file, gateway, intake, processors and /metrics in one process. Nine months of
history go straight onto the inbound topic (fast), then live traffic dated today comes in through the HTTP
gateway like a backoffice would send it. The terminal shows what flows and the URLs to open.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from pydantic import SecretStr
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from uvicorn.config import STARTUP_FAILURE

from consumers.broker import BrokerSettings
from consumers.intake import HEADER_ID, HEADER_RECEIVED
from consumers.serve import Service, build_service, stop_on_failure
from hub.gi.synth import AANBIEDER, GEMEENTE, GI_AGB
from hub.settings import HubSettings
from hub.synth.simulate import SimBericht, SimConfig, Simulator
from producers.ingest import Input, send_http


def _free(port: int) -> int:
    """`port` when the server can listen on it, else one the system hands out.

    The probe binds as uvicorn does, with SO_REUSEADDR: without it the TIME-WAIT connections a demo stopped a
    minute ago left on the port count as in use, and a quick restart moved off 8080 for nothing.
    """
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])


def _sample_sum(service: Service, name: str, **labels: str) -> float:
    total = 0.0
    for family in service.runtime.registry.collect():
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total


def _tallies(service: Service) -> tuple[dict[tuple[str, str], float], float, float]:
    """Messages by (bericht, outcome), children waiting now, and those waiting above the 3-month norm."""
    counts: dict[tuple[str, str], float] = {}
    waiting = above = 0.0
    for family in service.runtime.registry.collect():
        for s in family.samples:
            if s.name == "hub_messages_total":
                key = (s.labels["bericht"], s.labels["outcome"])
                counts[key] = counts.get(key, 0) + s.value
            elif s.name == "jeugdhulp_wachtend":
                waiting += s.value
            elif s.name == "jeugdhulp_wachtend_boven_norm":
                above += s.value
    return counts, waiting, above


OUTCOMES = ("accepted", "rejected", "duplicate", "malformed")


async def _judged(service: Service, count: int, feeding: asyncio.Task[None], *, timeout: float) -> None:
    """Wait until the intake has judged `count` messages, the feeding ended, or `timeout` seconds passed."""
    deadline = time.monotonic() + timeout
    while not feeding.done() and time.monotonic() < deadline:
        if await asyncio.to_thread(_sample_sum, service, "hub_messages_total") >= count:
            return
        await asyncio.sleep(0.5)


def summary(service: Service, sent: int) -> Group:
    """Messages per type and outcome, waiting now and above norm: short enough for a 24-row terminal."""
    counts, waiting, above = _tallies(service)
    # No edge lines, and a row only for a type that has counted something: every type's series exists from the
    # start at 0, and the retourberichten (JW302, ..., GI101) the demo never sends would be rows of zeros.
    table = Table(title=f"ijw-hub demo — {sent} messages sent", expand=False, show_edge=False)
    for column in ("bericht", *OUTCOMES):
        table.add_column(column, justify="right" if column != "bericht" else "left")
    for bericht in sorted({b for (b, _), n in counts.items() if n}):
        table.add_row(bericht, *(str(int(counts.get((bericht, o), 0))) for o in OUTCOMES))
    status = Table.grid(padding=(0, 2))
    status.add_row("waiting now", f"{int(waiting)}", "above the 3-month norm", f"{int(above)}")
    return Group(table, status)


def summary_line(service: Service, sent: int) -> str:
    """The summary on one line, for a log."""
    counts, waiting, above = _tallies(service)
    per_outcome = ", ".join(f"{o} {int(sum(v for (_, k), v in counts.items() if k == o))}" for o in OUTCOMES)
    return f"{sent} messages sent: {per_outcome}; waiting now {int(waiting)}, above the 3-month norm {int(above)}"


async def run_demo(
    *,
    seed: int = 1,
    port: int = 8080,
    speed: float = 2.0,
    duration: float | None = None,
    live_ui: bool = True,
    error_rate: float = 0.02,
    console: Console | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> int:
    """Run the demo until `duration` ends or the server is told to stop (Ctrl-C, SIGTERM), then stop the hub.

    A stop is the demo's normal end: it returns 0 (uvicorn then raises the signal again) rather than fail; 3 when
    the embedded broker died (the runtime logged why).
    """
    console = console or Console(stderr=True)
    sim = Simulator(SimConfig(seed=seed, clienten=250, error_rate=error_rate))
    api_key = f"demo-{secrets.token_hex(6)}"
    wanted, port = port, _free(port)
    settings = _settings(sim, api_key, port)
    service = build_service(settings, BrokerSettings(), ("all",))
    server = uvicorn.Server(uvicorn.Config(service.app, host="127.0.0.1", port=port, log_config=None))
    failed: list[
        BaseException
    ] = []  # its embedded broker died (the runtime logged why): it stops as `hub run` does
    service.runtime.on_consumers_failed = stop_on_failure(server, failed)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            await serving  # raises what went wrong; returns when stopped before it served
            return STARTUP_FAILURE if failed else 0
        await asyncio.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    if port != wanted:
        console.print(
            f"port {wanted} is in use: this demo listens on {port} instead (the README's curl lines and "
            "deploy/prometheus/prometheus-demo.yml assume 8080)",
            highlight=False,
            soft_wrap=True,
        )
    # Printed before any live view, so the key stays on screen and in the scrollback, steady enough to copy.
    console.print("\n".join(_urls(base, api_key, settings)), highlight=False, soft_wrap=True)
    if on_ready is not None:
        on_ready(base)
    # rich draws a Live view only on a terminal (elsewhere it shows it once, at exit): in a log, plain lines.
    shown = _Shown(service, console, live_ui and console.is_terminal)
    shown.start()
    traffic = asyncio.create_task(
        _traffic(sim, service, shown, base, api_key, speed=speed, duration=duration)
    )
    try:
        await _while_serving(traffic, server)
    finally:
        traffic.cancel()
        shown.stop()
        server.should_exit = True
        await serving
    return STARTUP_FAILURE if failed else 0


def _urls(base: str, api_key: str, settings: HubSettings) -> list[str]:
    return [
        f"metrics  {base}/metrics",
        f"gateway  {base}/berichten  (X-API-Key: {api_key})",
        f"API docs {base}/docs",
        f"retouren {settings.retour_dir}",
    ]


async def _while_serving(traffic: asyncio.Task[None], server: uvicorn.Server) -> None:
    """Await `traffic` until the server is told to stop; once it is, what the traffic fails with is that stop.

    uvicorn's own SIGINT/SIGTERM handler sets should_exit and closes the port, then stops the hub and its
    broker: a POST or publish in flight then fails (connection refused, producer closed), and that is no error.
    """
    while not traffic.done() and not server.should_exit:
        await asyncio.wait({traffic}, timeout=0.1)
    if not server.should_exit:
        await traffic  # the end of a --duration run, or what went wrong
    elif traffic.done() and not traffic.cancelled():
        traffic.exception()  # retrieved, so asyncio does not log it as never retrieved


async def _traffic(
    sim: Simulator,
    service: Service,
    shown: _Shown,
    base: str,
    api_key: str,
    *,
    speed: float,
    duration: float | None,
) -> None:
    """The history straight onto the inbound topic, then live traffic through the gateway; the summary shown."""
    history = list(sim.run())
    await _publish(service, history)  # the past, straight onto the inbound topic
    sent = len(history)
    live_traffic = sim.live()
    started = time.monotonic()

    async def feed() -> None:
        nonlocal sent
        while duration is None or time.monotonic() - started < duration:
            b = next(live_traffic, None)
            if b is None:
                break
            item = Input(Path(b.bestandsnaam), b.xml, b.dagtekening, b.key)
            await asyncio.to_thread(send_http, [item], base, api_key)
            sent += 1
            await asyncio.sleep(1 / speed)

    feeding = asyncio.create_task(feed())
    try:
        if shown.view is None:  # a log's first line says something only once the history is judged
            await _judged(service, len(history), feeding, timeout=shown.interval)
        while not feeding.done():
            await shown.update(sent)
            await asyncio.wait({feeding}, timeout=shown.interval)
        await feeding
        await shown.update(sent)  # where a --duration ends it: the last figures, also in a log
    finally:
        feeding.cancel()


def _settings(sim: Simulator, api_key: str, port: int) -> HubSettings:
    """A throwaway hub: SQLite and the outbox in a fresh temporary directory, one key for every party.

    The key also holds the senders of examples/ (the builders' defaults), so a newcomer can post those.
    """
    world = sim.wereld
    codes = [g.code for g in world.gemeenten] + [a.agb for a in world.aanbieders] + [g.agb for g in world.gis]
    codes += [c for c in (GEMEENTE, AANBIEDER, GI_AGB) if c not in codes]
    tmp = Path(tempfile.mkdtemp(prefix="ijw-hub-demo-"))
    return HubSettings().model_copy(
        update={
            "demo": True,
            "api_keys": SecretStr(json.dumps({api_key: codes})),
            "database_url": f"sqlite:///{tmp / 'demo.sqlite'}",
            "http_port": port,
            "retour_dir": tmp / "outbox",
        }
    )


async def _publish(service: Service, history: list[SimBericht]) -> None:
    for b in history:
        await service.runtime.broker.publish(
            b.xml,
            service.runtime.topics.inbound,
            key=b.key.encode(),
            headers={HEADER_ID: secrets.token_hex(16), HEADER_RECEIVED: datetime.now(UTC).isoformat()},
        )


class _Shown:
    """The summary as it is shown: redrawn each second on a terminal, a plain line each minute in a log."""

    def __init__(self, service: Service, console: Console, live: bool) -> None:
        self.service = service
        self.console = console
        self.interval = 1.0 if live else 60.0
        self.view = Live(console=console, refresh_per_second=1) if live else None

    def start(self) -> None:
        if self.view is not None:
            self.view.start()
            self.view.update(summary(self.service, 0))

    async def update(self, sent: int) -> None:
        if self.view is not None:
            self.view.update(await asyncio.to_thread(summary, self.service, sent))
        else:
            self.console.print(
                await asyncio.to_thread(summary_line, self.service, sent), highlight=False, soft_wrap=True
            )

    def stop(self) -> None:
        if self.view is not None:
            self.view.stop()
