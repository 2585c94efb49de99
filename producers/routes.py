"""The /berichten routes: submit a message, its track and trace, its retourbericht.

Order of effects for `POST /berichten`: 1 authenticate the API key  2 check Content-Type and Content-Encoding
3 read the body within the size limit, and inflate a gzip or deflate body within it (in a worker thread)  4 judge
levels 1, 2 and 4 (Receiver.judge: on the event loop, a large message in a worker thread)  5 refuse a message whose
sender (producers.auth.sender) is not the key's  6a not readable or not XSD-valid: record it as malformed and answer
422 (the standard gives it no retour)  6b otherwise publish the message to the inbound topic and answer 202.

The GET routes show a message to the keys bound to its sender only, as POST took it from them.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from hub.store import audit
from producers.auth import SenderCodes
from producers.coding import SUPPORTED, Coding, content_coding, decode, encoded_limit, too_large
from producers.problems import (
    INTERNAL,
    Ontvangen,
    ProblemError,
    TrackAndTrace,
    not_found,
    problem_doc,
    store_unavailable_doc,
    unauthorized_doc,
)
from producers.receive import Receiver
from producers.tracking import (
    Tracking,
    gets_no_retour,
    no_retour,
    not_recorded,
    original_purged,
    pending,
    purged,
    trace,
    trace_received,
    visible,
)

log = logging.getLogger("hub.gateway")

XML_TYPES = frozenset({"application/xml", "text/xml"})

berichten = APIRouter(tags=["berichten"], responses=INTERNAL)

_POST_BODY = {
    "requestBody": {
        "required": True,
        "description": "One iJw 3.2 message (JW301, JW305, ...) as sent, UTF-8 XML; with Content-Encoding gzip "
        "or deflate (the zlib format) compressed, within the same size limit once inflated",
        # The application/xml example (a synthetic JW301) is added in gateway._openapi, when the document is built.
        "content": {
            "application/xml": {"schema": {"type": "string"}},
            "text/xml": {"schema": {"type": "string"}},
        },
    },
    "parameters": [
        {
            "name": "Content-Encoding",
            "in": "header",
            "required": False,
            "description": f"One of {SUPPORTED}; absent is identity (the body as it is)",
            "schema": {"type": "string", "enum": ["gzip", "x-gzip", "deflate", "identity"]},
        }
    ],
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
    "The message's sender must be one of the API key's sender codes: its Header/Afzender, or for a retourbericht "
    "(JW302 ... JW320, whose Header copies the heenbericht's Afzender and Ontvanger) its Header/Ontvanger. "
    "The body may be compressed with Content-Encoding gzip or deflate; the size limit holds for the inflated "
    "message, which is what the hub judges and keeps.",
    responses={
        202: {
            "description": "Accepted for processing",
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
        400: problem_doc("The body is not a complete stream of its Content-Encoding (gzip, deflate)"),
        401: unauthorized_doc(),
        403: problem_doc(
            "The sender (Header/Afzender; of a retourbericht Header/Ontvanger) is not a sender code of this API key"
        ),
        408: problem_doc(
            "The body did not arrive within 300 seconds",
            Connection="close: the connection is not kept after this answer",
        ),
        413: problem_doc("Larger than the size limit (HUB_MAX_MESSAGE_BYTES), on the wire or once inflated"),
        415: problem_doc(
            "Content-Type is not application/xml or text/xml, or Content-Encoding is not gzip, deflate or identity",
            **{"Accept-Encoding": "The supported content codings (for an unsupported Content-Encoding)"},
        ),
        422: problem_doc(
            "Not well-formed, unsafe or not XSD-valid; lists every error (the first 100 XSD errors and a count of "
            "the rest); no retourbericht exists"
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
    coding = content_coding(request.headers.getlist("content-encoding"))
    raw = await _read_body(request, receiver.max_bytes, coding)
    received_at = receiver.now()
    check = await receiver.judge(raw)
    sender = check.sender
    if sender.code is not None and not sender.allowed(codes):
        log.warning(
            "afzender not allowed for this API key",  # docs/operations.md names this line
            extra={
                "bericht_id": audit.new_id(),
                "identificatie": check.identificatie,
                "element": sender.element,
            },
        )
        raise ProblemError(
            403,
            "forbidden-afzender",
            "Sender not allowed",
            f"Header/{sender.element} {sender.code} is not a sender code of this API key",
        )
    if check.verdict.doc is None:
        # An untagged id (producers.ids): it is recorded here and now, and should that fail no replica may
        # answer 409 for a message that will never have a retour.
        return await receiver.malformed(raw, audit.new_id(), received_at, check)
    return await receiver.accept(raw, received_at, check)


@berichten.get(
    "/berichten/{bericht_id}",
    response_model=TrackAndTrace,
    summary="Track and trace of a message",
    description="Outcome, rule codes and the times it was received, validated, answered and published. "
    "Only messages whose sender is one of the API key's sender codes are visible: the Header/Afzender, or the "
    "Header/Ontvanger of a retourbericht (JW302 ... JW320), as for POST. Status `ontvangen` on the gateway that "
    "took the message until the intake has recorded it; 409 on the others (and after a restart) meanwhile.",
    responses={
        401: unauthorized_doc(),
        404: problem_doc("Unknown message (or not yours)"),
        409: problem_doc(
            "Accepted by another gateway, not recorded yet",
            **{"Retry-After": "Seconds to wait before asking again"},
        ),
        503: store_unavailable_doc(),
    },
)
async def get_bericht(request: Request, bericht_id: str, codes: SenderCodes) -> TrackAndTrace:
    tracking = _tracking(request)
    record = await tracking.load(bericht_id)
    if record is not None:
        if visible(record, codes):
            return trace(record)
        raise not_found(bericht_id)
    seen = tracking.seen(bericht_id)
    if seen is not None and seen.verzender in codes:
        return trace_received(bericht_id, seen)
    if tracking.minted(bericht_id, codes) is not None:  # accepted by another replica, or before a restart
        raise not_recorded(bericht_id)
    raise not_found(bericht_id)


@berichten.get(
    "/berichten/{bericht_id}/retour",
    response_class=Response,
    summary="The retourbericht of a message",
    description="The retour XML once the intake has produced it. 409 while the message is known but its retour is not "
    "produced yet (retry after Retry-After): a retour will come. 404 for an unknown message (or one whose sender is "
    "not the key's), and 404 no-retour for one that has no retour under the standard: not XSD-valid, or of a type "
    "the standard answers with none (JW325, a retourbericht itself, GI101, GI102), the latter from the 202 on. "
    "410 once the retour XML was removed after the retention period (HUB_RETOUR_RETENTION_DAYS after delivery; "
    "track and trace shows when), and for a duplicate whose original's retour was removed (`duplicate_of` names "
    "the original).",
    responses={
        200: {
            "description": "The retourbericht",
            "content": {"application/xml": {"schema": {"type": "string"}}},
        },
        401: unauthorized_doc(),
        404: problem_doc("Unknown message, or no retour exists for it"),
        409: problem_doc("Not produced yet", **{"Retry-After": "Seconds to wait before asking again"}),
        410: problem_doc("Removed after the retention period (for a duplicate: its original's)"),
        503: store_unavailable_doc(),
    },
)
async def get_retour(request: Request, bericht_id: str, codes: SenderCodes) -> Response:
    tracking = _tracking(request)
    record = await tracking.load(bericht_id)
    if record is None or not visible(record, codes):
        seen = tracking.seen(bericht_id) if record is None else None
        if seen is not None and seen.verzender in codes:
            # No retour will come for such a type: say so now, as after the intake, rather than 409 until then.
            raise no_retour(bericht_id, seen.bericht) if gets_no_retour(seen.bericht) else pending(bericht_id)
        minted = tracking.minted(bericht_id, codes) if record is None else None
        if minted is not None:  # accepted by another replica, or before a restart: the same answer as there
            raise no_retour(bericht_id, minted.geen_retour) if minted.geen_retour else pending(bericht_id)
        raise not_found(bericht_id)
    if record.retour is None and gets_no_retour(record.bericht):
        raise no_retour(bericht_id, record.bericht)
    if record.retour_purged_at is not None:
        raise purged(record)
    if record.retour is None and record.outcome == "duplicate":
        # A resend logged after its original's retour was cleared copied no retour: say so, not "none exists".
        original = await tracking.original(record)
        if original is not None and original.retour_purged_at is not None:
            raise original_purged(record, original.id, original.retour_purged_at)
    if record.retour is None:
        raise no_retour(bericht_id, record.bericht, record.outcome)
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


# A sender holding a request open costs a connection and its buffer: 25 MB at 1 Mbit/s takes 200 seconds.
BODY_SECONDS = 300.0


async def _read_body(request: Request, limit: int, coding: Coding) -> bytes:
    """The message in the body, refused with 413 as soon as it passes `limit` bytes (never buffered beyond it).

    A compressed body is read up to its own bound, then inflated in a worker thread (a few kilobytes may inflate to
    the limit: milliseconds of CPU that the event loop must not spend) and refused once it passes `limit`.
    """
    wire = encoded_limit(limit, coding)
    declared = request.headers.get("content-length", "")
    # ASCII digits only: str.isdigit() also takes '²', which int() refuses. More digits than any size has is too
    # large without int() (thousands of digits raise ValueError). Servers refuse both first; this is no 500 either.
    if declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > wire):
        raise too_large(limit, coding)
    body = bytearray()
    try:
        async with asyncio.timeout(BODY_SECONDS):
            async for chunk in request.stream():
                body += chunk
                if len(body) > wire:
                    raise too_large(limit, coding)
    except TimeoutError:
        raise ProblemError(
            408,
            "request-timeout",
            "Request Timeout",
            f"the body did not arrive within {BODY_SECONDS:g} seconds",
            headers={"Connection": "close"},
        ) from None
    if coding == "identity":
        return bytes(body)
    return await asyncio.to_thread(decode, bytes(body), coding, limit)
