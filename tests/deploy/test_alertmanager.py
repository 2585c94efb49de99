"""deploy/alertmanager/alertmanager.yml: every route ends at a defined receiver; amtool checks it where installed."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.deploy.contract import DEPLOY

CONFIG = DEPLOY / "alertmanager" / "alertmanager.yml"


def _routes(route: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield route
    for child in route.get("routes", []):
        yield from _routes(child)


def test_routes_end_at_defined_receivers() -> None:
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    receivers = [receiver["name"] for receiver in config["receivers"]]
    assert len(receivers) == len(set(receivers))
    routes = list(_routes(config["route"]))
    assert len(routes) > 1
    for route in routes:
        assert route.get("receiver", config["route"]["receiver"]) in receivers
    # The root route must catch everything: it may not filter.
    assert "matchers" not in config["route"]


@pytest.mark.skipif(
    shutil.which("amtool") is None, reason="amtool not installed (Debian: prometheus-alertmanager)"
)
def test_amtool_accepts_the_config() -> None:
    result = subprocess.run(
        ["amtool", "check-config", str(CONFIG)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
