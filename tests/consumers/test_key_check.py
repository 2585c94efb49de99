"""The key check at start (hub.store.key_fingerprint): `hub run` and `hub process` refuse a store whose pseudonyms
were made under another key, in one line; a store without a fingerprint records the key of its first user.

The audit's reproductions: `hub run` restarted under another key used to start without a word (the next JW305 of a
known client then TR019), and `hub process --database` without a key left a store no key could match, silently.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from typer.testing import CliRunner

import consumers.app
from consumers.app import Runtime
from consumers.broker import BrokerSettings
from consumers.cli import app
from consumers.embedded import EmbeddedBroker, free_port
from consumers.serve import StartFailed, build_service, serve
from hub.errors import ConfigError
from hub.privacy import Pseudonymiser
from hub.settings import HubSettings
from hub.store import key_fingerprint as fingerprints
from hub.store.db import make_engine, session_factory, upgrade
from tests.faults.harness import PSEUDONYM_KEY
from tests.tansu import tansu_settings
from tests.test_lifecycle import HubRun

pytestmark = [pytest.mark.kafka, pytest.mark.usefixtures("no_hub_env")]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OTHER_KEY = "key-check-test-another-key-0123456789"


def recorded(url: str) -> fingerprints.Recorded | None:
    engine = make_engine(url)
    try:
        return fingerprints.recorded(session_factory(engine))
    finally:
        engine.dispose()


def held(url: str) -> fingerprints.Recorded:
    found = recorded(url)
    assert found is not None, "no fingerprint recorded"
    return found


def fingerprint_of(key: str) -> str:
    return fingerprints.fingerprint(Pseudonymiser(key.encode()))


def settings(url: str, key: str | None, **options: object) -> HubSettings:
    return HubSettings(
        database_url=url,
        pseudonym_key=SecretStr(key) if key is not None else None,
        http_port=free_port(),
        shutdown_grace_seconds=2.0,
        **options,  # type: ignore[arg-type]
    )


def broker_for(tansu: EmbeddedBroker) -> BrokerSettings:
    return tansu_settings(tansu, f"keycheck-{uuid.uuid4().hex[:10]}.")


async def start_and_stop(runtime: Runtime) -> None:
    runtime.prepare()
    try:
        await runtime.start()
    finally:
        await runtime.stop()
        runtime.engine.dispose()


@pytest.mark.timeout(120)
async def test_hub_run_under_another_key_ends_with_one_line_and_status_2(
    tansu: EmbeddedBroker, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    first = HubRun(
        tansu.bootstrap, f"keycheck-{uuid.uuid4().hex[:8]}.", url, tmp_path / "first.log", role="intake"
    )
    first.start()
    try:
        await first.wait_for("/readyz", 200)  # consuming: the key was checked, and recorded
        assert first.terminate()[0] == 0, first.log_tail()
    finally:
        first.stop()
    assert held(url).fingerprint == fingerprint_of(PSEUDONYM_KEY)

    second = HubRun(
        tansu.bootstrap, first.env["HUB_KAFKA_TOPIC_PREFIX"], url, tmp_path / "second.log", role="intake",
        HUB_PSEUDONYM_KEY=OTHER_KEY, HUB_LOG_FORMAT="json",
    )  # fmt: skip
    second.start()
    try:
        assert second.proc is not None
        code = await asyncio.to_thread(second.proc.wait, 60)
    finally:
        second.stop()
    assert code == 2, second.log_tail()
    errors = [line for line in second.output().splitlines() if not line.startswith("{")]
    assert "Traceback" not in second.output()
    [line] = [line for line in errors if line.strip()]
    assert line.startswith(
        "error: the hub did not start: HUB_PSEUDONYM_KEY is not the key this database's pseudonyms were made with"
    ), line
    assert "`hub db record-key`" in line and OTHER_KEY not in second.output()
    assert held(url).fingerprint == fingerprint_of(PSEUDONYM_KEY)


@pytest.mark.timeout(120)
def test_a_refusal_once_the_schema_is_current_ends_hub_run_with_status_2(
    tansu: EmbeddedBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without migrating at start the check waits for a current schema, as the consumers do; it refuses then."""
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    upgrade(url)
    asyncio.run(
        start_and_stop(Runtime(settings(url, PSEUDONYM_KEY), broker_for(tansu), url, roles=("intake",)))
    )
    behind = iter(
        [False]
    )  # the schema is behind at start (`hub db upgrade` pending), current at the next look
    monkeypatch.setattr(consumers.app, "is_current", lambda _engine: next(behind, True))
    refused = settings(url, OTHER_KEY, migrate_on_start=False)
    service = build_service(refused, broker_for(tansu), ("intake",))
    sigterm = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(StartFailed) as ended:
            serve(service, refused)
    finally:
        signal.signal(signal.SIGTERM, sigterm)
        service.runtime.engine.dispose()
    assert ended.value.status == 2
    assert str(ended.value).startswith(
        "HUB_PSEUDONYM_KEY is not the key this database's pseudonyms were made with"
    )
    assert not service.runtime.consuming


async def test_the_intake_checks_the_key_and_the_processors_and_the_gateway_alone_need_none(
    tansu: EmbeddedBroker, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    await start_and_stop(Runtime(settings(url, PSEUDONYM_KEY), broker_for(tansu), url, roles=("intake",)))
    assert held(url).fingerprint == fingerprint_of(PSEUDONYM_KEY)
    # The processors read pseudonyms and make none: they start without a key (least privilege), and do not check
    # one they are given.
    await start_and_stop(Runtime(settings(url, None), broker_for(tansu), url, roles=("processors",)))
    await start_and_stop(Runtime(settings(url, OTHER_KEY), broker_for(tansu), url, roles=("processors",)))
    # The gateway pseudonymises nothing: it neither checks nor records.
    await start_and_stop(Runtime(settings(url, OTHER_KEY), broker_for(tansu), url, roles=("gateway",)))
    assert held(url).fingerprint == fingerprint_of(PSEUDONYM_KEY)
    # With the intake among its roles a process checks.
    with pytest.raises(ConfigError, match=r"^HUB_PSEUDONYM_KEY is not the key"):
        await start_and_stop(
            Runtime(settings(url, OTHER_KEY), broker_for(tansu), url, roles=("intake", "processors"))
        )
    with pytest.raises(ConfigError, match=r"^HUB_PSEUDONYM_KEY is not set"):
        await start_and_stop(Runtime(settings(url, None), broker_for(tansu), url, roles=("intake",)))


async def test_demo_mode_takes_over_a_throwaway_store_and_refuses_one_of_a_configured_key(
    tansu: EmbeddedBroker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    await start_and_stop(Runtime(settings(url, None, demo=True), broker_for(tansu), url, roles=("intake",)))
    first = held(url)
    assert first.throwaway
    # A second demo run, with a throwaway key of its own, takes the demo's store over, saying so.
    await start_and_stop(Runtime(settings(url, None, demo=True), broker_for(tansu), url, roles=("intake",)))
    second = held(url)
    assert second.throwaway and second.fingerprint != first.fingerprint
    assert "demo mode: this database's pseudonyms were made under another key" in caplog.text
    # The configured key now meets a throwaway key's store: refused, saying so.
    with pytest.raises(ConfigError, match=r"^this database's pseudonyms were made under a throwaway key"):
        await start_and_stop(Runtime(settings(url, PSEUDONYM_KEY), broker_for(tansu), url, roles=("intake",)))

    # A store of real clients: demo mode is refused and the store keeps its key.
    real = f"sqlite:///{tmp_path / 'real.sqlite'}"
    await start_and_stop(Runtime(settings(real, PSEUDONYM_KEY), broker_for(tansu), real, roles=("intake",)))
    with pytest.raises(
        ConfigError, match=r"^demo mode refuses this database: its pseudonyms were made under"
    ):
        await start_and_stop(
            Runtime(settings(real, None, demo=True), broker_for(tansu), real, roles=("intake",))
        )
    assert held(real).fingerprint == fingerprint_of(PSEUDONYM_KEY) and not held(real).throwaway
    # A configured key in demo mode is checked as anywhere: the right one starts.
    await start_and_stop(
        Runtime(settings(real, PSEUDONYM_KEY, demo=True), broker_for(tansu), real, roles=("intake",))
    )


def process(url: str, env: dict[str, str]) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["process", str(EXAMPLES / "JW301.xml"), "--database", url], env=env)
    return result.exit_code, result.output


@pytest.mark.timeout(180)
def test_hub_process_without_a_key_warns_and_a_configured_key_meets_its_store_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite'}"
    code, output = process(url, {"HUB_LOG_FORMAT": "text"})
    assert code == 0, output
    assert (
        "HUB_PSEUDONYM_KEY is not set: the pseudonyms in --database were made under a throwaway key" in output
    )
    assert held(url).throwaway

    code, output = process(
        url, {"HUB_LOG_FORMAT": "text"}
    )  # a replay without a key: goes on, and warns again
    assert code == 0 and "HUB_PSEUDONYM_KEY is not set: the pseudonyms in --database" in output, output

    code, output = process(url, {"HUB_PSEUDONYM_KEY": PSEUDONYM_KEY})
    assert code == 2
    assert output.splitlines()[-1].startswith(
        "error: this database's pseudonyms were made under a throwaway key"
    )

    # Keeping it under the key, deliberately: recorded, and the next run under the key starts.
    record = CliRunner().invoke(
        app, ["db", "record-key", "--database", url], env={"HUB_PSEUDONYM_KEY": PSEUDONYM_KEY}
    )
    assert record.exit_code == 0, record.output
    assert record.output.startswith("recorded HUB_PSEUDONYM_KEY in place of the key recorded ")
    code, output = process(url, {"HUB_PSEUDONYM_KEY": PSEUDONYM_KEY, "HUB_LOG_FORMAT": "text"})
    assert code == 0 and "throwaway" not in output, output


def test_hub_process_without_database_says_nothing_of_the_key(tmp_path: Path) -> None:
    """Its own temporary store: nothing is kept, so nothing to warn about."""
    result = CliRunner().invoke(app, ["process", str(EXAMPLES / "JW301.xml")], env={"HUB_LOG_FORMAT": "text"})
    assert result.exit_code == 0, result.output
    assert "HUB_PSEUDONYM_KEY" not in result.output


def test_record_key_says_what_it_did_and_needs_a_key(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    upgrade(url)
    env = {"HUB_PSEUDONYM_KEY": PSEUDONYM_KEY}
    runner = CliRunner()
    first = runner.invoke(app, ["db", "record-key", "--database", url], env=env)
    again = runner.invoke(app, ["db", "record-key", "--database", url], env=env)
    rotated = runner.invoke(
        app, ["db", "record-key", "--database", url], env={"HUB_PSEUDONYM_KEY": OTHER_KEY}
    )
    keyless = runner.invoke(app, ["db", "record-key", "--database", url], env={})
    assert (first.exit_code, first.output) == (
        0,
        "recorded HUB_PSEUDONYM_KEY as the key of the database's pseudonyms\n",
    )
    assert (
        again.output == "HUB_PSEUDONYM_KEY is already the key of the database's pseudonyms; nothing changed\n"
    )
    assert rotated.exit_code == 0
    assert rotated.output.endswith(": the pseudonyms made under that key match no client any more\n")
    assert held(url).fingerprint == fingerprint_of(OTHER_KEY)
    assert (keyless.exit_code, keyless.output) == (
        2,
        "error: HUB_PSEUDONYM_KEY is not set: there is no key to record\n",
    )
    for result in (first, again, rotated, keyless):
        assert PSEUDONYM_KEY not in result.output and OTHER_KEY not in result.output


def test_record_key_on_a_store_not_migrated_says_so_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE other (id INTEGER)"))
    engine.dispose()
    result = CliRunner().invoke(
        app, ["db", "record-key", "--database", f"sqlite:///{path}"], env={"HUB_PSEUDONYM_KEY": PSEUDONYM_KEY}
    )
    assert (result.exit_code, result.output) == (
        1,
        "error: the store failed: OperationalError (is it reachable and at `hub db upgrade`?)\n",
    )


def test_record_key_on_a_mistyped_sqlite_path_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "hub.sqlte"
    result = CliRunner().invoke(
        app,
        ["db", "record-key", "--database", f"sqlite:///{missing}"],
        env={"HUB_PSEUDONYM_KEY": PSEUDONYM_KEY},
    )
    assert result.exit_code == 2 and f"no store at {missing}" in result.output
    assert not missing.exists()
