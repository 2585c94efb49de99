"""`hub run` as a process: /healthz and /readyz as documented, and a SIGTERM that ends it in time without losing
or repeating a message.

Each test runs its own `python -m hub run` against the session's Tansu broker, with its own topic prefix and a
fresh SQLite file. `HubRun` is shared with tests/test_logs_privacy.py and tests/test_config.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from consumers.broker import ensure_topics
from consumers.embedded import EmbeddedBroker
from hub.events.models import parse_event
from hub.store.monitor_tables import VerwerktEventRecord
from hub.store.tables import ToewijzingRecord
from hub.topics import Topics
from tests.faults.harness import (
    IntakeProcess,
    audit_rows,
    event_topics,
    finished,
    publish,
    read_topics,
    reader,
)
from tests.faults.stream import Bericht, coherent_stream

GRACE = 5.0  # HUB_SHUTDOWN_GRACE_SECONDS of every process started here
EXIT_MARGIN = 5.0  # after the grace period: closing connections, interpreter exit, a busy CI machine


class HubRun(IntakeProcess):
    """`python -m hub run --role ROLE` against a broker, topic prefix and store; stderr and stdout in two files."""

    def __init__(
        self, bootstrap: str, prefix: str, database_url: str, log_path: Path, *, role: str = "all", **env: str
    ) -> None:
        super().__init__(bootstrap, prefix, database_url, log_path)
        self.role = role
        self.env.update(HUB_SHUTDOWN_GRACE_SECONDS=str(GRACE), **env)
        self.url = f"http://127.0.0.1:{self.env['HUB_HTTP_PORT']}"

    @property
    def out_path(self) -> Path:
        return self.log_path.with_suffix(".stdout")

    def start(self) -> None:
        self.starts += 1
        with self.log_path.open("ab") as err, self.out_path.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hub", "run", "--role", self.role],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    def output(self) -> str:
        """Everything the process wrote, stderr then stdout, over every start."""
        return "".join(p.read_text(errors="replace") for p in (self.log_path, self.out_path) if p.exists())

    async def wait_for(self, path: str, status: int, timeout: float = 60.0) -> httpx.Response:
        """GET `path` until it answers `status`; fails with the log tail when the process ends or time runs out."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=5.0) as client:
            while True:
                if not self.alive:
                    pytest.fail(f"hub run ended (exit {self.exit_code}); its log:\n{self.log_tail()}")
                try:
                    response = await client.get(path)
                    if response.status_code == status:
                        return response
                except httpx.TransportError:
                    pass  # not listening yet
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"{path} did not answer {status} within {timeout:g} s; log:\n{self.log_tail()}"
                    )
                await asyncio.sleep(0.1)

    @property
    def exit_code(self) -> int | None:
        return self.proc.poll() if self.proc is not None else None

    def terminate(self, timeout: float = GRACE + EXIT_MARGIN) -> tuple[int | None, float]:
        """SIGTERM; the exit code (None when it did not end within `timeout`) and the seconds it took."""
        assert self.proc is not None
        begin = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            code: int | None = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        elapsed = time.monotonic() - begin
        if code is not None:
            self.proc = None
        return code, elapsed


def hub_db_upgrade(database_url: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("HUB_")}
    env["HUB_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "hub", "db", "upgrade"], env=env, capture_output=True, text=True, timeout=120
    )


# ---- /healthz and /readyz ---------------------------------------------------------------------------------


@pytest.mark.kafka
async def test_readyz_waits_for_the_migrations_and_healthz_answers_throughout(
    tansu: EmbeddedBroker, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.sqlite"
    empty.touch()  # a database that exists and answers, without any table
    url = f"sqlite:///{empty}"
    hub = HubRun(
        tansu.bootstrap,
        f"life-{uuid.uuid4().hex[:10]}.",
        url,
        tmp_path / "hub.log",
        HUB_MIGRATE_ON_START="false",
    )
    hub.start()
    try:
        assert (await hub.wait_for("/healthz", 200)).json()["status"] == "ok"
        not_ready = await hub.wait_for("/readyz", 503)
        assert not_ready.headers["content-type"] == "application/problem+json"
        assert not_ready.json()["checks"] == {"broker": True, "database": True, "migrations": False}

        upgraded = hub_db_upgrade(url)
        assert upgraded.returncode == 0, upgraded.stderr

        # The consumers start (a group join each) once they see the schema current: generous on a busy machine.
        ready = await hub.wait_for("/readyz", 200, timeout=60)
        assert ready.json() == {
            "status": "ok",
            "checks": {"broker": True, "database": True, "migrations": True},
        }
        assert (await hub.wait_for("/healthz", 200)).status_code == 200
        code, _ = hub.terminate()
        assert code == 0, hub.log_tail()
    finally:
        hub.stop()


# ---- SIGTERM with messages in flight ----------------------------------------------------------------------


def judged_lines(output: str) -> list[dict[str, Any]]:
    """The intake's one line per judged message, from JSON log output."""
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [
        line
        for line in lines
        if line.get("logger") == "hub.intake" and line["message"] == "bericht beoordeeld"
    ]


def count(engine: Any, table: Any) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.mark.kafka
async def test_sigterm_ends_within_the_grace_period_and_a_restart_judges_every_message_once(
    tansu: EmbeddedBroker, tmp_path: Path
) -> None:
    stream: list[Bericht] = coherent_stream(clients_per_pair=4)
    ids = {b.bericht_id for b in stream}
    topics = Topics(f"life-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=6, replication=1)
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    hub = HubRun(tansu.bootstrap, topics.prefix, url, tmp_path / "hub.log")
    engine = reader(url)
    try:
        hub.start()
        await hub.wait_for("/readyz", 200)
        # Paced: the intake takes a poll at a time and would otherwise judge the stream before the SIGTERM.
        publishing = asyncio.create_task(publish(tansu.bootstrap, topics, stream, pace=0.05))
        deadline = time.monotonic() + 60
        while len(_stored(engine)) < 5:  # the intake is busy: most of the stream is still to come
            assert hub.alive and time.monotonic() < deadline, hub.log_tail()
            await asyncio.sleep(0.01)

        code, elapsed = hub.terminate()
        assert code == 0, f"exit {code} after {elapsed:.1f} s; log:\n{hub.log_tail()}"
        assert elapsed < GRACE + EXIT_MARGIN
        left = ids - _stored(engine).keys()
        assert left, "the whole stream was judged before the SIGTERM: nothing was in flight"
        await publishing

        hub.start()
        deadline = time.monotonic() + 60
        while not finished(engine, ids):
            assert hub.alive and time.monotonic() < deadline, hub.log_tail()
            await asyncio.sleep(0.05)
        while count(engine, VerwerktEventRecord) < len(stream):  # the processors caught up too
            assert hub.alive and time.monotonic() < deadline, hub.log_tail()
            await asyncio.sleep(0.05)
        code, _ = hub.terminate()
        assert code == 0, hub.log_tail()
    finally:
        hub.stop()
    records = await read_topics(tansu.bootstrap, event_topics(topics))

    # The audit log: every message once, accepted (a second judgement would be a duplicate or a TR056).
    rows = _stored(engine)
    assert {i: r.outcome for i, r in rows.items()} == {i: "accepted" for i in ids}
    # Judged once across both runs: one fresh judgement per message, any second look is a redelivery.
    fresh = Counter(line["bericht_id"] for line in judged_lines(hub.output()) if not line["redelivered"])
    assert fresh == Counter(ids)
    # State changed once: two toewijzingen per JW301, one handled event per message.
    assert count(engine, ToewijzingRecord) == 2 * sum(b.bericht == "JW301" for b in stream)
    assert count(engine, VerwerktEventRecord) == len(stream)
    # Events: one distinct event per message; a copy republished after the restart is byte-identical.
    by_id: dict[str, set[bytes]] = {}
    for r in records:
        by_id.setdefault(str(parse_event(r.value).event_id), set()).add(r.value)
    assert len(by_id) == len(stream) and all(len(values) == 1 for values in by_id.values())
    engine.dispose()


def _stored(engine: Any) -> dict[str, Any]:
    try:
        return audit_rows(engine)
    except Exception:  # the store is still being migrated
        return {}


# ---- the embedded broker ends -----------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """The direct children of a process (Linux /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


async def embedded_broker_of(hub: HubRun) -> int:
    """The pid of the Tansu broker that `hub` started, once the hub is ready."""
    await hub.wait_for("/readyz", 200, timeout=90)
    assert hub.proc is not None
    [tansu] = [pid for pid in children(hub.proc.pid) if "tansu" in Path(f"/proc/{pid}/cmdline").read_text()]
    return tansu


@pytest.mark.kafka
async def test_hub_run_ends_with_status_3_and_says_why_when_its_embedded_broker_dies(tmp_path: Path) -> None:
    """Without HUB_KAFKA_BOOTSTRAP_SERVERS the hub runs its own Tansu; when that dies, nothing would be consumed
    again and a 202 would wait for ever in the spool: the hub stops, saying so, for its supervisor to restart."""
    hub = HubRun(
        "unused", f"life-{uuid.uuid4().hex[:10]}.", f"sqlite:///{tmp_path / 'hub.sqlite'}", tmp_path / "h.log"
    )
    del hub.env["HUB_KAFKA_BOOTSTRAP_SERVERS"]  # the embedded broker
    hub.start()
    try:
        tansu = await embedded_broker_of(hub)
        assert hub.proc is not None
        os.kill(tansu, signal.SIGKILL)
        code = hub.proc.wait(timeout=30)
        assert code == 3, hub.log_tail()
        shown = hub.output()
        assert (
            "the embedded Kafka broker was killed by signal 9: the records it held in memory are lost"
            in shown
        )
        assert "Traceback" not in shown and "Unclosed" not in shown, shown[-3000:]
    finally:
        hub.stop()


@pytest.mark.kafka
async def test_a_stop_that_signals_the_embedded_broker_too_is_a_normal_end(tmp_path: Path) -> None:
    """systemd's default stop signals every process of the unit: the broker ending with the hub is no failure."""
    hub = HubRun(
        "unused", f"life-{uuid.uuid4().hex[:10]}.", f"sqlite:///{tmp_path / 'hub.sqlite'}", tmp_path / "h.log"
    )
    del hub.env["HUB_KAFKA_BOOTSTRAP_SERVERS"]  # the embedded broker
    hub.start()
    try:
        tansu = await embedded_broker_of(hub)
        assert hub.proc is not None
        hub.proc.send_signal(signal.SIGTERM)
        os.kill(tansu, signal.SIGTERM)
        assert hub.proc.wait(timeout=GRACE + EXIT_MARGIN + 5) == 0, hub.log_tail()
    finally:
        hub.stop()
