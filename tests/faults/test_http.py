"""An iJw message POSTed to the gateway of the running hub yields its retour (over HTTP and on the retour topic) and its
normalised event on the topic of its kind."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import httpx
import pytest
from lxml import etree
from pydantic import SecretStr

from consumers.broker import ensure_topics, largest_record
from consumers.embedded import EmbeddedBroker
from consumers.serve import build_service
from hub.events.models import make_event_id, parse_event
from hub.privacy import Pseudonymiser
from hub.topics import Topics
from tests.faults.harness import PSEUDONYM_KEY, broker_settings, hub_settings, read_topics
from tests.faults.stream import Bericht

pytestmark = pytest.mark.kafka

API_KEY = "fault-test-key"


async def retour_of(client: httpx.AsyncClient, bericht_id: str, timeout: float = 30.0) -> httpx.Response:
    """GET /berichten/{id}/retour until it is there (409 while the intake has not produced it)."""
    deadline = time.monotonic() + timeout
    while True:
        response = await client.get(f"/berichten/{bericht_id}/retour", headers={"X-API-Key": API_KEY})
        if response.status_code != 409 or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.05)


async def test_posted_message_yields_its_retour_and_its_event(
    tansu: EmbeddedBroker, stream: list[Bericht], tmp_path: Path
) -> None:
    jw301, jw305 = stream[0], stream[1]
    assert (jw301.bericht, jw305.bericht) == ("JW301", "JW305") and jw301.persoon is not None
    topics = Topics(f"fault-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=6, replication=1)
    keys = json.dumps({API_KEY: [jw301.afzender, jw305.afzender]})
    settings = hub_settings(f"sqlite:///{tmp_path / 'hub.sqlite'}", api_keys=SecretStr(keys))
    service = build_service(settings, broker_settings(tansu.bootstrap, topics.prefix), ("intake", "gateway"))
    transport = httpx.ASGITransport(app=service.app)
    async with (
        service.app.router.lifespan_context(service.app),
        httpx.AsyncClient(transport=transport, base_url="http://hub") as client,
    ):
        posted = []
        for b in (jw301, jw305):
            response = await client.post(
                "/berichten",
                content=b.data,
                headers={"X-API-Key": API_KEY, "Content-Type": "application/xml"},
            )
            assert response.status_code == 202, response.text
            posted.append(response.json()["id"])
        retouren = [await retour_of(client, i) for i in posted]
        trace = (await client.get(f"/berichten/{posted[0]}", headers={"X-API-Key": API_KEY})).json()
    records = await read_topics(
        tansu.bootstrap, [topics.retour, topics.normalised("toewijzing"), topics.normalised("start")]
    )

    # The retour over HTTP: JW302 and JW306, both accepting (0200), and the same bytes on the retour topic.
    assert [r.status_code for r in retouren] == [200, 200]
    codes = [etree.fromstring(r.content).findtext("{*}Header/{*}RetourCodes/{*}RetourCode") for r in retouren]
    assert codes == ["0200", "0200"]
    on_topic = {r.headers["bericht-id"]: r for r in records if r.topic == topics.retour}
    assert [on_topic[i].headers["bericht"] for i in posted] == ["JW302", "JW306"]
    assert [on_topic[i].value for i in posted] == [r.content for r in retouren]
    assert trace["outcome"] == "accepted" and trace["events_published_at"] is not None

    # The events: one per message on its kind's topic, keyed and identified by the client's pseudonym, no BSN.
    pseudonym = Pseudonymiser(PSEUDONYM_KEY.encode())(jw301.persoon.bsn)
    for bericht_id, topic, kind in zip(
        posted, ("toewijzing", "start"), ("ToewijzingOntvangen", "StartOntvangen"), strict=True
    ):
        [record] = [r for r in records if r.topic == topics.normalised(topic)]
        event = parse_event(record.value)
        assert (event.bericht_id, event.type, event.event_id) == (
            bericht_id,
            kind,
            make_event_id(bericht_id, kind),
        )
        assert record.key == pseudonym.encode() and event.client == pseudonym
        assert jw301.persoon.bsn.encode() not in record.value


async def test_a_message_too_large_for_the_producer_is_refused_and_the_stream_behind_it_flows(
    tansu: EmbeddedBroker, stream: list[Bericht], tmp_path: Path
) -> None:
    """A body within HUB_MAX_MESSAGE_BYTES but beyond what the producer can publish gets 413, not a 202 that would
    wait in the buffer for ever and hold up every message behind it."""
    jw301 = stream[0]
    topics = Topics(f"fault-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=6, replication=1)
    keys = json.dumps({API_KEY: [jw301.afzender]})
    settings = hub_settings(f"sqlite:///{tmp_path / 'hub.sqlite'}", api_keys=SecretStr(keys))
    small = broker_settings(tansu.bootstrap, topics.prefix).model_copy(
        update={"producer_max_request_bytes": 64 * 1024}
    )
    assert largest_record(small) < settings.max_message_bytes
    service = build_service(settings, small, ("intake", "gateway"))
    transport = httpx.ASGITransport(app=service.app)
    headers = {"X-API-Key": API_KEY, "Content-Type": "application/xml"}
    padded = jw301.data.replace(b"?>", b"?>" + b"<!--" + b"x" * (64 * 1024) + b"-->", 1)
    async with (
        service.app.router.lifespan_context(service.app),
        httpx.AsyncClient(transport=transport, base_url="http://hub") as client,
    ):
        refused = await client.post("/berichten", content=padded, headers=headers)
        accepted = await client.post("/berichten", content=jw301.data, headers=headers)
        assert refused.status_code == 413, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert str(largest_record(small)) in refused.json()["detail"]
        assert accepted.status_code == 202, accepted.text
        retour = await retour_of(client, accepted.json()["id"])
    assert retour.status_code == 200
