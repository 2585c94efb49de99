"""Observers declared once per batch: the GI linking runs once per client group per poll, not once per event.

The linking's group depends only on the intake's rows, which every event of a batch already finds, so its later
events in the batch would redo the same work; what is stored stays what the events store one by one
(tests/hub/monitor/test_processor_batch.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine

from hub.monitor import registry
from hub.monitor.gi import KOPPEL_EVENTS, groep, koppeling
from hub.store import gi_link
from tests.hub.monitor.batch import forget, fresh, gi_events, written

Groep = tuple[str, str]


@pytest.fixture
def gelinkt(monkeypatch: pytest.MonkeyPatch) -> list[Groep]:
    """The (client, gemeente) of every koppel_groep call, in order."""
    calls: list[Groep] = []
    echt: Callable[..., gi_link.Groep] = gi_link.koppel_groep

    def spy(session: Any, client: str, gemeente: str, *args: Any) -> gi_link.Groep:
        calls.append((client, gemeente))
        return echt(session, client, gemeente, *args)

    monkeypatch.setattr(gi_link, "koppel_groep", spy)
    return calls


def test_a_poll_links_each_client_group_once(db: Engine, gelinkt: list[Groep]) -> None:
    events = gi_events(db)
    one = fresh(db)
    assert all(one.verwerk(e) for e in events)  # one poll per event: a group is linked per event
    per_event = list(gelinkt)
    one_by_one = written(db)
    assert len(set(per_event)) < len(per_event)  # the story has clients with several linking events
    forget(db)
    gelinkt.clear()
    assert fresh(db).verwerk_batch(events) == [True] * len(events)
    assert sorted(gelinkt) == sorted(set(per_event))
    assert written(db) == one_by_one


def test_a_group_is_linked_again_in_the_next_poll(db: Engine, gelinkt: list[Groep]) -> None:
    """The once-per-batch keys do not outlive their batch; an event already handled takes no key."""
    events = gi_events(db)
    p = fresh(db)
    half = len(events) // 2
    p.verwerk_batch(events[:half])
    eerste = list(gelinkt)
    gelinkt.clear()
    assert p.verwerk_batch(events) == [False] * half + [True] * (len(events) - half)
    tweede = list(gelinkt)
    assert len(eerste) == len(set(eerste)) and len(tweede) == len(set(tweede))
    assert set(tweede) <= {groep(e) for e in events[half:] if e.type in KOPPEL_EVENTS}
    assert set(eerste) & set(tweede)  # linked in both polls: each brought a new event of the group


def test_the_linking_is_declared_once_per_group() -> None:
    registry.load_plugins()
    assert registry.EENS_PER_BATCH[koppeling] is groep
