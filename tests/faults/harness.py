"""What the fault tests share: publishing the stream, reading topics to their end, the store, `hub run` processes.

Nothing here asserts; the tests do. The store dump leaves out what legitimately differs between two runs of the
same stream (surrogate integer keys and the track-and-trace times), and keeps everything else.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from sqlalchemy import Engine, Integer, create_engine, select
from sqlalchemy.pool import NullPool
from sqlmodel import Session, SQLModel
from sqlmodel import select as sqlmodel_select

from consumers.app import Runtime
from consumers.broker import BrokerSettings, make_broker
from consumers.embedded import free_port
from consumers.intake import HEADER_ID, HEADER_RECEIVED
from hub.intake import Intake
from hub.settings import HubSettings
from hub.store.tables import BerichtRecord
from hub.topics import NORMALISED, Topics
from producers.gateway import create_app
from producers.health import Health
from tests.faults.stream import Bericht
from tools.postgres import throwaway_database

PSEUDONYM_KEY = "fault-tests-fixed-pseudonym-key-0123456789"
# One receive time for every run: it is part of each event, so two runs of the stream publish equal events.
RECEIVED_AT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
# Track-and-trace times differ between runs by nature; integer ids are surrogate keys given in commit order.
# Times of the run itself: when a message was processed, and when the key's fingerprint was first recorded.
VOLATILE = frozenset(
    {"validated_at", "retour_produced_at", "retour_delivered_at", "events_published_at", "recorded_at"}
)
# The intake's starts in progress (hub.store.attempts): where its polls began, and how often, differs by nature.
VOLATILE_TABLES = frozenset({"intake_attempt"})


@dataclass(frozen=True, slots=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]


# ---- the broker --------------------------------------------------------------------------------------------


async def publish(bootstrap: str, topics: Topics, berichten: Iterable[Bericht], *, pace: float = 0.0) -> None:
    """Put the messages on the inbound topic as a door would: keyed by pair, with the hub's id and receive time.

    `pace` seconds between messages: a stream that outlasts the intake's batches, so a fault lands mid-stream.
    """
    broker = make_broker(BrokerSettings(bootstrap_servers=bootstrap), bootstrap)
    await broker.start()
    try:
        for b in berichten:
            if pace:
                await asyncio.sleep(pace)
            await broker.publish(
                b.data,
                topics.inbound,
                key=b.key.encode(),
                headers={HEADER_ID: b.bericht_id, HEADER_RECEIVED: RECEIVED_AT.isoformat()},
            )
    finally:
        await broker.stop()


async def read_topics(bootstrap: str, names: Iterable[str]) -> list[Record]:
    """Every record on the topics, in offset order per partition; call it once the writers are done.

    Reads past the end offsets until the topics stay quiet: Tansu reports a partition's end as the base offset
    of its last record batch plus one, short of the truth when that batch holds several records.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [
            TopicPartition(name, p) for name in names for p in sorted(await _partitions(consumer, name))
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends: dict[Any, int] = await consumer.end_offsets(partitions)
        records: list[Record] = []
        deadline = time.monotonic() + 30
        quiet = 0
        while quiet < 2 or [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {names} to the end")
            polled = (await consumer.getmany(timeout_ms=200)).values()
            quiet = 0 if any(polled) else quiet + 1
            for batch in polled:
                records += [
                    Record(
                        r.topic, r.partition, r.offset, r.key, r.value, {k: v.decode() for k, v in r.headers}
                    )
                    for r in batch
                ]
    finally:
        await consumer.stop()
    return sorted(records, key=lambda r: (r.topic, r.partition, r.offset))


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    for _ in range(50):
        await consumer.topics()  # refreshes the cluster metadata
        found = consumer.partitions_for_topic(topic)
        if found:
            return set(found)
        await asyncio.sleep(0.1)
    raise TimeoutError(f"topic {topic} has no partitions")


def event_topics(topics: Topics) -> list[str]:
    return [topics.normalised(kind) for kind in NORMALISED]


# ---- the store ---------------------------------------------------------------------------------------------


def reader(url: str) -> Engine:
    """An engine that keeps no connection between checks (the server may restart, the file may be replaced)."""
    return create_engine(url, poolclass=NullPool)


def audit_rows(engine: Engine) -> dict[str, BerichtRecord]:
    """The audit log by message id."""
    with Session(engine) as session:
        return {row.id: row for row in session.exec(sqlmodel_select(BerichtRecord)).all()}


def finished(engine: Engine, ids: set[str]) -> bool:
    """Every message judged, its retour and event published, and its retour delivered."""
    try:
        rows = audit_rows(engine)
    except Exception:  # the store is being created or restarted: not finished
        return False
    return ids <= rows.keys() and all(
        rows[i].events_published_at is not None
        and (rows[i].retour is None or rows[i].retour_delivered_at is not None)
        for i in ids
    )


async def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise TimeoutError(f"not reached within {timeout:g} s")
        await asyncio.sleep(interval)


def dump_store(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows as sorted tuples, without integer surrogate keys and track-and-trace times (and without
    the intake's starts in progress)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in VOLATILE_TABLES:
                continue
            columns = [
                c for c in table.columns
                if c.name not in VOLATILE and not (c.primary_key and isinstance(c.type, Integer))
                and not (c.foreign_keys and isinstance(c.type, Integer))
            ]  # fmt: skip
            rows = conn.execute(select(*columns)).all()
            out[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return out


# ---- databases -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database on 127.0.0.1:5432, dropped afterwards."""
    with throwaway_database("ijw_hub_fault") as url:
        yield url


# ---- `hub run --role intake` (or another role) as a child process ---------------------------------------


class IntakeProcess:
    """`python -m hub run --role intake` against a given broker, topic prefix and store; its log in a file.

    `role` starts another role the same way (the processors); `env` adds or overrides HUB_* settings.
    """

    def __init__(
        self,
        bootstrap: str,
        prefix: str,
        database_url: str,
        log_path: Path,
        *,
        role: str = "intake",
        **env: str,
    ) -> None:
        self.log_path = log_path
        self.role = role
        self.env = {name: value for name, value in os.environ.items() if not name.startswith("HUB_")}
        self.env.update(
            HUB_KAFKA_BOOTSTRAP_SERVERS=bootstrap,
            HUB_KAFKA_TOPIC_PREFIX=prefix,
            HUB_KAFKA_SESSION_TIMEOUT_MS="1000",  # Tansu answers a join after half of it (consumers.embedded)
            HUB_DATABASE_URL=database_url,
            HUB_PSEUDONYM_KEY=PSEUDONYM_KEY,
            HUB_HTTP_PORT=str(free_port()),
            HUB_LOG_FORMAT="json",
            HUB_SHUTDOWN_GRACE_SECONDS="5",
        )
        self.env.update(env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hub", "run", "--role", self.role],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, no offset is committed, no session is closed."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> int | None:
        """SIGTERM and wait (SIGKILL after a grace period); the exit code, None when it was not running."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return proc.returncode

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


async def answers(process: IntakeProcess, base: str, path: str = "/readyz", timeout: float = 60.0) -> None:
    """Until `path` answers 200 (/readyz: broker, database and migrations; /healthz: alive); fails with the
    process's log when it died or the time ran out."""
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=2.0) as client:
        while True:
            assert process.alive, process.log_tail()
            try:
                if (await client.get(path)).status_code == 200:
                    return
            except httpx.TransportError:
                pass  # not listening yet
            assert time.monotonic() < deadline, process.log_tail()
            await asyncio.sleep(0.2)


# ---- the hub in this process ------------------------------------------------------------------------------


@dataclass
class Progress:
    """What the running hub reported as done, in order: judged by the intake, delivered by the retour dispatcher."""

    judged: list[str] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)


def hub_settings(url: str, **overrides: Any) -> HubSettings:
    return HubSettings(database_url=url, pseudonym_key=SecretStr(PSEUDONYM_KEY), **overrides)


def broker_settings(bootstrap: str, prefix: str) -> BrokerSettings:
    return BrokerSettings(bootstrap_servers=bootstrap, topic_prefix=prefix, session_timeout_ms=1000)


@contextlib.asynccontextmanager
async def running_intake(
    bootstrap: str,
    prefix: str,
    url: str,
    *,
    settings: HubSettings | None = None,
    wrap: Callable[[Intake], Intake] | None = None,
) -> AsyncIterator[tuple[Runtime, Progress]]:
    """The intake role (intake + retour dispatcher) in this process; `wrap` may replace its Intake."""
    progress = Progress()
    runtime = Runtime(
        settings or hub_settings(url),
        broker_settings(bootstrap, prefix),
        url,
        roles=("intake",),
        on_intake_done=progress.judged.append,
        on_retour_done=progress.delivered.append,
    )
    runtime.prepare()
    if wrap is not None:  # the worker is built at the first message and takes runtime.intake then
        runtime.intake = wrap(runtime.intake)
    try:
        await runtime.start()
        yield runtime, progress
    finally:
        await runtime.stop()
        runtime.engine.dispose()


# ---- the gateway's read routes on a running intake's store -----------------------------------------------


class NoPublisher:
    """The gateway's inbound publisher, which the tests that only read never use."""

    async def publish(
        self, raw: bytes, *, bericht_id: str, received_at: datetime, key: str | None = None
    ) -> None:
        raise AssertionError("the test posts nothing")


def gateway(runtime: Runtime, api_key: str) -> httpx.AsyncClient:
    """The HTTP gateway on the running intake's store, its requests under `api_key`."""
    app = create_app(
        runtime.settings,
        runtime.validator,
        runtime.sessions,
        NoPublisher(),
        CollectorRegistry(),
        Health(engine=runtime.engine),
    )
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hub", headers={"X-API-Key": api_key}
    )
