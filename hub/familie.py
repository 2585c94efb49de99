"""The steps of the intake that differ per message family: iJw 3.2 and the hub's own GI messages (issue 4).

Both families share the doors, the validator, the idempotency, the audit log and the one transaction of
hub.intake; they differ in how a message is read, which snapshot its stateful rules need, which of its parts
are processed, which event it becomes and what it writes. An accepted JW315 also records its Verwijzer for
the GI linking (hub.store.gi.apply_ijw).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from hub.events.gi import normalise_gi
from hub.events.models import HubEvent
from hub.events.normalise import Pseudonymise, normalise
from hub.gi.catalog import is_gi
from hub.gi.extract import extract_gi
from hub.ijw.doc import Doc
from hub.ijw.extract import extract
from hub.oordeel import Oordeel, oordeel
from hub.store import apply
from hub.store import gi as gi_store
from hub.store.snapshot import load_snapshot
from hub.validate import Verdict

Pseudonym = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Familie:
    extract: Callable[[Doc], Any]
    # (session, model, pseudonym, today, identificatie bekend: the intake's identity lookup answered it)
    snapshot: Callable[[Session, Any, Pseudonym, date, bool], object]
    oordeel: Callable[[Verdict], Oordeel]
    # (model, bericht_id, pseudonym, ontvangen_op, client, accepted parts) -> event
    normalise: Callable[
        [Any, str, Pseudonymise, datetime, str | None, frozenset[int] | None], HubEvent | None
    ]
    # (session, model, bericht_id, pseudonym, accepted parts)
    apply: Callable[[Session, Any, str, Pseudonym, frozenset[int] | None], None]


def _ijw_normalise(
    model: Any,
    bericht_id: str,
    pseudonym: Pseudonymise,
    ontvangen_op: datetime,
    client: str | None,
    onderdelen: frozenset[int] | None,
) -> HubEvent | None:
    return normalise(
        model, bericht_id=bericht_id, pseudonym=pseudonym, ontvangen_op=ontvangen_op, client=client
    )


def _ijw_apply(
    session: Session, model: Any, bericht_id: str, pseudonym: Pseudonym, onderdelen: frozenset[int] | None
) -> None:
    apply.apply_accepted(session, model, bericht_id, pseudonym, onderdelen)
    gi_store.apply_ijw(session, model, bericht_id, pseudonym)


def _gi_normalise(
    model: Any,
    bericht_id: str,
    pseudonym: Pseudonymise,
    ontvangen_op: datetime,
    client: str | None,
    onderdelen: frozenset[int] | None,
) -> HubEvent | None:
    return normalise_gi(
        model, bericht_id=bericht_id, pseudonym=pseudonym, ontvangen_op=ontvangen_op, onderdelen=onderdelen
    )


def _gi_snapshot(session: Session, model: Any, pseudonym: Pseudonym, today: date, bekend: bool) -> object:
    # GB101 asks what TR056 asks (an accepted message with this afzender, type and Identificatie): the intake's
    # identity lookup answered it already.
    return gi_store.load_snapshot(session, model, pseudonym, bekend)


IJW = Familie(
    extract=extract,
    snapshot=load_snapshot,
    oordeel=oordeel,  # per Prestatie for a JW323, else the whole message
    normalise=_ijw_normalise,
    apply=_ijw_apply,
)
GI = Familie(
    extract=extract_gi,
    snapshot=_gi_snapshot,
    oordeel=oordeel,
    normalise=_gi_normalise,
    apply=gi_store.apply_accepted,
)


def familie(bericht: str | None) -> Familie:
    """The family of a message type: the GI's GI001-GI102, else iJw."""
    return GI if is_gi(bericht) else IJW
