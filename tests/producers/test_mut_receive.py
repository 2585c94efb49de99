"""producers.receive: what the gateway's pre-check promises beyond tests/producers/test_gateway.py, found by a
mutation pass."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any, cast

import httpx
from sqlalchemy import Engine

from hub.validate import Validator
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
