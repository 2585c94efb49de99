"""One HubMetrics container with the metric contract of the pipeline; the registry is injected.

Names and labels are contracts (dashboards and alert rules depend on them). Label values are bounded:
message types, outcomes, rule codes, stages and dead-letter reasons — never personal data.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

# The *_created series double every counter and no dashboard uses them.
disable_created_metrics()  # type: ignore[no-untyped-call]  # unannotated in prometheus_client

PROCESSING_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class HubMetrics:
    """The pipeline metrics of `/metrics`; pass a fresh CollectorRegistry in tests."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.messages = Counter(
            "hub_messages_total",
            "Messages judged by the intake, by message type and outcome "
            "(accepted, rejected, duplicate, malformed).",
            ["bericht", "outcome"],
            registry=registry,
        )
        self.rule_violations = Counter(
            "hub_rule_violations_total",
            "Rule violations found, by message type and rule code (XSD and XML for level 1).",
            ["bericht", "rule"],
            registry=registry,
        )
        self.retour = Counter(
            "hub_retour_total",
            "Retourberichten produced, by retour message type (JW302, ..., JW325).",
            ["bericht"],
            registry=registry,
        )
        self.retour_delivered = Counter(
            "hub_retour_delivered_total",
            "Retourberichten delivered to their receiver's outbox, by retour message type.",
            ["bericht"],
            registry=registry,
        )
        self.retour_pending = Gauge(
            "hub_retour_pending",
            "Retourberichten and GI102 statusmeldingen published on the retour topic but not yet delivered "
            "(from the store).",
            registry=registry,
        )
        self.dead_letters = Counter(
            "hub_dead_letters_total",
            "Messages put on the dead-letter topic, by reason.",
            ["reason"],
            registry=registry,
        )
        self.processing_seconds = Histogram(
            "hub_processing_seconds",
            "Time spent per processing stage.",
            ["stage"],
            buckets=PROCESSING_BUCKETS,
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "hub_consumer_lag",
            "Records not yet consumed, per consumer group, topic and partition.",
            ["group", "topic", "partition"],
            registry=registry,
        )

    def zero(self, reasons: tuple[str, ...] = ("malformed", "processing-failed")) -> None:
        """Create the dead-letter series at 0, so that the first increase is visible to rate() and alerts."""
        for reason in reasons:
            self.dead_letters.labels(reason=reason)

    def judged(self, bericht: str | None, outcome: str, rules: list[str]) -> None:
        label = bericht or "onbekend"
        self.messages.labels(bericht=label, outcome=outcome).inc()
        for rule in rules:
            self.rule_violations.labels(bericht=label, rule=rule).inc()
