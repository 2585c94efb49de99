"""The HTTP gateway: iJw messages in over HTTP, track and trace and retourberichten out, plus health and metrics.

This module assembles the app; each part has its own module: routes (/berichten), ops (/healthz, /readyz, /metrics),
auth (API keys), receive (the pre-check and the 202/422 answer), handover (publishing; 503 on a full buffer),
tracking (track and trace), problems (the response models and RFC 9457 problems).
The intake's verdict is the authoritative one (it also judges the stateful rules); the pre-check here only decides
422 against 202, and returns the 0001 retour early when the message already breaks an in-message rule.
Nothing here logs a body, a BSN or a name: log lines carry the message id and BerichtIdentificatie only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from prometheus_client import CollectorRegistry
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub import __version__
from hub.metrics import HubMetrics
from hub.settings import HubSettings
from hub.store.db import SessionFactory
from hub.validate import Validator
from producers.auth import ApiKeys
from producers.handover import InboundPublisher
from producers.health import Health
from producers.ids import BerichtIds
from producers.ops import ops
from producers.problems import (
    PROBLEM_JSON,
    NoTracebacks,
    Ontvangen,
    Problem,
    ProblemError,
    TrackAndTrace,
    problem_response,
)
from producers.receive import Receiver
from producers.routes import berichten
from producers.statusmeldingen import statusmeldingen
from producers.tracking import Tracking

__all__ = ["PROBLEM_JSON", "InboundPublisher", "Ontvangen", "Problem", "TrackAndTrace", "create_app"]


def create_app(
    settings: HubSettings,
    validator: Validator,
    sessions: SessionFactory,
    publisher: InboundPublisher | None,
    registry: CollectorRegistry,
    health: Health,
    *,
    roles_gateway: bool = True,
    metrics: HubMetrics | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    lifespan: Any = None,
) -> FastAPI:
    """The hub's HTTP app: /healthz, /readyz and /metrics always; /berichten when this process is a gateway.

    `metrics`: counts the messages refused as malformed here (they never reach the intake). `lifespan`: passed to
    FastAPI, e.g. to start and stop the publisher with the server.
    """
    if roles_gateway and publisher is None:
        raise ValueError("the gateway role needs a publisher")
    app = FastAPI(
        title="ijw-hub",
        version=__version__,
        description="Integration hub for iJw 3.2 messages. Authenticate with an API key (X-API-Key or Bearer) "
        "bound to the sender codes it may use. Errors are application/problem+json (RFC 9457).",
        lifespan=lifespan,
        # A trailing slash is another path, answered 404 as a problem: a 307 with an empty body is not in the
        # documented API, and /berichten// would redirect to /berichten/ and then to /berichten (405).
        redirect_slashes=False,
    )
    tracking = Tracking(sessions, BerichtIds.for_settings(settings))
    app.state.tracking = tracking
    app.state.receiver = Receiver(
        validator, sessions, publisher, metrics, now, tracking, max_bytes=settings.max_message_bytes
    )
    app.state.api_keys = ApiKeys(settings.api_key_senders())
    app.state.health = health
    app.state.registry = registry
    if roles_gateway:
        app.include_router(berichten)
        app.include_router(statusmeldingen)
    app.include_router(ops)
    _install_problems(app)
    app.add_middleware(NoTracebacks)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]  # FastAPI's documented override
    return app


def _install_problems(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return problem_response(exc.status, exc.slug, exc.title, exc.detail, headers=exc.headers, **exc.extra)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        return problem_response(exc.status_code, slug, str(exc.detail), headers=dict(exc.headers or {}))

    async def on_invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {
                "rule": "request",
                "location": ".".join(str(p) for p in e.get("loc", ())),
                "message": e.get("msg", ""),
            }
            for e in exc.errors()
        ]
        return problem_response(422, "invalid-request", "Invalid request", errors=errors)

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_invalid)


def _example() -> str:
    """A valid JW301 with a synthetic client (hub.synth), so the example in /docs can be sent as it is."""
    from hub.synth.berichten import xml  # only when the document is built

    return xml("JW301").decode()


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document plus the Problem schema, without FastAPI's own 422 model (our 422s are problems)."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(problem.pop("$defs", {}))
        components["Problem"] = problem
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                default = operation.get("responses", {}).get("422", {})
                if "HTTPValidationError" in str(default):
                    del operation["responses"]["422"]
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        post = schema.get("paths", {}).get("/berichten", {}).get("post")
        if post is not None:
            post["requestBody"]["content"]["application/xml"]["example"] = _example()
        app.openapi_schema = schema
    return app.openapi_schema
