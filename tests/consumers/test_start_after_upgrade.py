"""`hub run` started before `hub db upgrade`: its consumers start once the schema is current, /readyz says ready
only when they have, and a failure to start them ends the process (status 3) instead of leaving it up idle.

The service is the one `hub run` builds (consumers.serve), on the session's Tansu broker and an unmigrated SQLite.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from aiokafka.errors import GroupAuthorizationFailedError
from pydantic import SecretStr
from sqlalchemy import Engine

import consumers.app
from consumers.broker import BrokerSettings
from consumers.embedded import EmbeddedBroker, free_port
from consumers.serve import Service, build_service, serve
from hub.settings import HubSettings
from hub.store.db import upgrade, wait_until_current
from tests.tansu import tansu_settings

pytestmark = pytest.mark.kafka


def unmigrated(tmp_path: Path) -> str:
    """A database that answers, without any table (`hub db upgrade` has not run)."""
    path = tmp_path / "hub.sqlite"
    path.touch()
    return f"sqlite:///{path}"


def settings_for(url: str) -> HubSettings:
    return HubSettings(
        database_url=url,
        migrate_on_start=False,
        pseudonym_key=SecretStr("start-after-upgrade-test-key-0123456789"),
        http_port=free_port(),
        shutdown_grace_seconds=2.0,
    )


def broker_settings_for(tansu: EmbeddedBroker) -> BrokerSettings:
    return tansu_settings(tansu, f"start-{uuid.uuid4().hex[:10]}.")


async def until(check: Callable[[], bool], timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.05)


async def test_readyz_waits_until_the_consumers_have_started_not_only_for_the_schema(
    tansu: EmbeddedBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = unmigrated(tmp_path)
    # The consumers poll the schema; holding them after they found it current opens the window to look into.
    current, go = asyncio.Event(), asyncio.Event()

    async def held(engine: Engine) -> None:
        await wait_until_current(engine)
        current.set()
        await go.wait()

    monkeypatch.setattr(consumers.app, "wait_until_current", held)
    service = build_service(settings_for(url), broker_settings_for(tansu), ("intake",))
    transport = httpx.ASGITransport(app=service.app)
    try:
        async with (
            service.app.router.lifespan_context(service.app),
            httpx.AsyncClient(transport=transport, base_url="http://hub") as client,
        ):
            behind = await client.get("/readyz")
            await asyncio.to_thread(upgrade, url)  # `hub db upgrade`, as another process would run it
            await asyncio.wait_for(current.wait(), timeout=30)
            not_started = await client.get("/readyz")
            consuming_then = service.runtime.consuming
            go.set()
            await until(lambda: service.runtime.consuming)
            started = await client.get("/readyz")
    finally:
        service.runtime.engine.dispose()
    assert behind.status_code == 503 and behind.json()["checks"]["migrations"] is False
    assert not consuming_then
    assert not_started.status_code == 503
    assert not_started.json()["checks"] == {"broker": True, "database": True, "migrations": False}
    assert started.status_code == 200
    assert started.json() == {
        "status": "ok",
        "checks": {"broker": True, "database": True, "migrations": True},
    }


@pytest.mark.timeout(120)
def test_consumers_that_fail_to_start_after_the_upgrade_end_hub_run_with_status_3(
    tansu: EmbeddedBroker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hub")
    url = unmigrated(tmp_path)
    settings = settings_for(url)

    def started(service: Service) -> None:
        async def refused() -> None:  # e.g. a group ACL missing on the cluster: shows only when they start
            raise GroupAuthorizationFailedError("not authorized for the consumer group")

        service.runtime.broker.start = refused  # type: ignore[method-assign]  # a broker refusing to start
        assert not service.runtime.consuming
        upgrade(url)  # `hub db upgrade` while the service waits: the consumers start, and fail

    service = build_service(settings, broker_settings_for(tansu), ("intake",), on_started=started)
    sigterm = signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(SystemExit) as ended:
            serve(service, settings)  # returns only when the server has shut down
    finally:
        signal.signal(signal.SIGTERM, sigterm)
        service.runtime.engine.dispose()
    assert ended.value.code == 3
    assert "the consumers failed to start" in caplog.text
    assert not service.runtime.consuming
