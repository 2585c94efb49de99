"""The message audit log: identity for idempotency (a redelivery finds its row and is a no-op), outcome,
retour and the track-and-trace timestamps of every message the hub received.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, get_args

from sqlalchemy import and_, bindparam, case, insert, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from hub.store.db import InQuery, run
from hub.store.tables import OUTCOMES, BerichtRecord, UtcDateTime, VerzoekRecord

# failed: dead-lettered after HUB_MAX_ATTEMPTS, never judged; its record holds the 0001 retour it got (hub.intake).
Outcome = Literal["accepted", "rejected", "duplicate", "malformed", "failed"]
Timestamp = Literal["validated_at", "retour_produced_at", "retour_delivered_at", "events_published_at"]
TIMESTAMPS: frozenset[str] = frozenset(get_args(Timestamp))

_PSEUDONYM = re.compile(r"[0-9a-f]{64}")
# A malformed message may carry anything in its header; the log keeps what fits the column.
_HEADER_LENGTHS = {"bericht": 5, "afzender": 8, "ontvanger": 8, "identificatie": 12}


def new_id() -> str:
    """A new hub message id (uuid4 hex)."""
    return uuid.uuid4().hex


def content_hash(data: bytes) -> str:
    """The sha256 hex of the raw message bytes: with the header it makes the message identity."""
    return hashlib.sha256(data).hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


# Built once, with bind parameters: building a statement per call (coercing each `==`) cost several times what
# running it does. The second branch finds the record that already bears the door's id, in the same query.
_SAME_HEADER = sa_select(
    col(BerichtRecord.id),
    col(BerichtRecord.content_hash),
    col(BerichtRecord.outcome),
    col(BerichtRecord.received_at),
    col(BerichtRecord.afzender),
    col(BerichtRecord.bericht),
    col(BerichtRecord.identificatie),
).where(
    or_(
        and_(
            col(BerichtRecord.afzender) == bindparam("afzender"),
            col(BerichtRecord.bericht) == bindparam("bericht"),
            col(BerichtRecord.identificatie) == bindparam("identificatie"),
            col(BerichtRecord.outcome) != "duplicate",  # duplicates point back at one of the others
        ),
        col(BerichtRecord.id) == bindparam("bericht_id"),
    )
)
_INSERT = insert(BerichtRecord)


@dataclass(frozen=True, slots=True)
class Seen:
    """What the log knows of a message's header identity, from one query."""

    earlier: BerichtRecord | None  # the earlier record of these exact bytes (find_identity)
    identificatie_bekend: bool  # TR056: an accepted message with this Afzender, type and Identificatie
    id_taken: bool = False  # the door's id already names a message with other bytes (other_id)


def seen(
    session: Session,
    afzender: str,
    bericht: str,
    identificatie: str,
    content_hash: str,
    bericht_id: str | None = None,
) -> Seen:
    """Idempotency and TR056 in one lookup of the header identity; the entity is loaded only for a hit.

    The record of `bericht_id` itself comes first: a redelivery is answered from its own record, also when the
    same bytes came again under other ids (it would otherwise be judged and inserted a second time). When that
    id names other bytes, `id_taken` says so and nothing else is looked at: the caller needs another id.
    """
    params = {
        "afzender": afzender,
        "bericht": bericht,
        "identificatie": identificatie,
        "bericht_id": bericht_id,
    }
    found = run(session, _SAME_HEADER, params).all()  # nearly always none: a new message
    if any(r.id == bericht_id and r.content_hash != content_hash for r in found):
        return Seen(None, False, id_taken=True)
    rows = [
        r
        for r in found
        if r.outcome != "duplicate"
        and (r.afzender, r.bericht, r.identificatie) == (afzender, bericht, identificatie)
    ]
    bekend = any(r.outcome == "accepted" for r in rows)
    # A dead-lettered record (failed) was never judged and changed no state: earlier only to its own redelivery.
    same = [
        r for r in rows if r.content_hash == content_hash and (r.outcome != "failed" or r.id == bericht_id)
    ]
    if not same:
        return Seen(None, bekend)
    # its own record, else the accepted one (at most one: ux_bericht_identificatie), else the newest: a resend
    # after a rejection sees the latest
    own = [r for r in same if r.id == bericht_id]
    accepted = [r for r in same if r.outcome == "accepted"]
    best = (own or accepted or [max(same, key=lambda r: r.received_at)])[0]
    return Seen(session.get(BerichtRecord, best.id), bekend)


def other_id(taken: str, content_hash: str) -> str:
    """The id for a message whose door gave it an id that names other bytes (a producer reusing its ids).

    Derived from both, so a redelivery of the same record finds the record made under it, and two messages that
    reuse one id get two ids.
    """
    return uuid.uuid5(uuid.NAMESPACE_URL, f"bericht-id:{taken}/{content_hash}").hex


def find_identity(
    session: Session, afzender: str, bericht: str, identificatie: str, content_hash: str
) -> BerichtRecord | None:
    """The earlier record of this exact message (same header identity and bytes), if any.

    The accepted one when there is one (answer a resend with its retour; never apply it twice), else the
    latest rejected or malformed one: the caller decides whether a resend of a rejected message is judged
    again. Rows logged as duplicates are never returned; they point back at one of these.
    """
    return seen(session, afzender, bericht, identificatie, content_hash).earlier


def _clip(name: str, value: str | None) -> str | None:
    return None if value is None else value[: _HEADER_LENGTHS[name]]


def values(
    *,
    content_hash: str,
    outcome: Outcome | str,
    id: str | None = None,
    bericht: str | None = None,
    afzender: str | None = None,
    ontvanger: str | None = None,
    identificatie: str | None = None,
    dagtekening: date | None = None,
    error_codes: Iterable[str] = (),
    retour: str | None = None,
    retour_bericht: str | None = None,
    client: str | None = None,
    event: str | None = None,
    received_at: datetime | None = None,
    validated_at: datetime | None = None,
) -> dict[str, Any]:
    """The checked column values of one audit record (for `record` and `insert_records`).

    `client` must be the pseudonym (hub.privacy): the log never holds a BSN. `event` is the normalised
    event (JSON) of an accepted message, kept so a redelivery publishes the very same event again.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    if client is not None and not _PSEUDONYM.fullmatch(client):
        raise ValueError("client must be a pseudonym (64 lowercase hex), never a BSN")
    return {
        "id": id or new_id(),
        "bericht": _clip("bericht", bericht),
        "afzender": _clip("afzender", afzender),
        "ontvanger": _clip("ontvanger", ontvanger),
        "identificatie": _clip("identificatie", identificatie),
        "dagtekening": dagtekening,
        "content_hash": content_hash,
        "outcome": outcome,
        "error_codes": list(error_codes),
        "retour": retour,
        "retour_bericht": retour_bericht,
        "client": client,
        "event": event,
        "received_at": received_at or now(),
        "validated_at": validated_at,
    }


def record(session: Session, **fields: Any) -> BerichtRecord:
    """Add the audit record of one message (`fields` as `values`) and flush it, so state rows can refer to it."""
    row = BerichtRecord(**values(**fields))
    session.add(row)
    session.flush()
    return row


def insert_records(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Add audit records (each from `values`) with one plain insert: no ORM entity per row to build and flush.

    The rows are in the transaction at once, so state rows can refer to them and a later query sees them; they
    are not in the session's identity map (`get` reads them back from the database).
    """
    if rows:
        run(session, _INSERT, rows)


_KNOWN = select(BerichtRecord.id).where(col(BerichtRecord.id) == bindparam("id"))
_HASH = select(BerichtRecord.content_hash).where(col(BerichtRecord.id) == bindparam("id"))


def known(session: Session, id: str) -> bool:
    """Whether a record with this hub message id exists (a column query, no entity)."""
    return run(session, _KNOWN, {"id": id}).first() is not None


def content_hash_of(session: Session, id: str) -> str | None:
    """The content hash of the message recorded under this id, or None (a column query, no entity)."""
    row = run(session, _HASH, {"id": id}).first()
    return None if row is None else str(row.content_hash)


def mark(session: Session, id: str, field: Timestamp, when: datetime | None = None) -> bool:
    """Set one track-and-trace timestamp (default: now); False when no message has this id."""
    if field not in TIMESTAMPS:  # setattr below must never touch another column
        raise ValueError(f"unknown timestamp {field!r}")
    row = session.get(BerichtRecord, id)
    if row is None:
        return False
    setattr(row, field, when or now())
    session.add(row)
    session.flush()
    return True


# Plain statements built once, on the connection: the caller's session holds no BerichtRecord to keep in step.
_WHEN = bindparam("when", type_=UtcDateTime())
# Events published, and the retour produced the first time where there is one: one statement.
_PUBLISHED = InQuery(
    lambda ids: (
        update(BerichtRecord)
        .where(col(BerichtRecord.id).in_(ids))
        .values(
            events_published_at=_WHEN,
            retour_produced_at=case(
                (
                    and_(
                        col(BerichtRecord.retour).is_not(None),
                        col(BerichtRecord.retour_produced_at).is_(None),
                    ),
                    _WHEN,
                ),
                else_=col(BerichtRecord.retour_produced_at),
            ),
        )
    ),
    ids=BerichtRecord.id,
)
# One statement marks and names the first deliveries: a concurrent dispatcher cannot count the same retour too.
_DELIVERED = InQuery(
    lambda ids: (
        update(BerichtRecord)
        .where(col(BerichtRecord.id).in_(ids), col(BerichtRecord.retour_delivered_at).is_(None))
        .values(retour_delivered_at=bindparam("when"))
        .returning(col(BerichtRecord.id))
    ),
    ids=BerichtRecord.id,
)


def mark_published(session: Session, ids: Iterable[str], when: datetime) -> None:
    """Retour produced (first time only, where there is one) and events published, for these messages."""
    wanted = set(ids)
    if wanted:
        _PUBLISHED.run(session, {"ids": wanted, "when": when})


def mark_delivered(session: Session, ids: Iterable[str], when: datetime) -> set[str]:
    """Retour delivered, for those of these messages not marked before; returns the ids marked now."""
    wanted = set(ids)
    if not wanted:
        return set()
    return set(_DELIVERED.run(session, {"ids": wanted, "when": when}).scalars())


def get(session: Session, id: str) -> BerichtRecord | None:
    return session.get(BerichtRecord, id)


def retouren(session: Session, ids: Iterable[str]) -> dict[str, bytes]:
    """The retour XML kept for these messages (those whose retour is still kept), by message id."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(BerichtRecord.id, BerichtRecord.retour).where(
            col(BerichtRecord.id).in_(wanted), col(BerichtRecord.retour).is_not(None)
        )
    )
    return {id: retour.encode() for id, retour in rows if retour is not None}


_CLIENT_OF_REFERENTIE = select(VerzoekRecord.client).where(
    col(VerzoekRecord.aanbieder) == bindparam("aanbieder"),
    col(VerzoekRecord.referentie_aanbieder) == bindparam("referentie_aanbieder"),
)


def client_of_referentie(session: Session, aanbieder: str, referentie_aanbieder: str) -> str | None:
    """The client pseudonym of the verzoek behind a ReferentieAanbieder (a JW319 names no client itself)."""
    params = {"aanbieder": aanbieder, "referentie_aanbieder": referentie_aanbieder}
    return session.exec(_CLIENT_OF_REFERENTIE, params=params).first()
