"""Fixtures for the producers tests: settings with two API keys, a validator with a fixed today, a fake publisher."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

import pytest
from pydantic import SecretStr

from hub.settings import HubSettings
from hub.validate import Validator
from producers.publisher import BufferFull

TODAY = date(2026, 11, 23)
GEMEENTE = "0200"
AANBIEDER = "12345678"
GEMEENTE_KEY = "key-gemeente-0200"
AANBIEDER_KEY = "key-aanbieder-12345678"
OTHER_KEY = "key-gemeente-0363"


@pytest.fixture(autouse=True)
def _no_hub_env(no_hub_env: None) -> None:
    """Settings come from the test, not from the developer's shell (tests/conftest.py)."""


def make_settings(**overrides: object) -> HubSettings:
    keys = {GEMEENTE_KEY: [GEMEENTE], AANBIEDER_KEY: [AANBIEDER], OTHER_KEY: ["0363"]}
    # Overrides are HubSettings' keywords, typed object here.
    return HubSettings(api_keys=SecretStr(json.dumps(keys)), **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def validator() -> Validator:
    return Validator(clock=lambda: TODAY)


@dataclass
class Published:
    raw: bytes
    bericht_id: str
    received_at: datetime
    key: str | None


@dataclass
class FakePublisher:
    """Records what the gateway publishes; `full` makes it refuse like a RawPublisher with a full buffer."""

    published: list[Published] = field(default_factory=list)
    full: bool = False
    error: Exception | None = None

    async def publish(
        self, raw: bytes, *, bericht_id: str, received_at: datetime, key: str | None = None
    ) -> None:
        if self.error is not None:
            raise self.error
        if self.full:
            raise BufferFull(retry_after=7, pending=3)
        self.published.append(Published(raw, bericht_id, received_at, key))
