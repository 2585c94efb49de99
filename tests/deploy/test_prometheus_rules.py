"""deploy/prometheus: promtool accepts the config and the rules, and the rule unit tests pass.

The static checks (names, annotations, every alert tested both ways) need no promtool; the promtool checks
skip where it is not installed (Debian: apt-get install -y prometheus).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.settings import HubSettings

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
CONFIG = PROMETHEUS_DIR / "prometheus.yml"
DEMO_CONFIG = PROMETHEUS_DIR / "prometheus-demo.yml"  # README: Prometheus beside `make demo`
RECORDING = PROMETHEUS_DIR / "recording_rules.yml"
ALERTING = PROMETHEUS_DIR / "alerting_rules.yml"
UNIT_TESTS = sorted((Path(__file__).parent / "promtool").glob("*_test.yml"))
PROMTOOL = shutil.which("promtool")
HUB_JOBS = ("hub-intake", "hub-processors", "hub-gateway")
# level:metric:operations, https://prometheus.io/docs/practices/rules/
RECORD_NAME = re.compile(r"^[a-z_]*:[a-z_]+:[a-z0-9_]+$")

needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool not installed (apt-get install -y prometheus)"
)


@cache
def load(path: Path) -> Any:
    """The parsed YAML file; cached, so callers must not modify it."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def rules(path: Path) -> list[dict[str, Any]]:
    return [r for group in load(path)["groups"] for r in group["rules"]]


def alert_tests() -> list[dict[str, Any]]:
    """Every alert_rule_test case of the promtool unit tests."""
    return [case for f in UNIT_TESTS for t in load(f)["tests"] for case in t.get("alert_rule_test", [])]


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=60, check=False)


# --- static ------------------------------------------------------------------------------------------------


def test_recording_rules_are_named_level_metric_operations() -> None:
    names = [r["record"] for r in rules(RECORDING)]
    assert names, "no recording rules"
    assert [n for n in names if not RECORD_NAME.match(n)] == []
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", rules(ALERTING), ids=lambda r: r["alert"])
def test_alert_has_severity_summary_description_and_runbook(rule: dict[str, Any]) -> None:
    assert rule["labels"]["severity"] in {"warning", "critical"}
    for key in ("summary", "description", "runbook"):
        assert rule["annotations"].get(key, "").strip(), f"{rule['alert']} lacks annotation {key}"


@pytest.mark.parametrize("alert", [r["alert"] for r in rules(ALERTING)])
def test_every_alert_has_a_firing_and_a_quiet_unit_test(alert: str) -> None:
    cases = [c for c in alert_tests() if c["alertname"] == alert]
    assert any(c.get("exp_alerts") for c in cases), f"no promtool case where {alert} fires"
    assert any(not c.get("exp_alerts") for c in cases), f"no promtool case where {alert} stays quiet"


@pytest.mark.parametrize("record", [r["record"] for r in rules(RECORDING)])
def test_every_recording_rule_has_a_unit_test(record: str) -> None:
    exprs = [
        case["expr"] for f in UNIT_TESTS for t in load(f)["tests"] for case in t.get("promql_expr_test", [])
    ]
    assert any(re.search(rf"(?<![\w:]){re.escape(record)}(?![\w:])", e) for e in exprs)


def test_config_scrapes_the_three_hub_roles_on_8080_metrics() -> None:
    config = load(CONFIG)
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    assert set(HUB_JOBS) <= set(jobs)
    for name in HUB_JOBS:
        job = jobs[name]
        assert job["metrics_path"] == "/metrics"
        assert job["dns_sd_configs"] == [
            {"names": [name], "type": "A", "port": 8080, "refresh_interval": "30s"}
        ]
    assert sorted(config["rule_files"]) == sorted([RECORDING.name, ALERTING.name])


# --- promtool ----------------------------------------------------------------------------------------------


@pytest.mark.prometheus
@needs_promtool
def test_promtool_check_rules() -> None:
    result = promtool("check", "rules", str(RECORDING), str(ALERTING))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.prometheus
@needs_promtool
@pytest.mark.parametrize("config", [CONFIG, DEMO_CONFIG], ids=lambda p: p.name)
def test_promtool_check_config(config: Path) -> None:
    result = promtool("check", "config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_demo_config_scrapes_the_demo_with_the_same_rules() -> None:
    demo = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    compose = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    assert demo["rule_files"] == compose["rule_files"]
    [job] = demo["scrape_configs"]
    port = HubSettings.model_fields["http_port"].default
    assert job["static_configs"] == [{"targets": [f"127.0.0.1:{port}"]}]


@pytest.mark.prometheus
@needs_promtool
@pytest.mark.parametrize("unit_test", UNIT_TESTS, ids=lambda p: p.name)
def test_promtool_rule_unit_tests(unit_test: Path) -> None:
    result = promtool("test", "rules", str(unit_test))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
