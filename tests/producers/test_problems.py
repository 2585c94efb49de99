"""producers.problems: the 500 of NoTracebacks and the problem documents of the OpenAPI description."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from producers.problems import PROBLEM_JSON, NoTracebacks, problem_doc

SCOPE: Scope = {"type": "http", "method": "GET", "path": "/berichten/x", "headers": []}


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def failing(*, after_start: bool) -> Any:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if after_start:
            await send({"type": "http.response.start", "status": 200, "headers": []})
        raise ValueError("text that may quote a BSN 999999862")  # RAISED_AT

    return app


# The line of the raise in `failing`.
RAISED_AT = next(
    n
    for n, line in enumerate(Path(__file__).read_text(encoding="utf-8").splitlines(), 1)
    if line.endswith("# RAISED_AT")
)


async def call(after_start: bool) -> list[Message]:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await NoTracebacks(failing(after_start=after_start))(SCOPE, _receive, send)
    return sent


async def test_an_unhandled_error_is_a_500_problem_and_the_log_has_its_type_and_place_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="hub.gateway"):
        sent = await call(after_start=False)
    start, body = sent
    assert start["status"] == 500 and (b"content-type", PROBLEM_JSON.encode()) in start["headers"]
    assert json.loads(body["body"])["type"] == "urn:ijw-hub:problem:internal"
    [record] = caplog.records
    assert (record.message, record.error, record.path) == ("request failed", "ValueError", "/berichten/x")  # type: ignore[attr-defined]
    assert record.where == f"{__file__}:{RAISED_AT}"  # type: ignore[attr-defined]  # the raise, not the caller
    assert "999999862" not in caplog.text


async def test_an_error_after_the_response_started_sends_no_second_response() -> None:
    """ASGI allows one http.response.start: once the answer began, the error is logged and the answer left."""
    sent = await call(after_start=True)
    assert [m["type"] for m in sent] == ["http.response.start"]


def test_retry_after_is_documented_as_delay_seconds() -> None:
    doc = problem_doc("Busy", **{"Retry-After": "Seconds to wait", "Accept-Encoding": "The codings"})
    assert doc["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    assert doc["headers"]["Accept-Encoding"]["schema"] == {"type": "string"}
    assert "headers" not in problem_doc("No headers")


async def test_the_lifespan_reaches_the_app_untouched() -> None:
    """uvicorn's startup and shutdown go through the middleware: without them the gateway's lifespan never runs."""
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])
        await send({"type": "lifespan.startup.complete"})

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await NoTracebacks(app)({"type": "lifespan"}, _receive, send)
    assert seen == ["lifespan"] and sent == [{"type": "lifespan.startup.complete"}]
