"""The gateway alone holds no pseudonymisation key: it starts with HUB_ID_KEY for its message ids (producers.ids).

With HUB_PSEUDONYM_KEY a pseudonym is reversed in minutes (few 9-digit numbers pass the elfproef), so the
internet-facing process should not hold it. The consuming roles still need it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from consumers.app import Role, Runtime
from consumers.broker import BrokerSettings
from hub.errors import ConfigError
from hub.settings import HubSettings

ID_KEY = "gateway-test-id-key-0123456789ab"
ADDRESS = "127.0.0.1:1"  # configured, so nothing is embedded; prepare() connects to nothing

pytestmark = pytest.mark.usefixtures("no_hub_env")


def prepared(tmp_path: Path, role: Role, **options: Any) -> Runtime:
    settings = HubSettings(database_url=f"sqlite:///{tmp_path / 'hub.sqlite'}", **options)
    runtime = Runtime(
        settings, BrokerSettings(bootstrap_servers=ADDRESS), settings.database_url, roles=(role,)
    )
    runtime.prepare()
    runtime.engine.dispose()
    return runtime


def test_the_gateway_starts_with_hub_id_key_and_without_the_pseudonym_key(tmp_path: Path) -> None:
    runtime = prepared(tmp_path, "gateway", id_key=SecretStr(ID_KEY))
    assert not hasattr(runtime, "intake")  # nothing in the process pseudonymises


@pytest.mark.parametrize("role", ["intake", "all"])
def test_the_roles_with_the_intake_still_need_the_pseudonym_key(role: Role, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^HUB_PSEUDONYM_KEY is not set: "):
        prepared(tmp_path, role, id_key=SecretStr(ID_KEY))


def test_the_processors_start_without_either_key(tmp_path: Path) -> None:
    runtime = prepared(tmp_path, "processors")
    assert not hasattr(runtime, "intake")  # the processors read pseudonyms and make none


def test_the_gateway_without_either_key_refuses_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        prepared(tmp_path, "gateway")
    assert str(refused.value) == (
        "HUB_ID_KEY is not set: the gateway refuses to start without a key for its message ids"
    )
    assert not (tmp_path / "hub.sqlite").exists()  # refused before it touched the database


def test_the_gateway_with_only_the_pseudonym_key_starts_as_before(tmp_path: Path) -> None:
    prepared(tmp_path, "gateway", pseudonym_key=SecretStr("gateway-test-pseudonym-key-012345"))


def test_demo_modes_gateway_takes_a_throwaway_id_key_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="hub")
    prepared(tmp_path, "gateway", demo=True)
    assert [r.getMessage() for r in caplog.records if r.name == "hub"] == [
        "demo mode: a throwaway key tags the message ids; ids change meaning on every start"
    ]


def test_hub_id_key_is_as_long_as_the_pseudonym_key_must_be() -> None:
    with pytest.raises(ValidationError, match="the key must be at least 16 bytes"):
        HubSettings(id_key=SecretStr("te-kort"))
