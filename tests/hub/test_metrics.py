"""The metric names and labels README.md and docs/operations.md document are those the hub exposes."""

from __future__ import annotations

import re
from pathlib import Path

from prometheus_client import CollectorRegistry
from prometheus_client.metrics import MetricWrapperBase

from hub.metrics import HubMetrics
from hub.monitor.contract import FAMILIES

ROOT = Path(__file__).resolve().parents[2]
# `name{label,label}` or `name` in backticks.
DOCUMENTED = re.compile(r"`((?:hub|jeugdhulp|gi)_[a-z_]+)(?:\{([a-z_,]+)\})?`")


def pipeline_metrics() -> dict[str, tuple[str, ...]]:
    """Every pipeline metric with its labels; a counter under its exposed name (with _total)."""
    found = {}
    for metric in vars(HubMetrics(CollectorRegistry())).values():
        if isinstance(metric, MetricWrapperBase):
            suffix = "_total" if metric._type == "counter" else ""
            found[metric._name + suffix] = tuple(metric._labelnames)
    return found


def documented(text: str) -> dict[str, tuple[str, ...]]:
    return {m[1]: tuple(m[2].split(",")) if m[2] else () for m in DOCUMENTED.finditer(text)}


def between(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end, text.index(start))]


def test_the_readmes_pipeline_metrics_are_the_hubs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert documented(between(readme, "Pipeline metrics:", "Domain metrics")) == pipeline_metrics()


def test_the_readmes_domain_metrics_are_the_contracts_families() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = between(readme, "Domain metrics, as docs/definities.md defines them", "Working days")
    assert documented(section) == {f.name: f.labels for f in FAMILIES}


def test_the_guides_metrics_endpoint_lists_every_pipeline_metric() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    row = next(line for line in guide.splitlines() if line.startswith("| `GET /metrics` |"))
    listed = documented(row)
    metrics = pipeline_metrics()
    assert set(listed) == set(metrics)
    assert all(labels in ((), metrics[name]) for name, labels in listed.items())  # labels, where given, exact


def test_a_judging_process_starts_every_message_and_rule_series_at_0() -> None:
    """A series that first appears at 1 is an increase() never sees: the dashboard's rejections per rule
    (increase over the chosen period) missed the first of every rule after a start."""
    import hub.rules.all  # noqa: F401  (every rule registered)
    from hub.rules.registry import REGISTRY

    judging = HubMetrics(CollectorRegistry())
    judging.zero(judging=True)
    for bericht, rule in {(b, r.code) for r in REGISTRY.values() for b in r.berichten}:
        assert (
            judging.registry.get_sample_value("hub_rule_violations_total", {"bericht": bericht, "rule": rule})
            == 0
        ), (bericht, rule)
    for outcome in ("accepted", "rejected", "duplicate", "malformed"):
        assert (
            judging.registry.get_sample_value("hub_messages_total", {"bericht": "GI001", "outcome": outcome})
            == 0
        )
    assert (
        judging.registry.get_sample_value("hub_rule_violations_total", {"bericht": "JW315", "rule": "XSD"})
        == 0
    )
    processors = HubMetrics(CollectorRegistry())
    processors.zero()
    assert (
        processors.registry.get_sample_value(
            "hub_messages_total", {"bericht": "JW301", "outcome": "accepted"}
        )
        is None
    )
    assert processors.registry.get_sample_value("hub_dead_letters_total", {"reason": "malformed"}) == 0
