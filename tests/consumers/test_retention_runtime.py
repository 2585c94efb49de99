"""`hub run` applies the retour retention itself: the process of the retour dispatcher clears old retour XML."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from consumers.app import Role, Runtime
from consumers.broker import BrokerSettings
from hub.settings import HubSettings
from hub.store import audit
from hub.store.db import make_engine, session_factory, upgrade
from hub.store.tables import BerichtRecord

pytestmark = pytest.mark.kafka

RETOUR = "<Bericht><Client><Bsn>999990019</Bsn></Client></Bericht>"


def hub(tmp_path: Path, retention_days: int) -> HubSettings:
    return HubSettings(
        database_url=f"sqlite:///{tmp_path / 'hub.sqlite'}",
        pseudonym_key=SecretStr("retention-test-pseudonym-key-0123456789"),
        retour_retention_days=retention_days,
    )


def seed(url: str) -> tuple[str, str]:
    """Two messages: one whose retour was delivered 100 days ago, one delivered yesterday."""
    upgrade(url)
    engine = make_engine(url)
    ids = []
    try:
        with session_factory(engine)() as session:
            for days in (100, 1):
                when = datetime.now(UTC) - timedelta(days=days)
                row = audit.record(
                    session,
                    content_hash=audit.new_id() * 2,
                    outcome="malformed",
                    retour=RETOUR,
                    received_at=when,
                )
                audit.mark(session, row.id, "retour_delivered_at", when)
                ids.append(row.id)
            session.commit()
    finally:
        engine.dispose()
    return ids[0], ids[1]


def retour(runtime: Runtime, bericht_id: str) -> str | None:
    with runtime.sessions() as session:
        row = session.get(BerichtRecord, bericht_id)
        assert row is not None
        return row.retour


async def test_the_intake_role_clears_old_retour_xml_when_it_starts(
    tmp_path: Path, kafka_settings: BrokerSettings, topic_prefix: str
) -> None:
    settings = hub(tmp_path, retention_days=90)
    old, recent = seed(settings.database_url)
    broker = kafka_settings.model_copy(update={"topic_prefix": topic_prefix})
    runtime = Runtime(settings, broker, settings.database_url, roles=("intake",))
    runtime.prepare()
    try:
        await runtime.start()
        deadline = time.monotonic() + 30
        while retour(runtime, old) is not None:
            assert time.monotonic() < deadline, "the old retour was not cleared within 30 s"
            await asyncio.sleep(0.05)
        assert retour(runtime, recent) == RETOUR
    finally:
        await runtime.stop()
        runtime.engine.dispose()


@pytest.mark.parametrize(("roles", "days"), [(("processors",), 90), (("gateway",), 90), (("intake",), 0)])
async def test_no_retention_task_without_the_dispatcher_or_with_retention_off(
    tmp_path: Path, kafka_settings: BrokerSettings, topic_prefix: str, roles: tuple[Role, ...], days: int
) -> None:
    settings = hub(tmp_path, retention_days=days)
    old, _ = seed(settings.database_url)
    broker = kafka_settings.model_copy(update={"topic_prefix": topic_prefix})
    runtime = Runtime(settings, broker, settings.database_url, roles=roles)
    runtime.prepare()
    try:
        await runtime.start()
        assert runtime._retention is None
        assert retour(runtime, old) == RETOUR
    finally:
        await runtime.stop()
        runtime.engine.dispose()
