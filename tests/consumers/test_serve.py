"""consumers.serve: the HTTP implementation `hub run` gives uvicorn, and what the service it builds serves per role."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from pydantic import SecretStr

from consumers import serve
from consumers.app import Role
from consumers.broker import BrokerSettings
from hub.settings import HubSettings


def test_httptools_when_it_imports() -> None:
    importlib.import_module("httptools")  # a dependency of the hub (pyproject)
    assert serve.http_protocol() == "httptools"


def test_h11_when_httptools_does_not_import(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def without_httptools(name: str, package: str | None = None) -> ModuleType:
        if name == "httptools":
            raise ImportError("no httptools here")
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", without_httptools)
    assert serve.http_protocol() == "h11"


# ---- build_service, in-process and without a broker (pinned after a mutation pass) -------------------------------


def built(tmp_path: Path, roles: tuple[Role, ...]) -> serve.Service:
    settings = HubSettings(
        database_url=f"sqlite:///{tmp_path / 'hub.sqlite'}",
        pseudonym_key=SecretStr("serve-test-pseudonym-key-0123456789"),
    )
    # A broker address is set, so nothing is embedded; nothing connects until the lifespan starts.
    return serve.build_service(settings, BrokerSettings(bootstrap_servers="127.0.0.1:1"), roles)


async def test_a_process_without_the_gateway_serves_health_and_metrics_but_takes_no_berichten(
    tmp_path: Path,
) -> None:
    service = built(tmp_path, ("processors",))
    assert service.publisher is None
    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
        assert (await client.get("/healthz")).status_code == 200  # no publisher to be alive
        metrics = await client.get("/metrics")
        assert metrics.status_code == 200 and "hub_messages_total" in metrics.text
        assert (await client.post("/berichten", content=b"<x/>")).status_code in (404, 405)


async def test_the_gateway_is_alive_only_while_its_publisher_runs(tmp_path: Path) -> None:
    service = built(tmp_path, ("gateway",))
    assert service.publisher is not None
    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
        # Not started (no lifespan here): a gateway whose spool is not published is restarted, not kept.
        assert (await client.get("/healthz")).status_code == 503


def test_the_gateway_leaves_the_shared_broker_to_the_consumers_to_stop(tmp_path: Path) -> None:
    # `hub run --role all`: the publisher stops first; were it to stop the one broker, the subscribers' in-flight
    # messages could no longer be committed within the grace period.
    service = built(tmp_path, ("all",))
    assert service.publisher is not None and service.publisher.owns_broker is False
