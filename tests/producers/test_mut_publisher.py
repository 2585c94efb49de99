"""producers.publisher: what its docstrings and docs/operations.md section 8 promise and a mutation pass found no
test holding.

Retry-After is the current retry interval, at least 1 s, back at its start once the spool drained; one log line per
outage (broker or store), not one per retry; a negative capacity is refused.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from typing import Any

import pytest
from aiokafka.errors import KafkaTimeoutError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from hub.store.db import session_factory
from hub.store.spool import Spool
from producers.publisher import BufferFull, SpoolUnavailable
from tests.producers.test_publisher import FakeBroker, eventually, ids, make, publish

UNREACHABLE = "broker unreachable; spooling inbound messages"
REACHABLE = "broker reachable again; spool published"
STORE_AWAY = "spool unavailable: the store did not answer"
STORE_BACK = "spool available again"


def said(caplog: pytest.LogCaptureFixture, message: str) -> int:
    return sum(r.getMessage() == message for r in caplog.records)


@pytest.fixture
def broker() -> FakeBroker:
    return FakeBroker()


@pytest.fixture
def spool(db: Engine) -> Spool:
    return Spool(session_factory(db))


def test_a_negative_capacity_is_refused(broker: FakeBroker, spool: Spool) -> None:
    with pytest.raises(ValueError, match="capacity"):
        make(broker, spool, capacity=-1)


async def test_retry_after_is_the_retry_interval_rounded_up(broker: FakeBroker, spool: Spool) -> None:
    """A refused sender is told the current retry interval in whole seconds, never 0."""
    publisher = make(broker, spool, capacity=0, backoff=(1.5, 3.0))
    await publisher.start()
    broker.up = False
    with pytest.raises(BufferFull) as refused:
        await publish(publisher, 1)
    assert refused.value.retry_after == 2 == publisher.retry_after
    assert str(refused.value) == "the broker is unreachable and 0 messages are waiting to be published"
    await publisher.stop(grace=0.1)


async def test_retry_after_grows_with_the_outage_and_is_back_at_its_start_once_drained(
    broker: FakeBroker, spool: Spool
) -> None:
    publisher = make(broker, spool, capacity=10, backoff=(0.6, 1.2))
    await publisher.start()
    assert publisher.retry_after == 1  # 0.6 s, rounded up
    broker.up = False
    await publish(publisher, 1)
    await eventually(lambda: publisher.retry_after == 2)  # doubled to the cap, 1.2 s
    await asyncio.sleep(1.5)  # more retries: the cap holds
    assert publisher.retry_after == 2
    broker.up = True
    await eventually(lambda: publisher.pending == 0)
    assert publisher.retry_after == 1 and publisher.healthy
    await publisher.stop()


async def test_a_publisher_is_not_healthy_until_it_is_connected(broker: FakeBroker, spool: Spool) -> None:
    publisher = make(broker, spool)
    assert not publisher.healthy and not publisher.running
    await publisher.start()
    assert publisher.healthy and publisher.running and broker.connects == 1
    await publisher.stop()
    assert not publisher.running


async def test_one_warning_per_broker_outage_and_one_line_when_it_is_over(
    broker: FakeBroker, spool: Spool, caplog: pytest.LogCaptureFixture
) -> None:
    publisher = make(broker, spool, capacity=10)
    await publisher.start()
    with caplog.at_level(logging.INFO, logger="hub.gateway.publisher"):
        for outage in (1, 2):
            broker.up = False
            await publish(publisher, 10 * outage + 1)
            await publish(publisher, 10 * outage + 2)
            await asyncio.sleep(0.2)  # several retries, all failing
            assert said(caplog, UNREACHABLE) == outage
            broker.up = True
            await eventually(lambda: publisher.pending == 0 and publisher.healthy)
            assert said(caplog, REACHABLE) == outage
    assert ids(broker) == ["id11", "id12", "id21", "id22"]
    assert broker.connects == 1  # connected once; the producer reconnects by itself
    await publisher.stop()


class FailingSpool(Spool):
    """A store that refuses writes while `away`."""

    away = False

    def add(self, **kwargs: Any) -> Any:
        if self.away:
            raise OperationalError("INSERT", {}, Exception("connection refused"))
        return super().add(**kwargs)


async def test_one_warning_per_store_outage_and_one_line_when_it_is_back(
    broker: FakeBroker, db: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    spool = FailingSpool(session_factory(db))
    publisher = make(broker, spool, capacity=10)
    await publisher.start()
    broker.up = False
    spool.away = True
    with caplog.at_level(logging.INFO, logger="hub.gateway.publisher"):
        for n in (1, 2):
            with pytest.raises(SpoolUnavailable, match=r"^the broker and the store are unreachable$"):
                await publish(publisher, n)
        assert (said(caplog, STORE_AWAY), said(caplog, STORE_BACK)) == (1, 0)
        spool.away = False
        await publish(publisher, 3)
        assert (said(caplog, STORE_AWAY), said(caplog, STORE_BACK)) == (1, 1)
        spool.away = True  # a second outage is a second warning
        with pytest.raises(SpoolUnavailable):
            await publish(publisher, 4)
        assert said(caplog, STORE_AWAY) == 2
        spool.away = False
    assert publisher.pending == 1
    broker.up = True
    await eventually(lambda: publisher.pending == 0)
    assert ids(broker) == ["id3"]
    await publisher.stop()


async def test_a_message_the_producer_holds_is_kept_even_beyond_capacity(
    broker: FakeBroker, spool: Spool
) -> None:
    """Refusing it would invite a resend of what the broker may still get: kept, and published once."""
    publisher = make(broker, spool, capacity=0)
    await publisher.start()
    broker.hang = True
    await publish(
        publisher, 1
    )  # the acknowledgement does not come in time: spooled although the spool is "full"
    assert publisher.pending == 1 and spool.count() == 1
    broker.hang = False
    with pytest.raises(BufferFull):
        await publish(publisher, 2)  # a new message is bounded as ever
    broker.release()
    await eventually(lambda: publisher.pending == 0 and spool.count() == 0)
    assert ids(broker) == ["id1"] and broker.calls == 1
    await publisher.stop()


async def test_an_idle_gateway_publishes_what_another_one_left_within_its_poll(
    broker: FakeBroker, db: Engine
) -> None:
    idle = make(broker, Spool(session_factory(db)), capacity=10, poll=0.05)
    await idle.start()
    crashed = make(
        broker, Spool(session_factory(db)), capacity=10
    )  # never started: it only spooled, then died
    await publish(crashed, 1)
    await publish(crashed, 2)
    await eventually(lambda: ids(broker) == ["id1", "id2"])
    await eventually(lambda: Spool(session_factory(db)).count() == 0 and idle.pending == 0)
    await idle.stop()


async def test_a_gateway_that_starts_says_so_when_it_finds_spooled_messages(
    broker: FakeBroker, db: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """docs/operations.md section 8 quotes the line."""
    crashed = make(broker, Spool(session_factory(db)), capacity=10)
    await publish(crashed, 1)
    restarted = make(broker, Spool(session_factory(db)), capacity=10)
    with caplog.at_level(logging.INFO, logger="hub.gateway.publisher"):
        await restarted.start()
        await eventually(lambda: ids(broker) == ["id1"])
    found = [
        r for r in caplog.records if r.getMessage() == "spooled messages found at start; publishing them"
    ]
    assert [getattr(r, "pending", None) for r in found] == [1]
    await restarted.stop()


class StopFails(FakeBroker):
    async def stop(self) -> None:
        raise ConnectionResetError("gone")


async def test_a_broker_that_does_not_stop_cleanly_is_logged_and_the_stop_completes(
    spool: Spool, caplog: pytest.LogCaptureFixture
) -> None:
    broker = StopFails()
    publisher = make(broker, spool)
    await publisher.start()
    await publish(publisher, 1)
    with caplog.at_level(logging.WARNING, logger="hub.gateway.publisher"):
        await publisher.stop()
    [warning] = [r for r in caplog.records if r.getMessage() == "broker did not stop cleanly"]
    assert getattr(warning, "error", None) == "ConnectionResetError"
    assert not publisher.running and not publisher.healthy


@pytest.mark.parametrize("end", ["fails", "cancelled"])
async def test_a_producer_future_that_ends_after_shutdown_logs_no_error(
    broker: FakeBroker, spool: Spool, caplog: pytest.LogCaptureFixture, end: str
) -> None:
    """Nobody awaits the producer's future once the gateway stopped: its end is no `never retrieved` error."""
    publisher = make(broker, spool)
    await publisher.start()
    broker.hang = True
    await publish(publisher, 1)  # held by the producer, spooled
    await publisher.stop(grace=0.1)
    with caplog.at_level(logging.ERROR):
        if end == "fails":
            broker.release(KafkaTimeoutError())
        else:
            for future, _ in broker.held:
                future.cancel()
            broker.held.clear()
        await asyncio.sleep(0)  # the done callbacks run
        del publisher
        gc.collect()
        await asyncio.sleep(0)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_an_idle_gateway_stops_at_once_not_after_its_poll(broker: FakeBroker, spool: Spool) -> None:
    """With nothing spooled there is nothing to wait for: SIGTERM is not held up by the 10 s look for left rows."""
    publisher = make(broker, spool, poll=10.0)
    await publisher.start()
    await publish(publisher, 1)
    await asyncio.sleep(0.1)  # the task that publishes the spool is waiting for work
    started = time.monotonic()
    await publisher.stop(grace=5.0)
    assert time.monotonic() - started < 1.0
    assert ids(broker) == ["id1"] and broker.stopped


async def test_a_clean_start_and_stop_say_nothing_about_spooled_messages(
    broker: FakeBroker, spool: Spool, caplog: pytest.LogCaptureFixture
) -> None:
    publisher = make(broker, spool)
    with caplog.at_level(logging.INFO, logger="hub.gateway.publisher"):
        await publisher.start()
        await publish(publisher, 1)
        await publisher.stop()
    assert [r.getMessage() for r in caplog.records if "spooled" in r.getMessage()] == []


async def test_a_publisher_never_started_stops_all_the_same(broker: FakeBroker, spool: Spool) -> None:
    """A gateway whose start-up failed further on still runs its shutdown."""
    publisher = make(broker, spool)
    await publisher.stop(grace=0.1)
    assert not publisher.running and not broker.stopped  # never connected: nothing to stop


class ClaimFails(Spool):
    """A store that does not answer the publishing task's claims while `away`."""

    away = False

    def claim(self, limit: int, skip: Any = ()) -> Any:
        if self.away:
            raise OperationalError("UPDATE", {}, Exception("connection refused"))
        return super().claim(limit, skip)


async def test_a_store_away_for_the_publishing_task_is_one_warning_and_one_line_when_it_is_back(
    broker: FakeBroker, db: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    spool = ClaimFails(session_factory(db))
    publisher = make(broker, spool, capacity=10)
    await publisher.start()
    broker.up = False
    await publish(publisher, 1)
    with caplog.at_level(logging.INFO, logger="hub.gateway.publisher"):
        spool.away = True
        broker.up = True
        await eventually(lambda: said(caplog, STORE_AWAY) == 1)
        await asyncio.sleep(0.2)  # more failed claims: no more warnings
        spool.away = False
        await eventually(lambda: publisher.pending == 0)
        assert (said(caplog, STORE_AWAY), said(caplog, STORE_BACK)) == (1, 1)
    assert ids(broker) == ["id1"]
    await publisher.stop()


class Attempts(FakeBroker):
    """Counts the producer's attempts per bericht-id."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts: dict[str, int] = {}

    async def publish(
        self, raw: bytes, topic: str, *, key: bytes, headers: dict[str, str], no_confirm: bool
    ) -> asyncio.Future[None]:
        self.attempts[headers["bericht-id"]] = self.attempts.get(headers["bericht-id"], 0) + 1
        return await super().publish(raw, topic, key=key, headers=headers, no_confirm=no_confirm)


async def test_a_row_set_aside_waits_for_its_retry_while_later_spooled_ones_go_by(spool: Spool) -> None:
    """docs/operations.md 8: a message the broker refuses for good is tried again every retry interval (10 minutes),
    not each time the spool behind it is published."""
    broker = Attempts()
    broker.too_large = {"id1"}
    publisher = make(broker, spool, capacity=5, retry_refused=60.0, poll=0.05)
    await publisher.start()
    await publish(publisher, 1)  # refused when sent, spooled, refused again from the spool: set aside
    await publish(publisher, 2)
    await eventually(lambda: ids(broker) == ["id2"] and publisher.pending == 0)

    async def spool_and_publish(n: int) -> None:
        broker.up = False
        await publish(publisher, n)  # spooled: the publishing task claims again
        broker.up = True
        await eventually(lambda: ids(broker)[-1] == f"id{n}" and publisher.pending == 0)

    await spool_and_publish(3)
    await spool_and_publish(4)
    assert broker.attempts["id1"] == 2 and spool.count() == 1
    await publisher.stop()
