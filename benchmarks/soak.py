"""Soak: `hub run --role all` under steady traffic for a long while, its resident memory over time.

The service as benchmarks/pipeline.py runs it (its Service: a child process on an embedded Tansu broker that this
script starts, a fresh SQLite store or, with --database postgresql, a new PostgreSQL database) takes simulated
traffic at a steady --rate for --duration seconds: the simulator's full mix (iJw and GI, every message type, about
2% deliberate errors) over all jeugdregio's, 200 aanbieders and many client stories dated over the last three
years, so the store and every per-pair, per-client and per-sender path grow as in service (the simulator's test
range has about 900 BSNs: a client is a BSN within a gemeente). Each pair (gemeente:aanbieder) goes through one
door, so its order holds: a --http-share of the pairs is POSTed to the gateway, the rest published on the inbound
topic. /metrics is scraped every --scrape seconds, as Prometheus would. Every --interval seconds the script samples
the resident set (VmRSS, /proc) of the hub process, with its heap's share (RssAnon: without the mapped libraries
and files), and, apart, that of Tansu, whose memory grows by design (it keeps every record in memory), and prints
them; at the end the hub's slope after --warm-up, in MiB per 10,000 messages judged and per hour, by least squares.

--tracemalloc N (a debugging run, slower): the hub runs with PYTHONTRACEMALLOC=N and a SIGUSR1 handler that dumps a
tracemalloc snapshot; the script takes one when the warm-up ends and one at the end and prints the source lines
whose Python allocations grew most between them.
Run: `.venv/bin/python benchmarks/soak.py` (options: --duration, --rate, --http-share, --interval, --warm-up,
--database, --scrape, --tracemalloc).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import signal
import statistics
import tempfile
import time
import tracemalloc
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
from pipeline import API_KEY, Message, Service, post_raw, publish_kafka  # benchmarks/pipeline.py, beside this
from stores import throwaway_database  # benchmarks/stores.py, beside this

from consumers.embedded import EmbeddedBroker
from hub.reference.gemeenten import load_gemeenten
from hub.synth.simulate import SimConfig, Simulator

TICK = 2.0  # seconds between two rounds of sending
MESSAGES_PER_CLIENT = 10  # the simulator's stories over three years give about 11.5 messages per client

# Loaded by the hub's interpreter in a --tracemalloc run only (PYTHONPATH): SIGUSR1 dumps a snapshot.
_SITECUSTOMIZE = """
import os, signal, tracemalloc

def _dump(signum, frame):
    folder = os.environ["SOAK_TRACEMALLOC_DIR"]
    n = sum(1 for name in os.listdir(folder) if name.endswith(".snapshot"))
    path = os.path.join(folder, f"{n:03d}.snapshot")
    tracemalloc.take_snapshot().dump(path + ".part")
    os.replace(path + ".part", path)

if tracemalloc.is_tracing():
    signal.signal(signal.SIGUSR1, _dump)
"""


def status_mib(pid: int, field: str = "VmRSS") -> float:
    """A size from /proc/PID/status in MiB: VmRSS (resident), RssAnon (its heap part), VmHWM (peak); NaN when
    the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ys over xs (NaN with fewer than two distinct xs)."""
    if len(set(xs)) < 2:
        return float("nan")
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def simulator(messages: int) -> Simulator:
    """Client stories enough for about `messages` messages, over every jeugdregio, dated up to today."""
    regios = tuple(sorted({g.jeugdregio for g in load_gemeenten().values() if g.jeugdregio}))
    today = date.today()
    config = SimConfig(
        seed=1,
        regios=regios,
        aanbieders=200,
        clienten=max(200, math.ceil(messages / MESSAGES_PER_CLIENT)),
        start=today - timedelta(days=3 * 365),
        tot=today,
    )
    return Simulator(config, today=lambda: today)


def senders(sim: Simulator) -> list[str]:
    """Every code that sends in the simulated world: the API key is bound to all of them."""
    world = sim.wereld
    return sorted(
        {g.code for g in world.gemeenten} | {a.agb for a in world.aanbieders} | {g.agb for g in world.gis}
    )


def via_http(key: str, share: float) -> bool:
    """Whether a pair's messages go through the gateway: a stable choice per pair, so its order holds."""
    return zlib.crc32(key.encode()) % 1000 < share * 1000


@dataclass
class Sample:
    seconds: float
    sent: int
    judged: int
    hub_mib: float
    hub_anon_mib: float  # the heap's share of hub_mib (RssAnon: not the mapped libraries and files)
    tansu_mib: float

    @classmethod
    def of(cls, seconds: float, sent: int, judged: int, hub: int, tansu: int) -> Sample:
        return cls(seconds, sent, judged, status_mib(hub), status_mib(hub, "RssAnon"), status_mib(tansu))

    def row(self) -> str:
        return (
            f"{self.seconds:6.0f} {self.sent:8d} {self.judged:8d} {self.hub_mib:9.1f} {self.hub_anon_mib:9.1f} "
            f"{self.tansu_mib:10.1f}"
        )


@dataclass
class Traffic:
    """What has been sent; the messages come from the simulator as they are due."""

    stream: Iterator[Message]
    http_share: float
    sent: int = 0
    via_kafka: int = 0
    via_http: int = 0
    exhausted: bool = False

    def take(self, n: int) -> tuple[list[Message], list[Message]]:
        kafka: list[Message] = []
        http: list[Message] = []
        for _ in range(n):
            m = next(self.stream, None)
            if m is None:
                self.exhausted = True
                break
            (http if via_http(m.key, self.http_share) else kafka).append(m)
        self.sent += len(kafka) + len(http)
        self.via_kafka += len(kafka)
        self.via_http += len(http)
        return kafka, http


def messages_of(sim: Simulator) -> Iterator[Message]:
    for b in sim.run():
        yield Message(b.xml, b.key, uuid.uuid4().hex)


async def send(service: Service, bootstrap: str, traffic: Traffic, rate: float, until: float) -> None:
    """Every TICK seconds the messages due by then at `rate`; Kafka and HTTP side by side, each door in order."""
    start = time.monotonic()
    while not traffic.exhausted:
        now = time.monotonic()
        if now >= until:
            return
        due = int((now - start) * rate) - traffic.sent
        kafka, http = traffic.take(max(due, 0))
        jobs = []
        if kafka:
            jobs.append(publish_kafka(bootstrap, service.prefix, kafka))
        if http:  # one connection: a pair's messages are POSTed one after the other, in order
            jobs.append(post_raw("127.0.0.1", service.port, http, 1))
        await asyncio.gather(*jobs)
        await asyncio.sleep(max(0.0, TICK - (time.monotonic() - now)))


async def scrape(url: str, every: float, until: float, seconds: list[float]) -> None:
    """GET /metrics every `every` seconds, as Prometheus does; the time each scrape took goes to `seconds`."""
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        while time.monotonic() < until:
            begin = time.monotonic()
            response = await client.get("/metrics")
            response.raise_for_status()
            seconds.append(time.monotonic() - begin)
            await asyncio.sleep(max(0.0, every - (time.monotonic() - begin)))


async def sample(
    service: Service, tansu: EmbeddedBroker, traffic: Traffic, every: float, until: float, out: list[Sample]
) -> None:
    assert service.proc is not None
    start = time.monotonic()
    print(f"{'s':>6} {'sent':>8} {'judged':>8} {'hub MiB':>9} {'hub anon':>9} {'Tansu MiB':>10}", flush=True)
    while True:
        judged = await asyncio.to_thread(service.done)
        s = Sample.of(time.monotonic() - start, traffic.sent, judged, service.proc.pid, tansu.pid)
        out.append(s)
        print(s.row(), flush=True)
        if time.monotonic() + every > until:
            return
        await asyncio.sleep(every - (time.monotonic() - start) % every)


async def snapshot(service: Service, folder: Path, timeout: float = 300) -> Path:
    """Ask the hub (SIGUSR1) for a tracemalloc snapshot and wait until it is written."""
    assert service.proc is not None
    n = sum(1 for p in folder.glob("*.snapshot"))
    path = folder / f"{n:03d}.snapshot"
    service.proc.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no tracemalloc snapshot from the hub after {timeout:g} s")
        await asyncio.sleep(0.5)
    return path


def growth(first: Path, last: Path, top: int = 25, traced: int = 5) -> list[str]:
    """The source lines whose allocations grew most from one snapshot to the other, then the `traced` largest
    growths with their whole traceback (as many frames as --tracemalloc kept)."""
    ignore = [
        tracemalloc.Filter(False, "<frozen importlib._bootstrap*>"),
        tracemalloc.Filter(False, "<unknown>"),
    ]
    old = tracemalloc.Snapshot.load(str(first)).filter_traces(ignore)
    new = tracemalloc.Snapshot.load(str(last)).filter_traces(ignore)
    before, after = (sum(t.size for t in snap.traces) / 2**20 for snap in (old, new))
    lines = [f"traced Python allocations: {before:.1f} MiB -> {after:.1f} MiB"]
    lines += [str(stat) for stat in new.compare_to(old, "lineno")[:top]]
    for stat in new.compare_to(old, "traceback")[:traced]:
        lines.append(f"{stat.size_diff / 1024:+.1f} KiB in {stat.count_diff:+d} blocks, allocated at:")
        lines += [f"  {frame}" for frame in stat.traceback.format(most_recent_first=True)]
    return lines


def report(samples: list[Sample], warm_up: float, name: str, mib: str) -> None:
    """The slope after the warm-up, and over the second half of that alone: a cache that fills up to its bound
    raises the first and not the second, what grows without bound raises both."""
    after = [s for s in samples if s.seconds >= warm_up]
    if len(after) < 6:
        print(f"{name}: too few samples after the warm-up for a slope")
        return
    values = [getattr(s, mib) for s in after]
    print(
        f"{name}: {values[0]:.1f} MiB at {after[0].seconds:.0f} s ({after[0].judged} judged) -> "
        f"{values[-1]:.1f} MiB at {after[-1].seconds:.0f} s ({after[-1].judged} judged)"
    )
    for label, part in (("after the warm-up", after), ("second half", after[len(after) // 2 :])):
        ys = [getattr(s, mib) for s in part]
        per_message = slope([s.judged for s in part], ys) * 10_000
        per_hour = slope([s.seconds for s in part], ys) * 3600
        print(f"  slope {label}: {per_message:+.2f} MiB per 10k messages, {per_hour:+.1f} MiB per hour")


async def run(args: argparse.Namespace) -> None:
    expected = int(args.rate * args.duration)
    sim = simulator(expected)
    traffic = Traffic(messages_of(sim), args.http_share)
    print(
        f"soak: {args.duration:g} s at {args.rate:g} msg/s (about {expected} messages, {sim.config.clienten} client "
        f"stories, {args.http_share:.0%} of the pairs over HTTP, {args.database}), RSS every {args.interval:g} s, "
        f"/metrics every {args.scrape:g} s, warm-up {args.warm_up:g} s; {os.cpu_count()} CPUs",
        flush=True,
    )
    samples: list[Sample] = []
    scrapes: list[float] = []
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="hub-soak-"))
        tansu = stack.enter_context(EmbeddedBroker())
        database = (
            stack.enter_context(throwaway_database("bench_soak")) if args.database == "postgresql" else None
        )
        workdir = Path(tmp)
        service = Service(tansu.bootstrap, workdir, database, "soak")
        service.env["HUB_API_KEYS"] = json.dumps({API_KEY: senders(sim)})
        snapshots = workdir / "tracemalloc"
        if args.tracemalloc:
            snapshots.mkdir()
            (workdir / "sitecustomize.py").write_text(_SITECUSTOMIZE)
            service.env.update(
                PYTHONTRACEMALLOC=str(args.tracemalloc),
                PYTHONPATH=os.pathsep.join(filter(None, [str(workdir), os.environ.get("PYTHONPATH")])),
                SOAK_TRACEMALLOC_DIR=str(snapshots),
            )
        try:
            await service.start(tansu.bootstrap)
            until = time.monotonic() + args.duration
            jobs = [
                send(service, tansu.bootstrap, traffic, args.rate, until),
                sample(service, tansu, traffic, args.interval, until, samples),
            ]
            if args.scrape > 0:
                jobs.append(scrape(service.url, args.scrape, until, scrapes))
            if args.tracemalloc:

                async def at_warm_up() -> None:
                    await asyncio.sleep(args.warm_up)
                    await snapshot(service, snapshots)

                jobs.append(at_warm_up())
            await asyncio.gather(*jobs)
            if traffic.exhausted:
                print(f"the simulated stream ended after {traffic.sent} messages")
            try:
                await service.wait_done(traffic.sent, timeout=120)
            except TimeoutError as exc:
                print(f"not drained: {exc}")
            assert service.proc is not None
            final = Sample.of(
                time.monotonic() - (until - args.duration),
                traffic.sent,
                await asyncio.to_thread(service.done),
                service.proc.pid,
                tansu.pid,
            )
            print(f"{final.row()}  (drained)")
            peak_hub, peak_tansu = status_mib(service.proc.pid, "VmHWM"), status_mib(tansu.pid, "VmHWM")
            lines = []
            if args.tracemalloc:
                await snapshot(service, snapshots)
                first, last = sorted(snapshots.glob("*.snapshot"))[:2]
                lines = growth(first, last)
            outcomes = service.outcomes()
        finally:
            service.stop()
    print(
        f"sent {traffic.sent} ({traffic.via_kafka} via Kafka, {traffic.via_http} via HTTP); outcomes {outcomes}"
    )
    if scrapes:
        print(
            f"/metrics scrapes: {len(scrapes)}, median {statistics.median(scrapes) * 1000:.0f} ms, "
            f"last {scrapes[-1] * 1000:.0f} ms, max {max(scrapes) * 1000:.0f} ms"
        )
    report(samples, args.warm_up, "hub process", "hub_mib")
    report(samples, args.warm_up, "hub process, heap (RssAnon)", "hub_anon_mib")
    print(f"hub process peak resident set: {peak_hub:.1f} MiB")
    report(samples, args.warm_up, "Tansu (grows by design: an in-memory broker; not the hub's)", "tansu_mib")
    print(f"Tansu peak resident set: {peak_tansu:.1f} MiB")
    if lines:
        print("tracemalloc: allocations that grew most from the end of the warm-up to the end")
        for line in lines:
            print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=600, help="seconds of traffic (default 600)")
    parser.add_argument("--rate", type=float, default=40, help="messages per second (default 40)")
    parser.add_argument(
        "--http-share",
        type=float,
        default=0.3,
        help="share of the pairs sent through the HTTP gateway, the rest via Kafka (default 0.3)",
    )
    parser.add_argument("--interval", type=float, default=10, help="seconds between RSS samples (default 10)")
    parser.add_argument(
        "--warm-up", type=float, default=120, help="seconds left out of the slope (default 120)"
    )
    parser.add_argument(
        "--scrape", type=float, default=15, help="seconds between /metrics scrapes, 0 for none (default 15)"
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="the hub's store: a fresh SQLite file, or a new database on the PostgreSQL of 127.0.0.1:5432, "
        "dropped afterwards (default sqlite)",
    )
    parser.add_argument(
        "--tracemalloc",
        type=int,
        default=0,
        metavar="FRAMES",
        help="debugging run: trace the hub's allocations with FRAMES frames and print what grew (default off)",
    )
    args = parser.parse_args()
    if not 0 <= args.http_share <= 1:
        parser.error("--http-share must be between 0 and 1")
    if args.warm_up >= args.duration:
        parser.error("--warm-up must be shorter than --duration")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
