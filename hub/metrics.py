"""One HubMetrics container with the metric contract of the pipeline; the registry is injected.

Names and labels are contracts (dashboards and alert rules depend on them). Label values are bounded:
message types, outcomes, rule codes, stages and dead-letter reasons — never personal data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

# The *_created series double every counter and no dashboard uses them.
disable_created_metrics()  # type: ignore[no-untyped-call]  # unannotated in prometheus_client

OUTCOMES = ("accepted", "rejected", "duplicate", "malformed")  # of hub_messages_total (issue 3's contract)
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
        self._lag_partitions: dict[str, set[tuple[str, str]]] = {}  # per group: the series this process sets

    def lag(
        self, group: str, assigned: Iterable[tuple[str, int]], lags: Mapping[tuple[str, int], int]
    ) -> None:
        """Set hub_consumer_lag of the partitions in `lags`, and remove the series of partitions this process no
        longer has (`assigned`): after a rebalance their new owner reports them, and the old owner's last value
        would otherwise stay on the dashboard and in the lag alert for as long as it runs."""
        for (topic, partition), value in lags.items():
            self.consumer_lag.labels(group=group, topic=topic, partition=str(partition)).set(value)
        mine = {(t, str(p)) for t, p in assigned}
        had = self._lag_partitions.get(group, set())
        for gone_topic, gone_partition in had - mine:
            self.consumer_lag.remove(group, gone_topic, gone_partition)
        self._lag_partitions[group] = (had & mine) | {(t, str(p)) for t, p in lags}

    def zero(
        self, reasons: tuple[str, ...] = ("malformed", "processing-failed"), *, judging: bool = False
    ) -> None:
        """Create the dead-letter series at 0, so that the first increase is visible to rate() and alerts.

        `judging` (a process that judges messages: intake, gateway): also every hub_messages_total{bericht,outcome}
        and every hub_rule_violations_total{bericht,rule} a registered rule can give, for the same reason: a
        series that first appears at 1 is a count increase() never sees, so a dashboard's rejections per rule
        missed every first one (a few hundred series, all at 0).
        """
        for reason in reasons:
            self.dead_letters.labels(reason=reason)
        if not judging:
            return
        import hub.rules.all  # noqa: F401  (every rule registered)
        from hub.gi.catalog import GI_BERICHTEN
        from hub.ijw.catalog import BERICHTEN
        from hub.rules.registry import REGISTRY

        berichten = [*BERICHTEN, *GI_BERICHTEN]
        for bericht in berichten:
            for outcome in OUTCOMES:
                self.messages.labels(bericht=bericht, outcome=outcome)
            for rule in ("XSD", "XML"):
                self.rule_violations.labels(bericht=bericht, rule=rule)
        self.messages.labels(bericht="onbekend", outcome="malformed")
        self.rule_violations.labels(bericht="onbekend", rule="XML")
        for r in REGISTRY.values():
            for bericht in r.berichten:
                self.rule_violations.labels(bericht=bericht, rule=r.code)

    def judged(self, bericht: str | None, outcome: str, rules: list[str]) -> None:
        label = bericht or "onbekend"
        self.messages.labels(bericht=label, outcome=outcome).inc()
        for rule in rules:
            self.rule_violations.labels(bericht=label, rule=rule).inc()
