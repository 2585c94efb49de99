"""End-to-end pipeline throughput next to bare lxml parse + XSD validation of the same messages, in one run.

(a) bare: lxml parse + XSD validation of each JW301 (the floor every door must pay).
(b) Kafka ingest: the messages published straight to the inbound topic of a running `hub run`.
(c) HTTP ingest: the messages POSTed concurrently to the gateway of a running `hub run` (plain HTTP/1.1 on
    keep-alive connections; `--sender httpx` posts through httpx, as figures before this option did).
(d) transport floor: the same records relayed by a plain aiokafka consumer that answers each with two records of a
    retour's and an event's size and commits after each poll, with no validation and no store: what Kafka through
    aiokafka alone costs on this machine, the ceiling of any Python hub here.
(b) and (c) run the service as shipped (`hub run --role all`: gateway, intake, retour dispatcher, processors) as a
child process on the embedded Tansu broker and a fresh SQLite store, after a warm-up batch, and count a message as
done when it is judged, its retour delivered and its event published (read from the store). Every message is a
distinct, valid JW301 (own client, identification and toewijzing numbers), so each is accepted with a JW302 and
an event. Next to each end-to-end rate: the CPU time per message of the hub process, of the broker and of the
benchmark's own sender over the same interval (Linux /proc), steadier than the rate when other work shares the
machine. Run: `.venv/bin/python benchmarks/pipeline.py` (options: --messages, --concurrency, --database,
--sender, --only).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from lxml import etree
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from consumers.broker import ensure_topics
from consumers.embedded import EmbeddedBroker, free_port
from consumers.intake import HEADER_ID
from hub.ijw.schema import SchemaSet
from hub.synth.berichten import spec, toegewezen_product
from hub.synth.build import edit, to_xml
from hub.synth.persons import Persoon, persoon
from hub.topics import Topics, pair_key

# Valid gemeentecodes (CBS list) with made-up AGB codes: the pair is the inbound key, so they spread the partitions.
PAIRS = (("0200", "12345678"), ("0363", "23456789"), ("0599", "34567890"), ("0344", "45678901"),
         ("0518", "56789012"), ("0014", "67890123"))  # fmt: skip
API_KEY = "benchmark-key"
PSEUDONYM_KEY = "benchmark-pseudonym-key-0123456789abcdef"
WARM_UP = 30
TOEWIJZING_BASE = 10_000_000


@dataclass(frozen=True, slots=True)
class Message:
    data: bytes
    key: str
    bericht_id: str


def _persons(rng: random.Random, n: int, dag: date) -> list[Persoon]:
    """Children with distinct BSNs; the 99999xxxx test range holds fewer than a thousand, so they repeat per gemeente."""
    seen: dict[str, Persoon] = {}
    while len(seen) < n:
        p = persoon(rng, dag, min_leeftijd=4, max_leeftijd=15)
        seen.setdefault(p.bsn, p)
    return list(seen.values())


def jw301_messages(n: int, seed: int = 7) -> list[Message]:
    """n valid, distinct JW301s of typical size: three toegewezen producten, a relation, contact data.

    Message i goes to pair i mod 6 for client i // 6: (gemeente, client) is unique up to 6 x 800 messages.
    """
    rng = random.Random(seed)
    dag = date.today() - timedelta(days=21)  # `hub run` judges with today's date
    people = _persons(rng, 800, dag)
    out = []
    for i in range(n):
        gemeente, aanbieder = PAIRS[i % len(PAIRS)]
        p = people[(i // len(PAIRS)) % len(people)]
        s = spec(
            "JW301",
            persoon=p,
            identificatie=f"B{i:08d}",
            gemeente=gemeente,
            aanbieder=aanbieder,
            dagtekening=dag,
        )
        nummers = [TOEWIJZING_BASE + i * 4 + k for k in range(3)]  # TR332: a number belongs to one client
        for k, nummer in enumerate(nummers[:2], start=1):
            s = edit(s, f"Client/ToegewezenProducten/ToegewezenProduct[{k}]/ToewijzingNummer", nummer)
        producten = s["Client"]["ToegewezenProducten"]["ToegewezenProduct"]
        first = producten[0]
        producten.append(
            toegewezen_product(
                nummers[2],
                categorie="54",
                toewijzingsdatum=first["Toewijzingsdatum"],
                ingangsdatum=first["Ingangsdatum"],
                einddatum=first.get("Einddatum"),
            )
        )
        out.append(Message(to_xml("JW301", s), pair_key(gemeente, aanbieder), uuid.uuid4().hex))
    return out


# ---- (a) ---------------------------------------------------------------------------------------------------


def bare_rate(messages: list[Message], seconds: float) -> float:
    """Parse + XSD-validate the messages over and over for `seconds`; messages per second."""
    schema = SchemaSet().schema("JW301")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for m in messages[:10]:  # compile and warm up
        assert schema.validate(etree.fromstring(m.data, parser)), schema.error_log
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for m in messages:
            schema.validate(etree.fromstring(m.data, parser))
        done += len(messages)
    return done / (time.perf_counter() - start)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


# ---- the service -------------------------------------------------------------------------------------------


class Service:
    """`hub run --role all` as a child process on the given broker, with its own topic prefix and SQLite store."""

    def __init__(self, bootstrap: str, workdir: Path, database: str | None, label: str) -> None:
        self.prefix = f"bench-{label}-{uuid.uuid4().hex[:8]}."
        self.database = database or f"sqlite:///{workdir / f'{label}.sqlite'}"
        self.port = free_port()
        self.log = workdir / f"{label}.log"
        senders = sorted({code for pair in PAIRS for code in pair})
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        self.env.update(
            HUB_KAFKA_BOOTSTRAP_SERVERS=bootstrap,
            HUB_KAFKA_TOPIC_PREFIX=self.prefix,
            HUB_KAFKA_SESSION_TIMEOUT_MS="1000",
            HUB_DATABASE_URL=self.database,
            HUB_PSEUDONYM_KEY=PSEUDONYM_KEY,
            HUB_API_KEYS=json.dumps({API_KEY: senders}),
            HUB_HTTP_PORT=str(self.port),
            HUB_LOG_FORMAT="json",
            HUB_LOG_LEVEL="WARNING",
            HUB_GATEWAY_BUFFER="100000",
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.store: Engine | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self, bootstrap: str) -> None:
        await ensure_topics(bootstrap, Topics(self.prefix).all(), partitions=6, replication=1)
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hub", "run", "--role", "all"],
                env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.store = create_engine(self.database, poolclass=NullPool)
        async with httpx.AsyncClient(base_url=self.url) as client:
            deadline = time.monotonic() + 60
            while True:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"hub run did not become ready; see {self.log}")
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)

    def done(self) -> int:
        """Messages judged, with their event published and their retour delivered."""
        assert self.store is not None
        query = text(
            "SELECT count(*) FROM bericht WHERE events_published_at IS NOT NULL "
            "AND (retour IS NULL OR retour_delivered_at IS NOT NULL)"
        )
        with self.store.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def outcomes(self) -> dict[str, int]:
        assert self.store is not None
        with self.store.connect() as conn:
            rows = conn.execute(text("SELECT outcome, count(*) FROM bericht GROUP BY outcome")).all()
        return {str(outcome): int(count) for outcome, count in rows}

    async def wait_done(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while await asyncio.to_thread(self.done) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{self.done()} of {count} messages done after {timeout:g} s; see {self.log}"
                )
            await asyncio.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.store is not None:
            self.store.dispose()


# ---- (d) ---------------------------------------------------------------------------------------------------


RETOUR_BYTES = 1_600  # a JW302 of one of these JW301s
EVENT_BYTES = 1_000  # its ToewijzingOntvangen event


async def relay_rate(bootstrap: str, messages: list[Message]) -> tuple[float, float]:
    """(d): messages per second and CPU ms per message of a consume -> two produces -> commit loop."""
    topics = Topics(f"bench-relay-{uuid.uuid4().hex[:8]}.")
    await ensure_topics(
        bootstrap,
        [topics.inbound, topics.retour, topics.normalised("toewijzing")],
        partitions=6,
        replication=1,
    )
    await publish_kafka(bootstrap, topics.prefix, messages)
    consumer = AIOKafkaConsumer(
        topics.inbound, bootstrap_servers=bootstrap, group_id=topics.prefix + "relay", enable_auto_commit=False,
        auto_offset_reset="earliest", max_poll_records=500,
    )  # fmt: skip
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=1 << 20)
    retour, event = b"r" * RETOUR_BYTES, b"e" * EVENT_BYTES
    await consumer.start()
    await producer.start()
    try:
        done, cpu, start = 0, time.process_time(), time.perf_counter()
        while done < len(messages):
            sent = []
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for r in records:
                    sent.append(await producer.send(topics.retour, retour, key=r.key))
                    sent.append(await producer.send(topics.normalised("toewijzing"), event, key=r.key))
                done += len(records)
            await asyncio.gather(*sent)  # published before the offset moves, as the intake does
            await consumer.commit()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        await consumer.stop()
        await producer.stop()
    return len(messages) / elapsed, cpu * 1000 / len(messages)


# ---- (b) and (c) -------------------------------------------------------------------------------------------


async def publish_kafka(bootstrap: str, prefix: str, messages: list[Message]) -> None:
    """A system that already writes to Kafka: keyed by pair, the hub's id in a header, sends pipelined.

    A plain aiokafka producer with room for many records per batch: awaiting thousands of publishes at once
    through FastStream's default producer (16 KiB batches) managed some 200 msg/s here, so that the figure
    measured the sender rather than the hub.
    """
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=1 << 20)
    await producer.start()
    try:
        topic = Topics(prefix).inbound
        sent = [
            await producer.send(
                topic, m.data, key=m.key.encode(), headers=[(HEADER_ID, m.bericht_id.encode())]
            )
            for m in messages
        ]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def post_raw(host: str, port: int, messages: list[Message], concurrency: int) -> None:
    """Backoffices posting over HTTP: `concurrency` keep-alive connections, one request in flight on each; every
    answer must be 202. Plain HTTP/1.1 on asyncio streams: httpx's connection pool spent about 4 ms of CPU per
    request here (more than the hub), so that the figure measured the sender rather than the hub.
    """
    queue: asyncio.Queue[Message] = asyncio.Queue()
    for m in messages:
        queue.put_nowait(m)
    head = (
        f"POST /berichten HTTP/1.1\r\nHost: {host}:{port}\r\nX-API-Key: {API_KEY}\r\n"
        "Content-Type: application/xml\r\nContent-Length: "
    ).encode()

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while not queue.empty():
                m = queue.get_nowait()
                writer.write(b"%s%d\r\n\r\n%s" % (head, len(m.data), m.data))
                status_line, *fields = (await reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
                headers = dict(f.lower().split(": ", 1) for f in fields if f)
                body = await reader.readexactly(int(headers["content-length"]))
                if status_line.split()[1] != "202":
                    raise RuntimeError(f"POST answered {status_line}: {body[:300]!r}")
        finally:
            writer.close()
            await writer.wait_closed()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def post_http(url: str, messages: list[Message], concurrency: int) -> None:
    """The same through httpx (`--sender httpx`, how earlier figures were taken)."""
    queue: asyncio.Queue[Message] = asyncio.Queue()
    for m in messages:
        queue.put_nowait(m)
    headers = {"X-API-Key": API_KEY, "Content-Type": "application/xml"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            m = queue.get_nowait()
            response = await client.post("/berichten", content=m.data, headers=headers)
            if response.status_code != 202:
                raise RuntimeError(f"POST answered {response.status_code}: {response.text[:300]}")

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))


@dataclass
class Figure:
    rate: float
    accepted_seconds: float | None  # HTTP: until the last 202
    outcomes: dict[str, int]
    cpu_ms: dict[str, float]  # CPU milliseconds per message: hub, broker, sender

    def cpu(self) -> str:
        return "CPU ms/msg " + ", ".join(f"{who} {ms:.2f}" for who, ms in self.cpu_ms.items())


async def end_to_end(
    tansu: EmbeddedBroker, workdir: Path, database: str | None, label: str, messages: list[Message],
    warm_up: list[Message], concurrency: int, sender: str = "raw",
) -> Figure:  # fmt: skip
    service = Service(tansu.bootstrap, workdir, database, label)
    try:
        await service.start(tansu.bootstrap)
        baseline = service.done()  # a shared --database keeps the first run's messages
        via_http = label == "http"

        async def send(batch: list[Message]) -> None:
            if not via_http:
                await publish_kafka(tansu.bootstrap, service.prefix, batch)
            elif sender == "httpx":
                await post_http(service.url, batch, concurrency)
            else:
                await post_raw("127.0.0.1", service.port, batch, concurrency)

        await send(warm_up)  # consumer groups joined, schemas compiled, connections open
        await service.wait_done(baseline + len(warm_up), timeout=120)
        assert service.proc is not None
        pids = {"hub": service.proc.pid, "broker": tansu.pid, "sender": os.getpid()}
        cpu = {who: cpu_seconds(pid) for who, pid in pids.items()}
        start = time.perf_counter()
        await send(messages)
        accepted = time.perf_counter() - start
        await service.wait_done(baseline + len(warm_up) + len(messages), timeout=600 + len(messages))
        elapsed = time.perf_counter() - start
        # The sender's share includes this process's polling of the store while it waits.
        cpu_ms = {who: (cpu_seconds(pid) - cpu[who]) * 1000 / len(messages) for who, pid in pids.items()}
        return Figure(len(messages) / elapsed, accepted if via_http else None, service.outcomes(), cpu_ms)
    finally:
        service.stop()


async def run(args: argparse.Namespace) -> None:
    # One set of distinct messages, split: a run never sees a client or an identification twice.
    n = args.messages
    messages = jw301_messages(2 * (WARM_UP + n))
    kafka_warm_up, kafka_messages = messages[:WARM_UP], messages[WARM_UP : WARM_UP + n]
    http_warm_up, http_messages = messages[WARM_UP + n : 2 * WARM_UP + n], messages[2 * WARM_UP + n :]
    size = sum(len(m.data) for m in kafka_messages) / len(kafka_messages)
    print(f"messages: {args.messages} JW301, {size:.0f} bytes average; {os.cpu_count()} CPUs")
    bare = bare_rate(kafka_messages, args.seconds)
    print(f"(a) bare lxml parse + XSD validation:     {bare:9.1f} msg/s", flush=True)
    kafka = http = relay = None
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp, EmbeddedBroker() as tansu:
        if args.only in (None, "kafka"):
            kafka = await end_to_end(
                tansu, Path(tmp), args.database, "kafka", kafka_messages, kafka_warm_up, args.concurrency
            )
            print(
                f"(b) end to end, Kafka ingest:             {kafka.rate:9.1f} msg/s   outcomes {kafka.outcomes}"
            )
            print(f"    {kafka.cpu()}", flush=True)
        if args.only in (None, "http"):
            http = await end_to_end(
                tansu,
                Path(tmp),
                args.database,
                "http",
                http_messages,
                http_warm_up,
                args.concurrency,
                args.sender,
            )
            assert http.accepted_seconds is not None
            print(
                f"(c) end to end, HTTP ingest ({args.concurrency} in flight, {args.sender} sender): {http.rate:9.1f} msg/s   outcomes {http.outcomes}"
                f"\n    of which answering 202 to all POSTs:  {args.messages / http.accepted_seconds:9.1f} msg/s"
                f"\n    {http.cpu()}"
            )
        if args.only in (None, "relay"):
            relay, relay_cpu = await relay_rate(tansu.bootstrap, kafka_messages)
            print(
                f"(d) transport floor, aiokafka relay:      {relay:9.1f} msg/s   CPU ms/msg {relay_cpu:.3f}"
            )
    if kafka is not None:
        print(f"ratio (b)/(a):                            {kafka.rate / bare:9.3f}   (target >= 0.3)")
    if http is not None:
        print(f"ratio (c)/(a):                            {http.rate / bare:9.3f}   (target >= 0.3)")
    if relay is not None:
        print(f"ratio (d)/(a):                            {relay / bare:9.3f}   (the ceiling of (b) here)")
    print("rerun: .venv/bin/python benchmarks/pipeline.py [--messages N] [--concurrency C] [--database URL]")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000, help="messages per measurement (default 2000)")
    parser.add_argument("--concurrency", type=int, default=32, help="HTTP requests in flight (default 32)")
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of the bare validation loop")
    parser.add_argument(
        "--sender",
        choices=("raw", "httpx"),
        default="raw",
        help="HTTP client of (c) (default raw: plain HTTP/1.1)",
    )
    parser.add_argument(
        "--only", choices=("kafka", "http", "relay"), default=None, help="run only (b), (c) or (d)"
    )
    parser.add_argument(
        "--database",
        default=None,
        help="SQLAlchemy URL of the store for both runs (default: a fresh SQLite file each)",
    )
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
