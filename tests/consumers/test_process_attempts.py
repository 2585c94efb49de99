"""`hub process` replayed into one --database: the intake's counts of starts (hub.store.attempts) never outlive a run.

Over its own embedded broker each run's offsets start at 0 again, so a row left by the previous run would be counted
as a start that died: the replay went one by one, warned of a poll "started before", and dead-lettered the last file
unjudged once its count passed HUB_MAX_ATTEMPTS. Over the embedded broker nothing is counted (it dies with the
process: nothing is redelivered after a death); over a configured cluster the worker drops its finished starts'
rows when it stops.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from typer.testing import CliRunner

import consumers.app
from consumers.app import Runtime
from consumers.broker import BrokerSettings
from consumers.cli import app
from consumers.embedded import EmbeddedBroker
from consumers.intake import IntakeWorker
from hub.settings import HubSettings
from hub.store.attempts import IntakeAttemptRecord
from hub.store.db import make_engine
from hub.store.tables import table_of

pytestmark = pytest.mark.usefixtures("no_hub_env")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = ("JW301.xml", "JW305.xml", "JW307.xml")
RUNS = 4


def archive(tmp_path: Path) -> Path:
    berichten = tmp_path / "berichten"
    berichten.mkdir()
    for name in FILES:
        shutil.copy(EXAMPLES / name, berichten / name)
    return berichten


def attempt_rows(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(table_of(IntakeAttemptRecord))).scalar_one()
    finally:
        engine.dispose()


def replay(berichten: Path, url: str, env: dict[str, str]) -> list[str]:
    """One `hub process` run; its output lines (the logs, then the summary)."""
    result = CliRunner().invoke(app, ["process", str(berichten), "--database", url], env=env)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def assert_judged_every_time(runs: list[list[str]]) -> None:
    summaries = [lines[-1] for lines in runs]
    assert summaries == ["processed 3 messages: 3 accepted"] + ["processed 3 messages: 3 duplicate"] * (
        RUNS - 1
    )
    said = "\n".join(line for lines in runs for line in lines)
    assert "started before" not in said and "dead-letter" not in said, said


@pytest.mark.kafka
@pytest.mark.timeout(240)
def test_replays_over_the_embedded_broker_judge_every_message_every_time(tmp_path: Path) -> None:
    berichten, url = archive(tmp_path), f"sqlite:///{tmp_path / 'hub.sqlite'}"
    env = {"HUB_MAX_ATTEMPTS": "1", "HUB_LOG_FORMAT": "text"}  # a count left behind would tell at once

    runs = [replay(berichten, url, env) for _ in range(RUNS)]

    assert_judged_every_time(runs)
    assert attempt_rows(url) == 0


@pytest.mark.kafka
@pytest.mark.timeout(240)
def test_replays_over_a_configured_cluster_leave_no_count_of_a_finished_start(
    tmp_path: Path, tansu: EmbeddedBroker, topic_prefix: str
) -> None:
    """Counted here (the cluster outlives the process), and each stopping intake drops its finished starts' rows:
    under a fresh topic prefix per run, offsets start at 0 again as over an embedded broker."""
    berichten, url = archive(tmp_path), f"sqlite:///{tmp_path / 'hub.sqlite'}"
    env = {
        "HUB_MAX_ATTEMPTS": "1",
        "HUB_LOG_FORMAT": "text",
        "HUB_KAFKA_BOOTSTRAP_SERVERS": tansu.bootstrap,
        "HUB_KAFKA_SESSION_TIMEOUT_MS": "1000",  # Tansu answers a join after half of it
    }

    runs = []
    for run in range(RUNS):
        runs.append(replay(berichten, url, env | {"HUB_KAFKA_TOPIC_PREFIX": f"{topic_prefix}{run}."}))
        assert attempt_rows(url) == 0

    assert_judged_every_time(runs)


# ---- how the runtime builds and stops its intake ---------------------------------------------------------------


class Embedded:
    """An EmbeddedBroker as Runtime starts and stops it."""

    bootstrap = "127.0.0.1:1"  # nothing connects in these tests

    def start(self) -> Embedded:
        return self

    def stop(self) -> None:
        pass


class Stops:
    """The KafkaBroker as stop() drives it."""

    def __init__(self, calls: list[str]) -> None:
        self.calls = calls

    async def stop(self) -> None:
        self.calls.append("broker stopped")


@pytest.mark.parametrize("bootstrap", [None, "127.0.0.1:1"])
async def test_the_intake_counts_starts_over_a_configured_cluster_only_and_drops_them_when_it_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bootstrap: str | None
) -> None:
    factories: list[Any] = []
    monkeypatch.setattr(consumers.app, "register_intake", lambda b, factory, t, s: factories.append(factory))
    monkeypatch.setattr(consumers.app, "register_retour_dispatcher", lambda *args: None)
    monkeypatch.setattr(consumers.app, "EmbeddedBroker", Embedded)
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    settings = HubSettings(database_url=url, pseudonym_key=SecretStr("attempts-test-key-0123456789"))
    runtime = Runtime(settings, BrokerSettings(bootstrap_servers=bootstrap), url, roles=("intake",))
    runtime.prepare()
    try:
        assert runtime.intake_worker is None  # made at the first poll
        [factory] = factories
        worker: IntakeWorker = factory()
        assert runtime.intake_worker is worker and worker.count_starts is (bootstrap is not None)

        calls: list[str] = []
        runtime.broker = Stops(calls)  # a stand-in for the KafkaBroker

        async def close() -> None:
            calls.append("intake closed")

        monkeypatch.setattr(worker, "close", close)
        await runtime.stop()
        # After the subscribers: a message they were still handling has its start marked finished by then.
        assert calls == ["broker stopped", "intake closed"]
    finally:
        runtime.engine.dispose()
