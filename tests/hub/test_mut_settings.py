"""hub.settings as an operator meets it: the HUB_* variables, the env file HUB_ENV_FILE names, the ranges checked.

docs/operations.md, section 10: settings come from environment variables, optionally from a file named by
`HUB_ENV_FILE`, otherwise from the defaults (the table there is generated from HubSettings and checked by
tests/test_config.py). A value the hub could not use is refused at start (exit 2, one line naming the variable).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from consumers.cli import app
from hub.configuration import describe
from hub.settings import HubSettings

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.usefixtures("no_hub_env")  # settings come from the test, not from the shell

# (variable, the smallest value the hub takes, the largest it refuses): the edges of each checked range.
LOWER_EDGES = [
    ("HUB_MAX_MESSAGE_BYTES", "1", "0"),
    ("HUB_MAX_XML_DEPTH", "1", "0"),
    ("HUB_HTTP_PORT", "1", "0"),
    ("HUB_SHUTDOWN_GRACE_SECONDS", "0.001", "0"),
    ("HUB_MAX_ATTEMPTS", "1", "0"),  # one attempt, no retry: still a way to run
    ("HUB_GATEWAY_BUFFER", "0", "-1"),  # 0: no spool, a 503 at once while the broker is away
    ("HUB_GI_KOPPELTERMIJN_DAGEN", "0", "-1"),
    ("HUB_PEIL_INTERVAL_SECONDS", "0.001", "0"),
    ("HUB_RETOUR_RETENTION_DAYS", "0", "-1"),  # 0: kept forever (docs/operations.md, section 6)
]


def from_environment(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> HubSettings:
    monkeypatch.setenv(variable, value)
    return HubSettings(_env_file=None)


@pytest.mark.parametrize(("variable", "taken", "refused"), LOWER_EDGES)
def test_each_checked_setting_takes_its_range_from_its_lowest_value(
    monkeypatch: pytest.MonkeyPatch, variable: str, taken: str, refused: str
) -> None:
    field = variable.removeprefix("HUB_").lower()
    assert getattr(from_environment(monkeypatch, variable, taken), field) == type(
        HubSettings.model_fields[field].default
    )(taken)
    with pytest.raises(ValidationError) as error:
        from_environment(monkeypatch, variable, refused)
    assert [e["loc"] for e in error.value.errors()] == [(field,)]


def test_the_http_port_ends_at_65535(monkeypatch: pytest.MonkeyPatch) -> None:
    assert from_environment(monkeypatch, "HUB_HTTP_PORT", "65535").http_port == 65535
    with pytest.raises(ValidationError):
        from_environment(monkeypatch, "HUB_HTTP_PORT", "65536")


def test_the_settings_cannot_be_changed_once_loaded() -> None:
    """One HubSettings is shared by every part of a running hub: none may change what the others see."""
    settings = HubSettings(_env_file=None)
    with pytest.raises(ValidationError):
        settings.http_port = 9090  # type: ignore[misc]
    assert settings.http_port == 8080


def config_show(env: dict[str, str]) -> dict[str, str]:
    """`hub config show --format json` in a fresh process: the env file is named when the settings are defined."""
    base = {name: value for name, value in os.environ.items() if not name.startswith("HUB_")}
    result = subprocess.run(
        [sys.executable, "-m", "hub", "config", "show", "--format", "json"],
        env={**base, **env}, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    shown: dict[str, str] = json.loads(result.stdout)
    return shown


def test_the_env_file_hub_env_file_names_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / "hub.env"
    env_file.write_text(
        "HUB_HTTP_PORT=9090\nHUB_LOG_LEVEL=debug\nHUB_RETOUR_RETENTION_DAYS=30\n", encoding="utf-8"
    )
    shown = config_show({"HUB_ENV_FILE": str(env_file), "HUB_RETOUR_RETENTION_DAYS": "0"})
    assert (shown["HUB_HTTP_PORT"], shown["HUB_LOG_LEVEL"]) == ("9090", "DEBUG")
    assert shown["HUB_RETOUR_RETENTION_DAYS"] == "0"  # the environment over the file


@pytest.mark.parametrize(
    "value",
    [
        json.dumps(["api-secret-0d4c9a71", "0200"]),  # a list, not an object of key -> codes
        json.dumps({"api-secret-0d4c9a71": "0200"}),  # codes not in a list
    ],
)
def test_api_keys_of_the_wrong_shape_are_refused_with_the_shape_they_need(value: str) -> None:
    """The one line names the variable and what it must be, never the keys themselves."""
    result = CliRunner().invoke(app, ["config", "show"], env={"HUB_API_KEYS": value})
    assert result.exit_code == 2, result.output
    assert "api-secret" not in result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: invalid configuration HUB_API_KEYS: ")
    assert re.search(r"\bHUB_API_KEYS must be a JSON object of key -> list of sender codes$", line), line


def test_api_keys_that_are_no_json_are_refused_without_their_text() -> None:
    result = CliRunner().invoke(app, ["config", "show"], env={"HUB_API_KEYS": "api-secret-0d4c9a71=0200"})
    assert result.exit_code == 2, result.output
    assert "api-secret" not in result.output and "Traceback" not in result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith("error: invalid configuration HUB_API_KEYS: "), line


def readme_rows() -> dict[str, list[str]]:
    """README.md's configuration table: variable -> its cells (variable, type, default, description)."""
    rows = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| `HUB_"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            rows[cells[0].strip("`")] = cells
    return rows


def test_the_readmes_table_gives_each_settings_type_and_default() -> None:
    """The README's table is written by hand (docs/operations.md's is generated): its defaults must not drift."""
    rows = readme_rows()
    for setting in describe([HubSettings]):
        written = rows[setting.env][1:3]
        assert written == [setting.type, f"`{setting.default}`" if setting.default else "—"], setting.env


def test_an_agb_code_written_as_a_json_number_still_names_its_sender() -> None:
    """The gateway compares the codes as text with the message's Afzender: 12345678 and "12345678" are one AGB."""
    settings = HubSettings(_env_file=None, api_keys=json.dumps({"sleutel": ["0200", 12345678]}))
    assert settings.api_key_senders() == {"sleutel": frozenset({"0200", "12345678"})}
    assert HubSettings(_env_file=None).api_key_senders() == {}
