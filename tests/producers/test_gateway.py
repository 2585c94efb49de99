"""producers.gateway: every status code of the HTTP API, track and trace through the real intake, health, metrics."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from lxml import etree
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import select

import producers.routes
from hub.intake import Intake
from hub.settings import HubSettings
from hub.store import audit
from hub.store.db import make_engine, session_factory
from hub.store.tables import BerichtRecord
from hub.synth.berichten import DEFAULT_DAGTEKENING, default_persoon, spec
from hub.synth.build import edit, to_xml
from hub.validate import Validator
from producers.gateway import PROBLEM_JSON, create_app
from producers.health import Health
from producers.receive import INLINE_BYTES, Precheck, Receiver
from tests.hub.intake_helpers import new_intake
from tests.producers.conftest import (
    AANBIEDER,
    AANBIEDER_KEY,
    GEMEENTE,
    GEMEENTE_KEY,
    OTHER_KEY,
    TODAY,
    Parts,
    make_settings,
)

ID_LENGTH = 32


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub")


@pytest.fixture
async def client(parts: Parts) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(parts.app()) as c:
        yield c


async def post(
    client: httpx.AsyncClient,
    data: bytes,
    key: str | None = GEMEENTE_KEY,
    content_type: str = "application/xml",
) -> httpx.Response:
    headers = {"Content-Type": content_type}
    if key is not None:
        headers["X-API-Key"] = key
    return await client.post("/berichten", content=data, headers=headers)


def jw301(**edits: Any) -> bytes:
    s = spec("JW301")
    for path, value in edits.items():
        s = edit(s, path.replace("__", "/"), value)
    return to_xml("JW301", s)


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"].endswith(f":{slug}") and body["title"]
    assert "Traceback" not in response.text
    return body


# ---- POST /berichten --------------------------------------------------------------------------------


async def test_valid_message_is_published_raw_and_answered_202(
    client: httpx.AsyncClient, parts: Parts
) -> None:
    data = jw301()
    response = await post(client, data)
    assert response.status_code == 202, response.text
    body = response.json()
    assert len(body["id"]) == ID_LENGTH and body["bericht"] == "JW301" and body["status"] == "ontvangen"
    assert "retour" not in body  # breaks no in-message rule
    assert body["links"] == {"self": f"/berichten/{body['id']}", "retour": f"/berichten/{body['id']}/retour"}
    assert response.headers["location"] == f"/berichten/{body['id']}"
    [published] = parts.publisher.published
    assert published.raw == data and published.bericht_id == body["id"]
    assert published.key == f"{GEMEENTE}:{AANBIEDER}"
    assert published.received_at.tzinfo is not None


@pytest.mark.parametrize(("padding", "on_the_loop"), [(0, True), (INLINE_BYTES, False)])
async def test_a_typical_message_is_judged_on_the_event_loop_a_large_one_in_a_worker_thread(
    parts: Parts, padding: int, on_the_loop: bool
) -> None:
    data = jw301() + b"\n" * padding  # white space after the root element: the same message, larger
    app = parts.app()
    receiver: Receiver = app.state.receiver
    judged_on: list[int] = []
    precheck = receiver.precheck

    def recording(raw: bytes) -> Precheck:
        judged_on.append(threading.get_ident())
        return precheck(raw)

    receiver.precheck = recording  # type: ignore[method-assign]  # wrapped to record its thread
    async with client_for(app) as client:
        response = await post(client, data)
    assert response.status_code == 202, response.text
    assert "retour" not in response.json()
    assert [published.raw for published in parts.publisher.published] == [data]
    loop_thread = threading.get_ident()  # httpx's ASGI transport calls the app on the test's loop
    assert len(judged_on) == 1 and (judged_on[0] == loop_thread) is on_the_loop


async def test_aanbieder_message_key_is_gemeente_first(client: httpx.AsyncClient, parts: Parts) -> None:
    response = await post(client, to_xml("JW305", spec("JW305")), key=AANBIEDER_KEY)
    assert response.status_code == 202, response.text
    assert parts.publisher.published[0].key == f"{GEMEENTE}:{AANBIEDER}"


async def test_bearer_token_and_text_xml_are_accepted(client: httpx.AsyncClient, parts: Parts) -> None:
    response = await client.post(
        "/berichten",
        content=jw301(),
        headers={"Authorization": f"Bearer {GEMEENTE_KEY}", "Content-Type": "text/xml"},
    )
    assert response.status_code == 202, response.text
    assert len(parts.publisher.published) == 1


async def test_in_message_rule_break_is_published_and_answered_with_its_0001_retour(
    client: httpx.AsyncClient, parts: Parts
) -> None:
    response = await post(client, jw301(Client__Bsn="123456789"))  # CS002: fails the 11-proef
    assert response.status_code == 202, response.text
    retour = etree.fromstring(response.json()["retour"].encode())
    assert (etree.QName(retour).namespace or "").endswith("/jw302/schema")
    assert [c.text for c in retour.iterfind("{*}Header/{*}RetourCodes/{*}RetourCode")] == ["0001"]
    assert len(parts.publisher.published) == 1  # the intake judges it too and sends the retour


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}, {"Authorization": "Bearer wrong"}])
async def test_missing_or_unknown_key_is_401(
    client: httpx.AsyncClient, parts: Parts, headers: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="hub.gateway")
    response = await client.post(
        "/berichten", content=jw301(), headers={"Content-Type": "application/xml", **headers}
    )
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"] == "send X-API-Key or Authorization: Bearer <key>"
    assert parts.publisher.published == []
    # docs/operations.md 5.3: the line that shows who still sends without a valid key, never the key
    [line] = [r for r in caplog.records if r.getMessage() == "API key missing or unknown"]
    assert (line.path, line.keys) == ("/berichten", len(headers))  # type: ignore[attr-defined]
    assert "wrong" not in str(line.__dict__)


async def test_afzender_not_bound_to_the_key_is_403_and_nothing_is_kept(
    client: httpx.AsyncClient, parts: Parts
) -> None:
    body = assert_problem(await post(client, jw301(), key=OTHER_KEY), 403, "forbidden-afzender")
    assert GEMEENTE in body["detail"]
    assert parts.publisher.published == []
    with session_factory(parts.db)() as session:
        assert session.exec(select(BerichtRecord)).all() == []


async def test_malformed_message_with_a_foreign_afzender_is_403_not_422(client: httpx.AsyncClient) -> None:
    assert_problem(await post(client, jw301(Client__Bsn="12AB"), key=OTHER_KEY), 403, "forbidden-afzender")


async def test_message_over_the_size_limit_is_413(parts: Parts) -> None:
    data = jw301()
    async with client_for(parts.app(max_message_bytes=len(data) - 1)) as client:
        assert_problem(await post(client, data), 413, "too-large")

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the limit holds while streaming
            for start in range(0, len(data), 1000):
                yield data[start : start + 1000]

        response = await client.post(
            "/berichten",
            content=chunks(),
            headers={"Content-Type": "application/xml", "X-API-Key": GEMEENTE_KEY},
        )
        assert_problem(response, 413, "too-large")
    assert parts.publisher.published == []


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", ""])
async def test_other_content_type_is_415(client: httpx.AsyncClient, parts: Parts, content_type: str) -> None:
    body = assert_problem(
        await post(client, jw301(), content_type=content_type), 415, "unsupported-media-type"
    )
    assert (body["title"], body["detail"]) == ("Unsupported media type", "send application/xml or text/xml")
    assert parts.publisher.published == []


async def test_xsd_invalid_message_is_422_listing_every_error_and_recorded_as_malformed(
    client: httpx.AsyncClient, parts: Parts
) -> None:
    data = jw301(Client__Bsn="12AB", Header__BerichtIdentificatie__Dagtekening="2026-13-45")
    expected = parts.validator.validate(data).errors
    assert len(expected) == 2
    body = assert_problem(await post(client, data), 422, "invalid-bericht")
    assert body["bericht"] == "JW301"
    assert body["errors"] == [
        {"rule": v.rule, "location": v.location, "message": v.message} for v in expected
    ]
    assert {e["location"] for e in body["errors"]} == {
        "/Bericht/Client/Bsn",
        "/Bericht/Header/BerichtIdentificatie/Dagtekening",
    }
    assert parts.publisher.published == []  # no retour exists for it: the intake never sees it
    with session_factory(parts.db)() as session:
        record = audit.get(session, body["id"])
        assert record is not None
        assert (record.outcome, record.afzender, record.error_codes) == (
            "malformed",
            GEMEENTE,
            ["XSD", "XSD"],
        )
        assert record.content_hash == audit.content_hash(data)
    trace = (await client.get(f"/berichten/{body['id']}", headers={"X-API-Key": GEMEENTE_KEY})).json()
    assert trace["outcome"] == "malformed" and trace["error_codes"] == ["XSD", "XSD"]
    retour = await client.get(f"/berichten/{body['id']}/retour", headers={"X-API-Key": GEMEENTE_KEY})
    assert (
        assert_problem(retour, 404, "no-retour")["detail"]
        == (
            f"message {body['id']} (malformed) has no retourbericht"  # its outcome, not its type (a JW301 has one)
        )
    )
    metrics = (await client.get("/metrics")).text
    assert 'hub_messages_total{bericht="JW301",outcome="malformed"} 1.0' in metrics
    assert 'hub_rule_violations_total{bericht="JW301",rule="XSD"} 2.0' in metrics


@pytest.mark.parametrize(
    "data", [b"<Bericht><unclosed></Bericht>", b"", b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>']
)
async def test_unreadable_or_unsafe_body_is_422_with_rule_xml(
    client: httpx.AsyncClient, parts: Parts, data: bytes
) -> None:
    body = assert_problem(await post(client, data), 422, "invalid-bericht")
    assert [e["rule"] for e in body["errors"]] == ["XML"]
    assert parts.publisher.published == []
    with session_factory(parts.db)() as session:
        record = audit.get(session, body["id"])
        assert record is not None and record.outcome == "malformed" and record.afzender is None


async def test_full_buffer_is_503_with_retry_after(client: httpx.AsyncClient, parts: Parts) -> None:
    parts.publisher.full = True
    response = await post(client, jw301())
    assert_problem(response, 503, "unavailable")
    assert response.headers["retry-after"] == "7"


async def test_unexpected_error_is_a_500_problem_without_its_text(
    client: httpx.AsyncClient, parts: Parts, caplog: pytest.LogCaptureFixture
) -> None:
    parts.publisher.error = RuntimeError("secret detail 999990019")
    with caplog.at_level(logging.INFO):
        response = await post(client, jw301())
    assert_problem(response, 500, "internal")
    assert "secret" not in response.text and "secret" not in caplog.text
    assert any(
        r.getMessage() == "request failed" and getattr(r, "error", None) == "RuntimeError"
        for r in caplog.records
    )


async def test_logs_carry_the_ids_and_never_a_bsn_or_a_name(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    persoon = default_persoon(DEFAULT_DAGTEKENING)
    with caplog.at_level(logging.DEBUG):
        ok = await post(client, jw301())
        malformed = await post(client, jw301(Client__Bsn=persoon.bsn[:8]))  # XSD error quoting the value
        forbidden = await post(client, jw301(), key=OTHER_KEY)
    assert (ok.status_code, malformed.status_code, forbidden.status_code) == (202, 422, 403)
    assert persoon.bsn[:8] in malformed.text  # the sender sees its own value; the log must not
    received = [r for r in caplog.records if r.getMessage() == "bericht ontvangen"]
    assert [(getattr(r, "bericht_id", None), getattr(r, "identificatie", None)) for r in received] == [
        (ok.json()["id"], "JW301261102")
    ]
    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    for secret in (persoon.bsn, persoon.bsn[:8], persoon.achternaam, persoon.voornamen):
        assert secret not in logged


async def test_an_identificatie_beyond_its_type_in_a_malformed_message_is_not_logged_or_recorded(
    client: httpx.AsyncClient, parts: Parts, caplog: pytest.LogCaptureFixture
) -> None:
    """Its type allows 12 characters: what a careless or hostile sender writes beyond that (a name, a BSN,
    megabytes) would otherwise land in the log line and the audit row as sent."""
    persoon = default_persoon(DEFAULT_DAGTEKENING)
    loose = f"BSN {persoon.bsn} {persoon.achternaam}"
    with caplog.at_level(logging.INFO):
        long = assert_problem(
            await post(client, jw301(Header__BerichtIdentificatie__Identificatie=loose)),
            422,
            "invalid-bericht",
        )
        short = assert_problem(
            await post(client, jw301(Client__Bsn="12AB", Header__BerichtIdentificatie__Identificatie="ID-7")),
            422,
            "invalid-bericht",
        )
    logged = {
        r.bericht_id: r.identificatie  # type: ignore[attr-defined]
        for r in caplog.records
        if r.getMessage() == "bericht malformed"
    }
    assert logged == {long["id"]: None, short["id"]: "ID-7"}
    assert persoon.bsn not in caplog.text and persoon.achternaam not in caplog.text
    with session_factory(parts.db)() as session:
        record = audit.get(session, long["id"])
        assert record is not None and record.identificatie is None


async def test_a_large_message_is_judged_apart_from_the_default_thread_pool(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/metrics, /readyz and the store use asyncio's default pool: expensive messages must not starve them."""
    threads: list[str] = []
    precheck = Receiver.precheck

    def spy(self: Receiver, raw: bytes) -> Any:
        threads.append(threading.current_thread().name)
        return precheck(self, raw)

    monkeypatch.setattr(Receiver, "precheck", spy)
    commentaar = "x" * (INLINE_BYTES + 1)
    response = await post(client, jw301(Client__Commentaar=commentaar))
    assert response.status_code in (202, 422), response.text
    assert len(threads) == 1 and threads[0].startswith("hub-judge")


async def test_a_body_that_does_not_arrive_in_time_is_408_and_nothing_is_kept(
    client: httpx.AsyncClient, parts: Parts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(producers.routes, "BODY_SECONDS", 0.2)
    data = jw301()

    async def slow() -> AsyncIterator[bytes]:
        yield data[:100]
        await asyncio.sleep(2)
        yield data[100:]

    headers = {"Content-Type": "application/xml", "X-API-Key": GEMEENTE_KEY}
    response = await client.post("/berichten", content=slow(), headers=headers)
    body = assert_problem(response, 408, "request-timeout")
    assert body["detail"] == "the body did not arrive within 0.2 seconds"
    assert response.headers["connection"] == "close"
    assert parts.publisher.published == []


# ---- track and trace ----------------------------------------------------------------------------------


@pytest.fixture
def intake(parts: Parts) -> Intake:
    # The wall clock, as the gateway's: track and trace reads the intake's times beside the gateway's.
    return new_intake(parts.db, TODAY, now=lambda: datetime.now(UTC))


async def test_track_and_trace_follows_the_message_through_the_intake(
    client: httpx.AsyncClient, parts: Parts, intake: Intake
) -> None:
    auth = {"X-API-Key": GEMEENTE_KEY}
    bericht_id = (await post(client, jw301())).json()["id"]
    trace = (await client.get(f"/berichten/{bericht_id}", headers=auth)).json()
    assert trace["status"] == "ontvangen" and trace["outcome"] is None and trace["received_at"]
    assert trace["validated_at"] is None and trace["identificatie"] == "JW301261102"
    assert_problem(await client.get(f"/berichten/{bericht_id}/retour", headers=auth), 409, "retour-pending")

    result = intake.verwerk(parts.publisher.published[0].raw, bericht_id=bericht_id)
    trace = (await client.get(f"/berichten/{bericht_id}", headers=auth)).json()
    assert (trace["status"], trace["outcome"], trace["retour_bericht"]) == ("beoordeeld", "accepted", "JW302")
    assert (
        trace["validated_at"] and trace["retour_produced_at"] is None and trace["events_published_at"] is None
    )
    pending = await client.get(f"/berichten/{bericht_id}/retour", headers=auth)
    assert_problem(pending, 409, "retour-pending")
    assert pending.headers["retry-after"] == "1"

    intake.mark_published(bericht_id)
    retour = await client.get(f"/berichten/{bericht_id}/retour", headers=auth)
    assert retour.status_code == 200 and retour.headers["content-type"] == "application/xml"
    assert result.retour is not None and retour.content == result.retour
    intake.mark_delivered(bericht_id)
    trace = (await client.get(f"/berichten/{bericht_id}", headers=auth)).json()
    assert all(trace[t] for t in ("retour_produced_at", "events_published_at", "retour_delivered_at"))
    assert set(trace) >= {"id", "bericht", "outcome", "error_codes", "received_at", "validated_at"}


async def test_rejected_message_shows_its_rule_codes(
    client: httpx.AsyncClient, parts: Parts, intake: Intake
) -> None:
    bericht_id = (await post(client, to_xml("JW305", spec("JW305")), key=AANBIEDER_KEY)).json()["id"]
    intake.verwerk(parts.publisher.published[0].raw, bericht_id=bericht_id)  # no toewijzing: TR019
    trace = (await client.get(f"/berichten/{bericht_id}", headers={"X-API-Key": AANBIEDER_KEY})).json()
    assert trace["outcome"] == "rejected" and trace["error_codes"] == [
        "TR019",
        "TR019",
    ]  # one per StartProduct


async def test_other_senders_see_404_for_someone_elses_message(
    client: httpx.AsyncClient, intake: Intake, parts: Parts
) -> None:
    bericht_id = (await post(client, jw301())).json()["id"]
    for key in (OTHER_KEY, AANBIEDER_KEY):  # the ontvanger too: the trace belongs to the afzender
        assert_problem(
            await client.get(f"/berichten/{bericht_id}", headers={"X-API-Key": key}), 404, "not-found"
        )
        assert_problem(
            await client.get(f"/berichten/{bericht_id}/retour", headers={"X-API-Key": key}), 404, "not-found"
        )
    intake.verwerk(parts.publisher.published[0].raw, bericht_id=bericht_id)
    assert_problem(
        await client.get(f"/berichten/{bericht_id}", headers={"X-API-Key": OTHER_KEY}), 404, "not-found"
    )
    assert (
        await client.get(f"/berichten/{bericht_id}", headers={"X-API-Key": GEMEENTE_KEY})
    ).status_code == 200


@pytest.mark.parametrize("bericht_id", ["0" * 32, "not-an-id", "A" * 32])
async def test_unknown_message_is_404(client: httpx.AsyncClient, bericht_id: str) -> None:
    auth = {"X-API-Key": GEMEENTE_KEY}
    assert_problem(await client.get(f"/berichten/{bericht_id}", headers=auth), 404, "not-found")
    assert_problem(await client.get(f"/berichten/{bericht_id}/retour", headers=auth), 404, "not-found")


async def test_track_and_trace_needs_a_key(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(f"/berichten/{'0' * 32}"), 401, "unauthorized")


# ---- health, metrics, OpenAPI, roles ------------------------------------------------------------------


async def test_healthz_and_readyz_when_everything_is_up(client: httpx.AsyncClient) -> None:
    alive = await client.get("/healthz")
    assert alive.status_code == 200 and alive.json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"broker": True, "database": True, "migrations": True}}


@pytest.mark.parametrize("path", ["/berichten/{id}", "/berichten/{id}/retour"])
async def test_the_get_routes_are_503_with_retry_after_while_the_store_is_unreachable(
    validator: Validator, path: str
) -> None:
    nowhere = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    try:
        async with client_for(Parts(nowhere, validator).app()) as client:
            response = await client.get(path.format(id="a" * ID_LENGTH), headers={"X-API-Key": GEMEENTE_KEY})
        assert_problem(response, 503, "store-unavailable")
        assert response.headers["Retry-After"] == "5"
    finally:
        nowhere.dispose()


async def test_readyz_is_503_naming_the_broker_when_it_is_down(
    client: httpx.AsyncClient, parts: Parts
) -> None:
    parts.broker_up = False
    body = assert_problem(await client.get("/readyz"), 503, "not-ready")
    assert body["checks"] == {"broker": False, "database": True, "migrations": True}
    assert body["detail"] == "failed: broker"


@pytest.fixture
def unmigrated(tmp_path: Any) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    yield engine
    engine.dispose()


async def test_readyz_skip_broker_is_ready_while_the_broker_is_down(
    client: httpx.AsyncClient, parts: Parts
) -> None:
    parts.broker_up = False
    ready = await client.get("/readyz?skip=broker")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"broker": False, "database": True, "migrations": True}}


async def test_readyz_is_503_when_migrations_are_not_applied(parts: Parts, unmigrated: Engine) -> None:
    async with client_for(parts.app(engine=unmigrated)) as client:
        body = assert_problem(await client.get("/readyz"), 503, "not-ready")
        # Skipping the broker does not make a gateway ready that cannot spool.
        skipped = assert_problem(await client.get("/readyz?skip=broker"), 503, "not-ready")
    assert body["checks"] == {"broker": True, "database": True, "migrations": False}
    assert skipped["detail"] == "failed: migrations"


async def test_metrics_is_the_prometheus_exposition_of_the_registry(
    client: httpx.AsyncClient, parts: Parts
) -> None:
    parts.metrics.retour.labels(bericht="JW302").inc(3)
    response = await client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    assert 'hub_retour_total{bericht="JW302"} 3.0' in response.text


async def test_openapi_documents_every_route_with_problems_and_an_xml_example(
    client: httpx.AsyncClient, parts: Parts
) -> None:
    document = (await client.get("/openapi.json")).json()
    paths = document["paths"]
    assert set(paths) == {
        "/berichten",
        "/berichten/{bericht_id}",
        "/berichten/{bericht_id}/retour",
        "/statusmeldingen",
        "/healthz",
        "/readyz",
        "/metrics",
    }
    post_op = paths["/berichten"]["post"]
    assert set(post_op["responses"]) == {"202", "400", "401", "403", "408", "413", "415", "422", "500", "503"}
    assert post_op["responses"]["422"]["content"][PROBLEM_JSON]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    example = post_op["requestBody"]["content"]["application/xml"]["example"]
    assert parts.validator.validate(example.encode()).accepted  # the documented example can be sent as it is
    assert {"Problem", "Ontvangen", "TrackAndTrace"} <= set(document["components"]["schemas"])
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert {"409", "404"} <= set(paths["/berichten/{bericht_id}/retour"]["get"]["responses"])
    assert post_op["description"] and paths["/berichten/{bericht_id}"]["get"]["description"]


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/nowhere"), 404, "not-found")
    assert_problem(await client.put("/berichten"), 405, "method-not-allowed")


async def test_other_roles_serve_only_health_and_metrics(parts: Parts) -> None:
    async with client_for(parts.app(roles_gateway=False)) as client:
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/metrics")).status_code == 200
        assert_problem(await post(client, jw301()), 404, "not-found")
        assert "/berichten" not in (await client.get("/openapi.json")).json()["paths"]


def test_gateway_role_without_publisher_refuses_to_build(parts: Parts) -> None:
    with pytest.raises(ValueError, match="publisher"):
        create_app(
            make_settings(),
            parts.validator,
            session_factory(parts.db),
            None,
            parts.registry,
            Health(),
            roles_gateway=True,
        )


@pytest.mark.parametrize("bericht", ["GI001", "GI002", "GI003"])
async def test_gi_message_is_accepted_through_the_same_door(parts: Parts, bericht: str) -> None:
    """A GI posts its bepaling, maatregel-voortgang and capaciteit like any iJw message (issue 4 part 3)."""
    from hub.gi import build as gi_build
    from hub.gi import synth as gi_synth

    gi_key = "key-gi-87654321"
    settings = HubSettings(
        api_keys=SecretStr(json.dumps({gi_key: [gi_synth.GI_AGB], GEMEENTE_KEY: [GEMEENTE]}))
    )

    async def broker() -> bool:
        return True

    app = create_app(
        settings,
        parts.validator,
        session_factory(parts.db),
        parts.publisher,
        parts.registry,
        Health(broker=broker, engine=parts.db, timeout=1.0),
        metrics=parts.metrics,
    )
    async with client_for(app) as client:
        data = gi_synth.xml(bericht)
        response = await post(client, data, key=gi_key)
        assert response.status_code == 202, response.text
        assert response.json()["bericht"] == bericht
        refused = await post(client, data, key=GEMEENTE_KEY)  # the gemeente's key may not send as the GI
        assert refused.status_code == 403
        invalid = gi_build.to_xml(
            bericht, edit(gi_synth.spec(bericht), "Header/BerichtIdentificatie/Dagtekening", "2026-13-45")
        )
        body = assert_problem(await post(client, invalid, key=gi_key), 422, "invalid-bericht")
        # Told in the GI's terms: its XSD, and no GI101 (docs/gi-berichten.md), not iJw's retourbericht.
        assert body["title"] == "Not a valid GI message"
        assert body["detail"] == (
            f"{len(body['errors'])} error(s): the message is not well-formed, unsafe or not valid against the "
            "GI XSD; it gets no GI101 (docs/gi-berichten.md)"
        )
    assert [p.raw for p in parts.publisher.published] == [data]
