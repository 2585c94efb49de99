"""producers.receive: what the gateway's pre-check promises beyond tests/producers/test_gateway.py, found by a
mutation pass."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime
from typing import Any, cast

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from hub.ijw.catalog import BERICHTEN
from hub.synth.berichten import spec
from hub.synth.build import edit, to_xml
from hub.validate import OUTCOME_MALFORMED, Validator, VerdictMemory
from producers.receive import INLINE_BYTES, Precheck, Receiver
from tests.producers.conftest import GEMEENTE_KEY, Parts


def receiver(validator: Validator) -> Receiver:
    nothing = cast(Any, None)  # judge() and precheck() use neither the store nor the publisher
    return Receiver(validator, nothing, None, None, lambda: datetime.now(UTC), nothing, max_bytes=2**20)


async def test_a_message_of_up_to_inline_bytes_is_judged_on_the_loop_a_larger_one_in_a_thread(
    validator: Validator,
) -> None:
    judged_in: list[int] = []
    gateway = receiver(validator)

    def precheck(raw: bytes) -> Precheck:
        judged_in.append(threading.get_ident())
        return cast(Precheck, None)

    gateway.precheck = precheck  # type: ignore[method-assign]  # records where it runs
    await gateway.judge(b"x" * INLINE_BYTES)
    await gateway.judge(b"x" * (INLINE_BYTES + 1))
    loop = threading.get_ident()
    assert judged_in[0] == loop and judged_in[1] != loop


async def test_a_gateway_without_metrics_still_answers_a_malformed_message(
    sqlite_db: Engine, validator: Validator
) -> None:
    """create_app's `metrics` is optional: without it the 422 is answered, only not counted."""
    app = Parts(sqlite_db, validator).app()
    app.state.receiver.metrics = None
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
        response = await client.post(
            "/berichten",
            content=b"<Bericht/>",
            headers={"X-API-Key": GEMEENTE_KEY, "Content-Type": "application/xml"},
        )
        assert response.status_code == 422, response.text
        assert [e["rule"] for e in response.json()["errors"]] == ["XML"]


def test_a_blank_header_value_of_a_malformed_message_is_none(validator: Validator) -> None:
    """The header of a message that is not XSD-valid is read as the Doc reads it: blank is absent."""
    data = to_xml("JW301", edit(spec("JW301"), "Header/Afzender", "  "))
    check = receiver(validator).precheck(data)
    assert check.verdict.outcome == OUTCOME_MALFORMED
    assert check.afzender is None and check.ontvanger is not None and check.identificatie is not None


def client_for(parts: Parts) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=parts.app()), base_url="http://hub")


async def post(client: httpx.AsyncClient, data: bytes) -> httpx.Response:
    headers = {"X-API-Key": GEMEENTE_KEY, "Content-Type": "application/xml"}
    return await client.post("/berichten", content=data, headers=headers)


def gateway_lines(caplog: pytest.LogCaptureFixture, message: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "hub.gateway" and r.getMessage() == message]


async def test_the_received_line_carries_the_correlation_fields(
    sqlite_db: Engine, validator: Validator, caplog: pytest.LogCaptureFixture
) -> None:
    """docs/operations.md: logger hub.gateway, `bericht ontvangen` with bericht_id, identificatie and bericht."""
    async with client_for(Parts(sqlite_db, validator)) as client:
        with caplog.at_level(logging.INFO, logger="hub.gateway"):
            response = await post(client, to_xml("JW301", spec("JW301", identificatie="ID-LOG")))
    assert response.status_code == 202, response.text
    [line] = gateway_lines(caplog, "bericht ontvangen")
    fields = (line.bericht_id, line.identificatie, line.bericht)  # type: ignore[attr-defined]
    assert fields == (response.json()["id"], "ID-LOG", "JW301")


async def test_an_xsd_invalid_ijw_message_is_a_422_that_names_the_ijw_xsd(
    sqlite_db: Engine, validator: Validator, caplog: pytest.LogCaptureFixture
) -> None:
    data = to_xml("JW301", edit(spec("JW301", identificatie="ID-XSD"), "Header/BerichtCode", "999"))
    async with client_for(Parts(sqlite_db, validator)) as client:
        with caplog.at_level(logging.INFO, logger="hub.gateway"):
            response = await post(client, data)
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["title"], body["bericht"]) == ("Not a valid iJw 3.2 message", "JW301")
    assert body["detail"] == (
        f"{len(body['errors'])} error(s): the message is not well-formed, unsafe or not valid against the "
        "iJw 3.2 XSD; the standard gives it no retourbericht"
    )
    [line] = gateway_lines(caplog, "bericht malformed")
    assert (line.bericht_id, line.identificatie, line.rules) == (body["id"], "ID-XSD", ["XSD"])  # type: ignore[attr-defined]


async def test_a_malformed_message_the_store_cannot_record_is_still_answered_and_logged(
    sqlite_db: Engine, validator: Validator, caplog: pytest.LogCaptureFixture
) -> None:
    """The sender gets its 422; the operator finds the gap in the log, by id and exception class only."""
    parts = Parts(sqlite_db, validator)
    app = parts.app()

    def unreachable() -> Any:
        raise OperationalError("SELECT 1", {}, Exception("no route to host"))

    app.state.receiver.sessions = unreachable
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
        with caplog.at_level(logging.INFO, logger="hub.gateway"):
            response = await post(client, b"<Bericht/>")
    assert response.status_code == 422, response.text
    [line] = gateway_lines(caplog, "audit record failed")
    assert line.levelno == logging.ERROR
    assert (line.bericht_id, line.error) == (response.json()["id"], "OperationalError")  # type: ignore[attr-defined]
    assert "no route to host" not in caplog.text


def test_a_malformed_message_without_a_header_has_no_sender_values(validator: Validator) -> None:
    check = receiver(validator).precheck(f'<Bericht xmlns="{BERICHTEN["JW301"].ns}"/>'.encode())
    assert check.verdict.outcome == OUTCOME_MALFORMED and check.verdict.bericht == "JW301"
    assert (check.afzender, check.ontvanger, check.identificatie, check.retour) == (None, None, None, None)


def test_the_precheck_leaves_its_verdict_for_the_intake_in_this_process() -> None:
    """`hub run` with gateway and intake: the intake's judgement of the same bytes takes the gateway's verdict."""
    memory = VerdictMemory(4)
    shared = Validator(clock=lambda: date(2026, 11, 23), memory=memory)
    data = to_xml("JW301", spec("JW301"))
    check = receiver(shared).precheck(data)
    assert check.verdict.accepted and len(memory) == 1
    assert shared.validate(data) is check.verdict and len(memory) == 0
