"""The processors, transport-free: one normalised event in, its observations stored, in one transaction.

Order of effects (the caller acknowledges the event afterwards):
1 skip an event already handled (monitor_event)  2 derive observations from the store  3 store them
(ignoring keys already observed) and mark the event handled  4 commit.
A crash before 4 changes nothing; a redelivery after 4 finds step 1. Two replicas handling the same pair
compute the same observations from the same store facts, and the unique keys keep one of each.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import InterfaceError, OperationalError

from hub.errors import TransientError
from hub.monitor.model import Observatie
from hub.monitor.registry import OBSERVERS, Context, MonitoredEvent, Regios, load_plugins
from hub.store import observations
from hub.store.db import SessionFactory


class Processor:
    """Turns events into stored observations; one instance serves the whole process."""

    def __init__(
        self,
        sessions: SessionFactory,
        regios: Regios,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        load_plugins()
        self.sessions = sessions
        self.context = Context(regio=regios)
        self.now = now

    def verwerk(self, event: MonitoredEvent) -> bool:
        """Handle one event; True when it was new. Raises TransientError while the store is unreachable."""
        try:
            return self._verwerk(event)
        except (OperationalError, InterfaceError) as exc:
            # Also SQLite's "database is locked" when another writer won the race: retry, do not drop.
            raise TransientError("store unavailable") from exc

    def _verwerk(self, event: MonitoredEvent) -> bool:
        with self.sessions() as session:
            if observations.is_verwerkt(session, event.event_id):
                return False
            found: list[Observatie] = [
                o for observe in OBSERVERS.get(event.type, ()) for o in observe(session, event, self.context)
            ]
            now = self.now()
            observations.record(session, found, event.bericht_id, now)
            observations.mark_verwerkt(session, event.event_id, event.type, event.bericht_id, now)
            session.commit()
        return True
