"""Claims of docs/operations.md, sections 1 to 5, that no other test held: each test names the claim it keeps true."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from alembic.script import ScriptDirectory
from prometheus_client import CollectorRegistry
from sqlalchemy import text

import hub.gi.rules  # registers the GI rules
import hub.rules.all  # noqa: F401  (registers the iJw rules)
from consumers.broker import BrokerSettings, group_options, max_request_bytes
from consumers.intake import IntakeWorker
from consumers.processors import ProcessorWorker
from hub.events.models import DeadLetter
from hub.intake import IntakeResult
from hub.metrics import HubMetrics
from hub.rules.registry import REGISTRY, Violation
from hub.settings import HubSettings
from hub.store.db import alembic_config, make_engine, upgrade
from hub.topics import Topics

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "operations.md"


def _section(number: int) -> str:
    """The text of one numbered section of docs/operations.md."""
    doc = DOC.read_text(encoding="utf-8")
    start = doc.index(f"\n## {number}. ")
    return doc[start : doc.index(f"\n## {number + 1}. ", start)]


class _Broker:
    """Records what is published; each publish is confirmed at once."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str]]] = []
        self.bodies: list[bytes] = []

    async def publish(self, body: bytes, topic: str, *, headers: dict[str, str], **_: Any) -> Any:
        self.sent.append((topic, headers))
        self.bodies.append(body)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


def _record(topic: str) -> SimpleNamespace:
    return SimpleNamespace(topic=topic, partition=2, offset=41, key=b"0200:12345678", value=b"<x/>")


# ---- section 2: the dead-letter topic ----------------------------------------------------------------

SOURCE = {"source-topic", "source-partition", "source-offset"}


async def test_a_malformed_dead_letter_has_no_source_headers_and_names_its_rules() -> None:
    """Section 2: `bericht-id`, `reason`, `content-type`; error: for `malformed` the rules and locations."""
    broker, topics = _Broker(), Topics("t.")
    worker = IntakeWorker(Any, broker, topics, HubMetrics(CollectorRegistry()), lambda *_: None)  # type: ignore[arg-type]
    result = IntakeResult(
        "a" * 32, "JW301", "malformed", errors=(Violation("XSD", None, "/Header", "bad"),), raw_size=4321
    )
    await worker._send(result, b"-:-")
    [(topic, headers)] = broker.sent
    assert topic == topics.dead_letter
    assert headers == {"bericht-id": "a" * 32, "reason": "malformed", "content-type": "application/json"}
    [body] = broker.bodies
    assert json.loads(body)["raw_size"] == 4321  # the message's size, never its content (it said 0)


async def test_every_other_dead_letter_names_its_source_record() -> None:
    """Section 2: for every reason but `malformed` also source-topic, source-partition, source-offset."""
    topics, metrics = Topics("t."), HubMetrics(CollectorRegistry())
    intake_broker = _Broker()

    def cannot_answer(_: Any) -> Any:
        raise RuntimeError("the validator fails too")

    intake = SimpleNamespace(dead_letter=cannot_answer)
    worker = IntakeWorker(intake, intake_broker, topics, metrics, lambda *_: None)  # type: ignore[arg-type]
    item = SimpleNamespace(bericht_id="b" * 32, raw=b"<x/>", received_at=None)
    await worker.dead_letter(item, 5, ValueError("poison"), _record(topics.inbound))  # type: ignore[arg-type]

    processor_broker = _Broker()
    processors = ProcessorWorker(Any, {}, processor_broker, topics, metrics)  # type: ignore[arg-type]
    for reason in ("unreadable-event", "processor-failed"):
        await processors._dead_letter(
            reason, b"{}", "c" * 32, 1, ValueError(), _record(topics.normalised("start"))
        )

    letters = [h for t, h in intake_broker.sent + processor_broker.sent if t == topics.dead_letter]
    assert [h["reason"] for h in letters] == ["processing-failed", "unreadable-event", "processor-failed"]
    for headers in letters:
        assert headers.keys() >= SOURCE
        assert headers["source-partition"] == "2" and headers["source-offset"] == "41"
    # The event schema (schemas/events/DeadLetter.v1.json, AsyncAPI) names each reason an operator will see.
    described = DeadLetter.model_fields["reason"].description or ""
    assert all(reason in described for reason in ("malformed", *(h["reason"] for h in letters)))


async def test_a_dead_letter_the_store_refuses_is_logged_as_the_guide_quotes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Section 2: the intake logs `dead letter not recorded: track and trace will not show it` and moves on."""

    def refuse(_: Any) -> bool:
        raise RuntimeError("store refuses")

    intake = SimpleNamespace(record_dead_letter=refuse)
    worker = IntakeWorker(intake, _Broker(), Topics("t."), HubMetrics(CollectorRegistry()), lambda *_: None)  # type: ignore[arg-type]
    dead = SimpleNamespace(result=SimpleNamespace(bericht_id="d" * 32))
    with caplog.at_level(logging.WARNING, logger="hub.intake"):
        assert await worker._record_dead_letter(dead) is None  # type: ignore[arg-type]  # None: refused
    [line] = [r for r in caplog.records if r.name == "hub.intake"]
    assert line.getMessage() == "dead letter not recorded: track and trace will not show it"
    assert (line.bericht_id, line.error) == ("d" * 32, "RuntimeError")  # type: ignore[attr-defined]


# ---- section 3: ordering and sizing ------------------------------------------------------------------

# The messages that take an advisory lock (hub.store.locks.scope_of; tests/hub/store/test_locks.py holds which).
LOCKING = {"JW301", "JW315", "JW317", "JW323", "JW325", "GI001", "GI002"}


def test_the_rules_the_guide_calls_wider_than_a_pair_judge_only_messages_that_take_a_lock() -> None:
    """Section 3: TR314, TR323, TR333, TR389, TR390, TR347, TR332 and GB102-GB105 wait on an advisory lock."""
    ordering = _section(3).split("**Partitions**")[0]
    named = set(re.findall(r"\b(?:TR|GB)\d{3}\b", ordering))
    named |= {f"GB10{n}" for n in range(2, 6)} if "GB102-GB105" in ordering else set()
    assert named >= {"TR314", "TR323", "TR333", "TR389", "TR390", "TR347", "TR332", "GB104"}
    for code in named:
        rules = [r for r in REGISTRY.values() if r.code == code]
        assert rules, code
        for r in rules:
            assert r.berichten <= LOCKING, (code, sorted(r.berichten - LOCKING))


@pytest.mark.usefixtures("no_hub_env")
def test_defaults_the_guide_sizes_with() -> None:
    """Sections 3 and 4: 6 partitions, a 10 s session on a cluster, producer requests of 1 MiB on a cluster and
    32 MiB on the embedded broker, messages of up to 25 MiB, a pool of 5 plus 10 connections."""
    embedded = BrokerSettings(_env_file=None)
    cluster = BrokerSettings(_env_file=None, bootstrap_servers="kafka:9092")
    assert embedded.partitions == 6
    assert group_options(cluster)["session_timeout_ms"] == 10_000
    assert max_request_bytes(cluster) == 2**20 and max_request_bytes(embedded) == 32 * 2**20
    assert HubSettings.model_fields["max_message_bytes"].default == 25 * 2**20
    engine = make_engine("postgresql+psycopg://u:p@db.example:5432/x")  # no connection is opened
    assert (engine.pool.size(), engine.pool._max_overflow) == (5, 10)  # type: ignore[attr-defined]


def test_the_scrape_timeout_the_guide_sizes_against_is_the_service_monitors() -> None:
    """Section 3: the processors' scrape is watched against the ServiceMonitor's `scrapeTimeout` (10 s)."""
    monitor = yaml.safe_load(
        (ROOT / "deploy" / "k8s" / "base" / "servicemonitor.yaml").read_text(encoding="utf-8")
    )
    [endpoint] = monitor["spec"]["endpoints"]
    assert endpoint["scrapeTimeout"] == "10s"
    assert "ServiceMonitor's `scrapeTimeout` (10 s)" in " ".join(_section(3).split())


# ---- section 4: migrations ---------------------------------------------------------------------------


def test_the_migration_table_names_every_revision() -> None:
    """Section 4: the table of revisions ends at the newest one and leaves none out."""
    rows = re.findall(r"^\| (\d{4})(?:–(\d{4}))? \|", _section(4), flags=re.MULTILINE)
    listed: set[str] = set()
    for first, last in rows:
        listed |= {f"{n:04d}" for n in range(int(first), int(last or first) + 1)}
    script = ScriptDirectory.from_config(alembic_config())
    assert listed == {r.revision for r in script.walk_revisions()}


@pytest.mark.postgres
def test_migration_0010_rewrites_no_table_on_postgresql() -> None:
    """Section 4, 0010: VARCHAR to TEXT and NUMERIC(6, 2) to NUMERIC(8, 2) keep every table's files."""
    from tools.postgres import throwaway_database

    tables = ("declaratie", "gi_capaciteit")
    query = text("SELECT relname, relfilenode FROM pg_class WHERE relname IN ('declaratie', 'gi_capaciteit')")
    with throwaway_database("ijw_hub_claims") as url:
        engine = make_engine(url)
        try:
            upgrade(engine, "0009")
            with engine.connect() as c:
                before = {name: node for name, node in c.execute(query)}
            upgrade(engine, "0010")
            with engine.connect() as c:
                after = {name: node for name, node in c.execute(query)}
                precision = c.execute(
                    text(
                        "SELECT numeric_precision, numeric_scale FROM information_schema.columns "
                        "WHERE table_name = 'gi_capaciteit' AND column_name = 'jeugdbeschermers'"
                    )
                ).one()
        finally:
            engine.dispose()
    assert set(before) == set(tables) and after == before
    assert tuple(precision) == (8, 2)


# ---- section 5: rebuilding under a new key -----------------------------------------------------------


def test_env_u_does_not_unset_a_bootstrap_server_of_the_env_file(tmp_path: Path) -> None:
    """Section 5: `env -u HUB_KAFKA_BOOTSTRAP_SERVERS` leaves a value in the file HUB_ENV_FILE names in force."""
    env_file = tmp_path / "hub.env"
    env_file.write_text("HUB_KAFKA_BOOTSTRAP_SERVERS=production:9093\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_ENV_FILE"] = str(env_file)
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "from consumers.broker import BrokerSettings; print(BrokerSettings().bootstrap_servers)",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert shown.stdout.strip() == "production:9093"


# ---- section 5: the pseudonymisation key ---------------------------------------------------------------


def test_the_key_refusal_and_the_demo_warning_are_worded_as_the_guide_quotes() -> None:
    """Section 5 quotes the refusal of another key and demo mode's warning, and names `hub db record-key`."""
    from datetime import UTC, datetime

    from consumers.cli import app
    from hub.store.key_fingerprint import Recorded, _mismatch

    section = " ".join(_section(5).split())
    at = datetime(2026, 12, 8, tzinfo=UTC)
    refusal = _mismatch(Recorded("a" * 64, False, at), Recorded("b" * 64, False, at))
    quoted = "HUB_PSEUDONYM_KEY is not the key this database's pseudonyms were made with (recorded DATE) ..."
    assert refusal.startswith(quoted.removesuffix(" ...").replace("DATE", "2026-12-08")) and quoted in section
    assert "`demo mode: this database's pseudonyms were made under another key ...`" in section
    db = next(group.typer_instance for group in app.registered_groups if group.name == "db")
    assert db is not None and "record-key" in {c.name for c in db.registered_commands}
    assert "hub db record-key" in section
