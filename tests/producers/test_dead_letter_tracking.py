"""A backoffice polling for the answer to a message the intake dead-lettered gets it: track and trace shows it
failed, and GET /berichten/{id}/retour serves its 0001 retour once it is on the retour topic (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from lxml import etree
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from hub.intake import Inbound
from hub.store.db import session_factory
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.validate import Validator
from producers.gateway import create_app
from producers.health import Health
from tests.hub.intake_helpers import new_intake
from tests.producers.conftest import AANBIEDER_KEY, TODAY, FakePublisher, make_settings

AUTH = {"X-API-Key": AANBIEDER_KEY}


def gateway(db: Engine, validator: Validator, publisher: FakePublisher) -> httpx.AsyncClient:
    app = create_app(
        make_settings(),
        validator,
        session_factory(db),
        publisher,
        CollectorRegistry(),
        Health(engine=db, timeout=1.0),
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub", headers=AUTH)


async def test_a_dead_lettered_message_is_answered_over_http(db: Engine, validator: Validator) -> None:
    publisher = FakePublisher()
    # The wall clock, as the gateway's: track and trace reads the intake's times beside the gateway's.
    intake = new_intake(db, TODAY, now=lambda: datetime.now(UTC))
    async with gateway(db, validator, publisher) as client:
        posted = await client.post(
            "/berichten", content=to_xml("JW305", spec("JW305")), headers={"Content-Type": "application/xml"}
        )
        assert posted.status_code == 202, posted.text
        bericht_id = posted.json()["id"]
        # Until the intake recorded it: known to the gateway only, its retour not produced.
        assert (await client.get(f"/berichten/{bericht_id}")).json()["status"] == "ontvangen"
        assert (await client.get(f"/berichten/{bericht_id}/retour")).status_code == 409

        # The worker gave up on it: the dead letter went out, then its record, then its retour, then the mark.
        [sent] = publisher.published
        dead = intake.dead_letter(Inbound(sent.raw, bericht_id, sent.received_at))
        assert intake.record_dead_letter(dead)
        assert (
            await client.get(f"/berichten/{bericht_id}/retour")
        ).status_code == 409  # not yet on the topic
        intake.mark_published(bericht_id)

        trace = (await client.get(f"/berichten/{bericht_id}")).json()
        served = await client.get(f"/berichten/{bericht_id}/retour")

    assert (trace["status"], trace["outcome"], trace["bericht"], trace["retour_bericht"]) == (
        "beoordeeld", "failed", "JW305", "JW306",
    )  # fmt: skip
    assert trace["error_codes"] == [] and trace["retour_delivered_at"] is None
    received, gave_up, produced = (
        datetime.fromisoformat(trace[t]) for t in ("received_at", "validated_at", "retour_produced_at")
    )
    assert received <= gave_up <= produced and trace["events_published_at"] == trace["retour_produced_at"]
    assert served.status_code == 200 and served.headers["content-type"] == "application/xml"
    assert served.content == dead.result.retour
    codes = etree.fromstring(served.content).iterfind("{*}Header/{*}RetourCodes/{*}RetourCode")
    assert [c.text for c in codes] == ["0001"]
