"""producers.problems: the response models as the OpenAPI document declares them, problem_response, the problem
documents and NoTracebacks' quiet cases; found unpinned by a mutation pass.

A backoffice generates its client from /openapi.json: a field that leaves a model, or a value that leaves an enum,
breaks that client even where the answers still validate.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from pydantic import BaseModel
from starlette.requests import ClientDisconnect
from starlette.types import Message, Receive, Scope, Send

from producers.problems import (
    INTERNAL,
    Fout,
    Links,
    NoTracebacks,
    Ontvangen,
    Problem,
    ProblemError,
    Status,
    TrackAndTrace,
    not_found,
    problem_doc,
    problem_response,
    store_unavailable_doc,
    unauthorized_doc,
)

TRACE_FIELDS = [
    "id",
    "bericht",
    "identificatie",
    "status",
    "outcome",
    "error_codes",
    "retour_bericht",
    "received_at",
    "validated_at",
    "retour_produced_at",
    "retour_delivered_at",
    "events_published_at",
    "retour_purged_at",
    "links",
]
PROBLEM_FIELDS = [
    "type",
    "title",
    "status",
    "detail",
    "id",
    "bericht",
    "errors",
    "checks",
    "retour_purged_at",
]


@pytest.mark.parametrize(
    ("model", "properties", "required"),
    [
        (Fout, ["rule", "location", "message"], ["rule", "location", "message"]),
        (Problem, [*PROBLEM_FIELDS, "duplicate_of"], ["type", "title", "status"]),
        (Links, ["self", "retour"], ["self", "retour"]),
        (Ontvangen, ["id", "bericht", "status", "retour", "links"], ["id", "bericht", "links"]),
        (TrackAndTrace, TRACE_FIELDS, [f for f in TRACE_FIELDS if f != "retour_purged_at"]),
        (Status, ["status", "checks"], []),
    ],
)
def test_each_model_declares_its_fields(
    model: type[BaseModel], properties: list[str], required: list[str]
) -> None:
    schema = model.model_json_schema()
    assert list(schema["properties"]) == properties
    assert schema.get("required", []) == required


def test_the_enumerations_of_the_models() -> None:
    trace = TrackAndTrace.model_json_schema()["properties"]
    assert trace["status"]["enum"] == ["ontvangen", "beoordeeld"]
    outcome = next(s for s in trace["outcome"]["anyOf"] if s.get("type") == "string")
    assert outcome["enum"] == ["accepted", "rejected", "duplicate", "malformed", "failed"]
    assert Ontvangen.model_json_schema()["properties"]["status"]["const"] == "ontvangen"
    assert Ontvangen(id="a", bericht="JW301", links=Links(self="s", retour="r")).status == "ontvangen"
    assert Status().status == "ok" and Status.model_json_schema()["properties"]["status"]["const"] == "ok"


def test_a_problem_may_carry_more_members_and_the_examples_are_valid() -> None:
    """RFC 9457 allows extension members; the examples in the document are answers the models accept."""
    assert Problem.model_json_schema().get("additionalProperties") is True
    assert Problem(type="t", title="x", status=410, extra_member=1).model_dump()["extra_member"] == 1
    for model in (Ontvangen, TrackAndTrace):
        [example] = model.model_json_schema()["examples"]
        assert model.model_validate(example).id == example["id"]


def test_problem_response_leaves_out_what_is_none() -> None:
    response = problem_response(
        409, "busy", "Busy", None, headers={"Retry-After": "3"}, id=None, bericht="JW301"
    )
    assert (response.status_code, response.media_type, response.headers["Retry-After"]) == (
        409,
        "application/problem+json",
        "3",
    )
    body = json.loads(bytes(response.body))
    assert body == {"type": "urn:ijw-hub:problem:busy", "title": "Busy", "status": 409, "bericht": "JW301"}
    detailed = json.loads(bytes(problem_response(404, "not-found", "Unknown", "why").body))
    assert detailed["detail"] == "why"


def test_a_problem_error_keeps_what_it_is_answered_with() -> None:
    error = ProblemError(
        503, "store-unavailable", "Down", "later", headers={"Retry-After": "5"}, checks={"db": False}
    )
    assert (error.status, error.slug, error.title, error.detail) == (
        503,
        "store-unavailable",
        "Down",
        "later",
    )
    assert (error.headers, error.extra, str(error)) == (
        {"Retry-After": "5"},
        {"checks": {"db": False}},
        "Down",
    )
    assert ProblemError(404, "not-found", "Unknown").headers == {}


def test_not_found_repeats_only_an_id_the_hub_could_have_given() -> None:
    hub_id = "0123456789abcdef0123456789abcdef"
    found = not_found(hub_id)
    assert (found.status, found.slug, found.title) == (404, "not-found", "Unknown message")
    assert found.detail == f"no message {hub_id} that this API key may see"
    odd = not_found("<script>")
    assert (odd.status, odd.slug, odd.title) == (404, "not-found", "Unknown message")
    assert odd.detail == "not a message id of the hub (32 hex characters)"


def test_the_problem_documents_of_the_openapi_description() -> None:
    content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    assert problem_doc("Busy") == {"description": "Busy", "content": content}
    assert {500: problem_doc("Unexpected error (urn:ijw-hub:problem:internal), without details")} == INTERNAL
    assert unauthorized_doc() == {
        "description": "Missing or unknown API key",
        "content": content,
        "headers": {
            "WWW-Authenticate": {
                "description": "The scheme to authenticate with: Bearer",
                "schema": {"type": "string"},
            }
        },
    }
    unavailable = store_unavailable_doc()
    assert unavailable["description"] == "The hub's database is unreachable (store-unavailable)"
    assert unavailable["headers"] == {
        "Retry-After": {"description": "Seconds to wait before asking again", "schema": {"type": "integer"}}
    }


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


async def run(app: Any, scope: Scope) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await NoTracebacks(app)(scope, _receive, send)
    return sent


HTTP: Scope = {"type": "http", "method": "POST", "path": "/berichten", "headers": []}


async def test_a_client_gone_mid_body_gets_no_answer_and_an_info_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise ClientDisconnect()

    with caplog.at_level(logging.INFO, logger="hub.gateway"):
        sent = await run(app, HTTP)
    assert sent == []
    [line] = [r for r in caplog.records if r.name == "hub.gateway"]
    assert (line.levelno, line.getMessage(), line.path) == (logging.INFO, "client disconnected", "/berichten")  # type: ignore[attr-defined]


async def test_an_answer_passes_through_untouched() -> None:
    answer: list[Message] = [
        {"type": "http.response.start", "status": 202, "headers": []},
        {"type": "http.response.body", "body": b"{}"},
    ]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        for message in answer:
            await send(message)

    assert await run(app, HTTP) == answer


async def test_an_error_after_the_body_began_sends_nothing_more() -> None:
    """Not only the start: once any part of the answer went out, no 500 follows."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"part", "more_body": True})
        raise RuntimeError("late")

    sent = await run(app, HTTP)
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]


async def test_an_error_before_the_answer_is_the_500_problem() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise RuntimeError("early")

    start, body = await run(app, HTTP)
    assert start["status"] == 500
    assert json.loads(body["body"]) == {
        "type": "urn:ijw-hub:problem:internal",
        "title": "Internal error",
        "status": 500,
        "detail": "the hub could not handle the request",
    }
