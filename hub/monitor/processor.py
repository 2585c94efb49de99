"""The processors, transport-free: normalised events in, their observations stored, one transaction per batch.

Order of effects (the caller acknowledges the batch afterwards): 1 skip the events already handled (monitor_event,
looked up once for the batch)  2 per event in order, derive observations from the store with the observers
whose voorselectie (run once for the batch) picked it, an observer declared once per batch only for its first
event of each key  3 store the observations (ignoring keys already observed) and mark the events handled, in
order, one insert per table for the batch  4 commit.
An event sees what the events before it in the batch stored (the observers' rows are flushed into the same
transaction; no observer reads the monitor's own tables, written in 3). A crash before 4 changes nothing; a
redelivery after 4 finds step 1. Two replicas handling the same pair compute the same observations from the
same store facts, and the unique keys keep one of each. Everything an event writes carries one moment (the
observers' Context.nu included), so what a batch stores does not depend on how many observers ran.

Plugins may also send messages (the GI's statusmeldingen): made in the store in the event's transaction or by
a periodic check (`peil`), then handed out by `uitgaand` for the transport to publish and mark `verstuurd`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

from sqlmodel import Session

from hub.clock import vandaag
from hub.monitor.model import Observatie
from hub.monitor.registry import (
    DEFAULT_KOPPELTERMIJN_DAGEN,
    EENS_PER_BATCH,
    OBSERVERS,
    PEILINGEN,
    POSTVAKKEN,
    VOORSELECTIES,
    Context,
    MonitoredEvent,
    Observer,
    Regios,
    Uitgaand,
    load_plugins,
)
from hub.store import observations
from hub.store.db import SessionFactory, transient_failures


def _observers(
    event: MonitoredEvent,
    gekozen: Mapping[Observer, Collection[uuid.UUID]],
    gedaan: set[tuple[Observer, Hashable]],
) -> Iterator[Observer]:
    """The observers of the event's type that its batch calls for it: picked by their voorselectie, and a
    once-per-batch one only when no event before it in the batch had its key (that key is then taken)."""
    for observe in OBSERVERS.get(event.type, ()):
        if observe in gekozen and event.event_id not in gekozen[observe]:
            continue
        sleutel = EENS_PER_BATCH.get(observe)
        if sleutel is not None:
            key = (observe, sleutel(event))
            if key in gedaan:
                continue
            gedaan.add(key)
        yield observe


class Processor:
    """Turns events into stored observations; one instance serves the whole process."""

    def __init__(
        self,
        sessions: SessionFactory,
        regios: Regios,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        clock: Callable[[], date] = vandaag,
        koppeltermijn_dagen: int = DEFAULT_KOPPELTERMIJN_DAGEN,
    ) -> None:
        load_plugins()
        self.sessions = sessions
        self.context = Context(regio=regios, vandaag=clock, nu=now, koppeltermijn_dagen=koppeltermijn_dagen)
        self.now = now

    def verwerk(self, event: MonitoredEvent) -> bool:
        """Handle one event; True when it was new. Raises TransientError while the store is unreachable."""
        return self.verwerk_batch([event])[0]

    def verwerk_batch(self, events: Sequence[MonitoredEvent]) -> list[bool]:
        """Handle the events in order, in one transaction; per event True when it was new.

        Raises TransientError while the store is unreachable; any other error leaves the store unchanged.
        """
        with transient_failures(), self.sessions() as session:
            # Step 1 for the whole batch in one query; an event twice in the batch is new the first time only.
            handled = observations.verwerkt(session, (event.event_id for event in events))
            # Each observer's voorselectie, once for the batch too: the events it can find anything for.
            gekozen = {observe: kies(session, events) for observe, kies in VOORSELECTIES.items()}
            # The keys the once-per-batch observers ran for so far.
            gedaan: set[tuple[Observer, Hashable]] = set()
            waarnemingen = observations.Waarnemingen()
            new: list[bool] = []
            for event in events:
                key = str(event.event_id)
                new.append(
                    key not in handled and self._verwerk(session, event, gekozen, gedaan, waarnemingen)
                )
                handled.add(key)
            waarnemingen.schrijf(session)
            session.commit()
        return new

    def _verwerk(
        self,
        session: Session,
        event: MonitoredEvent,
        gekozen: Mapping[Observer, Collection[uuid.UUID]],
        gedaan: set[tuple[Observer, Hashable]],
        waarnemingen: observations.Waarnemingen,
    ) -> bool:
        """Step 2 for an event not handled before, keeping its rows for step 3 in waarnemingen; True."""
        # One moment for all the event writes, the observers' rows too: a batch stores what the same events store
        # one per poll, though a once-per-batch observer runs in fewer of them.
        now = self.now()
        context = replace(self.context, nu=lambda: now)
        found: list[Observatie] = [
            o for observe in _observers(event, gekozen, gedaan) for o in observe(session, event, context)
        ]
        waarnemingen.observaties(found, event.bericht_id, now)
        waarnemingen.event(event.event_id, event.type, event.bericht_id, now)
        # Write out what the observers added, then forget what they loaded: the next event of the batch reads the
        # store as a session of its own would (no row as loaded before a later change; an identity map that does
        # not grow with the batch). Flush first: expunging drops pending rows. All stays in the one transaction.
        session.flush()
        session.expunge_all()
        return True

    def peil(self, vandaag: date) -> int:
        """Run every periodic check as of vandaag, each in its own transaction; how many things they made."""
        made = 0
        with transient_failures():
            for check in PEILINGEN:
                with self.sessions() as session:
                    made += check(session, vandaag, self.context)
                    session.commit()
        return made

    def uitgaand(self, limit: int = 100) -> list[Uitgaand]:
        """Messages made but not yet published, oldest first."""
        with transient_failures(), self.sessions() as session:
            return [u for box in POSTVAKKEN for u in box.wachtend(session, limit)]

    def verstuurd(self, ids: Iterable[str]) -> None:
        """These messages are on the retour topic."""
        wanted: Sequence[str] = list(ids)
        with transient_failures(), self.sessions() as session:
            now = self.now()
            for box in POSTVAKKEN:
                box.verstuurd(session, wanted, now)
            session.commit()

    def afgeleverd(self, id: str) -> bool:
        """The message reached its receiver's outbox; True the first time."""
        with transient_failures(), self.sessions() as session:
            first = any(box.afgeleverd(session, id, self.now()) for box in POSTVAKKEN)
            session.commit()
            return first

    def onderweg(self) -> set[str]:
        """Messages made that are not delivered yet."""
        with transient_failures(), self.sessions() as session:
            return {i for box in POSTVAKKEN for i in box.onderweg(session)}
