"""producers.gateway: who sends a message, as the API key must be bound to it, and the retour that never comes.

A retourbericht's Header copies the heenbericht's Afzender and Ontvanger (process.md 5.1), so the Ontvanger sends
it: POST takes it from, and the GET routes show it to, the key of its Header/Ontvanger. Every other message (JW325
and the GI messages included) belongs to its Header/Afzender. A message of a type the standard answers with no
retourbericht gets 404 no-retour on GET .../retour from its 202 on, before and after the intake judged it alike.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from hub.gi import synth as gi_synth
from hub.gi.catalog import GI_BERICHTEN
from hub.ijw.catalog import BERICHTEN, BY_NS, verzender
from hub.intake import Intake
from hub.retour.build import build_retour
from hub.settings import HubSettings
from hub.store import audit
from hub.store.db import session_factory
from hub.synth.berichten import xml
from hub.validate import Validator
from producers.auth import sender
from producers.gateway import create_app
from producers.health import Health
from tests.hub.intake_helpers import new_intake
from tests.producers.conftest import (
    AANBIEDER,
    AANBIEDER_KEY,
    GEMEENTE,
    GEMEENTE_KEY,
    OTHER_KEY,
    TODAY,
    Parts,
)
from tests.producers.test_gateway import assert_problem, client_for, post

KEY_OF = {GEMEENTE: GEMEENTE_KEY, AANBIEDER: AANBIEDER_KEY}
RETOUR_OF = {info.answers or "": b for b, info in BERICHTEN.items() if info.is_retour}  # JW301 -> JW302, ...


def retourbericht_for(heenbericht: str) -> bytes:
    """The retour the hub builds for the synthetic heenbericht (its Header copies Afzender and Ontvanger)."""
    built = build_retour(Validator(clock=lambda: TODAY).validate(xml(heenbericht)), dagtekening=TODAY)
    assert built is not None
    return built


@pytest.fixture
async def client(parts: Parts) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(parts.app()) as c:
        yield c


@pytest.fixture
def intake(parts: Parts) -> Intake:
    return new_intake(parts.db, TODAY)


async def get(client: httpx.AsyncClient, path: str, key: str) -> httpx.Response:
    return await client.get(path, headers={"X-API-Key": key})


def test_the_sender_of_each_message_type() -> None:
    """The Ontvanger for the six iJw retourberichten, the Afzender for every other iJw and GI message."""
    retouren = {"JW302", "JW306", "JW308", "JW316", "JW318", "JW320"}
    assert set(RETOUR_OF.values()) == retouren
    for info in BY_NS.values():
        assert verzender(info.bericht) == ("Ontvanger" if info.bericht in retouren else "Afzender"), info
    assert verzender(None) == verzender("JW999") == "Afzender"  # unreadable or unknown: what the header says
    assert sender("JW302", "0200", "12345678").code == "12345678"
    assert sender("JW325", "0200", "12345678").code == "0200"
    assert sender("GI101", gi_synth.GI_AGB, GEMEENTE).code == gi_synth.GI_AGB
    assert "GI101" in GI_BERICHTEN


@pytest.mark.parametrize("heen", sorted(RETOUR_OF))
async def test_a_retourbericht_is_sent_and_traced_by_its_ontvanger(
    client: httpx.AsyncClient, parts: Parts, intake: Intake, heen: str
) -> None:
    """POST takes it from the Ontvanger's key only (403 naming Header/Ontvanger otherwise); the GETs show it to it."""
    data = retourbericht_for(heen)
    verdict = parts.validator.validate(data)
    assert verdict.doc is not None and verdict.bericht == RETOUR_OF[heen]
    afzender, ontvanger = verdict.doc.afzender, verdict.doc.ontvanger
    assert afzender is not None and ontvanger is not None
    refused = assert_problem(await post(client, data, key=KEY_OF[afzender]), 403, "forbidden-afzender")
    assert refused["detail"] == f"Header/Ontvanger {ontvanger} is not a sender code of this API key"
    assert refused["title"] == "Sender not allowed"
    assert parts.publisher.published == []

    answer = await post(client, data, key=KEY_OF[ontvanger])
    assert answer.status_code == 202, answer.text
    bericht_id = answer.json()["id"]
    trace, retour = f"/berichten/{bericht_id}", f"/berichten/{bericht_id}/retour"
    assert (await get(client, trace, KEY_OF[ontvanger])).json()["status"] == "ontvangen"
    early = assert_problem(await get(client, retour, KEY_OF[ontvanger]), 404, "no-retour")
    for path in (trace, retour):  # the heenbericht's Afzender did not send it: not its message
        assert_problem(await get(client, path, KEY_OF[afzender]), 404, "not-found")

    intake.verwerk(parts.publisher.published[0].raw, bericht_id=bericht_id)
    judged = (await get(client, trace, KEY_OF[ontvanger])).json()
    assert (judged["status"], judged["outcome"], judged["bericht"]) == (
        "beoordeeld",
        "accepted",
        verdict.bericht,
    )
    assert assert_problem(await get(client, retour, KEY_OF[ontvanger]), 404, "no-retour") == early
    for path in (trace, retour):
        assert_problem(await get(client, path, KEY_OF[afzender]), 404, "not-found")
        assert_problem(await get(client, path, OTHER_KEY), 404, "not-found")


async def test_a_malformed_retourbericht_is_refused_or_recorded_by_its_ontvanger(
    client: httpx.AsyncClient, parts: Parts
) -> None:
    """Not XSD-valid with a readable Header: the same sender decides 403 against 422, and who sees the record."""
    data = retourbericht_for("JW301").replace(b">2026-11-02<", b">2026-13-45<", 1)
    assert parts.validator.validate(data).doc is None
    refused = assert_problem(await post(client, data, key=GEMEENTE_KEY), 403, "forbidden-afzender")
    assert refused["detail"] == f"Header/Ontvanger {AANBIEDER} is not a sender code of this API key"
    body = assert_problem(await post(client, data, key=AANBIEDER_KEY), 422, "invalid-bericht")
    with session_factory(parts.db)() as session:
        record = audit.get(session, body["id"])
        assert record is not None and (record.afzender, record.ontvanger) == (GEMEENTE, AANBIEDER)
    trace = await get(client, f"/berichten/{body['id']}", AANBIEDER_KEY)
    assert trace.json()["outcome"] == "malformed"
    assert_problem(await get(client, f"/berichten/{body['id']}", GEMEENTE_KEY), 404, "not-found")
    assert_problem(await get(client, f"/berichten/{body['id']}/retour", AANBIEDER_KEY), 404, "no-retour")


async def test_a_declaratie_antwoord_is_the_gemeentes_and_gets_no_retour_from_the_start(
    client: httpx.AsyncClient, parts: Parts, intake: Intake
) -> None:
    """JW325 is a heenbericht of the gemeente (its Afzender); 404 no-retour before and after the intake alike."""
    data = xml("JW325")
    refused = assert_problem(await post(client, data, key=AANBIEDER_KEY), 403, "forbidden-afzender")
    assert refused["detail"] == f"Header/Afzender {GEMEENTE} is not a sender code of this API key"
    bericht_id = (await post(client, data)).json()["id"]
    retour = f"/berichten/{bericht_id}/retour"
    early = assert_problem(await get(client, retour, GEMEENTE_KEY), 404, "no-retour")
    assert early == {
        "type": "urn:ijw-hub:problem:no-retour",
        "title": "No retourbericht",
        "status": 404,
        "detail": f"message {bericht_id} is a JW325, which the standard answers with no retourbericht",
        "id": bericht_id,
        "bericht": "JW325",
    }
    intake.verwerk(parts.publisher.published[0].raw, bericht_id=bericht_id)
    assert (await get(client, f"/berichten/{bericht_id}", GEMEENTE_KEY)).json()[
        "outcome"
    ] == "rejected"  # TR337
    assert assert_problem(await get(client, retour, GEMEENTE_KEY), 404, "no-retour") == early
    assert_problem(await get(client, retour, AANBIEDER_KEY), 404, "not-found")


async def test_a_heenbericht_with_a_retour_is_still_409_until_the_intake_produced_it(
    client: httpx.AsyncClient, parts: Parts, intake: Intake
) -> None:
    """The early 404 is for types without a retour only: a JW305's JW306 is pending, then there."""
    bericht_id = (await post(client, xml("JW305"), key=AANBIEDER_KEY)).json()["id"]
    retour = f"/berichten/{bericht_id}/retour"
    assert_problem(await get(client, retour, AANBIEDER_KEY), 409, "retour-pending")
    intake.verwerk(parts.publisher.published[0].raw, bericht_id=bericht_id)
    intake.mark_published(bericht_id)
    assert (await get(client, retour, AANBIEDER_KEY)).status_code == 200
    assert_problem(await get(client, retour, GEMEENTE_KEY), 404, "not-found")


@pytest.mark.parametrize(("bericht", "retour"), [("GI001", 409), ("GI101", 404)])
async def test_gi_messages_keep_their_afzender_as_sender(parts: Parts, bericht: str, retour: int) -> None:
    """A GI101 copies its GI001's header like an iJw retour, yet stays the Afzender's (docs/gi-berichten.md)."""
    gi_key = "key-gi-87654321"
    keys: dict[str, Any] = {gi_key: [gi_synth.GI_AGB], GEMEENTE_KEY: [GEMEENTE]}

    async def broker() -> bool:
        return True

    app = create_app(
        HubSettings(api_keys=SecretStr(json.dumps(keys))),
        parts.validator,
        session_factory(parts.db),
        parts.publisher,
        parts.registry,
        Health(broker=broker, engine=parts.db, timeout=1.0),
    )
    data = gi_synth.examples()[f"{bericht}.xml"]
    async with client_for(app) as client:
        refused = assert_problem(await post(client, data, key=GEMEENTE_KEY), 403, "forbidden-afzender")
        assert refused["detail"].startswith(f"Header/Afzender {gi_synth.GI_AGB} ")
        answer = await post(client, data, key=gi_key)
        assert answer.status_code == 202, answer.text
        assert (await get(client, f"/berichten/{answer.json()['id']}/retour", gi_key)).status_code == retour
