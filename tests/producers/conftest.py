"""Fixtures for the producers tests: settings with two API keys, a validator with a fixed today, a fake publisher,
and the parts of a gateway app (`parts`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from sqlalchemy import Engine

from hub.metrics import HubMetrics
from hub.settings import HubSettings
from hub.store.db import session_factory
from hub.validate import Validator
from producers.gateway import create_app
from producers.health import Health
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
    # Overrides are HubSettings' keywords, typed object here; api_keys=None gives a hub without keys.
    settings = {"api_keys": SecretStr(json.dumps(keys)), **overrides}
    return HubSettings(**settings)  # type: ignore[arg-type]


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


@dataclass
class Parts:
    db: Engine
    validator: Validator
    publisher: FakePublisher = field(default_factory=FakePublisher)
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    broker_up: bool = True

    def __post_init__(self) -> None:
        self.metrics = HubMetrics(self.registry)

    def app(self, *, roles_gateway: bool = True, engine: Engine | None = None, **settings: Any) -> FastAPI:
        async def broker() -> bool:
            return self.broker_up

        return create_app(
            make_settings(**settings),
            self.validator,
            session_factory(self.db),
            self.publisher,
            self.registry,
            Health(broker=broker, engine=engine or self.db, timeout=1.0),
            roles_gateway=roles_gateway,
            metrics=self.metrics,
        )


@pytest.fixture
def parts(db: Engine, validator: Validator) -> Parts:
    return Parts(db, validator)
