"""The intake, transport-free: raw XML in; verdict, retourbericht, normalised event and audit record out.

Order of effects (the caller publishes, then acknowledges):
1 parse + validate (levels 1, 2, 4)  2 idempotency on (afzender, bericht, identificatie, content hash)
3 stateful rules against a snapshot  4 retour, event, state and audit in ONE transaction, which a batch of
messages shares (verwerk_batch): one commit per poll instead of one per message.
A redelivery finds step 4's record and is answered from it: no second state change, same retour, same event.
A message the caller gives up on (dead-lettered) gets a record too, outcome `failed`, with its 0001 retour.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

from hub.clock import vandaag
from hub.events.models import HubEvent
from hub.familie import familie
from hub.ijw.header import LeesbareHeader, leesbare_header
from hub.privacy import Pseudonymiser
from hub.retour.build import build_retour
from hub.rules.registry import Level, Violation
from hub.store import audit, locks
from hub.store.db import SessionFactory, transient_failures
from hub.topics import inbound_key
from hub.validate import OUTCOME_ACCEPTED, OUTCOME_MALFORMED, Validator, Verdict

log = logging.getLogger("hub.intake")

OUTCOME_DUPLICATE = "duplicate"
# Dead-lettered after HUB_MAX_ATTEMPTS: never judged, answered with a header-only 0001 retour. An audit outcome only:
# hub_messages_total never counts it (hub_dead_letters_total{reason="processing-failed"} does).
OUTCOME_FAILED = "failed"


@dataclass(frozen=True, slots=True)
class IntakeResult:
    """What the transport must publish for one message, in this order: retour, then event."""

    bericht_id: str
    bericht: str | None
    outcome: str  # accepted | rejected | duplicate | malformed | failed
    errors: tuple[Violation, ...] = ()
    retour: bytes | None = None
    retour_bericht: str | None = None
    retour_ontvanger: str | None = None  # who gets the retour: the sender of the heenbericht
    event: HubEvent | None = None
    key: str | None = None  # Kafka key of the event: the client pseudonym
    already_published: bool = False  # a redelivery whose retour and event went out before
    redelivered: bool = False  # the same record processed before: metrics were counted then
    problems: list[dict[str, Any]] = field(default_factory=list)  # the error report of a malformed message
    identificatie: str | None = None  # BerichtIdentificatie/Identificatie: a correlation field of the logs
    raw_size: int = 0  # bytes of a malformed message, for its dead letter (which never carries the content)
    pair: str | None = None  # the inbound key its header gives (hub.topics.inbound_key), once judged


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message as a door handed it over: its bytes, the hub's id for it and when it arrived."""

    raw: bytes
    bericht_id: str | None = None
    received_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeadLettered:
    """A message the caller gave up on: what to publish (its 0001 retour, if any) and its audit record."""

    result: IntakeResult
    record: dict[str, Any]  # audit.values of its record, outcome failed


@dataclass(frozen=True, slots=True)
class _Judged:
    """A message after the store-free levels: its verdict and typed model."""

    bericht_id: str
    received_at: datetime
    digest: str
    size: int  # bytes as received
    verdict: Verdict
    model: Any
    kop: LeesbareHeader | None = None  # of a message that is not XSD-valid: what its header lets read


def _elsewhere(j: _Judged) -> _Judged:
    """The message under another id: its door's id names a message with other bytes (a producer reusing ids)."""
    other = audit.other_id(j.bericht_id, j.digest)
    log.warning(
        "bericht-id names another message: recorded under another id",
        extra={"bericht_id": other, "gegeven_bericht_id": j.bericht_id},
    )
    return replace(j, bericht_id=other)


class _Remembered:
    """A pseudonymiser that computes each BSN's pseudonym once (for one batch: the BSNs leave with it)."""

    __slots__ = ("_known", "_pseudonym")

    def __init__(self, pseudonym: Callable[[str], str]) -> None:
        self._pseudonym = pseudonym
        self._known: dict[str, str] = {}

    def __call__(self, bsn: str) -> str:
        known = self._known.get(bsn)
        if known is None:
            known = self._known[bsn] = self._pseudonym(bsn)
        return known


class Intake:
    """Judges and records messages; one instance serves the whole process."""

    def __init__(
        self,
        validator: Validator,
        sessions: SessionFactory,
        pseudonym: Pseudonymiser,
        *,
        clock: Callable[[], date] = vandaag,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.validator = validator
        self.sessions = sessions
        self.pseudonym = pseudonym
        self.clock = clock
        self.now = now

    def verwerk(
        self, raw: bytes, *, bericht_id: str | None = None, received_at: datetime | None = None
    ) -> IntakeResult:
        """Judge and record one message; raises TransientError while the store is unreachable."""
        return self.verwerk_batch([Inbound(raw, bericht_id, received_at)])[0]

    def verwerk_batch(self, items: Sequence[Inbound]) -> list[IntakeResult]:
        """Judge and record messages in their order, in ONE transaction: one commit (one fsync) per batch.

        A later message sees what an earlier one recorded (the session flushes each row), so the outcome equals
        judging them one by one. Raises TransientError while the store is unreachable; any other exception
        rolls the whole batch back, and the caller handles its messages one by one.
        """
        today = self.clock()
        judged = [self._judge(item, today) for item in items]  # CPU only: before the transaction opens
        results: list[IntakeResult] = []
        published: set[str] = set()
        # The snapshot, the rules, the event and the state each ask a client's pseudonym (an HMAC): once is enough.
        pseudonym = _Remembered(self.pseudonym)
        with transient_failures(), self.sessions() as session:
            # First, before any read: replicas judging messages whose rules share a scope wider than their pair
            # (TR314 and TR333 per aanbieder, ...) wait here for each other, in one order (hub.store.locks).
            locks.lock_scopes(session, (j.model for j in judged))
            for j in judged:
                result = self._record(session, j, today, pseudonym)
                if result.redelivered and result.bericht_id in published:
                    # The same record twice in one batch: the first occurrence publishes, this one must not.
                    result = replace(result, already_published=True)
                published.add(result.bericht_id)
                results.append(result)
            session.commit()
        return results

    def _judge(self, item: Inbound, today: date) -> _Judged:
        """Levels 1, 2 and 4 and the typed model: everything that needs no store."""
        verdict = self.validator.validate(item.raw, today=today)
        model = None if verdict.doc is None else familie(verdict.doc.bericht).extract(verdict.doc)
        return _Judged(
            bericht_id=item.bericht_id or audit.new_id(),
            received_at=item.received_at or self.now(),
            digest=audit.content_hash(item.raw),
            size=len(item.raw),
            verdict=verdict,
            model=model,
            kop=None if verdict.doc is not None else leesbare_header(item.raw, self.validator.limits),
        )

    def _record(self, session: Any, j: _Judged, today: date, pseudonym: Callable[[str], str]) -> IntakeResult:
        """Idempotency, level 3, retour, event, audit and state of one judged message; flushes, never commits."""
        verdict, model = j.verdict, j.model
        if verdict.doc is None:
            return self._malformed(session, j)
        doc = verdict.doc
        fam = familie(doc.bericht)  # iJw or the hub's own GI messages
        # One query answers both idempotency and TR056 (the same header identity).
        seen = audit.seen(
            session, doc.afzender or "", doc.bericht, doc.identificatie or "", j.digest, j.bericht_id
        )
        if seen.id_taken:
            j = _elsewhere(j)
            seen = audit.seen(
                session, doc.afzender or "", doc.bericht, doc.identificatie or "", j.digest, j.bericht_id
            )
            if seen.id_taken:  # only a producer that set the derived id itself: fail, to be dead-lettered
                raise ValueError("the message's id and the id derived from it both name other messages")
        earlier = seen.earlier
        if earlier is not None and (earlier.id == j.bericht_id or earlier.outcome == OUTCOME_ACCEPTED):
            return self._answer_again(session, j, earlier, doc.identificatie)
        client = self._client_of(session, model, pseudonym)
        # Levels 3 and 4 both judge a message that passed levels 1 and 2 (rules.md 1): a level-4 finding must not
        # spare the stateful rules, which may reject another Prestatie of a JW323 or another part of a GI message.
        if not any(v.level <= Level.XSLT for v in verdict.errors):
            snapshot = fam.snapshot(session, model, pseudonym, today, seen.identificatie_bekend)
            verdict = self.validator.judge_state(verdict, snapshot, today=today)
        retour = build_retour(verdict, dagtekening=today, inhoud=j.digest)
        retour_bericht = verdict.info.retour if verdict.info and retour is not None else None
        # A GI message is judged per part: one part rejected at level 3 leaves the others accepted.
        oordeel = fam.oordeel(verdict)
        outcome = OUTCOME_ACCEPTED if oordeel.accepted else verdict.outcome
        event = None
        if oordeel.accepted:
            event = fam.normalise(model, j.bericht_id, pseudonym, j.received_at, client, oordeel.onderdelen)
        self._audit(
            session,
            j,
            outcome,
            error_codes=[v.rule for v in verdict.errors],
            retour=retour.decode() if retour else None,
            retour_bericht=retour_bericht,
            client=client,
            event=event.model_dump_json() if event else None,
        )
        # After the audit row: state rows refer to it. A rejected message is recorded once: the same bytes sent
        # again (`earlier`) were recorded when first judged.
        if oordeel.accepted or (oordeel.vastleggen and earlier is None):
            fam.apply(session, model, j.bericht_id, pseudonym, oordeel.onderdelen)
        return IntakeResult(
            bericht_id=j.bericht_id,
            bericht=doc.bericht,
            outcome=outcome,
            errors=verdict.errors,
            retour=retour,
            retour_bericht=retour_bericht,
            retour_ontvanger=doc.afzender,
            event=event,
            key=event.kafka_key if event else client,
            identificatie=doc.identificatie,
            pair=inbound_key(doc.info, doc.afzender, doc.ontvanger),
        )

    def _answer_again(
        self, session: Any, j: _Judged, earlier: Any, identificatie: str | None
    ) -> IntakeResult:
        """A redelivery, or a resend of an accepted message: answer from the record, change nothing."""
        if earlier.id == j.bericht_id:
            return self._redelivery(earlier)
        if not audit.known(session, j.bericht_id):
            self._audit(
                session,
                j,
                OUTCOME_DUPLICATE,
                retour=earlier.retour,
                retour_bericht=earlier.retour_bericht,
                client=earlier.client,
            )
        return IntakeResult(  # the sender gets the same answer again; no second event
            bericht_id=j.bericht_id,
            bericht=earlier.bericht,
            outcome=OUTCOME_DUPLICATE,
            retour=earlier.retour.encode() if earlier.retour else None,
            retour_bericht=earlier.retour_bericht,
            retour_ontvanger=earlier.afzender,
            key=earlier.client,
            identificatie=identificatie,
        )

    def mark_published(self, *bericht_ids: str) -> None:
        """Step 3: the retour and the event of these messages are on their topics (one transaction)."""
        with transient_failures(), self.sessions() as session:
            audit.mark_published(session, bericht_ids, self.now())
            session.commit()

    def mark_delivered(self, bericht_id: str) -> bool:
        """The retour reached the receiver's outbox; True the first time (for the delivery counter)."""
        return bool(self.mark_delivered_batch([bericht_id]))

    def mark_delivered_batch(self, bericht_ids: Sequence[str]) -> set[str]:
        """These retouren reached their outboxes (one transaction); the ids marked now for the first time."""
        with transient_failures(), self.sessions() as session:
            first = audit.mark_delivered(session, bericht_ids, self.now())
            session.commit()
            return first

    def retouren(self, bericht_ids: Sequence[str]) -> dict[str, bytes]:
        """The retouren the store keeps for these messages: those too large to travel on the retour topic."""
        with transient_failures(), self.sessions() as session:
            return audit.retouren(session, bericht_ids)

    def technical_retour(self, raw: bytes) -> tuple[bytes, str, str] | None:
        """A header-only 0001 retour (xml, retour type, receiver) for a dead-lettered message, if it has one."""
        result = self.dead_letter(Inbound(raw, audit.new_id())).result
        if result.retour is None or result.retour_bericht is None:
            return None
        return result.retour, result.retour_bericht, result.retour_ontvanger or ""

    def dead_letter(self, item: Inbound, *, read: bool = True) -> DeadLettered:
        """The answer to a message the caller gave up on: a header-only 0001 retour when it has a header, and its
        audit record (outcome failed; validated_at: when the intake gave up). Reads the store only for the id a
        reused door's id gives way to (as verwerk records it), and keeps the door's id when the store fails;
        raises what the validator's level 1 raises. Without `read` the message is not even parsed (its reading may
        be what ended a process): a record without header or retour."""
        digest = audit.content_hash(item.raw)
        bericht_id = item.bericht_id or audit.new_id()
        with contextlib.suppress(Exception):  # the store may be what made the message fail
            bericht_id = self._own_id(bericht_id, digest)
        # Level 1 alone: the header is all a 0001 needs, and the rules may be what failed (or killed a process).
        verdict = self.validator.read(item.raw) if read else Verdict(None, ())
        xml = None
        if verdict.doc is not None and verdict.info is not None and verdict.info.retour is not None:
            failed = Violation("HUB", "0001", None, "the hub could not process the message", Level.XSLT)
            xml = build_retour(
                Verdict(verdict.info, (failed,), verdict.doc),
                dagtekening=self.clock(),
                inhoud=digest,
            )
        j = _Judged(
            bericht_id=bericht_id,
            received_at=item.received_at or self.now(),
            digest=digest,
            size=len(item.raw),
            verdict=verdict,
            model=None,
        )
        retour_bericht = verdict.info.retour if xml is not None and verdict.info is not None else None
        doc = verdict.doc
        result = IntakeResult(
            bericht_id=j.bericht_id,
            bericht=verdict.bericht,
            outcome=OUTCOME_FAILED,
            retour=xml,
            retour_bericht=retour_bericht,
            retour_ontvanger=doc.afzender if doc is not None else None,
            identificatie=doc.identificatie if doc is not None else None,
        )
        record = self._values(
            j, OUTCOME_FAILED, retour=xml.decode() if xml else None, retour_bericht=retour_bericht
        )
        return DeadLettered(result, record)

    def record_dead_letter(self, dead: DeadLettered) -> bool:
        """Its own short transaction: the audit record of a dead-lettered message; False when its id has a record
        already (it was recorded before, or judged and then failed to publish: that record stays as it is)."""
        with transient_failures(), self.sessions() as session:
            if audit.known(session, dead.result.bericht_id):
                return False
            audit.insert_records(session, [dead.record])
            session.commit()
            return True

    def dead_lettered(self, bericht_id: str, raw: bytes) -> IntakeResult | None:
        """A redelivery of a message dead-lettered before, answered from its record (never judged again); None
        when it has no such record. A door's id that names other bytes is looked for where verwerk and
        dead_letter record such a message (audit.other_id). Raises TransientError while the store is unreachable."""
        digest = audit.content_hash(raw)
        with transient_failures(), self.sessions() as session:
            row = audit.get(session, bericht_id)
            if row is not None and row.content_hash != digest:  # a reused id: its record is under another
                row = audit.get(session, audit.other_id(bericht_id, digest))
            if row is None or row.outcome != OUTCOME_FAILED or row.content_hash != digest:
                return None
            return self._redelivery(row)

    def _own_id(self, bericht_id: str, digest: str) -> str:
        """The door's id, or the one it gives way to when it names a message with other bytes (`_elsewhere`)."""
        with transient_failures(), self.sessions() as session:
            held = audit.content_hash_of(session, bericht_id)
        return bericht_id if held in (None, digest) else audit.other_id(bericht_id, digest)

    def _client_of(self, session: Any, model: Any, pseudonym: Callable[[str], str]) -> str | None:
        """The client pseudonym of a message (via its verzoek for a JW319, which names no client)."""
        client = getattr(model, "client", None)
        bsn = getattr(client, "bsn", None)
        if bsn:
            return pseudonym(bsn)
        referentie = getattr(getattr(model, "antwoord", None), "referentie_aanbieder", None)
        if referentie:
            return audit.client_of_referentie(session, model.header.ontvanger, referentie)
        return None

    def _audit(self, session: Any, j: _Judged, outcome: str, **fields: Any) -> None:
        """Write the audit record of a judged message: its header (when it has one) plus `fields`.

        A plain insert built once, not an ORM entity: nothing reads the row back from the session, and the
        insert is in the transaction at once, so state rows can refer to it and a later message sees it.
        """
        audit.insert_records(session, [self._values(j, outcome, **fields)])

    def _values(self, j: _Judged, outcome: str, **fields: Any) -> dict[str, Any]:
        """The audit record's columns of a judged message: its header (when it has one) plus `fields`."""
        doc = j.verdict.doc
        header: dict[str, Any] = {"bericht": j.verdict.bericht}
        if j.kop is not None:  # a malformed message: what its header lets read
            header |= {
                "afzender": j.kop.afzender,
                "ontvanger": j.kop.ontvanger,
                "identificatie": j.kop.identificatie,
            }
        if doc is not None:
            header = {
                "bericht": doc.bericht,
                "afzender": doc.afzender,
                "ontvanger": doc.ontvanger,
                "identificatie": doc.identificatie,
                "dagtekening": doc.dagtekening,
            }
        return audit.values(
            id=j.bericht_id,
            content_hash=j.digest,
            outcome=outcome,
            received_at=j.received_at,
            validated_at=self.now(),
            **header,
            **fields,
        )

    def _redelivery(self, earlier: Any) -> IntakeResult:
        """The same record again (a crash before the offset commit): publish what had not gone out yet."""
        event = HubEvent.parse_event(earlier.event) if earlier.event else None
        return IntakeResult(
            bericht_id=earlier.id,
            bericht=earlier.bericht,
            outcome=earlier.outcome,
            retour=earlier.retour.encode() if earlier.retour else None,
            retour_bericht=earlier.retour_bericht,
            retour_ontvanger=earlier.afzender,
            event=event,
            redelivered=True,
            key=event.kafka_key if event else earlier.client,
            already_published=earlier.events_published_at is not None,
            identificatie=earlier.identificatie,
        )

    def _malformed(self, session: Any, j: _Judged) -> IntakeResult:
        """Recorded once; a redelivery (a crash before the offset commit) sends its dead letter again only when it
        had not gone out, as a redelivered message's retour and event (`_redelivery`)."""
        verdict = j.verdict
        problems = [v.as_json() for v in verdict.errors]
        earlier = audit.get(session, j.bericht_id)
        if earlier is not None and earlier.content_hash != j.digest:
            j = _elsewhere(j)
            earlier = audit.get(session, j.bericht_id)
        if earlier is None:
            self._audit(session, j, OUTCOME_MALFORMED, error_codes=[v.rule for v in verdict.errors])
        return IntakeResult(
            j.bericht_id,
            verdict.bericht,
            OUTCOME_MALFORMED,
            verdict.errors,
            problems=problems,
            raw_size=j.size,
            redelivered=earlier is not None,
            already_published=earlier is not None and earlier.events_published_at is not None,
        )


__all__ = [
    "OUTCOME_ACCEPTED",
    "OUTCOME_DUPLICATE",
    "OUTCOME_FAILED",
    "DeadLettered",
    "Inbound",
    "Intake",
    "IntakeResult",
]
