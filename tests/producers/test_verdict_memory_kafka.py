"""`hub run` with the gateway and the intake in one process over the real Tansu broker: the intake takes the gateway's
verdict on the posted bytes instead of judging them again; processes without both keep no verdicts."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from consumers.app import Role, Runtime
from consumers.broker import BrokerSettings, ensure_topics
from consumers.embedded import EmbeddedBroker
from consumers.serve import build_service
from hub.settings import HubSettings
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.topics import Topics
from tests.tansu import tansu_settings

pytestmark = pytest.mark.kafka

API_KEY = "memory-test-key"
HEADERS = {"X-API-Key": API_KEY, "Content-Type": "application/xml"}


def settings(tmp_path: Path) -> HubSettings:
    return HubSettings(
        database_url=f"sqlite:///{tmp_path / 'hub.sqlite'}",
        pseudonym_key=SecretStr("memory-test-pseudonym-key-0123456789"),
        api_keys=SecretStr(json.dumps({API_KEY: ["0200"]})),
    )


def broker(tansu: EmbeddedBroker, prefix: str) -> BrokerSettings:
    return tansu_settings(tansu, prefix)


async def test_intake_takes_the_gateways_verdict(
    tansu: EmbeddedBroker, topic_prefix: str, tmp_path: Path
) -> None:
    await ensure_topics(tansu.bootstrap, Topics(topic_prefix).all(), partitions=2, replication=1)
    service = build_service(settings(tmp_path), broker(tansu, topic_prefix), ("intake", "gateway"))
    memory = service.runtime.validator.memory
    assert memory is not None
    data = to_xml("JW301", spec("JW301", dagtekening=date.today() - timedelta(days=21)))
    transport = httpx.ASGITransport(app=service.app)
    async with (
        service.app.router.lifespan_context(service.app),
        httpx.AsyncClient(transport=transport, base_url="http://hub") as client,
    ):
        posted = await client.post("/berichten", content=data, headers=HEADERS)
        assert posted.status_code == 202, posted.text
        assert (memory.hits, memory.misses) == (0, 1)  # the gateway judged it
        bericht_id = posted.json()["id"]
        deadline = time.monotonic() + 30
        while (
            retour := await client.get(f"/berichten/{bericht_id}/retour", headers=HEADERS)
        ).status_code == 409:
            assert time.monotonic() < deadline, "no retour within 30 s"
            await asyncio.sleep(0.05)
        trace = (await client.get(f"/berichten/{bericht_id}", headers=HEADERS)).json()
    assert retour.status_code == 200 and b"<jw302:RetourCode>0200</jw302:RetourCode>" in retour.content
    assert trace["outcome"] == "accepted"
    assert (memory.hits, memory.misses) == (1, 1)  # the intake found the gateway's verdict


@pytest.mark.parametrize(
    ("roles", "serves_http"),
    [(("gateway",), True), (("intake",), True), (("intake", "processors"), True), (("all",), False)],
)
def test_no_verdicts_kept_without_the_gateway_and_the_intake_in_one_hub_run(
    tansu: EmbeddedBroker, topic_prefix: str, tmp_path: Path, roles: tuple[Role, ...], serves_http: bool
) -> None:
    """(("all",), serves_http=False) is `hub process`: every role by name, but no gateway."""
    s = settings(tmp_path)
    runtime = Runtime(s, broker(tansu, topic_prefix), s.database_url, roles=roles, serves_http=serves_http)
    runtime.prepare()  # connects nothing: the broker starts in start()
    try:
        assert runtime.validator.memory is None
    finally:
        runtime.engine.dispose()
