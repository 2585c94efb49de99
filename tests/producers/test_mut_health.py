"""producers.health: what the module promises beyond tests/producers/test_health.py, found by a mutation pass.

The 2 s timeout of every check, a probe that answers for itself within the backstop, a stuck or query-refusing
database, the Kafka probe's client (every bootstrap server, the hub's client id, closed after each probe), and the
log line of a broken check.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, ClassVar

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError

import producers.health
from consumers.broker import BrokerSettings
from hub.store.db import make_engine
from producers.health import Health, kafka_probe


class FakeClient:
    """Stands in for AIOKafkaClient: records how the probe built it and whether it was closed."""

    made: ClassVar[list[FakeClient]] = []
    reachable: ClassVar[bool] = True

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.closed = False
        FakeClient.made.append(self)

    async def bootstrap(self) -> None:
        if not FakeClient.reachable:
            raise ConnectionError("no broker")

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
def fake_client(monkeypatch: pytest.MonkeyPatch) -> type[FakeClient]:
    monkeypatch.setattr(producers.health, "AIOKafkaClient", FakeClient)
    monkeypatch.setattr(FakeClient, "made", [])
    monkeypatch.setattr(FakeClient, "reachable", True)
    return FakeClient


async def test_every_check_has_a_two_second_timeout_by_default(fake_client: type[FakeClient]) -> None:
    # docs/operations.md, /readyz: "Each check has a 2 s timeout, so a probe never hangs."
    assert Health().timeout == 2.0
    await kafka_probe("127.0.0.1:9092")()
    assert fake_client.made[0].kwargs["request_timeout_ms"] == 2000


async def test_the_kafka_probe_timeout_is_its_requests_timeout_in_milliseconds(
    fake_client: type[FakeClient],
) -> None:
    await kafka_probe("127.0.0.1:9092", timeout=0.5)()
    assert fake_client.made[0].kwargs["request_timeout_ms"] == 500


async def test_the_kafka_probe_asks_every_bootstrap_server(fake_client: type[FakeClient]) -> None:
    await kafka_probe("kafka-0:9092,kafka-1:9092,kafka-2:9092")()
    assert fake_client.made[0].kwargs["bootstrap_servers"] == ["kafka-0:9092", "kafka-1:9092", "kafka-2:9092"]


async def test_the_kafka_probe_identifies_as_the_hubs_client_id(fake_client: type[FakeClient]) -> None:
    # HUB_KAFKA_CLIENT_ID is "visible in broker logs and quotas" (docs/operations.md): the probe's connections
    # carry it too, marked as the health probe's.
    await kafka_probe("127.0.0.1:9092")()
    await kafka_probe("127.0.0.1:9092", BrokerSettings(client_id="acc-hub"))()
    assert [c.kwargs["client_id"] for c in fake_client.made] == ["ijw-hub-health", "acc-hub-health"]


@pytest.mark.parametrize("reachable", [True, False])
async def test_the_kafka_probe_closes_its_client_every_time(
    fake_client: type[FakeClient], reachable: bool
) -> None:
    # A probe runs every few seconds for the life of the process: an unclosed client per probe leaks connections.
    fake_client.reachable = reachable
    assert await kafka_probe("127.0.0.1:9092")() is reachable
    assert fake_client.made[0].closed


async def test_a_probe_slower_than_the_timeout_still_answers_for_itself() -> None:
    # kafka_probe ends itself after `timeout` and closes its connection; the outer wait is a backstop beyond it,
    # so the probe's own answer (here: up) is the one reported, not a cancellation.
    async def slow_but_up() -> bool:
        await asyncio.sleep(0.3)
        return True

    assert await Health(broker=slow_but_up, timeout=0.1).ready() == {"broker": True}


async def test_a_stuck_database_is_not_ready_within_the_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    def stuck(engine: Engine) -> tuple[bool, bool]:
        time.sleep(0.6)
        return True, True

    monkeypatch.setattr(producers.health, "_database", stuck)
    engine = make_engine("sqlite://")
    try:
        start = time.monotonic()
        assert await Health(engine=engine, timeout=0.1).ready() == {"database": False, "migrations": False}
        assert time.monotonic() - start < 0.5
    finally:
        engine.dispose()


async def test_a_database_that_connects_but_answers_no_query_is_not_reachable(tmp_path: Any) -> None:
    # Ready means "the database answers a query" (the module's docstring), not only that a connection opens.
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")

    def refuse(*args: object) -> None:
        raise OperationalError("SELECT 1", {}, Exception("the database refuses queries"))

    event.listen(engine, "before_cursor_execute", refuse)
    try:
        assert await Health(engine=engine).ready() == {"database": False, "migrations": False}
    finally:
        engine.dispose()


def test_a_broken_check_is_logged_by_name_and_error_type(caplog: pytest.LogCaptureFixture) -> None:
    def explodes() -> bool:
        raise RuntimeError("boom")

    with caplog.at_level(logging.WARNING, logger="hub.health"):
        assert asyncio.run(Health(checks={"buffer": explodes}).ready()) == {"buffer": False}
        assert not Health(liveness={"publisher": explodes}, consumers_started=explodes).alive()
    records = [r for r in caplog.records if r.name == "hub.health"]
    assert [(r.getMessage(), r.__dict__["check"], r.__dict__["error"]) for r in records] == [
        ("health check failed", "buffer", "RuntimeError"),
        ("health check failed", "publisher", "RuntimeError"),
    ]


async def test_a_broken_consumers_check_is_logged_as_consumers(
    db: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    def explodes() -> bool:
        raise RuntimeError("boom")

    with caplog.at_level(logging.WARNING, logger="hub.health"):
        await Health(engine=db, consumers_started=explodes).ready()
    assert [r.__dict__["check"] for r in caplog.records if r.name == "hub.health"] == ["consumers"]
