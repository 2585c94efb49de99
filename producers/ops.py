"""The operations routes every role serves: liveness, readiness and the Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from producers.problems import INTERNAL, Status, problem_doc, problem_response

ops = APIRouter(tags=["operations"], responses=INTERNAL)


@ops.get(
    "/healthz",
    response_model=Status,
    response_model_exclude_none=True,
    summary="Liveness: the process answers",
    responses={503: problem_doc("Not alive")},
)
async def healthz(request: Request) -> Any:
    if request.app.state.health.alive():
        return Status()
    return problem_response(503, "not-alive", "Not alive")


Check = Literal["broker", "database", "migrations"]


@ops.get(
    "/readyz",
    response_model=Status,
    summary="Readiness: broker and database reachable, migrations applied",
    description=(
        "`skip` leaves a check out of the answer's status (it is still reported in `checks`): a gateway probed "
        "with `?skip=broker` stays ready while the broker is away, since it keeps what it accepts in its spool."
    ),
    responses={
        503: problem_doc("Not ready; `checks` says which check failed"),
        422: problem_doc("`skip` names no check"),
    },
)
async def readyz(
    request: Request,
    skip: Annotated[list[Check] | None, Query(description="Checks that do not decide readiness")] = None,
) -> Any:
    checks: dict[str, bool] = await request.app.state.health.ready()
    failed = [name for name, ok in checks.items() if not ok and name not in (skip or ())]
    if not failed:
        return Status(checks=checks)
    return problem_response(503, "not-ready", "Not ready", f"failed: {', '.join(failed)}", checks=checks)


@ops.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.registry
    # The domain collectors query the store: keep that off the event loop.
    body = await asyncio.to_thread(generate_latest, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
