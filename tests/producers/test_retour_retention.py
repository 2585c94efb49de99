"""The gateway after the retention period: a purged retour is 410 Gone, and track and trace says when it went."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine

from hub.intake import Intake, IntakeResult
from hub.store import audit, retention
from hub.store.db import session_factory
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.validate import Validator
from producers.gateway import PROBLEM_JSON
from tests.hub.intake_helpers import new_intake
from tests.producers.conftest import (
    AANBIEDER,
    GEMEENTE,
    GEMEENTE_KEY,
    OTHER_KEY,
    TODAY,
    Parts,
)
from tests.producers.test_gateway import client_for

AUTH = {"X-API-Key": GEMEENTE_KEY}
JW301 = to_xml("JW301", spec("JW301"))


@pytest.fixture
async def client(db: Engine, validator: Validator) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(Parts(db, validator).app()) as c:
        yield c


@pytest.fixture
def intake(db: Engine) -> Intake:
    # The wall clock: the purge below cuts off at the real now, after the retour's delivery.
    return new_intake(db, TODAY, now=lambda: datetime.now(UTC))


def judged(intake: Intake, *, delivered: bool) -> tuple[str, bytes]:
    """A JW301 through the intake, its retour published (and delivered); returns its id and retour bytes."""
    result = intake.verwerk(JW301)
    intake.mark_published(result.bericht_id)
    if delivered:
        intake.mark_delivered(result.bericht_id)
    assert result.retour is not None
    return result.bericht_id, result.retour


def resent(intake: Intake) -> IntakeResult:
    """The same JW301 bytes again, a duplicate, its retour copy published."""
    resend = intake.verwerk(JW301)
    intake.mark_published(resend.bericht_id)
    return resend


async def test_a_purged_retour_is_410_gone_and_track_and_trace_shows_when(
    client: httpx.AsyncClient, intake: Intake, db: Engine
) -> None:
    bericht_id, xml = judged(intake, delivered=True)
    before = await client.get(f"/berichten/{bericht_id}/retour", headers=AUTH)
    assert before.status_code == 200 and before.content == xml
    assert (await client.get(f"/berichten/{bericht_id}", headers=AUTH)).json()["retour_purged_at"] is None

    purged_at = datetime.now(UTC)
    assert retention.purge(session_factory(db), purged_at + timedelta(seconds=1), now=purged_at) == 1

    gone = await client.get(f"/berichten/{bericht_id}/retour", headers=AUTH)
    assert gone.status_code == 410 and gone.headers["content-type"] == PROBLEM_JSON
    body = gone.json()
    assert body["type"].endswith(":retour-purged") and body["status"] == 410 and body["id"] == bericht_id
    assert "retention period" in body["detail"] and body["bericht"] == "JW301"
    assert datetime.fromisoformat(body["retour_purged_at"]) == purged_at
    trace = (await client.get(f"/berichten/{bericht_id}", headers=AUTH)).json()
    assert datetime.fromisoformat(trace["retour_purged_at"].replace("Z", "+00:00")) == purged_at
    assert (
        trace["outcome"] == "accepted" and trace["retour_bericht"] == "JW302" and trace["retour_delivered_at"]
    )


async def test_the_other_answers_of_the_retour_route_are_unchanged(
    client: httpx.AsyncClient, intake: Intake, db: Engine
) -> None:
    undelivered, xml = judged(intake, delivered=False)
    assert retention.purge(session_factory(db), datetime.now(UTC) + timedelta(days=1)) == 0
    kept = await client.get(f"/berichten/{undelivered}/retour", headers=AUTH)
    assert kept.status_code == 200 and kept.content == xml  # not delivered: never purged
    delivered, _ = judged(intake, delivered=True)
    assert retention.purge(session_factory(db), datetime.now(UTC) + timedelta(days=1)) == 1
    other = await client.get(f"/berichten/{delivered}/retour", headers={"X-API-Key": OTHER_KEY})
    assert other.status_code == 404  # someone else's message stays unknown, purged or not
    unknown = await client.get(f"/berichten/{'0' * 32}/retour", headers=AUTH)
    assert unknown.status_code == 404 and unknown.json()["type"].endswith(":not-found")


def purge_now(db: Engine) -> datetime:
    """Clear every delivered retour; the moment it was done."""
    purged_at = datetime.now(UTC)
    assert retention.purge(session_factory(db), purged_at + timedelta(seconds=1), now=purged_at) >= 1
    return purged_at


async def test_a_duplicate_of_a_message_whose_retour_was_purged_is_410_naming_the_original(
    client: httpx.AsyncClient, intake: Intake, db: Engine
) -> None:
    original_id, _ = judged(intake, delivered=True)
    purged_at = purge_now(db)
    resend = resent(intake)  # after the retention period
    assert resend.outcome == "duplicate" and resend.retour is None  # nothing left to copy

    gone = await client.get(f"/berichten/{resend.bericht_id}/retour", headers=AUTH)

    assert gone.status_code == 410 and gone.headers["content-type"] == PROBLEM_JSON
    body = gone.json()
    assert set(body) == {
        "type",
        "title",
        "status",
        "detail",
        "id",
        "bericht",
        "retour_purged_at",
        "duplicate_of",
    }
    assert (
        body["type"].endswith(":retour-purged")
        and body["title"] == "Retour removed"
        and body["status"] == 410
    )
    assert body["id"] == resend.bericht_id and body["bericht"] == "JW301"
    assert body["duplicate_of"] == original_id
    assert datetime.fromisoformat(body["retour_purged_at"]) == purged_at
    assert f"duplicate of {original_id}" in body["detail"]
    assert f"on {purged_at.date().isoformat()}" in body["detail"] and "retention period" in body["detail"]
    # The original's own 410 and both track and traces are as they were.
    own = (await client.get(f"/berichten/{original_id}/retour", headers=AUTH)).json()
    assert own["id"] == original_id and "duplicate_of" not in own
    trace = (await client.get(f"/berichten/{resend.bericht_id}", headers=AUTH)).json()
    assert trace["outcome"] == "duplicate" and trace["retour_purged_at"] is None
    other = await client.get(f"/berichten/{resend.bericht_id}/retour", headers={"X-API-Key": OTHER_KEY})
    assert other.status_code == 404  # still someone else's


async def test_a_duplicate_logged_before_the_purge_keeps_its_own_answers(
    client: httpx.AsyncClient, intake: Intake, db: Engine
) -> None:
    _, original_retour = judged(intake, delivered=True)
    resend = resent(intake)
    assert resend.outcome == "duplicate" and resend.retour == original_retour

    copy = await client.get(f"/berichten/{resend.bericht_id}/retour", headers=AUTH)
    assert copy.status_code == 200 and copy.content == original_retour  # the first retour, as before

    purge_now(db)  # clears the original's; the duplicate's copy is not delivered yet, so it stays
    copy = await client.get(f"/berichten/{resend.bericht_id}/retour", headers=AUTH)
    assert copy.status_code == 200 and copy.content == original_retour
    intake.mark_delivered(resend.bericht_id)
    purge_now(db)
    own = (await client.get(f"/berichten/{resend.bericht_id}/retour", headers=AUTH)).json()
    assert own["status"] == 410 and own["id"] == resend.bericht_id and "duplicate_of" not in own


async def test_a_duplicate_of_a_message_without_a_retour_stays_404(
    client: httpx.AsyncClient, db: Engine
) -> None:
    with session_factory(db)() as session:
        fields = {"content_hash": "a" * 64, "bericht": "JW301", "afzender": GEMEENTE, "ontvanger": AANBIEDER,
                  "identificatie": "R1", "received_at": datetime.now(UTC)}  # fmt: skip
        # A heenbericht whose original kept no retour, and whose retour was never purged: none exists, not 410.
        audit.record(session, outcome="accepted", **fields)
        duplicate = audit.record(session, outcome="duplicate", **fields)
        session.commit()
    answer = await client.get(f"/berichten/{duplicate.id}/retour", headers={"X-API-Key": GEMEENTE_KEY})
    assert answer.status_code == 404 and answer.json()["type"].endswith(":no-retour")


async def test_openapi_documents_the_410(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    responses = document["paths"]["/berichten/{bericht_id}/retour"]["get"]["responses"]
    assert set(responses) == {"200", "401", "404", "409", "410", "500", "503"}
    assert responses["410"]["content"][PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "retour_purged_at" in document["components"]["schemas"]["TrackAndTrace"]["properties"]
