"""Configuration: every setting documented, `hub config show` never prints a secret, no start without a key.

The configuration table of docs/operations.md is generated from hub.configuration.describe(); after adding or
changing a setting, regenerate it with `.venv/bin/python -m tests.test_config`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consumers.broker import BrokerSettings
from consumers.cli import app
from consumers.embedded import EmbeddedBroker
from hub.configuration import MASK, Setting, describe
from hub.errors import ConfigError
from hub.ijw.schema import BUILTIN_DIR, SchemaSet
from hub.settings import HubSettings
from tests.test_lifecycle import HubRun

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = {"README.md": ROOT / "README.md", "docs/operations.md": ROOT / "docs" / "operations.md"}
GUIDE = DOCUMENTS["docs/operations.md"]
BEGIN = "<!-- configuration table: generated from hub.configuration.describe() by `python -m tests.test_config` -->"
END = "<!-- end of the configuration table -->"

SETTINGS = describe([HubSettings, BrokerSettings])

# Secrets as a deployment sets them; none of these strings may appear in any output.
SECRETS = {
    "HUB_PSEUDONYM_KEY": "pseudonym-secret-6f1c0b7e2a94",
    "HUB_ID_KEY": "id-key-secret-0d5e8a31c7",
    "HUB_API_KEYS": json.dumps({"api-secret-4b8d1e0c": ["0200", "12345678"]}),
    "HUB_KAFKA_SASL_PASSWORD": "sasl-secret-93ae5d27",
}
DATABASE_PASSWORD = "db-secret-7c2f41"
ENVIRONMENT = {
    **SECRETS,
    "HUB_DATABASE_URL": f"postgresql+psycopg://ijw_hub:{DATABASE_PASSWORD}@db.example:5432/ijw_hub",
    "HUB_KAFKA_BOOTSTRAP_SERVERS": "kafka-0.example:9093,kafka-1.example:9093",
    "HUB_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "HUB_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    "HUB_KAFKA_SASL_USERNAME": "ijw-hub",
}
LEAKS = ("pseudonym-secret", "id-key-secret", "api-secret", "sasl-secret", DATABASE_PASSWORD)


pytestmark = pytest.mark.usefixtures("no_hub_env")  # settings come from the test, not from the shell


# ---- the documentation -----------------------------------------------------------------------------------


def table_variables(markdown: str) -> set[str]:
    """The names in the first cell of every Markdown table row (backticks removed)."""
    names = set()
    for line in markdown.splitlines():
        if line.lstrip().startswith("|"):
            names.add(line.strip().strip("|").split("|")[0].strip().strip("`"))
    return names


def _cell(text: str, code: bool = False) -> str:
    text = text.replace("|", "\\|")
    return f"`{text}`" if code and text else text


def render_table(settings: list[Setting]) -> str:
    """The configuration table of docs/operations.md: variable, type, default and description of every setting."""
    lines = ["| variable | type | default | description |", "|---|---|---|---|"]
    for s in settings:
        lines.append(
            f"| `{s.env}` | {_cell(s.type, True)} | {_cell(s.default, True)} | {_cell(s.description)} |"
        )
    return "\n".join(lines)


def guide_table(text: str) -> str:
    if BEGIN not in text or END not in text:
        raise AssertionError(f"docs/operations.md lacks the markers {BEGIN!r} and {END!r}")
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_setting_has_a_row_in_the_configuration_table(document: str) -> None:
    documented = table_variables(DOCUMENTS[document].read_text(encoding="utf-8"))
    missing = [s.env for s in SETTINGS if s.env not in documented]
    assert missing == [], f"{document} has no configuration table row for: {', '.join(missing)}"


def test_the_guides_configuration_table_is_generated_from_the_settings() -> None:
    assert guide_table(GUIDE.read_text(encoding="utf-8")) == render_table(SETTINGS), (
        "docs/operations.md's configuration table is stale: run `.venv/bin/python -m tests.test_config`"
    )


# ---- hub config show ---------------------------------------------------------------------------------------


def config_show(fmt: str, env: dict[str, str]) -> str:
    result = CliRunner().invoke(app, ["config", "show", "--format", fmt], env=env)
    assert result.exit_code == 0, result.output
    return result.output


def test_config_show_text_masks_every_secret() -> None:
    output = config_show("text", ENVIRONMENT)
    shown = {}
    for line in output.splitlines():
        name, _, value = line.strip().partition(" ")
        shown[name] = value.strip()
    assert [leak for leak in LEAKS if leak in output] == []
    assert {name: shown[name] for name in SECRETS} == {name: MASK for name in SECRETS}
    assert shown["HUB_DATABASE_URL"] == f"postgresql+psycopg://ijw_hub:{MASK}@db.example:5432/ijw_hub"
    assert shown["HUB_KAFKA_SASL_USERNAME"] == "ijw-hub"  # only secrets are masked
    assert shown.keys() == {s.env for s in SETTINGS}


def test_config_show_json_masks_every_secret() -> None:
    output = config_show("json", ENVIRONMENT)
    shown = json.loads(output)
    assert [leak for leak in LEAKS if leak in output] == []
    assert {name: shown[name] for name in SECRETS} == {name: MASK for name in SECRETS}
    assert shown["HUB_DATABASE_URL"] == f"postgresql+psycopg://ijw_hub:{MASK}@db.example:5432/ijw_hub"
    assert shown["HUB_KAFKA_BOOTSTRAP_SERVERS"] == ENVIRONMENT["HUB_KAFKA_BOOTSTRAP_SERVERS"]
    assert shown.keys() == {s.env for s in SETTINGS}


def test_config_show_leaves_unset_secrets_empty() -> None:
    shown = json.loads(config_show("json", {}))
    assert {name: shown[name] for name in SECRETS} == {name: "" for name in SECRETS}


def test_an_invalid_setting_is_named_without_its_value() -> None:
    """pydantic's own report quotes the input: here that would print an API key."""
    broken = json.dumps({"api-secret-4b8d1e0c": "0200"})  # codes must be a list
    result = CliRunner().invoke(app, ["config", "show"], env={"HUB_API_KEYS": broken})
    assert result.exit_code == 2
    assert "api-secret" not in result.output and "Traceback" not in result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: invalid configuration HUB_API_KEYS: ")


# ---- starting without a pseudonymisation key ----------------------------------------------------------------


def run_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("HUB_")}
    # An address nothing listens on: the hub must refuse before it tries a broker or a database.
    env.update(
        HUB_KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9", HUB_DATABASE_URL=f"sqlite:///{tmp_path / 'hub.sqlite'}"
    )
    env.update(extra)
    return env


def test_run_refuses_to_start_without_a_pseudonym_key(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hub", "run", "--role", "intake"],
        env=run_env(tmp_path), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stdout == "" and "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert re.fullmatch(r"error: HUB_PSEUDONYM_KEY is not set: .+", line), line
    assert not (tmp_path / "hub.sqlite").exists()  # refused before it touched the database


@pytest.mark.kafka
async def test_demo_mode_starts_without_a_key_and_warns(tansu: EmbeddedBroker, tmp_path: Path) -> None:
    hub = HubRun(
        tansu.bootstrap,
        "demo-test.",
        f"sqlite:///{tmp_path / 'hub.sqlite'}",
        tmp_path / "hub.log",
        role="gateway",
    )
    del hub.env["HUB_PSEUDONYM_KEY"]
    hub.env["HUB_DEMO"] = "true"
    hub.start()
    try:
        assert (await hub.wait_for("/healthz", 200)).json()["status"] == "ok"
        code, _ = hub.terminate()
        assert code == 0, hub.log_tail()
    finally:
        hub.stop()
    lines = [json.loads(line) for line in hub.log_path.read_text().splitlines() if line.startswith("{")]
    warnings = [line for line in lines if line["level"] == "WARNING" and "demo mode" in line["message"]]
    assert warnings, hub.log_tail()


def _regenerate() -> None:
    """Write the configuration table of docs/operations.md from the settings classes."""
    text = GUIDE.read_text(encoding="utf-8")
    guide_table(text)  # the markers are there
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    GUIDE.write_text(f"{head}{BEGIN}\n{render_table(SETTINGS)}\n{END}{tail}", encoding="utf-8")


# Every command that reads the configuration, with arguments that would otherwise get it going.
COMMANDS = {
    "validate": ["validate", "examples/JW301.xml"],
    "retour": ["retour", "examples/JW301.xml"],
    "process": ["process", "examples/JW301.xml"],
    "ingest": ["ingest", "examples/JW301.xml", "--to", "kafka"],
    "run": ["run", "--role", "intake"],
    "db upgrade": ["db", "upgrade"],
    "normen": ["normen"],
    "config show": ["config", "show"],
}
INVALID = {  # one setting of each settings class
    "HUB_MAX_MESSAGE_BYTES": (
        "0",
        {"validate", "retour", "process", "run", "db upgrade", "normen", "config show"},
    ),
    "HUB_KAFKA_BATCH_TIMEOUT_MS": ("soon", {"process", "ingest", "run", "config show"}),
    # A list setting that is not JSON: pydantic-settings refuses it before validation (it was an internal error).
    "HUB_METRICS_DROP_LABELS": ("aanbieder", {"validate", "run", "config show"}),
    "HUB_PSEUDONYM_KEY": ("te-kort", {"process", "run", "config show"}),  # under 16 bytes
    "HUB_ID_KEY": ("te-kort", {"run", "config show"}),
}


@pytest.mark.parametrize(
    ("command", "setting"),
    [(command, setting) for setting, (_, readers) in INVALID.items() for command in sorted(readers)],
)
def test_every_command_names_an_invalid_setting_in_one_line(command: str, setting: str) -> None:
    """A usage error (exit 2) of one line, whichever command reads it and wherever it reads it."""
    env = {
        "HUB_PSEUDONYM_KEY": "k" * 32,
        "HUB_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
        setting: INVALID[setting][0],
    }
    result = CliRunner().invoke(app, COMMANDS[command], env=env)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"error: invalid configuration {setting}: "), line


@pytest.mark.parametrize(
    ("setting", "value"),
    [("HUB_LOG_LEVEL", "verbose"), ("HUB_HTTP_PORT", "99999"), ("HUB_HTTP_PORT", "0")],
)
def test_run_refuses_a_log_level_or_port_it_could_not_use(setting: str, value: str) -> None:
    """Checked with the configuration, before the hub migrates or starts a broker: they failed at logging set-up
    and at the socket's bind, as an internal error after the URLs were printed."""
    env = {"HUB_PSEUDONYM_KEY": "k" * 32, "HUB_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9", setting: value}
    result = CliRunner().invoke(app, COMMANDS["run"], env=env)
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"error: invalid configuration {setting}: "), line


def test_settings_that_do_not_fit_together_are_named_as_operators_set_them() -> None:
    """A check across settings has no one setting to name: its line names the variables, not Python fields."""
    env = {
        "HUB_PSEUDONYM_KEY": "k" * 32,
        "HUB_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
        "HUB_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    }
    result = CliRunner().invoke(app, COMMANDS["run"], env=env)
    assert (result.exit_code, result.output) == (
        2,
        "error: invalid configuration: HUB_KAFKA_SECURITY_PROTOCOL=SASL_SSL needs HUB_KAFKA_SASL_USERNAME and "
        "HUB_KAFKA_SASL_PASSWORD\n",
    )


@pytest.mark.parametrize("command", ["run", "process"])
def test_a_schema_dir_without_every_xsd_refuses_the_start(command: str, tmp_path: Path) -> None:
    """Before anything is migrated or started: each JW305 would otherwise fail once the hub serves (a 500 at the
    gateway, a dead letter in the intake)."""
    partial = tmp_path / "xsd"
    partial.mkdir()
    for xsd in BUILTIN_DIR.glob("*.xsd"):
        if xsd.name != "jw305.xsd":
            shutil.copy(xsd, partial / xsd.name.upper())  # the names match whatever their case
    store = tmp_path / "hub.sqlite"
    env = {
        "HUB_PSEUDONYM_KEY": "k" * 32,
        "HUB_KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9",
        "HUB_SCHEMA_DIR": str(partial),
        "HUB_DATABASE_URL": f"sqlite:///{store}",
    }
    args = (
        [*COMMANDS[command], "--database", f"sqlite:///{store}"]
        if command == "process"
        else COMMANDS[command]
    )
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 2, result.output
    assert result.output.strip() == f"error: no XSD for JW305 (jw305.xsd) in {partial}"
    assert not store.exists()
    # The same directory with the file serves: check_complete finds the rest (upper case) in place.
    shutil.copy(BUILTIN_DIR / "jw305.xsd", partial / "Jw305.XSD")
    SchemaSet(partial).check_complete()


def test_a_schema_dir_that_is_not_a_directory_is_a_configuration_error(tmp_path: Path) -> None:
    """A clear ConfigError (the CLI's `error: ...` line, exit 2), not a FileNotFoundError from listing it."""
    with pytest.raises(
        ConfigError, match=re.escape(f"schema directory {tmp_path / 'missing'} does not exist")
    ):
        SchemaSet(tmp_path / "missing")
    (tmp_path / "file.xsd").write_bytes((BUILTIN_DIR / "jw301.xsd").read_bytes())
    with pytest.raises(ConfigError, match="does not exist"):
        SchemaSet(tmp_path / "file.xsd")


def test_the_log_level_may_be_written_in_any_case() -> None:
    assert HubSettings(log_level="debug").log_level == "DEBUG"  # as the environment may give it


def test_an_item_of_a_list_setting_is_named_by_its_place_not_as_another_variable() -> None:
    env = {"HUB_METRICS_DROP_LABELS": '["aanbieder", "regio"]'}
    result = CliRunner().invoke(app, ["config", "show"], env=env)
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "error: invalid configuration HUB_METRICS_DROP_LABELS (item 2): Input should be 'aanbieder' or 'gemeente'"
    ]


def test_an_env_file_that_is_not_there_is_refused_not_skipped(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["config", "show"], env={"HUB_ENV_FILE": str(tmp_path / "hub.env")})
    assert result.exit_code == 2
    assert (
        result.output == f"error: invalid configuration HUB_ENV_FILE: no such file: {tmp_path / 'hub.env'}\n"
    )


def test_a_mistyped_variable_is_named_with_the_setting_it_resembles() -> None:
    """A typo would leave the default in force without a word (a fresh SQLite file instead of PostgreSQL)."""
    result = CliRunner().invoke(app, ["config", "show"], env={"HUB_DATABSE_URL": "postgresql://db/hub"})
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: HUB_DATABSE_URL is not a setting of the hub and is ignored (did you mean HUB_DATABASE_URL?)"
    ]
    clean = CliRunner().invoke(app, ["config", "show"], env={"HUB_INGEST_API_KEY": "x", "HUB_ENV_FILE": ""})
    assert "warning" not in clean.stderr


if __name__ == "__main__":
    _regenerate()
