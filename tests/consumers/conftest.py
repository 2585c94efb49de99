"""Fixtures for the consumers tests: settings for the session's Tansu broker, and no HUB_KAFKA_* leaking in."""

from __future__ import annotations

import os

import pytest

from consumers.broker import BrokerSettings
from consumers.embedded import EmbeddedBroker


@pytest.fixture(autouse=True)
def _no_kafka_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings come from the test, not from the developer's shell."""
    for name in [name for name in os.environ if name.startswith("HUB_KAFKA_")]:
        monkeypatch.delenv(name)


@pytest.fixture
def kafka_settings(tansu: EmbeddedBroker) -> BrokerSettings:
    """Settings pointing at the session's Tansu broker, with the short group session timeout Tansu needs."""
    return BrokerSettings(bootstrap_servers=tansu.bootstrap, session_timeout_ms=1000)
