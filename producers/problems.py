"""The gateway's HTTP vocabulary: response models of the OpenAPI document and RFC 9457 problem reports.

Every error the gateway answers is application/problem+json; no traceback ever reaches a client.
"""

from __future__ import annotations

import logging
import traceback
from datetime import datetime
from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from producers.ids import ID

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "urn:ijw-hub:problem:"

log = logging.getLogger("hub.gateway")


# ---- response models (the OpenAPI document) -------------------------------------------------------


class Fout(BaseModel):
    rule: str = Field(
        description="XML (not readable or unsafe) or XSD (not valid against the iJw 3.2 schema)"
    )
    location: str | None = Field(description="Where in the message, when known")
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem report (application/problem+json)."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(examples=[f"{PROBLEM_BASE}invalid-bericht"])
    title: str
    status: int
    detail: str | None = None
    id: str | None = Field(None, description="The hub's message id, when the message was recorded")
    bericht: str | None = Field(None, description="The message type, when it could be identified")
    errors: list[Fout] | None = Field(None, description="Every error found (422)")
    checks: dict[str, bool] | None = Field(None, description="Each readiness check (503 from /readyz)")
    retour_purged_at: datetime | None = Field(
        None, description="When the retour XML was removed after the retention period (410)"
    )
    duplicate_of: str | None = Field(
        None, description="The original whose retour was removed, when the message is its duplicate (410)"
    )


class Links(BaseModel):
    self: str
    retour: str


class Ontvangen(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "4f1c2b7d9e8a4c6b8d2e1f0a3b5c7d9e",
                    "bericht": "JW301",
                    "status": "ontvangen",
                    "links": {"self": "/berichten/4f1c…", "retour": "/berichten/4f1c…/retour"},
                }
            ]
        }
    )
    id: str = Field(description="The hub's message id (32 hex): use it for track and trace")
    bericht: str = Field(description="The message type, e.g. JW301")
    status: Literal["ontvangen"] = "ontvangen"
    retour: str | None = Field(
        None,
        description="The 0001 retourbericht (XML), present only when the message already breaks an in-message rule",
    )
    links: Links


class TrackAndTrace(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "4f1c2b7d9e8a4c6b8d2e1f0a3b5c7d9e",
                    "bericht": "JW301",
                    "identificatie": "JW301261102",
                    "status": "beoordeeld",
                    "outcome": "accepted",
                    "error_codes": [],
                    "retour_bericht": "JW302",
                    "received_at": "2026-11-23T12:00:00.120000Z",
                    "validated_at": "2026-11-23T12:00:00.310000Z",
                    "retour_produced_at": "2026-11-23T12:00:00.340000Z",
                    "retour_delivered_at": None,
                    "events_published_at": "2026-11-23T12:00:00.340000Z",
                    "links": {"self": "/berichten/4f1c…", "retour": "/berichten/4f1c…/retour"},
                }
            ]
        }
    )
    id: str
    bericht: str | None
    identificatie: str | None = Field(description="BerichtIdentificatie/Identificatie of the message")
    status: Literal["ontvangen", "beoordeeld"] = Field(
        description="ontvangen: accepted by the gateway, not yet judged by the intake; beoordeeld: judged"
    )
    outcome: Literal["accepted", "rejected", "duplicate", "malformed", "failed"] | None = Field(
        description="failed: the intake could not process it and dead-lettered it after HUB_MAX_ATTEMPTS, with a "
        "0001 retour (validated_at: when it gave up)"
    )
    error_codes: list[str] = Field(description="Rule codes found, in finding order")
    retour_bericht: str | None = Field(
        description="The retour message type (JW302, ...), when there is a retour"
    )
    received_at: datetime
    validated_at: datetime | None
    retour_produced_at: datetime | None = Field(description="The retour was put on the retour topic")
    retour_delivered_at: datetime | None = Field(description="The retour reached the receiver's outbox")
    events_published_at: datetime | None = Field(description="The retour and normalised event were published")
    retour_purged_at: datetime | None = Field(
        None,
        description="The retour XML was removed after the retention period (HUB_RETOUR_RETENTION_DAYS); "
        "GET .../retour answers 410 since",
    )
    links: Links


class Status(BaseModel):
    status: Literal["ok"] = "ok"
    checks: dict[str, bool] | None = None


# ---- problems ---------------------------------------------------------------------------------------


class ProblemError(Exception):
    """Raised by handlers; answered as application/problem+json."""

    def __init__(
        self,
        status: int,
        slug: str,
        title: str,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(title)
        self.status, self.slug, self.title, self.detail = status, slug, title, detail
        self.headers = headers or {}
        self.extra = extra


def problem_response(
    status: int,
    slug: str,
    title: str,
    detail: str | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": f"{PROBLEM_BASE}{slug}", "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_doc(description: str, **headers: str) -> dict[str, Any]:
    """An OpenAPI response of a problem report, with its `headers` (name: description)."""
    doc: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if headers:
        # The hub's Retry-After is always delay-seconds, never an HTTP-date; the other headers are text.
        doc["headers"] = {
            name: {"description": text, "schema": {"type": "integer" if name == "Retry-After" else "string"}}
            for name, text in headers.items()
        }
    return doc


# Any route may fail in a way the hub did not foresee: a problem without details, never a traceback.
INTERNAL: dict[int | str, dict[str, Any]] = {
    500: problem_doc("Unexpected error (urn:ijw-hub:problem:internal), without details")
}


def unauthorized_doc() -> dict[str, Any]:
    """The 401 of every /berichten route, as producers.auth.sender_codes answers it."""
    return problem_doc(
        "Missing or unknown API key", **{"WWW-Authenticate": "The scheme to authenticate with: Bearer"}
    )


def store_unavailable() -> ProblemError:
    """The 503 of the GET routes while the store is unreachable: the sender asks again after Retry-After."""
    return ProblemError(
        503, "store-unavailable", "Store unavailable", "retry later", headers={"Retry-After": "5"}
    )


def store_unavailable_doc() -> dict[str, Any]:
    """The 503 of the GET routes while the store is unreachable (producers.tracking.Tracking)."""
    return problem_doc(
        "The hub's database is unreachable (store-unavailable)",
        **{"Retry-After": "Seconds to wait before asking again"},
    )


def not_found(bericht_id: str) -> ProblemError:
    """404 naming the id when it is one the hub could have given (32 hex); any other text is not repeated."""
    if ID.fullmatch(bericht_id) is None:
        return ProblemError(
            404, "not-found", "Unknown message", "not a message id of the hub (32 hex characters)"
        )
    return ProblemError(
        404, "not-found", "Unknown message", f"no message {bericht_id} that this API key may see"
    )


class NoTracebacks:
    """Any unhandled exception becomes a 500 problem; the log gets its type and place, never its text.

    The text may quote the message (an lxml error quotes values), and a log line must never carry a BSN.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking)
        except ClientDisconnect:  # gone before its body ended: nobody to answer, and no fault of the hub's
            log.info("client disconnected", extra={"path": scope.get("path")})
        except Exception as exc:
            frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
            where = f"{frame.filename}:{frame.lineno}" if frame else "?"
            log.error(
                "request failed",
                extra={"error": type(exc).__name__, "where": where, "path": scope.get("path")},
            )
            if not started:
                await problem_response(
                    500, "internal", "Internal error", "the hub could not handle the request"
                )(scope, receive, send)
