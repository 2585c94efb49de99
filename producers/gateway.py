"""The HTTP gateway: iJw messages in over HTTP, track and trace and retourberichten out, plus health and metrics.

Order of effects for `POST /berichten`: 1 authenticate the API key  2 read the body within the size limit
3 judge levels 1, 2 and 4 in a worker thread  4a not readable or not XSD-valid: record it as malformed and answer
422 (the standard gives it no retour)  4b otherwise publish the raw bytes to the inbound topic and answer 202.
The intake's verdict is the authoritative one (it also judges the stateful rules); the pre-check here only decides
422 against 202, and returns the 0001 retour early when the message already breaks an in-message rule.
Nothing here logs a body, a BSN or a name: log lines carry the message id and BerichtIdentificatie only.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, FastAPI, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hub import __version__
from hub.errors import BerichtUnreadable
from hub.ijw.parse import ParseLimits, parse_bericht
from hub.metrics import HubMetrics
from hub.retour.build import build_retour
from hub.rules.registry import Level
from hub.settings import HubSettings
from hub.store import audit
from hub.store.db import SessionFactory
from hub.store.tables import BerichtRecord
from hub.validate import OUTCOME_MALFORMED, Validator, Verdict
from producers.health import Health
from producers.problems import (
    PROBLEM_JSON,
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
)
from producers.publisher import BufferFull, inbound_key

__all__ = ["PROBLEM_JSON", "InboundPublisher", "Ontvangen", "Problem", "TrackAndTrace", "create_app"]

log = logging.getLogger("hub.gateway")

XML_TYPES = frozenset({"application/xml", "text/xml"})
_ID = re.compile(r"[0-9a-f]{32}")
RECENT_IDS = 10_000  # ids this process accepted and the intake may not have recorded yet


class InboundPublisher(Protocol):
    """What the gateway needs of producers.publisher.RawPublisher (tests pass a fake)."""

    async def publish(
        self, raw: bytes, *, bericht_id: str, received_at: datetime, key: str | None = None
    ) -> None: ...


# ---- authentication ---------------------------------------------------------------------------------

_API_KEY = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="API key bound to the sender codes (AGB code or gemeentecode)",
)
_BEARER = HTTPBearer(auto_error=False, description="The same API key as a bearer token")


async def sender_codes(
    request: Request,
    api_key: Annotated[str | None, Security(_API_KEY)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)],
) -> frozenset[str]:
    """The sender codes of the presented API key; 401 when there is none or it is unknown."""
    given = api_key or (bearer.credentials if bearer is not None else None)
    if given:
        for key, codes in _gateway(request).keys.items():
            if hmac.compare_digest(key.encode(), given.encode()):  # no timing hint about which keys exist
                return codes
    raise ProblemError(
        401,
        "unauthorized",
        "Missing or unknown API key",
        "send X-API-Key or Authorization: Bearer <key>",
        headers={"WWW-Authenticate": "Bearer"},
    )


SenderCodes = Annotated[frozenset[str], Depends(sender_codes)]


# ---- the gateway's state and logic ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Received:
    """A message this process accepted, until the intake's record exists."""

    bericht: str
    afzender: str | None
    identificatie: str | None
    received_at: datetime


@dataclass(frozen=True, slots=True)
class _Precheck:
    verdict: Verdict
    afzender: str | None
    identificatie: str | None
    retour: str | None  # the 0001 retour of a message that breaks an in-message rule


def _header(raw: bytes, limits: ParseLimits) -> tuple[str | None, str | None]:
    """(Afzender, Identificatie) of a message that is not XSD-valid, when its header can be read at all."""
    try:
        root = parse_bericht(raw, limits).root
    except BerichtUnreadable:
        return None, None
    afzender = (root.findtext("{*}Header/{*}Afzender") or "").strip() or None
    ident = (root.findtext("{*}Header/{*}BerichtIdentificatie/{*}Identificatie") or "").strip() or None
    return afzender, ident


@dataclass
class Gateway:
    settings: HubSettings
    validator: Validator
    sessions: SessionFactory
    publisher: InboundPublisher | None
    metrics: HubMetrics | None
    now: Callable[[], datetime]
    keys: dict[str, frozenset[str]]
    recent: OrderedDict[str, _Received]

    def precheck(self, raw: bytes) -> _Precheck:
        """Levels 1, 2 and 4 (runs in a worker thread)."""
        verdict = self.validator.validate(raw)
        if verdict.doc is None:
            return _Precheck(verdict, *_header(raw, self.validator.limits), None)
        retour = None
        if verdict.level == Level.XSLT:  # levels 3/4 may still change a retour; a 0001 retour is final
            xml = build_retour(verdict, dagtekening=self.validator.clock())
            retour = xml.decode() if xml is not None else None
        return _Precheck(verdict, verdict.doc.afzender, verdict.doc.identificatie, retour)

    async def accept(
        self, raw: bytes, bericht_id: str, received_at: datetime, check: _Precheck
    ) -> JSONResponse:
        doc, info = check.verdict.doc, check.verdict.info
        assert doc is not None and info is not None and self.publisher is not None
        extra = {"bericht_id": bericht_id, "identificatie": check.identificatie, "bericht": info.bericht}
        try:
            await self.publisher.publish(
                raw,
                bericht_id=bericht_id,
                received_at=received_at,
                key=inbound_key(info, doc.afzender, doc.ontvanger),
            )
        except BufferFull as full:
            log.warning("bericht refused: broker unreachable and buffer full", extra=extra)
            raise ProblemError(
                503,
                "unavailable",
                "Broker unreachable",
                "the hub cannot keep more messages now; retry later",
                headers={"Retry-After": str(full.retry_after)},
            ) from None
        self._remember(bericht_id, _Received(info.bericht, check.afzender, check.identificatie, received_at))
        log.info("bericht ontvangen", extra=extra)
        body = Ontvangen(id=bericht_id, bericht=info.bericht, retour=check.retour, links=_links(bericht_id))
        return JSONResponse(
            body.model_dump(exclude_none=True),
            status_code=202,
            headers={"Location": f"/berichten/{bericht_id}"},
        )

    async def malformed(
        self, raw: bytes, bericht_id: str, received_at: datetime, check: _Precheck
    ) -> JSONResponse:
        verdict = check.verdict
        rules = [v.rule for v in verdict.errors]
        await asyncio.to_thread(self._record_malformed, raw, bericht_id, received_at, check, rules)
        if self.metrics is not None:
            self.metrics.judged(verdict.bericht, OUTCOME_MALFORMED, rules)
        log.warning(
            "bericht malformed",
            extra={
                "bericht_id": bericht_id,
                "identificatie": check.identificatie,
                "rules": sorted(set(rules)),
            },
        )
        return problem_response(
            422,
            "invalid-bericht",
            "Not a valid iJw 3.2 message",
            f"{len(verdict.errors)} error(s): the message is not well-formed, unsafe or not valid against the "
            "iJw 3.2 XSD; the standard gives it no retourbericht",
            id=bericht_id,
            bericht=verdict.bericht,
            errors=[{"rule": v.rule, "location": v.location, "message": v.message} for v in verdict.errors],
        )

    def _record_malformed(
        self, raw: bytes, bericht_id: str, received_at: datetime, check: _Precheck, rules: list[str]
    ) -> None:
        try:
            with self.sessions() as session:
                audit.record(
                    session,
                    id=bericht_id,
                    bericht=check.verdict.bericht,
                    afzender=check.afzender,
                    identificatie=check.identificatie,
                    content_hash=audit.content_hash(raw),
                    outcome=OUTCOME_MALFORMED,
                    error_codes=rules,
                    received_at=received_at,
                    validated_at=self.now(),
                )
                session.commit()
        except SQLAlchemyError as exc:  # the sender still gets its 422; the operator sees the gap in the log
            log.error("audit record failed", extra={"bericht_id": bericht_id, "error": type(exc).__name__})

    def _remember(self, bericht_id: str, received: _Received) -> None:
        self.recent[bericht_id] = received
        while len(self.recent) > RECENT_IDS:
            self.recent.popitem(last=False)

    async def load(self, bericht_id: str) -> BerichtRecord | None:
        if not _ID.fullmatch(bericht_id):
            return None
        try:
            return await asyncio.to_thread(self._get, bericht_id)
        except SQLAlchemyError:
            raise ProblemError(
                503, "store-unavailable", "Store unavailable", "retry later", headers={"Retry-After": "5"}
            ) from None

    def _get(self, bericht_id: str) -> BerichtRecord | None:
        with self.sessions() as session:
            return audit.get(session, bericht_id)  # loaded columns stay readable after the session closes


def _gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


def _links(bericht_id: str) -> Links:
    return Links(self=f"/berichten/{bericht_id}", retour=f"/berichten/{bericht_id}/retour")


def _trace(record: BerichtRecord) -> TrackAndTrace:
    return TrackAndTrace(
        id=record.id,
        bericht=record.bericht,
        identificatie=record.identificatie,
        status="beoordeeld",
        outcome=record.outcome,  # one of OUTCOMES, checked on write (pydantic validates it here too)
        error_codes=list(record.error_codes),
        retour_bericht=record.retour_bericht,
        received_at=record.received_at,
        validated_at=record.validated_at,
        retour_produced_at=record.retour_produced_at,
        retour_delivered_at=record.retour_delivered_at,
        events_published_at=record.events_published_at,
        links=_links(record.id),
    )


def _trace_received(bericht_id: str, seen: _Received) -> TrackAndTrace:
    return TrackAndTrace(
        id=bericht_id, bericht=seen.bericht, identificatie=seen.identificatie, status="ontvangen", outcome=None,
        error_codes=[], retour_bericht=None, received_at=seen.received_at, validated_at=None,
        retour_produced_at=None, retour_delivered_at=None, events_published_at=None, links=_links(bericht_id),
    )  # fmt: skip


# ---- routes -----------------------------------------------------------------------------------------

berichten = APIRouter(tags=["berichten"])
ops = APIRouter(tags=["operations"])

_POST_BODY = {
    "requestBody": {
        "required": True,
        "description": "One iJw 3.2 heenbericht (JW301, JW305, ...) as sent, UTF-8 XML",
        # The application/xml example (a synthetic JW301) is added in _openapi, when the document is built.
        "content": {
            "application/xml": {"schema": {"type": "string"}},
            "text/xml": {"schema": {"type": "string"}},
        },
    }
}


@berichten.post(
    "/berichten",
    status_code=202,
    response_model=Ontvangen,
    summary="Submit an iJw message",
    description="Judges the message on levels 1, 2 and 4, publishes it to the intake and answers with its id. "
    "The intake's verdict (with the stateful rules) follows in the track and trace and the retour. "
    "The message's Header/Afzender must be one of the API key's sender codes.",
    responses={
        202: {
            "description": "Accepted for processing",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
        401: problem_doc("Missing or unknown API key"),
        403: problem_doc("Header/Afzender is not a sender code of this API key"),
        413: problem_doc("Larger than the size limit (HUB_MAX_MESSAGE_BYTES)"),
        415: problem_doc("Content-Type is not application/xml or text/xml"),
        422: problem_doc(
            "Not well-formed, unsafe or not XSD-valid; lists every error; no retourbericht exists"
        ),
        503: problem_doc(
            "Broker unreachable and buffer full", **{"Retry-After": "Seconds to wait before retrying"}
        ),
    },
    openapi_extra=_POST_BODY,
)
async def post_bericht(request: Request, codes: SenderCodes) -> JSONResponse:
    gateway = _gateway(request)
    _require_xml(request)
    raw = await _read_body(request, gateway.settings.max_message_bytes)
    bericht_id, received_at = audit.new_id(), gateway.now()
    check = await asyncio.to_thread(gateway.precheck, raw)
    if check.afzender is not None and check.afzender not in codes:
        log.warning(
            "afzender not allowed for this API key",
            extra={"bericht_id": bericht_id, "identificatie": check.identificatie},
        )
        raise ProblemError(
            403,
            "forbidden-afzender",
            "Afzender not allowed",
            f"Header/Afzender {check.afzender} is not a sender code of this API key",
        )
    if check.verdict.doc is None:
        return await gateway.malformed(raw, bericht_id, received_at, check)
    return await gateway.accept(raw, bericht_id, received_at, check)


@berichten.get(
    "/berichten/{bericht_id}",
    response_model=TrackAndTrace,
    summary="Track and trace of a message",
    description="Outcome, rule codes and the times it was received, validated, answered and published. "
    "Only messages whose Afzender is one of the API key's sender codes are visible.",
    responses={
        401: problem_doc("Missing or unknown API key"),
        404: problem_doc("Unknown message (or not yours)"),
    },
)
async def get_bericht(request: Request, bericht_id: str, codes: SenderCodes) -> TrackAndTrace:
    gateway = _gateway(request)
    record = await gateway.load(bericht_id)
    if record is not None:
        if record.afzender in codes:
            return _trace(record)
        raise not_found(bericht_id)
    seen = gateway.recent.get(bericht_id)
    if seen is not None and seen.afzender in codes:
        return _trace_received(bericht_id, seen)
    raise not_found(bericht_id)


@berichten.get(
    "/berichten/{bericht_id}/retour",
    response_class=Response,
    summary="The retourbericht of a message",
    description="The retour XML once the intake has produced it. 409 while the message is known but its retour is not "
    "produced yet (retry after Retry-After); 404 for an unknown message, and for one that has no retour under the "
    "standard (not XSD-valid, or itself a retourbericht).",
    responses={
        200: {
            "description": "The retourbericht",
            "content": {"application/xml": {"schema": {"type": "string"}}},
        },
        401: problem_doc("Missing or unknown API key"),
        404: problem_doc("Unknown message, or no retour exists for it"),
        409: problem_doc("Not produced yet", **{"Retry-After": "Seconds to wait before asking again"}),
    },
)
async def get_retour(request: Request, bericht_id: str, codes: SenderCodes) -> Response:
    gateway = _gateway(request)
    record = await gateway.load(bericht_id)
    if record is None or record.afzender not in codes:
        seen = gateway.recent.get(bericht_id) if record is None else None
        if seen is not None and seen.afzender in codes:
            raise _pending(bericht_id)
        raise not_found(bericht_id)
    if record.retour is None:
        raise ProblemError(
            404,
            "no-retour",
            "No retourbericht",
            f"message {bericht_id} ({record.outcome}) has no retourbericht",
            id=bericht_id,
            bericht=record.bericht,
        )
    if record.retour_produced_at is None:
        raise _pending(bericht_id)
    return Response(record.retour, media_type="application/xml")


def _pending(bericht_id: str) -> ProblemError:
    return ProblemError(
        409,
        "retour-pending",
        "Retour not produced yet",
        f"the intake has not produced the retour of {bericht_id} yet",
        headers={"Retry-After": "1"},
        id=bericht_id,
    )


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


@ops.get(
    "/readyz",
    response_model=Status,
    summary="Readiness: broker and database reachable, migrations applied",
    responses={503: problem_doc("Not ready; `checks` says which check failed")},
)
async def readyz(request: Request) -> Any:
    checks: dict[str, bool] = await request.app.state.health.ready()
    failed = [name for name, ok in checks.items() if not ok]
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


# ---- request helpers --------------------------------------------------------------------------------


def _require_xml(request: Request) -> None:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in XML_TYPES:
        raise ProblemError(
            415, "unsupported-media-type", "Unsupported media type", "send application/xml or text/xml"
        )


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes `limit` bytes (never buffered beyond it)."""
    too_large = ProblemError(413, "too-large", "Message too large", f"the limit is {limit} bytes")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


# ---- assembly ---------------------------------------------------------------------------------------


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
    )
    app.state.gateway = Gateway(
        settings, validator, sessions, publisher, metrics, now, settings.api_key_senders(), OrderedDict()
    )
    app.state.health = health
    app.state.registry = registry
    if roles_gateway:
        app.include_router(berichten)
    app.include_router(ops)
    _install_problems(app)
    app.add_middleware(NoTracebacks)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
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
