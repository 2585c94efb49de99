"""Taking a posted message in: the pre-check of levels 1, 2 and 4, then 202 (handed over to the intake) or 422
(malformed, recorded here, as the standard gives it no retour and it never reaches the intake)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from hub.ijw.header import leesbare_header
from hub.metrics import HubMetrics
from hub.retour.build import build_retour
from hub.rules.registry import Level
from hub.store import audit
from hub.store.db import SessionFactory
from hub.validate import OUTCOME_MALFORMED, Validator, Verdict
from producers.auth import Sender, sender
from producers.handover import InboundPublisher, hand_over
from producers.problems import Ontvangen, problem_response
from producers.publisher import inbound_key
from producers.tracking import Received, Tracking, links

log = logging.getLogger("hub.gateway")

# Messages up to this size are judged on the event loop: a typical message (~5 KB) takes a quarter of a millisecond,
# less than the hop to a worker thread and back costs. A larger one goes to a thread, as some rules grow faster
# than the message (a 50 KB JW301 with a hundred products takes ~50 ms) and the loop also runs the heartbeats.
INLINE_BYTES = 16 * 1024
# Larger messages are judged here, apart from asyncio's default pool, which /metrics, /readyz, track and trace
# and the store use: a few expensive messages then wait for each other instead of starving those.
JUDGES = 2


@dataclass(frozen=True, slots=True)
class Precheck:
    verdict: Verdict
    afzender: str | None
    ontvanger: str | None
    identificatie: str | None
    retour: str | None  # the 0001 retour of a message that breaks an in-message rule

    @property
    def sender(self) -> Sender:
        """Who sends it: the code the API key must be bound to (the Ontvanger of a retourbericht)."""
        return sender(self.verdict.bericht, self.afzender, self.ontvanger)


@functools.cache
def _judges() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(JUDGES, thread_name_prefix="hub-judge")


@dataclass
class Receiver:
    """The gateway's judgement and answer for one posted message (`app.state.receiver`)."""

    validator: Validator
    sessions: SessionFactory
    publisher: InboundPublisher | None
    metrics: HubMetrics | None
    now: Callable[[], datetime]
    tracking: Tracking
    max_bytes: int  # HUB_MAX_MESSAGE_BYTES: the body is refused (413) beyond it

    async def judge(self, raw: bytes) -> Precheck:
        """precheck() inline for a message of up to INLINE_BYTES, in a worker thread for a larger one."""
        if len(raw) <= INLINE_BYTES:
            return self.precheck(raw)
        return await asyncio.get_running_loop().run_in_executor(_judges(), self.precheck, raw)

    def precheck(self, raw: bytes) -> Precheck:
        """Levels 1, 2 and 4 (thread-safe: judge() runs a large message in a worker thread)."""
        # Remembered for the intake, which judges the same bytes after Kafka when it runs in this process.
        verdict = self.validator.validate(raw, remember=True)
        if verdict.doc is None:
            kop = leesbare_header(raw, self.validator.limits)
            return Precheck(verdict, kop.afzender, kop.ontvanger, kop.identificatie, None)
        retour = None
        if verdict.level == Level.XSLT:  # levels 3/4 may still change a retour; a 0001 retour is final
            xml = build_retour(verdict, dagtekening=self.validator.clock(), inhoud=audit.content_hash(raw))
            retour = xml.decode() if xml is not None else None
        doc = verdict.doc
        return Precheck(verdict, doc.afzender, doc.ontvanger, doc.identificatie, retour)

    async def accept(self, raw: bytes, received_at: datetime, check: Precheck) -> JSONResponse:
        """Hand the raw bytes to the intake (503 while that cannot be done) and answer 202 with a new id.

        The id carries a tag for the sender (producers.ids), by which every gateway replica knows it until the
        intake has recorded the message.
        """
        doc, info = check.verdict.doc, check.verdict.info
        assert doc is not None and info is not None and self.publisher is not None
        bericht_id = self.tracking.ids.mint(check.sender.code, info.bericht)
        extra = {"bericht_id": bericht_id, "identificatie": check.identificatie, "bericht": info.bericht}
        key = inbound_key(info, doc.afzender, doc.ontvanger)
        await hand_over(
            self.publisher, raw, bericht_id=bericht_id, received_at=received_at, key=key, extra=extra
        )
        self.tracking.remember(
            bericht_id,
            Received(info.bericht, check.sender.code, check.identificatie, received_at),
        )
        log.info("bericht ontvangen", extra=extra)
        body = Ontvangen(id=bericht_id, bericht=info.bericht, retour=check.retour, links=links(bericht_id))
        return JSONResponse(
            body.model_dump(exclude_none=True),
            status_code=202,
            headers={"Location": f"/berichten/{bericht_id}"},
        )

    async def malformed(
        self, raw: bytes, bericht_id: str, received_at: datetime, check: Precheck
    ) -> JSONResponse:
        """Record and count a message that is not readable or not XSD-valid, and answer 422 with every error."""
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
        gi = verdict.info is not None and verdict.info.bericht.startswith("GI")
        return problem_response(
            422,
            "invalid-bericht",
            "Not a valid GI message" if gi else "Not a valid iJw 3.2 message",
            f"{len(verdict.errors)} error(s): the message is not well-formed, unsafe or not valid against the "
            + (
                "GI XSD; it gets no GI101 (docs/gi-berichten.md)"
                if gi
                else "iJw 3.2 XSD; the standard gives it no retourbericht"
            ),
            id=bericht_id,
            bericht=verdict.bericht,
            errors=[{"rule": v.rule, "location": v.location, "message": v.message} for v in verdict.errors],
        )

    def _record_malformed(
        self, raw: bytes, bericht_id: str, received_at: datetime, check: Precheck, rules: list[str]
    ) -> None:
        try:
            with self.sessions() as session:
                audit.record(
                    session,
                    id=bericht_id,
                    bericht=check.verdict.bericht,
                    afzender=check.afzender,
                    ontvanger=check.ontvanger,
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
