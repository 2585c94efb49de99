"""producers.health: readiness checks with short timeouts, liveness, and the Kafka probe against nothing and Tansu."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import Engine

from consumers.embedded import EmbeddedBroker, free_port
from hub.store.db import make_engine
from producers.health import Health, kafka_probe


async def up() -> bool:
    return True


async def broken() -> bool:
    raise ConnectionError("no broker")


async def hanging() -> bool:
    await asyncio.sleep(30)
    return True


async def test_ready_reports_every_check(db: Engine) -> None:
    health = Health(broker=up, engine=db, checks={"buffer": lambda: True, "other": lambda: False})
    assert await health.ready() == {
        "broker": True,
        "database": True,
        "migrations": True,
        "buffer": True,
        "other": False,
    }


async def test_checks_left_out_are_not_reported() -> None:
    assert await Health().ready() == {}


@pytest.mark.parametrize("probe", [broken, hanging])
async def test_a_failing_or_hanging_broker_probe_is_not_ready_within_the_timeout(
    probe: Callable[[], Awaitable[bool]],
) -> None:
    health = Health(broker=probe, timeout=0.1)
    start = time.monotonic()
    assert await health.ready() == {"broker": False}
    assert time.monotonic() - start < 2.0


def test_unreachable_database_fails_both_database_checks() -> None:
    engine = make_engine(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nothing")
    try:
        assert asyncio.run(Health(engine=engine, timeout=5.0).ready()) == {
            "database": False,
            "migrations": False,
        }
    finally:
        engine.dispose()


def test_alive_unless_a_liveness_check_fails() -> None:
    assert Health().alive()
    assert Health(liveness={"publisher": lambda: True}).alive()
    assert not Health(liveness={"publisher": lambda: False}).alive()

    def explodes() -> bool:
        raise RuntimeError("boom")

    assert not Health(liveness={"publisher": explodes}).alive()
    assert asyncio.run(Health(checks={"x": explodes}).ready()) == {"x": False}


async def test_kafka_probe_without_a_broker_is_false() -> None:
    assert await kafka_probe(f"127.0.0.1:{free_port()}", timeout=0.5)() is False


@pytest.mark.kafka
async def test_kafka_probe_answers_for_tansu_and_not_while_it_is_paused(tansu: EmbeddedBroker) -> None:
    probe = kafka_probe(tansu.bootstrap, timeout=0.5)
    assert await probe() is True
    tansu.pause()
    try:
        start = time.monotonic()
        assert await Health(broker=probe, timeout=0.5).ready() == {"broker": False}
        assert time.monotonic() - start < 3.0
    finally:
        tansu.resume()
    assert await probe() is True


@pytest.mark.parametrize("started", [True, False])
async def test_migrations_are_ready_only_once_the_consumers_that_wait_for_them_have_started(
    db: Engine, started: bool
) -> None:
    health = Health(engine=db, consumers_started=lambda: started)
    assert await health.ready() == {"database": True, "migrations": started}


async def test_a_broken_consumers_check_is_not_ready(db: Engine) -> None:
    def explodes() -> bool:
        raise RuntimeError("boom")

    assert await Health(engine=db, consumers_started=explodes).ready() == {
        "database": True,
        "migrations": False,
    }
