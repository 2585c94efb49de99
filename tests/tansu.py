"""Broker settings for tests that run the hub over the session's Tansu broker (the `tansu` fixture)."""

from __future__ import annotations

from typing import Any

from consumers.broker import BrokerSettings
from consumers.embedded import EmbeddedBroker


def tansu_settings(tansu: EmbeddedBroker, topic_prefix: str, **settings: Any) -> BrokerSettings:
    """Settings for the session's Tansu broker under this test's topic prefix, with the short group session
    timeout Tansu needs; `settings` adds further fields."""
    return BrokerSettings(
        bootstrap_servers=tansu.bootstrap, topic_prefix=topic_prefix, session_timeout_ms=1000, **settings
    )
