"""deploy/grafana: the dashboards are current, well-formed for Grafana 10/11, and every query returns data.

The query test starts a real Prometheus (the Debian binary) on a free loopback port, lets it scrape a real hub
(`hub demo`: embedded broker, SQLite, intake, processors, fed by the simulator) and evaluate the recording
rules, then runs every panel query, every template variable query and every recording rule expression through
/api/v1/query, and fails on any that errors or returns nothing.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from hub.clock import vandaag
from hub.gi.build import to_xml as gi_to_xml
from hub.gi.synth import maatregel
from hub.gi.synth import spec as gi_spec
from hub.gi.synth import xml as gi_xml
from hub.synth.berichten import xml as ijw_xml
from hub.synth.persons import persoon
from hub.synth.simulate import SimConfig, Simulator
from tests.processes import stop_group

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = GRAFANA / "dashboards"
RECORDING = ROOT / "deploy" / "prometheus" / "recording_rules.yml"
RULE_FILES = (RECORDING, ROOT / "deploy" / "prometheus" / "alerting_rules.yml")
PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
EXPECTED_TITLES = {
    "Berichtenverkeer",
    "Wachttijden en beschikbaarheid",
    "Normen jeugdbescherming",
    "GI capaciteit",
}
# What Grafana puts in place of its own variables; template variables get their "All" value.
BUILTINS = {"__rate_interval": "1m", "__interval": "15s", "__range": "1h"}
VARIABLE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")
LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+),\s*(?P<label>\w+)\)$")
READY_TIMEOUT = 60.0


# --- the dashboards as files -------------------------------------------------------------------------------


@cache
def dashboards() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(DASHBOARDS.glob("*.json"))}


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def variables(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {v["name"]: v for v in dashboard["templating"]["list"]}


def substitute(expr: str, dashboard: dict[str, Any]) -> str:
    """The query as Grafana sends it with every template variable on All."""
    known = {name: v["allValue"] for name, v in variables(dashboard).items()} | BUILTINS

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        assert name in known, f"undefined variable ${name} in {expr}"
        return str(known[name])

    return VARIABLE.sub(value, expr)


def panel_queries() -> list[Any]:
    """(dashboard file, expression) of every panel target, named dashboard/panel/refId."""
    return [
        pytest.param(name, t["expr"], id=f"{d['title']}/{p['title']}/{t['refId']}")
        for name, d in dashboards().items()
        for p in panels(d)
        for t in p["targets"]
    ]


def variable_queries() -> list[Any]:
    """(dashboard file, variable name) of every template variable."""
    return [
        pytest.param(name, var, id=f"{d['title']}/${var}")
        for name, d in dashboards().items()
        for var in variables(d)
    ]


def label_values_query(name: str, var: str) -> tuple[str, str]:
    """label_values(selector, label) as the PromQL that answers it (one series per value), and the label."""
    d = dashboards()[name]
    match = LABEL_VALUES.match(substitute(variables(d)[var]["definition"], d))
    assert match, f"{d['title']}: ${var} is not label_values(selector, label)"
    return f"group by ({match['label']}) ({match['selector']})", match["label"]


@cache
def recorded() -> dict[str, str]:
    """Recording rule name -> expression."""
    doc = yaml.safe_load(RECORDING.read_text(encoding="utf-8"))
    return {r["record"]: r["expr"] for g in doc["groups"] for r in g["rules"]}


def load_generator() -> ModuleType:
    """tools/ is not a package: load the generator from its file."""
    spec = importlib.util.spec_from_file_location("gen_dashboards", ROOT / "tools" / "gen_dashboards.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


def test_files_are_what_the_generator_writes() -> None:
    tool = load_generator()
    assert tool.stale(DASHBOARDS, tool.build()) == []  # else: python tools/gen_dashboards.py


def test_the_four_dashboards_exist_with_unique_uids() -> None:
    titles = {d["title"] for d in dashboards().values()}
    uids = [d["uid"] for d in dashboards().values()]
    assert titles == EXPECTED_TITLES
    assert len(uids) == len(set(uids))


@pytest.mark.parametrize("name", sorted(dashboards()))
def test_dashboard_is_well_formed(name: str) -> None:
    d = dashboards()[name]
    assert d["schemaVersion"] >= 39
    assert d["id"] is None  # provisioned dashboards get their id from Grafana
    ids = [p["id"] for p in d["panels"]]
    assert len(ids) == len(set(ids))
    for p in panels(d):
        assert p["datasource"] == DATASOURCE, p["title"]
        assert p["targets"], p["title"]
        assert all(t["datasource"] == DATASOURCE and t["expr"].strip() for t in p["targets"]), p["title"]
        assert p["description"], p["title"]
    for v in variables(d).values():
        assert v["datasource"] == DATASOURCE


@pytest.mark.parametrize(("name", "expr"), panel_queries())
def test_panel_query_uses_only_defined_variables(name: str, expr: str) -> None:
    assert "$" not in substitute(expr, dashboards()[name])


@pytest.mark.parametrize(("name", "var"), variable_queries())
def test_variable_is_a_multi_value_label_values_query(name: str, var: str) -> None:
    definition = variables(dashboards()[name])[var]
    assert definition["multi"] and definition["includeAll"] and definition["allValue"] == ".*"
    assert label_values_query(name, var)[0].startswith("group by (")


@pytest.mark.parametrize("name", sorted(dashboards()))
def test_panels_do_not_overlap_and_fit_the_grid(name: str) -> None:
    taken: set[tuple[int, int]] = set()
    for p in dashboards()[name]["panels"]:
        g = p["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= 24, p["title"]
        cells = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
        assert not cells & taken, f"{p['title']} overlaps another panel"
        taken |= cells


def test_regio_dashboards_filter_on_regio() -> None:
    for d in dashboards().values():
        if d["title"] != "Berichtenverkeer":
            assert variables(d)["regio"]["definition"].startswith("label_values(")


def test_provisioning_points_at_the_prometheus_uid_and_the_dashboards() -> None:
    datasources = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    (source,) = datasources["datasources"]
    assert (source["uid"], source["type"]) == ("prometheus", "prometheus")
    providers = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "dashboards.yml").read_text())
    (provider,) = providers["providers"]
    assert provider["type"] == "file"
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"


def panel_expr(name: str, title: str) -> str:
    """The one query of a panel, as Grafana sends it with every template variable on All."""
    d = dashboards()[name]
    (target,) = next(p for p in panels(d) if p["title"] == title)["targets"]
    return substitute(target["expr"], d)


@pytest.mark.prometheus
@pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (apt-get install -y prometheus)")
def test_bepalingen_per_dag_counts_a_new_series_whole_and_in_whole_numbers(tmp_path: Path) -> None:
    """gi_bepalingen_total is a store total: the panel's day is its exact difference. increase() gave 25.03 for
    Arnhem: it missed the first bepaling of the series that appears at 1 and extrapolated the second."""
    expr = panel_expr("gi-capaciteit.json", "Bepalingen per dag per regio")
    series = {
        # New at 30h at 1, a second bepaling at 40h.
        'gi_bepalingen_total{gi="09990001",regio="Arnhem",productcategorie="47",instance="a"}': "_x30 1x9 2x8",
        # One an hour since long before the day, exposed by two replicas: 24.
        'gi_bepalingen_total{gi="09990002",regio="Arnhem",productcategorie="45",instance="a"}': "0+1x48",
        'gi_bepalingen_total{gi="09990002",regio="Arnhem",productcategorie="45",instance="b"}': "0+1x48",
        # Nothing new in the day.
        'gi_bepalingen_total{gi="09990001",regio="Achterhoek",productcategorie="45",instance="a"}': "7x48",
    }
    unit_test = {
        "rule_files": [],
        "evaluation_interval": "1h",
        "tests": [
            {
                "interval": "1h",
                "input_series": [{"series": k, "values": v} for k, v in series.items()],
                "promql_expr_test": [
                    {
                        "expr": expr,
                        "eval_time": "48h",
                        "exp_samples": [
                            {"labels": '{regio="Arnhem"}', "value": 26},
                            {"labels": '{regio="Achterhoek"}', "value": 0},
                        ],
                    }
                ],
            }
        ],
    }
    path = tmp_path / "bepalingen_test.yml"
    path.write_text(yaml.safe_dump(unit_test), encoding="utf-8")
    assert PROMTOOL is not None
    result = subprocess.run(
        [PROMTOOL, "test", "rules", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- the scrape target: a real hub fed by the simulator ---------------------------------------------------


@pytest.fixture(scope="module")
def scrape_target() -> Iterator[str]:
    """URL of a real hub's /metrics: `hub demo` (embedded broker, SQLite, processors) fed by the simulator."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    # One record per poll: the simulated history must flow while Prometheus scrapes (as a real hub's history
    # accrues over months), or the increase() rules see counters that never rise. Whole polls would process it
    # before the first scrape.
    env["HUB_KAFKA_BATCH_MAX_RECORDS"] = "1"
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below; it outlives the yield)
    proc = subprocess.Popen(
        # A high error rate: the live traffic keeps the rule-violation counters rising while Prometheus scrapes.
        [
            sys.executable,
            "-m",
            "hub",
            "demo",
            "--no-live",
            "--port",
            str(port),
            "--speed",
            "5",
            "--duration",
            "600",
            "--error-rate",
            "0.3",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise AssertionError(f"hub demo exited: {log.read().decode(errors='replace')[-2000:]}")
            # Up as soon as /metrics answers: Prometheus must see the counters rise from their first value.
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError("the demo hub did not answer on /metrics within 90 s")
            time.sleep(0.5)
        log.seek(0)
        send_waiting_stages(port, log.read().decode(errors="replace"))
        yield url
    finally:
        stop_group(proc)
        log.close()


def send_waiting_stages(port: int, log: str) -> None:
    """waiting_stages(today) through the demo's gateway, with the API key the demo printed."""
    found = re.search(r"X-API-Key: (demo-[0-9a-f]+)", log)
    assert found is not None, f"the demo printed no API key\n{log[-2000:]}"
    for bericht in waiting_stages(vandaag()):
        answer = httpx.post(
            f"http://127.0.0.1:{port}/berichten",
            content=bericht,
            headers={"X-API-Key": found[1], "Content-Type": "application/xml"},
            timeout=30,
        )
        assert answer.status_code == 202, answer.text


def waiting_stages(today: date) -> list[bytes]:
    """Messages dated today, as parties of hub demo's world send them, that each leave one stage waiting.

    The history ends today, so whether one of its own is still in such a stage depends on the day (histories
    ending on 74 days over a year, one every 5 days, with the test's error rate): a bepaling waiting for its
    verzoek (jeugdhulp_wachtend{fase="bepaling"}, empty on 1), a requested product without an answer
    (jeugdhulp_verzoeken_onbeantwoord_boven_norm, empty on 3) and a maatregel without the dates of its norms
    (gi_maatregelen_wachtend and its boven-norm part, empty on 1). Live traffic may bring them later, or not
    within a query's wait. Every other dashboard input was there on all 74 days.
    """
    world = Simulator(SimConfig(seed=1, clienten=250)).wereld  # hub demo's world (its defaults)
    gi = world.gis[0]
    gi_gemeente = next(g.code for g in world.gemeenten if g.jeugdregio in gi.regios)
    aanbieder = world.aanbieders[0]
    gemeente = next(g.code for g in world.gemeenten if g.jeugdregio in aanbieder.regios)
    # Uitspraak a week ago, neither a vaste jeugdbeschermer nor a gedragen koers known: both norms wait.
    gi002 = gi_spec("GI002", dagtekening=today, gi=gi.agb, gemeente=gi_gemeente)
    gi002["Client"]["Maatregelen"]["Maatregel"] = [maatregel(uitspraak=today - timedelta(days=7))]
    return [
        gi_xml("GI001", dagtekening=today, gi=gi.agb, gemeente=gi_gemeente),
        gi_to_xml("GI002", gi002),
        # Another child than the GI messages': a request for the bepaling's child would be linked to it and
        # count that chain at the verzoek stage, leaving none at the bepaling stage.
        ijw_xml(
            "JW315",
            dagtekening=today,
            persoon=persoon(random.Random("dashboards"), today),
            gemeente=gemeente,
            aanbieder=aanbieder.agb,
        ),
    ]


# Series that exist once the simulated history is processed (GI included).
HUB_READY_SERIES = (
    "jeugdhulp_wachtend{",
    "jeugdhulp_in_zorg{",
    "jeugdhulp_doorlooptijd_seconds_bucket{",
    "jeugdhulp_beeindigd_total{",
    "gi_capaciteit{",
    "gi_bepalingen_total{",
    # Maatregelen of the history's last weeks mostly still wait for a date, and requests for their answer (the
    # simulator answers after up to 15 working days); on the days none does, the fixture's waiting_stages do.
    "gi_maatregelen_wachtend{",
    # A series per gemeente and categorie with a request unanswered, above 0 where one is past its 5 working days.
    "jeugdhulp_verzoeken_onbeantwoord_boven_norm{",
    # The outcomes of this calendar month and the one before: the nine months of history end today, so the month
    # before has outcomes whatever the day (on the 1st this month may have none yet).
    "jeugdhulp_norm_maand{",
)


# --- a real Prometheus -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def write_config(directory: Path, target_url: str) -> Path:
    """Scrape and evaluate every second; rule groups lose their own interval so the 30-day ones run too."""
    rule_paths = []
    for source in RULE_FILES:
        doc = yaml.safe_load(source.read_text(encoding="utf-8"))
        for group in doc["groups"]:
            group.pop("interval", None)
        rule_paths.append(directory / source.name)
        rule_paths[-1].write_text(yaml.safe_dump(doc), encoding="utf-8")
    url = urlsplit(target_url)
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "1s"},
        "rule_files": [str(p) for p in rule_paths],
        "scrape_configs": [
            {
                "job_name": "hub-processors",
                "scheme": url.scheme,
                "metrics_path": url.path or "/metrics",
                "static_configs": [{"targets": [url.netloc]}],
            }
        ],
    }
    path = directory / "prometheus.yml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def query(client: httpx.Client, promql: str) -> dict[str, Any]:
    response = client.post("/api/v1/query", data={"query": promql})
    body: dict[str, Any] = response.json()
    assert response.status_code == 200 and body["status"] == "success", f"{promql}\n{body}"
    data: dict[str, Any] = body["data"]
    return data


def samples(data: dict[str, Any]) -> list[float]:
    if data["resultType"] == "scalar":
        return [float(data["result"][1])]
    if data["resultType"] == "matrix":
        return [float(v) for series in data["result"] for _, v in series["values"]]
    return [float(series["value"][1]) for series in data["result"]]


def wait_for_history(url: str, timeout: float = 120.0) -> None:
    """Until the hub has processed the simulated history: every dashboard's domain metrics exist."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            text = httpx.get(url, timeout=10).text
        if all(f"\n{name}" in text for name in HUB_READY_SERIES):
            return
        time.sleep(1)
    missing = [name for name in HUB_READY_SERIES if f"\n{name}" not in text]
    pytest.fail(f"the demo hub did not expose {missing} within {timeout}s")


def wait_until_recorded(client: httpx.Client, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until every recording rule has produced a series: then every dashboard query has its inputs."""
    deadline = time.monotonic() + READY_TIMEOUT
    missing = list(recorded())
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"prometheus exited with {process.returncode}\n{log.read_text(errors='replace')[-3000:]}"
            )
        with contextlib.suppress(httpx.TransportError):  # not listening yet
            missing = [r for r in missing if not query(client, f"count({r})")["result"]]
        if not missing:
            return
        time.sleep(0.5)
    pytest.fail(f"no series after {READY_TIMEOUT}s for {missing}\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture(scope="module")
def prometheus(scrape_target: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A Prometheus on a free loopback port that scrapes scrape_target and runs our rules; yields its API client."""
    if PROMETHEUS is None:
        pytest.skip("prometheus not installed (apt-get install -y prometheus)")
    directory = tmp_path_factory.mktemp("prometheus")
    config = write_config(directory, scrape_target)
    port = free_port()
    log = directory / "prometheus.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            wait_for_history(scrape_target)
            wait_until_recorded(client, process, log)
            time.sleep(5)  # a few more scrapes and rule evaluations after the history is in
            yield client
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def assert_has_data(data: dict[str, Any], promql: str) -> None:
    values = samples(data)
    assert values, f"no data for {promql}"
    assert any(math.isfinite(v) for v in values), f"only NaN/Inf for {promql}: {values}"


@pytest.mark.prometheus
@pytest.mark.parametrize(("name", "expr"), panel_queries())
def test_panel_query_returns_data(prometheus: httpx.Client, name: str, expr: str) -> None:
    promql = substitute(expr, dashboards()[name])
    assert_has_data(eventually(prometheus, promql), promql)


def eventually(client: httpx.Client, promql: str, timeout: float = READY_TIMEOUT) -> dict[str, Any]:
    """The query's answer once it has data, else its last answer after `timeout` seconds.

    The demo hub's state moves while Prometheus scrapes (its history still flowing, live traffic added), so a
    gauge of one stage (bepalingen not yet requested, say) can be empty for a moment and filled again later;
    a query that errors fails at once.
    """
    deadline = time.monotonic() + timeout
    while True:
        data = query(client, promql)
        if samples(data) or time.monotonic() > deadline:
            return data
        time.sleep(1)


@pytest.mark.prometheus
@pytest.mark.parametrize(("name", "var"), variable_queries())
def test_variable_query_returns_values(prometheus: httpx.Client, name: str, var: str) -> None:
    promql, label = label_values_query(name, var)
    result = query(prometheus, promql)["result"]
    assert [s["metric"][label] for s in result if s["metric"].get(label)], f"no values for {promql}"


@pytest.mark.prometheus
@pytest.mark.parametrize("promql", [pytest.param(expr, id=name) for name, expr in recorded().items()])
def test_recording_rule_expression_returns_data(prometheus: httpx.Client, promql: str) -> None:
    assert_has_data(query(prometheus, promql), promql)


@pytest.mark.prometheus
def test_every_rule_evaluates_without_error(prometheus: httpx.Client) -> None:
    response = prometheus.get("/api/v1/rules")
    groups = response.json()["data"]["groups"]
    rules = [r for g in groups for r in g["rules"]]
    assert {r["name"] for r in rules} >= set(recorded())
    assert [(r["name"], r.get("lastError")) for r in rules if r["health"] != "ok"] == []


def merged_tables() -> list[Any]:
    """(dashboard file, panel) of every table that merges its targets' rows (Grafana's merge transformation)."""
    return [
        pytest.param(name, p, id=f"{d['title']}/{p['title']}")
        for name, d in dashboards().items()
        for p in panels(d)
        if any(t["id"] == "merge" for t in p.get("transformations", []))
    ]


@pytest.mark.prometheus
@pytest.mark.parametrize(("name", "panel"), merged_tables())
def test_a_merged_tables_targets_answer_with_the_same_labels(
    prometheus: httpx.Client, name: str, panel: dict[str, Any]
) -> None:
    """Grafana merges rows on equal label columns: a target whose series keep a rule's name (__name__) put its
    values in rows of their own, beside the others' (found by a monitoring team)."""
    label_sets = []
    for target in panel["targets"]:
        promql = substitute(target["expr"], dashboards()[name])
        result = eventually(prometheus, promql)["result"]
        assert result, f"no data for {promql}"
        assert all("__name__" not in series["metric"] for series in result), promql
        label_sets.append({frozenset(series["metric"]) for series in result})
    assert all(labels == label_sets[0] for labels in label_sets), label_sets
