"""The /berichten routes: submit a message, its track and trace, its retourbericht.

Order of effects for `POST /berichten`: 1 authenticate the API key  2 read the body within the size limit
3 judge levels 1, 2 and 4 (Receiver.judge: on the event loop, a large message in a worker thread)  4a not readable or
not XSD-valid: record it as malformed and answer 422 (the standard gives it no retour)  4b otherwise publish the raw
bytes to the inbound topic and answer 202.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from hub.store import audit
from producers.auth import SenderCodes
from producers.problems import Ontvangen, ProblemError, TrackAndTrace, not_found, problem_doc
from producers.receive import Receiver
from producers.tracking import Tracking, original_purged, pending, purged, trace, trace_received

log = logging.getLogger("hub.gateway")

XML_TYPES = frozenset({"application/xml", "text/xml"})

berichten = APIRouter(tags=["berichten"])

_POST_BODY = {
    "requestBody": {
        "required": True,
        "description": "One iJw 3.2 heenbericht (JW301, JW305, ...) as sent, UTF-8 XML",
        # The application/xml example (a synthetic JW301) is added in gateway._openapi, when the document is built.
        "content": {
            "application/xml": {"schema": {"type": "string"}},
            "text/xml": {"schema": {"type": "string"}},
        },
    }
}


def _receiver(request: Request) -> Receiver:
    receiver: Receiver = request.app.state.receiver
    return receiver


def _tracking(request: Request) -> Tracking:
    tracking: Tracking = request.app.state.tracking
    return tracking


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
    receiver = _receiver(request)
    _require_xml(request)
    raw = await _read_body(request, receiver.max_bytes)
    bericht_id, received_at = audit.new_id(), receiver.now()
    check = await receiver.judge(raw)
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
        return await receiver.malformed(raw, bericht_id, received_at, check)
    return await receiver.accept(raw, bericht_id, received_at, check)


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
    tracking = _tracking(request)
    record = await tracking.load(bericht_id)
    if record is not None:
        if record.afzender in codes:
            return trace(record)
        raise not_found(bericht_id)
    seen = tracking.seen(bericht_id)
    if seen is not None and seen.afzender in codes:
        return trace_received(bericht_id, seen)
    raise not_found(bericht_id)


@berichten.get(
    "/berichten/{bericht_id}/retour",
    response_class=Response,
    summary="The retourbericht of a message",
    description="The retour XML once the intake has produced it. 409 while the message is known but its retour is not "
    "produced yet (retry after Retry-After); 404 for an unknown message, and for one that has no retour under the "
    "standard (not XSD-valid, or itself a retourbericht). 410 once the retour XML was removed after the retention "
    "period (HUB_RETOUR_RETENTION_DAYS after delivery; track and trace shows when), and for a duplicate "
    "whose original's retour was removed (`duplicate_of` names the original).",
    responses={
        200: {
            "description": "The retourbericht",
            "content": {"application/xml": {"schema": {"type": "string"}}},
        },
        401: problem_doc("Missing or unknown API key"),
        404: problem_doc("Unknown message, or no retour exists for it"),
        409: problem_doc("Not produced yet", **{"Retry-After": "Seconds to wait before asking again"}),
        410: problem_doc("Removed after the retention period (for a duplicate: its original's)"),
    },
)
async def get_retour(request: Request, bericht_id: str, codes: SenderCodes) -> Response:
    tracking = _tracking(request)
    record = await tracking.load(bericht_id)
    if record is None or record.afzender not in codes:
        seen = tracking.seen(bericht_id) if record is None else None
        if seen is not None and seen.afzender in codes:
            raise pending(bericht_id)
        raise not_found(bericht_id)
    if record.retour_purged_at is not None:
        raise purged(record)
    if record.retour is None and record.outcome == "duplicate":
        # A resend logged after its original's retour was cleared copied no retour: say so, not "none exists".
        original = await tracking.original(record)
        if original is not None and original.retour_purged_at is not None:
            raise original_purged(record, original.id, original.retour_purged_at)
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
        raise pending(bericht_id)
    return Response(record.retour, media_type="application/xml")


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
