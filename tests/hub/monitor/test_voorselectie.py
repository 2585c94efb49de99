"""The GI linking's once-per-poll check for bepalingen: a bepaling that arrives after a poll is seen by the next.

The processors ask the store which of a batch's clients have a bepaling once per batch (hub.monitor.gi
met_bepalingen), not once per event; nothing of that answer may outlive its batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from hub.events.models import HubEvent
from hub.monitor import registry
from hub.monitor.gi import BEPALING_TOT_START, bepaling_sleutel, koppeling, met_bepalingen
from hub.monitor.norms import PASSENDE_HULP
from hub.store.db import session_factory
from hub.store.gi_tables import GiBepalingRecord
from hub.store.monitor_tables import DoorlooptijdRecord, NormRecord
from tests.hub.gi_pipeline import scenario as sc
from tests.hub.gi_pipeline.helpers import Pipeline
from tests.hub.monitor.batch import ORDER_DEPENDENT, forget, written


def _event(p: Pipeline, name: str) -> HubEvent:
    """Accept the story's message `name`; its event, not yet processed."""
    bericht, spec = sc.BERICHTEN[name]
    event = p.stuur(bericht, spec, verwerk=False).event
    assert event is not None
    return event


def _bepaling_c(db: Engine) -> int:
    with session_factory(db)() as s:
        row = s.exec(select(GiBepalingRecord).where(GiBepalingRecord.bepaling_id == "B-C1")).one()
        assert row.id is not None
        return row.id


def _observed(db: Engine, sleutel: str) -> tuple[list[int], list[str]]:
    """The bepaling_tot_start seconds and the passende_hulp outcomes stored under this key."""
    with session_factory(db)() as s:
        doorloop = s.exec(
            select(DoorlooptijdRecord.seconden).where(
                DoorlooptijdRecord.fase == BEPALING_TOT_START, DoorlooptijdRecord.sleutel == sleutel
            )
        )
        normen = s.exec(
            select(NormRecord.uitkomst).where(NormRecord.norm == PASSENDE_HULP, NormRecord.sleutel == sleutel)
        )
        return list(doorloop), list(normen)


# Client C: JW301 500101 on 2026-06-15, started 2026-09-10, bepaling B-C1 of 2026-05-01 (132 days: too late).
C_OBSERVED = ([132 * 86400], ["buiten"])


def test_a_bepaling_arriving_after_the_first_poll_is_observed_with_its_own_event(db: Engine) -> None:
    p = Pipeline(db)
    assert p.processor.verwerk_batch([_event(p, "ijw-c-toewijzing")]) == [True]  # poll 1: no bepaling yet
    bepaling, start = _event(p, "gi-c-bepaling"), _event(p, "ijw-c-start")
    assert p.processor.verwerk_batch([bepaling, start]) == [True, True]  # poll 2, the same processor
    assert p.gekoppeld("B-C1") == (500101, None, sc.START_C)
    assert _observed(db, bepaling_sleutel(_bepaling_c(db))) == C_OBSERVED


def test_an_ijw_event_of_a_later_poll_sees_a_bepaling_that_arrived_in_between(db: Engine) -> None:
    """Without the bepaling's own event: poll 1's answer (no bepaling for C) is not kept for poll 2."""
    p = Pipeline(db)
    assert p.processor.verwerk_batch([_event(p, "ijw-c-toewijzing")]) == [True]
    _event(p, "gi-c-bepaling")  # accepted; its event is still on its way
    assert p.processor.verwerk_batch([_event(p, "ijw-c-start")]) == [True]
    assert p.gekoppeld("B-C1") == (500101, None, sc.START_C)
    assert _observed(db, bepaling_sleutel(_bepaling_c(db))) == C_OBSERVED


def test_polls_around_the_bepaling_store_what_the_events_store_one_by_one(db: Engine) -> None:
    """Client C's events handled one by one in story order, against two polls with the bepaling between them."""
    p = Pipeline(db)
    bepaling, toewijzing, start = (_event(p, n) for n in ("gi-c-bepaling", "ijw-c-toewijzing", "ijw-c-start"))
    assert all(p.processor.verwerk(e) for e in (bepaling, toewijzing, start))
    one_by_one = written(db, ORDER_DEPENDENT)
    assert (
        one_by_one["gi_koppeling"] and one_by_one["monitor_doorlooptijd"] and one_by_one["gi_statusmelding"]
    )
    forget(db)
    q = Pipeline(db).processor
    assert q.verwerk_batch([toewijzing]) == [True]
    assert q.verwerk_batch([start, bepaling]) == [True, True]
    assert written(db, ORDER_DEPENDENT) == one_by_one


def test_met_bepalingen_picks_the_linking_events_of_clients_with_a_bepaling_at_their_gemeente(
    db: Engine,
) -> None:
    p = Pipeline(db)
    bepaling, toewijzing, start = (_event(p, n) for n in ("gi-c-bepaling", "ijw-c-toewijzing", "ijw-c-start"))
    elders = toewijzing.model_copy(update={"event_id": uuid.uuid4(), "gemeente": "0363"})  # C has none there
    zonder = _event(p, "ijw-d-toewijzing")  # client D, whose bepaling was not sent
    capaciteit = _event(p, "gi-capaciteit-1")  # names no client
    with session_factory(db)() as s:
        gekozen = met_bepalingen(s, [bepaling, toewijzing, start, elders, zonder, capaciteit])
    assert gekozen == {bepaling.event_id, toewijzing.event_id, start.event_id}
    assert registry.VOORSELECTIES[koppeling] is met_bepalingen


def test_an_observer_with_a_voorselectie_sees_only_the_events_it_picked(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The voorselectie runs once per batch, with all its events; the observer only for the events it picked."""
    p = Pipeline(db)
    batch = [
        _event(p, n)
        for n in ("ijw-a-vot", "ijw-a-toewijzing", "ijw-a-start", "ijw-c-toewijzing", "ijw-c-start")
    ]
    calls: list[tuple[str, ...]] = []

    def kies(_session: Any, events: Sequence[Any]) -> set[uuid.UUID]:
        calls.append(("kies", *(e.bericht_id for e in events)))
        return {batch[-1].event_id}  # client C's start

    def observe(_session: Any, event: Any, _ctx: Any) -> list[Any]:
        calls.append(("observe", event.bericht_id))
        return []

    monkeypatch.setitem(
        registry.OBSERVERS, "StartOntvangen", [*registry.OBSERVERS["StartOntvangen"], observe]
    )
    monkeypatch.setitem(registry.VOORSELECTIES, observe, kies)
    assert p.processor.verwerk_batch(batch) == [True] * len(batch)
    assert calls == [("kies", *(e.bericht_id for e in batch)), ("observe", batch[-1].bericht_id)]
    assert p.processor.verwerk_batch(batch) == [False] * len(batch)  # handled: observed no more
    assert calls[2:] == [("kies", *(e.bericht_id for e in batch))]
