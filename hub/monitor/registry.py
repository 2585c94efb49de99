"""Where the parts of the monitor plug in, so a new message family (the GI pipeline) adds to it without edits.

- event kinds: which normalised topics the processors read, and how a value becomes an event;
- observers: per event type, functions that derive observations from the store when that event is processed,
  each with an optional preselection that picks, once per batch, the events it can find anything for, and an
  optional key for which it runs once per batch (its first event of that key) instead of once per event;
- wait sources: open requests per stage (`jeugdhulp_wachtend` and `jeugdhulp_wachtend_boven_norm`);
- sample sources: further samples for a family by name (e.g. `gi_bepalingen_total`, `gi_capaciteit`), or for
  several families from one query (`gi_maatregelen_wachtend` and its `_boven_norm` part);
- periodic checks: functions run as of a day (the processors' sweep, and the end of `hub process`);
- outboxes: messages the processors send on the retour topic (the GI's statusmeldingen), with their delivery.
A plugin module registers itself on import; PLUGINS lists the modules `load_plugins()` imports.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from hub import clock
from hub.monitor.model import ONBEKEND, Observatie, Peil, Sample, WachtRij
from hub.reference.gemeenten import load_gemeenten

if TYPE_CHECKING:
    from sqlmodel import Session

    from hub.events.models import HubEvent

# The modules that register observers and sources.
PLUGINS: list[str] = ["hub.monitor.ijw", "hub.monitor.gi"]
DEFAULT_KOPPELTERMIJN_DAGEN = 365


class MonitoredEvent(Protocol):
    """What the processors need of an event: its id (deduplication), its type (observers) and its message."""

    @property
    def event_id(self) -> uuid.UUID: ...

    @property
    def type(self) -> str: ...

    @property
    def bericht_id(self) -> str: ...


@dataclass(frozen=True)
class Regios:
    """gemeentecode -> jeugdregio (the `regio` label); "onbekend" for a code the mapping does not know."""

    per_gemeente: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_file(cls, path: Path | None = None) -> Regios:
        gemeenten = load_gemeenten(path)  # None: the list in use
        return cls({code: g.jeugdregio or ONBEKEND for code, g in gemeenten.items()})

    def __call__(self, gemeente: str | None) -> str:
        return self.per_gemeente.get(gemeente or "", ONBEKEND)

    def alle(self) -> tuple[str, ...]:
        """Every regio the mapping knows, plus "onbekend", sorted: the regio's counters are created at 0."""
        return tuple(sorted({*self.per_gemeente.values(), ONBEKEND}))


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Context:
    """What an observer may use besides the store and the event."""

    regio: Regios
    vandaag: Callable[[], date] = (
        clock.vandaag
    )  # "today" of what the processors write (a GI102's Dagtekening)
    nu: Callable[[], datetime] = _utc_now
    # How long after a GI bepaling a verzoek or toewijzing may follow and still be linked (docs/gi-koppeling.md).
    koppeltermijn_dagen: int = DEFAULT_KOPPELTERMIJN_DAGEN


@dataclass(frozen=True, slots=True)
class Uitgaand:
    """A message the processors send on the retour topic to `ontvanger`, and the event announcing it."""

    id: str  # the hub's id of the message (the bericht-id header)
    bericht: str
    ontvanger: str
    inhoud: bytes
    key: str | None  # on the retour topic, as a retourbericht's: hub.topics.pair_key (gemeente:sender)
    event: HubEvent | None = None  # published under its own key (HubEvent.kafka_key)


class Postvak(Protocol):
    """Messages a plugin sends through the processors: what waits, what went out, what arrived."""

    def wachtend(self, session: Session, limit: int) -> Sequence[Uitgaand]: ...

    def verstuurd(self, session: Session, ids: Sequence[str], when: datetime) -> None: ...

    def afgeleverd(self, session: Session, id: str, when: datetime) -> bool: ...

    def onderweg(self, session: Session) -> Sequence[str]: ...


EventParser: TypeAlias = Callable[[bytes], Any]
Observer: TypeAlias = Callable[["Session", Any, Context], Iterable[Observatie]]
# Given a batch's events (all types), the ids of those its observer can find anything for: one query per poll
# instead of one per event. It may read only what the processors never write (the intake's rows): it runs before
# the batch's first event, and must pick what the observer would find after the events before it.
Voorselectie: TypeAlias = Callable[["Session", Sequence[Any]], Collection[uuid.UUID]]
# Given an event, the key of what its observer derives (e.g. a client's group): the processors call the observer
# for the first event of each key in a batch only. Fit for an observer whose effects and observations for a key
# depend on the key and on rows the batch does not change (the intake's, its own), and which adds nothing when
# run again for that key: its later events in the batch would find everything done.
BatchSleutel: TypeAlias = Callable[[Any], Hashable]
WachtBron: TypeAlias = Callable[["Session", Peil], Iterable[WachtRij]]
Bron: TypeAlias = Callable[["Session", Peil], Iterable[Sample]]
# Samples of several families from one query: per family name its samples.
FamilieBron: TypeAlias = Callable[["Session", Peil], Mapping[str, Iterable[Sample]]]
Peiling: TypeAlias = Callable[["Session", date, Context], int]

EVENT_KINDS: dict[str, EventParser] = {}
OBSERVERS: dict[str, list[Observer]] = {}
VOORSELECTIES: dict[Observer, Voorselectie] = {}
EENS_PER_BATCH: dict[Observer, BatchSleutel] = {}
WACHT_BRONNEN: list[WachtBron] = []
BRONNEN: dict[str, list[Bron]] = {}
FAMILIE_BRONNEN: list[FamilieBron] = []
PEILINGEN: list[Peiling] = []
POSTVAKKEN: list[Postvak] = []


def event_kind(kind: str, parser: EventParser) -> None:
    """The processors read the normalised topic `kind` (Topics.normalised(kind)) and parse its values so."""
    EVENT_KINDS[kind] = parser


def observer(
    *event_types: str, voorselectie: Voorselectie | None = None, eens_per_batch: BatchSleutel | None = None
) -> Callable[[Observer], Observer]:
    """Register a function that derives observations when an event of one of these types is processed.

    With a voorselectie the processors call it only for the events the voorselectie picked from their batch;
    with eens_per_batch only for the first of those events with each key (see BatchSleutel).
    """

    def register(fn: Observer) -> Observer:
        for event_type in event_types:
            OBSERVERS.setdefault(event_type, []).append(fn)
        if voorselectie is not None:
            VOORSELECTIES[fn] = voorselectie
        if eens_per_batch is not None:
            EENS_PER_BATCH[fn] = eens_per_batch
        return fn

    return register


def wacht_bron(fn: WachtBron) -> WachtBron:
    """Register a source of open requests (one or more stages of `jeugdhulp_wachtend`)."""
    WACHT_BRONNEN.append(fn)
    return fn


def bron(family: str) -> Callable[[Bron], Bron]:
    """Register a source of samples for the family with this name (see hub.monitor.contract)."""

    def register(fn: Bron) -> Bron:
        BRONNEN.setdefault(family, []).append(fn)
        return fn

    return register


def familie_bron(fn: FamilieBron) -> FamilieBron:
    """Register a source of samples for several families at once (a gauge and its boven-norm part from one
    query), each family's by its name."""
    FAMILIE_BRONNEN.append(fn)
    return fn


def peiling(fn: Peiling) -> Peiling:
    """Register a periodic check run as of a day; it returns how many things it found (e.g. statuses made)."""
    PEILINGEN.append(fn)
    return fn


def postvak(box: Postvak) -> Postvak:
    """Register an outbox whose messages the processors publish on the retour topic."""
    POSTVAKKEN.append(box)
    return box


def load_plugins() -> None:
    """Import every plugin module (a no-op for one imported before), so its registrations are in place."""
    for module in PLUGINS:
        importlib.import_module(module)
