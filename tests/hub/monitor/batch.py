"""What the processors write, as comparable data, and the two stories whose events they handle in a batch.

A batch must store exactly what the same events store one by one: `written` reads every table the processors
write, `forget` empties them so the same events can be handled again on the same store.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

import pytest
from sqlalchemy import Engine, Integer, Table, delete, select

from hub.events.models import HubEvent
from hub.monitor.processor import Processor
from hub.monitor.registry import OBSERVERS, load_plugins
from hub.store.db import session_factory
from hub.store.gi_tables import GiKoppelingRecord, GiStatusmeldingRecord
from hub.store.monitor_tables import BeeindigdRecord, DoorlooptijdRecord, NormRecord, VerwerktEventRecord
from tests.hub.gi_pipeline import scenario as gi_sc
from tests.hub.gi_pipeline.helpers import AS_OF, Pipeline
from tests.hub.monitor import scenario as ijw_sc
from tests.hub.monitor.helpers import REGIOS, accept_all, ticking

PROCESSOR_TABLES: tuple[Any, ...] = (
    DoorlooptijdRecord,
    NormRecord,
    BeeindigdRecord,
    VerwerktEventRecord,
    GiKoppelingRecord,
    GiStatusmeldingRecord,
)
# What may differ when the same events arrive in another order (over a real broker): which message made a row
# first, and when.
ORDER_DEPENDENT = frozenset(
    {
        "bericht_id",
        "observed_at",
        "verwerkt_op",
        "gewijzigd_op",
        "aangemaakt_op",
        "verstuurd_op",
        "afgeleverd_op",
    }
)

Written = dict[str, list[tuple[Any, ...]]]


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def written(db: Engine, ignore: Collection[str] = ()) -> Written:
    """Every row of the processors' tables, without surrogate keys (a refill numbers rows anew), sorted."""
    out: Written = {}
    with db.connect() as conn:
        for model in PROCESSOR_TABLES:
            table = _table(model)
            columns = [
                c
                for c in table.columns
                if c.name not in ignore and not (c.name == "id" and isinstance(c.type, Integer))
            ]
            out[table.name] = sorted((tuple(row) for row in conn.execute(select(*columns))), key=repr)
    return out


def forget(db: Engine) -> None:
    """Delete what the processors wrote: the intake's rows stay, so the same events can be handled again."""
    with db.begin() as conn:
        for model in reversed(PROCESSOR_TABLES):
            conn.execute(delete(_table(model)))


def fresh(db: Engine) -> Processor:
    """A processor as a new process would have it: its clock starts again, so two runs stamp alike."""
    return Processor(session_factory(db), REGIOS, now=ticking(), clock=lambda: AS_OF)


def ijw_events(db: Engine) -> list[HubEvent]:
    """The iJw story (two clients, five messages for one of them), accepted; its events in Dagtekening order."""
    return accept_all(db, ijw_sc.xml_berichten())


def gi_events(db: Engine) -> list[HubEvent]:
    """The GI story (four clients, bepalingen linked to their requests, toewijzingen and starts), accepted."""
    p = Pipeline(db)
    events: list[HubEvent] = []
    for _, bericht, spec in gi_sc.in_volgorde():
        result = p.stuur(bericht, spec, verwerk=False)
        if result.event is not None:
            events.append(result.event)
    return events


def poisoned(monkeypatch: pytest.MonkeyPatch) -> dict[str, BaseException]:
    """Add an observer to every event type that raises the exception given for an event's bericht_id."""
    load_plugins()  # the real observers first: the poisoned one runs after them
    fail: dict[str, BaseException] = {}

    def observe(_session: Any, event: Any, _ctx: Any) -> list[Any]:
        if event.bericht_id in fail:
            raise fail[event.bericht_id]
        return []

    for kind, observers in list(OBSERVERS.items()):
        monkeypatch.setitem(OBSERVERS, kind, [*observers, observe])
    return fail


STORIES: dict[str, Callable[[Engine], list[HubEvent]]] = {"ijw": ijw_events, "gi": gi_events}
