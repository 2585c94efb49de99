"""Helpers for the monitor tests: the transport-free intake and processor on a store, and metric reading."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta

from prometheus_client import CollectorRegistry
from prometheus_client.utils import floatToGoString
from sqlalchemy import Engine
from sqlmodel import select

from hub.events.models import HubEvent
from hub.intake import Intake
from hub.monitor.collector import MonitorCollector
from hub.monitor.processor import Processor
from hub.monitor.registry import Regios
from hub.privacy import Pseudonymiser
from hub.store.db import session_factory
from hub.store.monitor_tables import BeeindigdRecord, DoorlooptijdRecord, NormRecord
from tests.hub.intake_helpers import new_intake

# prometheus_client leaves floatToGoString unannotated; it takes a number and always returns the label's text.
_go_float: Callable[[float], str] = floatToGoString
INTAKE_DAG = date(2027, 1, 15)  # after every message of the story, so TR135 accepts them all
REGIOS = Regios.from_file()
# The monitor tests' own key: their pseudonyms, and whatever sorts by them, stay as they were.
_PSEUDONYMISER = Pseudonymiser(b"m" * 32)


def ticking(start: datetime = datetime(2026, 11, 23, 12, tzinfo=UTC)) -> Callable[[], datetime]:
    """A clock that moves one second per call: validated_at then follows the order of acceptance."""
    counter = itertools.count()
    return lambda: start + timedelta(seconds=next(counter))


def intake(db: Engine, today: date = INTAKE_DAG) -> Intake:
    """The shared intake on `today`, its records received a second apart in the order of acceptance."""
    return new_intake(db, today, now=ticking(), pseudonym=_PSEUDONYMISER)


def accept_all(db: Engine, berichten: Iterable[tuple[str, bytes]]) -> list[HubEvent]:
    """Accept every message (asserting it is accepted) and return their events, in order."""
    it = intake(db)
    events: list[HubEvent] = []
    for name, data in berichten:
        result = it.verwerk(data)
        assert result.outcome == "accepted", (name, result.errors)
        assert result.event is not None
        events.append(result.event)
    return events


def processor(db: Engine) -> Processor:
    return Processor(session_factory(db), REGIOS, now=ticking())


def registry(db: Engine, as_of: date, drop: Iterable[str] = ()) -> CollectorRegistry:
    reg = CollectorRegistry()
    reg.register(MonitorCollector(session_factory(db), REGIOS, clock=lambda: as_of, drop_labels=drop))
    return reg


def day(n: int) -> str:
    """The `le` label of the n-day bucket, as Prometheus writes it ("86400.0", "1.2096e+06")."""
    return _go_float(n * 86400)


def observations(db: Engine) -> set[tuple[object, ...]]:
    """Every stored observation without its row id, time and message."""
    with session_factory(db)() as s:
        return (
            {
                ("d", r.fase, r.sleutel, r.regio, r.productcategorie, r.seconden)
                for r in s.exec(select(DoorlooptijdRecord))
            }
            | {("n", r.norm, r.sleutel, r.uitkomst, r.regio) for r in s.exec(select(NormRecord))}
            | {("b", r.reden, r.regio, r.productcategorie) for r in s.exec(select(BeeindigdRecord))}
        )
