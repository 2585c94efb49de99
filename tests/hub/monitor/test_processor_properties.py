"""Property-based: the processors handle every event stream the intake can produce without raising, and /metrics
reads the store they leave. The mutated stories of tests/hub/test_intake_properties.py go through one Intake in
batches; every event the intake answers with (what the transport publishes) goes to one Processor in order, in one
batch or one by one, as do the events of the statusmeldingen the processors send themselves (they come back on a
normalised topic). After each batch the domain metrics are collected as of one day: every family is there (the
collector swallows store errors into an empty page), every sample is a finite number, and no counter (nor a
histogram's cumulative samples) went down since the collection before."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from hub.events.models import HubEvent
from hub.intake import IntakeResult
from hub.monitor.collector import MonitorCollector
from hub.monitor.contract import FAMILIES
from hub.monitor.processor import Processor
from hub.store.db import session_factory
from tests.hub.intake_helpers import TODAY, new_intake
from tests.hub.monitor.helpers import REGIOS, ticking
from tests.hub.test_intake_properties import Story, empty

# The days the metrics are read as of: the story's own, and later ones (norms expired, waiting above the norm).
AS_OF = (TODAY, TODAY + timedelta(days=100), TODAY + timedelta(days=800))
Series = tuple[str, tuple[tuple[str, str], ...]]  # (sample name, sorted labels)


def collect(collector: MonitorCollector) -> dict[Series, float]:
    """Every sample of the domain families, asserting each family is there and each value finite; the counters'."""
    metrics = list(collector.collect())
    assert sorted(m.name for m in metrics) == sorted(f.name.removesuffix("_total") for f in FAMILIES)
    cumulative: dict[Series, float] = {}
    for metric in metrics:
        for sample in metric.samples:
            assert math.isfinite(sample.value), (sample.name, sample.labels, sample.value)
            if metric.type in {"counter", "histogram"}:  # a histogram's buckets, _count and _sum only grow
                cumulative[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return cumulative


def test_the_processors_handle_every_event_the_intake_produces(db: Engine) -> None:
    # Fewer examples on PostgreSQL: each message and event is a round trip or more to the server.
    @settings(
        max_examples=120 if db.dialect.name == "sqlite" else 30,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def story(data: st.DataObject) -> None:
        empty(db)  # every example on an empty store: reproducible, and shrinkable
        sessions = session_factory(db)
        s = Story(new_intake(db))
        processor = Processor(
            sessions, REGIOS, now=ticking(datetime(2026, 11, 23, 13, tzinfo=UTC)), clock=lambda: TODAY
        )
        as_of = data.draw(st.sampled_from(AS_OF))
        collector = MonitorCollector(sessions, REGIOS, clock=lambda: as_of)
        before = collect(collector)

        def process(results: list[IntakeResult]) -> None:
            nonlocal before
            events: list[HubEvent] = [r.event for r in results if r.event is not None]
            if data.draw(st.booleans()):
                processor.verwerk_batch(events)
            else:
                for e in events:
                    processor.verwerk(e)
            if data.draw(st.booleans()):
                processor.peil(as_of)
            # What the processors made goes out, and its event comes back to them like any other.
            while uit := processor.uitgaand():
                processor.verwerk_batch([u.event for u in uit if u.event is not None])
                processor.verstuurd([u.id for u in uit])
            after = collect(collector)
            for series, value in before.items():
                assert after.get(series, 0.0) >= value, (series, value, after.get(series))
            before = after

        s.run(data, process)

    story()
