"""hub.metrics beyond names and labels (tests/hub/test_metrics.py): the series a fresh hub exposes.

The dead-letter series exist at 0 from the start, so that the first dead letter is an increase rate() and the
HubDeadLetters alert see; no counter doubles into a *_created series that no dashboard reads.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from hub.metrics import HubMetrics


def test_the_intakes_dead_letter_reasons_are_exposed_at_zero_before_the_first() -> None:
    registry = CollectorRegistry()
    HubMetrics(registry).zero()
    assert {
        reason: registry.get_sample_value("hub_dead_letters_total", {"reason": reason})
        for reason in ("malformed", "processing-failed")
    } == {"malformed": 0.0, "processing-failed": 0.0}


def test_no_counter_or_histogram_exposes_a_created_series() -> None:
    registry = CollectorRegistry()
    metrics = HubMetrics(registry)
    metrics.zero()
    metrics.judged("JW301", "rejected", ["TR019"])
    metrics.processing_seconds.labels(stage="validate").observe(0.002)
    exposed = generate_latest(registry).decode()
    assert 'hub_messages_total{bericht="JW301",outcome="rejected"} 1.0' in exposed
    assert "_created" not in exposed
