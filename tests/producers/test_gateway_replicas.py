"""producers.gateway with several replicas: two apps with one HUB_PSEUDONYM_KEY on one store, not sharing memory.

A message posted to one is known to the other, for the sender's key, before the intake records it: 409 on both GET
routes (404 no-retour at once for a type without retourbericht), the answer of the replica that took it; 404 for
any other key and for an id that is not one the deployment minted. After the intake both answer from the store.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from hub.intake import Intake
from hub.synth.berichten import xml
from producers.tracking import Tracking
from tests.hub.intake_helpers import new_intake
from tests.producers.conftest import AANBIEDER, AANBIEDER_KEY, GEMEENTE, GEMEENTE_KEY, OTHER_KEY, TODAY, Parts
from tests.producers.test_gateway import assert_problem, client_for, jw301, post
from tests.producers.test_gateway_senders import retourbericht_for

HUB_KEY = SecretStr("replicas-test-pseudonym-key-0123456789")  # one deployment: every replica has it
KEY_OF = {GEMEENTE: GEMEENTE_KEY, AANBIEDER: AANBIEDER_KEY}


@dataclass
class Replicas:
    taker: httpx.AsyncClient  # the replica the POST reached
    other: httpx.AsyncClient
    taker_app: FastAPI


@pytest.fixture
def intake(parts: Parts) -> Intake:
    return new_intake(parts.db, TODAY)


@pytest.fixture
async def replicas(parts: Parts) -> AsyncIterator[Replicas]:
    taker_app = parts.app(pseudonym_key=HUB_KEY)
    async with client_for(taker_app) as taker, client_for(parts.app(pseudonym_key=HUB_KEY)) as other:
        yield Replicas(taker, other, taker_app)


def routes(bericht_id: str) -> tuple[str, str]:
    return f"/berichten/{bericht_id}", f"/berichten/{bericht_id}/retour"


async def answer(client: httpx.AsyncClient, path: str, key: str) -> tuple[int, str | None, bytes]:
    """Status, Retry-After and body: what a backoffice sees."""
    response = await client.get(path, headers={"X-API-Key": key})
    return response.status_code, response.headers.get("retry-after"), response.content


async def assert_unknown(client: httpx.AsyncClient, bericht_id: str, *keys: str) -> None:
    for key in keys:
        for path in routes(bericht_id):
            assert_problem(await client.get(path, headers={"X-API-Key": key}), 404, "not-found")


async def test_another_replica_answers_409_for_the_senders_key_until_the_intake_records_it(
    replicas: Replicas, parts: Parts, intake: Intake
) -> None:
    bericht_id = (await post(replicas.taker, jw301())).json()["id"]
    trace, retour = routes(bericht_id)
    auth = {"X-API-Key": GEMEENTE_KEY}
    body = assert_problem(await replicas.other.get(trace, headers=auth), 409, "not-recorded-yet")
    assert body["id"] == bericht_id and body["title"] == "Not recorded yet"
    assert (await replicas.other.get(trace, headers=auth)).headers["retry-after"] == "1"
    assert (await replicas.taker.get(trace, headers=auth)).json()["status"] == "ontvangen"
    assert_problem(await replicas.other.get(retour, headers=auth), 409, "retour-pending")
    assert await answer(replicas.other, retour, GEMEENTE_KEY) == await answer(
        replicas.taker, retour, GEMEENTE_KEY
    )
    for client in (replicas.taker, replicas.other):
        await assert_unknown(
            client, bericht_id, AANBIEDER_KEY, OTHER_KEY
        )  # the Ontvanger too: not its message

    intake.verwerk(parts.publisher.published[0].raw, bericht_id=bericht_id)
    intake.mark_published(bericht_id)
    for path in (trace, retour):
        seen = await answer(replicas.other, path, GEMEENTE_KEY)
        assert seen == await answer(replicas.taker, path, GEMEENTE_KEY) and seen[0] == 200
    for client in (replicas.taker, replicas.other):
        await assert_unknown(client, bericht_id, AANBIEDER_KEY, OTHER_KEY)


@pytest.mark.parametrize("heen", [None, "JW301", "JW315"])  # None: a JW325 of the gemeente
async def test_a_type_without_retour_is_404_no_retour_on_every_replica(
    replicas: Replicas, parts: Parts, intake: Intake, heen: str | None
) -> None:
    """The answer of the replica that took it, naming the type; the retourbericht's sender is its Ontvanger."""
    data = xml("JW325") if heen is None else retourbericht_for(heen)
    verdict = parts.validator.validate(data)
    assert verdict.doc is not None and verdict.doc.afzender is not None and verdict.doc.ontvanger is not None
    sender, other = (
        (verdict.doc.afzender, verdict.doc.ontvanger)
        if heen is None
        else (verdict.doc.ontvanger, verdict.doc.afzender)
    )
    bericht_id = (await post(replicas.taker, data, key=KEY_OF[sender])).json()["id"]
    trace, retour = routes(bericht_id)
    taken = await answer(replicas.taker, retour, KEY_OF[sender])
    assert await answer(replicas.other, retour, KEY_OF[sender]) == taken
    body = assert_problem(
        await replicas.other.get(retour, headers={"X-API-Key": KEY_OF[sender]}), 404, "no-retour"
    )
    assert body["bericht"] == verdict.bericht
    assert_problem(
        await replicas.other.get(trace, headers={"X-API-Key": KEY_OF[sender]}), 409, "not-recorded-yet"
    )
    await assert_unknown(replicas.other, bericht_id, KEY_OF[other], OTHER_KEY)

    intake.verwerk(parts.publisher.published[0].raw, bericht_id=bericht_id)
    assert (
        await answer(replicas.other, retour, KEY_OF[sender]) == taken
    )  # the same before and after the intake
    assert (await replicas.other.get(trace, headers={"X-API-Key": KEY_OF[sender]})).json()[
        "status"
    ] == "beoordeeld"
    await assert_unknown(replicas.other, bericht_id, KEY_OF[other], OTHER_KEY)


async def test_a_forged_or_altered_id_is_404(replicas: Replicas) -> None:
    """One hex digit changed in the randomness or the tag, parts of two ids spliced, another case: not minted."""
    first, second = await post(replicas.taker, jw301()), await post(replicas.taker, jw301())  # two ids
    assert (first.status_code, second.status_code) == (202, 202)
    bericht_id, another = first.json()["id"], second.json()["id"]
    auth = {"X-API-Key": GEMEENTE_KEY}
    assert (
        await replicas.other.get(routes(bericht_id)[1], headers=auth)
    ).status_code == 409  # the genuine id
    flip = {position: "1" if bericht_id[position] == "0" else "0" for position in (0, 15, 16, 31)}
    forged = [bericht_id[:p] + c + bericht_id[p + 1 :] for p, c in flip.items()]
    forged += [bericht_id[:16] + another[16:], another[:16] + bericht_id[16:], bericht_id.upper()]
    for wrong in forged:
        await assert_unknown(replicas.other, wrong, GEMEENTE_KEY)


async def test_ids_without_a_tag_keep_working(replicas: Replicas, parts: Parts, intake: Intake) -> None:
    """uuid4 hex: unknown 404; recorded by the intake (`hub process`, `hub ingest --to kafka`) as before."""
    unknown = uuid.uuid4().hex
    for client in (replicas.taker, replicas.other):
        await assert_unknown(client, unknown, GEMEENTE_KEY, AANBIEDER_KEY)
    recorded = uuid.uuid4().hex
    intake.verwerk(jw301(), bericht_id=recorded)
    trace = (await replicas.other.get(routes(recorded)[0], headers={"X-API-Key": GEMEENTE_KEY})).json()
    assert (trace["id"], trace["status"], trace["outcome"]) == (recorded, "beoordeeld", "accepted")
    await assert_unknown(replicas.other, recorded, AANBIEDER_KEY, OTHER_KEY)


async def test_a_malformed_message_gets_an_id_without_a_tag(replicas: Replicas) -> None:
    """It is recorded at once and gets no retour: were that record lost, no replica may promise one with 409."""
    body = assert_problem(await post(replicas.taker, jw301(Client__Bsn="12AB")), 422, "invalid-bericht")
    tracking: Tracking = replicas.taker_app.state.tracking
    assert tracking.ids.minted(body["id"], frozenset({GEMEENTE})) is None
    assert_problem(
        await replicas.other.get(routes(body["id"])[1], headers={"X-API-Key": GEMEENTE_KEY}), 404, "no-retour"
    )
