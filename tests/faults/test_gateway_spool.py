"""A 202 survives its gateway: a message posted while the broker was away, to a gateway killed (SIGKILL) before the
broker came back, is published by the next gateway on the same store, exactly as it was posted.

The gateway starts with its own broker up, which then stops (its storage is memory: the restarted broker starts
empty). And a gateway started while the broker is away serves all the same: it spools, and creates its topics and
publishes once the broker answers.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from consumers.embedded import EmbeddedBroker, free_port
from hub.store.db import session_factory
from hub.store.spool import Spool
from hub.topics import Topics
from tests.faults.conftest import StoreFactory
from tests.faults.harness import IntakeProcess, answers, read_topics, reader, wait_until
from tests.faults.stream import Bericht

pytestmark = pytest.mark.kafka

API_KEY = "fault-test-key"


@dataclass
class Setup:
    """A gateway process on a fresh store, and the broker of its fixed port (started by the test, or not)."""

    broker: EmbeddedBroker
    gateway: IntakeProcess
    base: str
    spool: Spool
    topics: Topics


@contextlib.contextmanager
def gateway_without_broker(url: str, tmp_path: Path, afzender: str) -> Iterator[Setup]:
    topics = Topics(f"fault-{uuid.uuid4().hex[:10]}.")
    port = free_port()
    gateway = IntakeProcess(
        f"127.0.0.1:{port}",
        topics.prefix,
        url,
        tmp_path / "gateway.log",
        role="gateway",
        HUB_API_KEYS=json.dumps({API_KEY: [afzender]}),
    )
    setup = Setup(
        EmbeddedBroker(port=port),
        gateway,
        f"http://127.0.0.1:{gateway.env['HUB_HTTP_PORT']}",
        Spool(session_factory(reader(url))),
        topics,
    )
    try:
        yield setup
    finally:
        setup.gateway.stop()
        setup.broker.stop()
        setup.spool.sessions.kw["bind"].dispose()


async def post(base: str, bericht: Bericht) -> httpx.Response:
    async with httpx.AsyncClient(base_url=base, timeout=30.0) as client:
        return await client.post(
            "/berichten",
            content=bericht.data,
            headers={"X-API-Key": API_KEY, "Content-Type": "application/xml"},
        )


async def test_a_message_spooled_by_a_killed_gateway_reaches_the_inbound_topic(
    new_store: StoreFactory, stream: list[Bericht], tmp_path: Path
) -> None:
    jw301 = stream[0]
    with gateway_without_broker(new_store(), tmp_path, jw301.afzender) as run:
        run.broker.start()
        run.gateway.start()
        await answers(run.gateway, run.base)
        run.broker.stop()  # the broker is away

        answer = await post(run.base, jw301)
        assert answer.status_code == 202, answer.text
        assert run.spool.count() == 1  # committed to the store before the 202
        run.gateway.kill()

        run.broker.start()  # the same port, empty
        run.gateway.start()
        await answers(run.gateway, run.base)
        # The killed gateway's claim on the row lapses first (15 s) if it held one.
        await wait_until(lambda: run.spool.count() == 0, timeout=90, interval=0.2)
        records = await read_topics(run.broker.bootstrap, [run.topics.inbound])

    [record] = records  # once: not lost, not twice
    assert record.value == jw301.data
    assert record.key == jw301.key.encode()
    assert record.headers["bericht-id"] == answer.json()["id"]
    assert record.headers["content-type"] == "application/xml"
    assert datetime.fromisoformat(record.headers["ontvangen-op"]).utcoffset() is not None


async def test_a_gateway_started_while_the_broker_is_away_takes_messages_and_publishes_them_later(
    new_store: StoreFactory, stream: list[Bericht], tmp_path: Path
) -> None:
    jw301 = stream[0]
    with gateway_without_broker(new_store(), tmp_path, jw301.afzender) as run:
        run.gateway.start()  # nothing listens on the broker's port yet
        await answers(run.gateway, run.base, "/healthz")
        answer = await post(run.base, jw301)
        assert answer.status_code == 202, answer.text
        assert run.spool.count() == 1
        # Ready for Kubernetes' gateway probe (it can keep what it takes), not for the full /readyz.
        async with httpx.AsyncClient(base_url=run.base, timeout=30.0) as client:
            spooling, full = await client.get("/readyz?skip=broker"), await client.get("/readyz")
        assert spooling.status_code == 200, spooling.text
        assert full.status_code == 503
        run.broker.start()
        await wait_until(lambda: run.spool.count() == 0, timeout=120, interval=0.2)
        await answers(run.gateway, run.base)
        records = await read_topics(run.broker.bootstrap, [run.topics.inbound])
        log = run.gateway.log_tail(200)

    [record] = records
    assert record.value == jw301.data and record.headers["bericht-id"] == answer.json()["id"]
    assert "broker unreachable at start; the gateway spools until it answers" in log
