"""Track and trace: what a sender may read about its message, from the store or, until the intake has recorded
it, from this process's memory of the messages it accepted, or else from the id's tag (producers.ids), by which
every gateway replica of the deployment knows an id was minted for one of the key's codes."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from hub.ijw.catalog import BY_NS, BerichtInfo
from hub.store import audit
from hub.store.db import SessionFactory
from hub.store.tables import BerichtRecord
from producers.auth import sender
from producers.ids import ID, BerichtIds, Minted
from producers.problems import Links, ProblemError, TrackAndTrace, store_unavailable

A = TypeVar("A")
R = TypeVar("R")
RECENT_IDS = 10_000  # ids this process accepted and the intake may not have recorded yet
_BY_NAME: dict[str, BerichtInfo] = {b.bericht: b for b in BY_NS.values()}  # iJw and GI messages


@dataclass(frozen=True, slots=True)
class Received:
    """A message this process accepted, until the intake's record exists."""

    bericht: str
    verzender: str | None  # the code of its sender (producers.auth.sender): who may read it
    identificatie: str | None
    received_at: datetime


@dataclass
class Tracking:
    """The store's records, the recently accepted ids of this process and the id tags (`app.state.tracking`)."""

    sessions: SessionFactory
    ids: BerichtIds
    recent: OrderedDict[str, Received] = field(default_factory=OrderedDict)

    def remember(self, bericht_id: str, received: Received) -> None:
        self.recent[bericht_id] = received
        while len(self.recent) > RECENT_IDS:
            self.recent.popitem(last=False)

    def seen(self, bericht_id: str) -> Received | None:
        return self.recent.get(bericht_id)

    def minted(self, bericht_id: str, codes: frozenset[str]) -> Minted | None:
        """An id minted for one of `codes` that this process does not remember: another replica took the message,
        or this one before a restart (or long ago: lost, see docs/backoffice-aansluiten.md 4.4)."""
        if bericht_id in self.recent:  # remembered: its Received says whose it is
            return None
        return self.ids.minted(bericht_id, codes)

    async def load(self, bericht_id: str) -> BerichtRecord | None:
        """The record of a message id; None for an unknown or impossible id, 503 while the store is down."""
        if not ID.fullmatch(bericht_id):
            return None
        return await self._read(self._get, bericht_id)

    async def original(self, duplicate: BerichtRecord) -> BerichtRecord | None:
        """The record a duplicate repeats (same sender, identification, bytes); 503 if the store is down."""
        return await self._read(self._original, duplicate)

    async def _read(self, query: Callable[[A], R], arg: A) -> R:
        try:
            return await asyncio.to_thread(query, arg)
        except SQLAlchemyError:
            raise store_unavailable() from None

    def _get(self, bericht_id: str) -> BerichtRecord | None:
        with self.sessions() as session:
            return audit.get(session, bericht_id)  # loaded columns stay readable after the session closes

    def _original(self, d: BerichtRecord) -> BerichtRecord | None:
        with self.sessions() as session:
            # As the intake looked it up when it logged the duplicate (hub.intake): the accepted one first.
            return audit.find_identity(
                session, d.afzender or "", d.bericht or "", d.identificatie or "", d.content_hash
            )


def visible(record: BerichtRecord, codes: frozenset[str]) -> bool:
    """Whether an API key with these sender codes may read the message: it is bound to the message's sender."""
    return sender(record.bericht, record.afzender, record.ontvanger).allowed(codes)


def gets_no_retour(bericht: str | None) -> bool:
    """A message type the standard answers with no retourbericht (JW325, a retourbericht itself, GI101, GI102)."""
    info = _BY_NAME.get(bericht or "")
    return info is not None and info.retour is None


def links(bericht_id: str) -> Links:
    return Links(self=f"/berichten/{bericht_id}", retour=f"/berichten/{bericht_id}/retour")


def trace(record: BerichtRecord) -> TrackAndTrace:
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
        retour_purged_at=record.retour_purged_at,
        links=links(record.id),
    )


def trace_received(bericht_id: str, seen: Received) -> TrackAndTrace:
    return TrackAndTrace(
        id=bericht_id, bericht=seen.bericht, identificatie=seen.identificatie, status="ontvangen", outcome=None,
        error_codes=[], retour_bericht=None, received_at=seen.received_at, validated_at=None,
        retour_produced_at=None, retour_delivered_at=None, events_published_at=None, links=links(bericht_id),
    )  # fmt: skip


def pending(bericht_id: str) -> ProblemError:
    """409: the message is known, its retour is not produced yet."""
    return ProblemError(
        409,
        "retour-pending",
        "Retour not produced yet",
        f"the intake has not produced the retour of {bericht_id} yet",
        headers={"Retry-After": "1"},
        id=bericht_id,
    )


def not_recorded(bericht_id: str) -> ProblemError:
    """409 on track and trace: an id minted for this key's sender that the store does not hold yet, and that
    another replica (or this one before a restart) accepted; the intake records it shortly."""
    return ProblemError(
        409,
        "not-recorded-yet",
        "Not recorded yet",
        f"message {bericht_id} was accepted and is not recorded yet",
        headers={"Retry-After": "1"},
        id=bericht_id,
    )


def no_retour(bericht_id: str, bericht: str | None, outcome: str | None = None) -> ProblemError:
    """404 no-retour: the message is known and no retour exists for it, nor will one come.

    For a type the standard answers with none this is known when the message is posted, and the answer says so
    from the 202 on; otherwise (a malformed message) it names the outcome.
    """
    why = (
        f"is a {bericht}, which the standard answers with no retourbericht"
        if gets_no_retour(bericht)
        else f"({outcome}) has no retourbericht"
    )
    return ProblemError(
        404, "no-retour", "No retourbericht", f"message {bericht_id} {why}", id=bericht_id, bericht=bericht
    )


def original_purged(duplicate: BerichtRecord, original_id: str, purged_at: datetime) -> ProblemError:
    """410: a duplicate is answered with its original's retour, which was removed after the retention period.

    The body of `purged`, about the duplicate's id, with the original's id in `duplicate_of` and the moment
    its retour was removed in `retour_purged_at`.
    """
    return ProblemError(
        410,
        "retour-purged",
        "Retour removed",
        f"message {duplicate.id} is a duplicate of {original_id}, whose retourbericht was delivered and then "
        f"removed from the hub on {purged_at.date().isoformat()} after the retention period",
        id=duplicate.id,
        bericht=duplicate.bericht,
        retour_purged_at=purged_at.isoformat(),
        duplicate_of=original_id,
    )


def purged(record: BerichtRecord) -> ProblemError:
    """410: the retour existed and was delivered, and its XML was cleared after the retention period."""
    when = record.retour_purged_at.isoformat() if record.retour_purged_at else None
    return ProblemError(
        410,
        "retour-purged",
        "Retour removed",
        f"the retourbericht of {record.id} was delivered and then removed from the hub after the retention period",
        id=record.id,
        bericht=record.bericht,
        retour_purged_at=when,
    )
