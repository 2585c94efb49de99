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

from consumers.broker import BrokerSettings
from consumers.intake import HEADER_ID, HEADER_RECEIVED
from consumers.serve import Service, build_service
from hub.settings import HubSettings
from hub.synth.simulate import SimConfig, Simulator
from producers.ingest import Input, send_http


def _free(port: int) -> int:
    with socket.socket() as s:
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


def summary(service: Service, urls: list[str], sent: int) -> Group:
    """Messages per type and outcome, waiting now, above norm, and where to look."""
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
    table = Table(title=f"ijw-hub demo — {sent} messages sent", expand=False)
    for column in ("bericht", "accepted", "rejected", "duplicate", "malformed"):
        table.add_column(column, justify="right" if column != "bericht" else "left")
    for bericht in sorted({b for b, _ in counts}):
        table.add_row(
            bericht,
            *(
                str(int(counts.get((bericht, o), 0)))
                for o in ("accepted", "rejected", "duplicate", "malformed")
            ),
        )
    status = Table.grid(padding=(0, 2))
    status.add_row("waiting now", f"{int(waiting)}", "above the 3-month norm", f"{int(above)}")
    links = Table.grid(padding=(0, 2))
    for url in urls:
        links.add_row(url)
    return Group(table, status, links)


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
) -> None:
    console = console or Console(stderr=True)
    sim = Simulator(SimConfig(seed=seed, clienten=250, error_rate=error_rate))
    world = sim.wereld
    codes = [g.code for g in world.gemeenten] + [a.agb for a in world.aanbieders] + [g.agb for g in world.gis]
    api_key = f"demo-{secrets.token_hex(6)}"
    tmp = tempfile.mkdtemp(prefix="ijw-hub-demo-")
    port = _free(port)
    settings = HubSettings().model_copy(
        update={
            "demo": True,
            "api_keys": SecretStr(json.dumps({api_key: codes})),
            "database_url": f"sqlite:///{Path(tmp) / 'demo.sqlite'}",
            "http_port": port,
            "retour_dir": Path(tmp) / "outbox",
        }
    )
    service = build_service(settings, BrokerSettings(), ("all",))
    server = uvicorn.Server(uvicorn.Config(service.app, host="127.0.0.1", port=port, log_config=None))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            await serving  # raises what went wrong
        await asyncio.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    urls = [
        f"metrics  {base}/metrics",
        f"gateway  {base}/berichten  (X-API-Key: {api_key})",
        f"API docs {base}/docs",
        f"retouren {settings.retour_dir}",
    ]
    if on_ready is not None:
        on_ready(base)
    history = list(sim.run())
    for b in history:  # the past, straight onto the inbound topic
        await service.runtime.broker.publish(
            b.xml,
            service.runtime.topics.inbound,
            key=b.key.encode(),
            headers={HEADER_ID: secrets.token_hex(16), HEADER_RECEIVED: datetime.now(UTC).isoformat()},
        )
    sent = len(history)
    live = sim.live()
    started = time.monotonic()

    async def feed() -> None:
        nonlocal sent
        while duration is None or time.monotonic() - started < duration:
            b = next(live, None)
            if b is None:
                break
            item = Input(Path(b.bestandsnaam), b.xml, b.dagtekening, b.key)
            await asyncio.to_thread(send_http, [item], base, api_key)
            sent += 1
            await asyncio.sleep(1 / speed)

    feeding = asyncio.create_task(feed())
    try:
        if live_ui:
            with Live(console=console, refresh_per_second=1) as view:
                while not feeding.done():
                    view.update(await asyncio.to_thread(summary, service, urls, sent))
                    await asyncio.sleep(1)
        else:
            console.print("\n".join(urls))
            await feeding
    finally:
        feeding.cancel()
        server.should_exit = True
        await serving
