"""consumers.serve: the HTTP implementation `hub run` gives uvicorn, and what the service it builds serves per role."""

from __future__ import annotations

import gc
import importlib
import logging
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, ClassVar

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from consumers import serve
from consumers.app import Role
from consumers.broker import BrokerSettings, largest_record
from consumers.embedded import free_port
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


def built(tmp_path: Path, roles: tuple[Role, ...], **options: Any) -> serve.Service:
    settings = HubSettings(
        database_url=f"sqlite:///{tmp_path / 'hub.sqlite'}",
        pseudonym_key=SecretStr("serve-test-pseudonym-key-0123456789"),
    )
    # A broker address is set, so nothing is embedded; nothing connects until the lifespan starts.
    return serve.build_service(settings, BrokerSettings(bootstrap_servers="127.0.0.1:1"), roles, **options)


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


# aiokafka leaves the producer of a connection attempt that failed unclosed (it warns when collected, below).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_the_gateways_publisher_runs_from_start_to_shutdown_and_on_started_sees_it(
    tmp_path: Path,
) -> None:
    seen: list[bool] = []
    service = built(
        tmp_path,
        ("gateway",),
        on_started=lambda s: seen.append(s.publisher is not None and s.publisher.running),
    )
    assert service.publisher is not None
    # The broker does not answer: the gateway starts anyway (it spools), and stops its publisher at shutdown.
    async with service.app.router.lifespan_context(service.app):
        assert seen == [True] and service.publisher.running
    assert not service.publisher.running
    gc.collect()


# ---- serve: what `hub run` hands uvicorn (pinned after a mutation pass) --------------------------------------------


class Server:
    """uvicorn.Server as serve() uses it; `failure`: the consumers fail to start while it runs."""

    configs: ClassVar[list[uvicorn.Config]] = []
    sigterms: ClassVar[
        list[Any]
    ] = []  # the SIGTERM handler uvicorn finds (and calls again after its shutdown)
    failure: BaseException | None = None
    runtimes: ClassVar[list[Any]] = []  # of the services made by fake_service(), the newest last
    sockets: ClassVar[list[Any]] = []  # what each run() was given

    def __init__(self, config: uvicorn.Config) -> None:
        self.configs.append(config)
        self.config = config
        self.should_exit = False

    def run(self, sockets: list[Any] | None = None) -> None:
        self.sigterms.append(signal.getsignal(signal.SIGTERM))
        self.sockets.append(sockets)
        if self.failure is not None:
            self.runtimes[-1].on_consumers_failed(self.failure)
            assert self.should_exit, "a failed start shuts the server down as a SIGTERM would"


def fake_service() -> serve.Service:
    runtime = SimpleNamespace(on_consumers_failed=None)
    Server.runtimes.append(runtime)
    return serve.Service(runtime, FastAPI(), None)  # type: ignore[arg-type]


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Server]]:
    monkeypatch.setattr(uvicorn, "Server", Server)
    monkeypatch.setattr(Server, "configs", [])
    monkeypatch.setattr(Server, "sigterms", [])
    monkeypatch.setattr(Server, "failure", None)
    monkeypatch.setattr(Server, "runtimes", [])
    monkeypatch.setattr(Server, "sockets", [])
    sigterm = signal.getsignal(signal.SIGTERM)
    yield Server
    signal.signal(signal.SIGTERM, sigterm)


def test_hub_run_listens_where_configured_with_the_grace_period_and_without_access_lines(
    servers: type[Server],
) -> None:
    settings = HubSettings(http_host="127.0.0.9", http_port=8181, shutdown_grace_seconds=7.5)
    root, access = logging.getLogger(), logging.getLogger("uvicorn.access")
    levels = root.level, access.level
    try:
        root.setLevel(logging.INFO)
        access.setLevel(logging.WARNING)  # as hub.logs quiets it
        serve.serve(fake_service(), settings)  # returns: a finished shutdown is exit status 0
        (config,) = servers.configs
        assert (config.host, config.port, config.timeout_graceful_shutdown) == ("127.0.0.9", 8181, 7)
        assert config.loop == "asyncio" and isinstance(config.http, type)
        assert issubclass(config.http, HttpToolsProtocol)  # guarded: producers.http_guard
        assert config.access_log is False
        # Not the default handler: uvicorn re-raises SIGTERM after its shutdown, which would end the process as
        # "killed by SIGTERM" instead of with status 0.
        assert servers.sigterms[0] not in (signal.SIG_DFL, None)
        access.setLevel(logging.INFO)
        serve.serve(fake_service(), settings)
        assert servers.configs[-1].access_log is True
    finally:
        root.setLevel(levels[0])
        access.setLevel(levels[1])


def test_hub_run_ends_with_status_3_when_its_consumers_fail_to_start(servers: type[Server]) -> None:
    servers.failure = RuntimeError("group not authorized")
    with pytest.raises(SystemExit) as ended:
        serve.serve(fake_service(), HubSettings())
    assert ended.value.code == 3


async def test_a_gateway_limit_below_what_the_broker_takes_is_kept(tmp_path: Path) -> None:
    settings = HubSettings(
        database_url=f"sqlite:///{tmp_path / 'hub.sqlite'}",
        pseudonym_key=SecretStr("serve-test-pseudonym-key-0123456789"),
        api_keys=SecretStr('{"limit-key": ["0200"]}'),
        max_message_bytes=1000,
    )
    broker = BrokerSettings(bootstrap_servers="127.0.0.1:1")
    assert largest_record(broker) > 1000
    service = serve.build_service(settings, broker, ("gateway",))
    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub") as client:
        response = await client.post(
            "/berichten",
            content=b"<x>" + b" " * 1000 + b"</x>",
            headers={"X-API-Key": "limit-key", "Content-Type": "application/xml"},
        )
    assert response.status_code == 413, response.text


# ---- a start that fails, through the real uvicorn ---------------------------------------------------------------


def test_a_start_that_cannot_reach_the_broker_ends_in_one_line_without_a_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = HubSettings(
        database_url=f"sqlite:///{tmp_path / 'hub.sqlite'}",
        pseudonym_key=SecretStr("serve-test-pseudonym-key-0123456789"),
        http_port=free_port(),
    )
    service = serve.build_service(settings, BrokerSettings(bootstrap_servers="127.0.0.1:1"), ("intake",))
    sigterm = signal.getsignal(signal.SIGTERM)
    caplog.set_level(logging.INFO)
    try:
        with serve.listen(settings) as sock, pytest.raises(serve.StartFailed) as failed:
            serve.serve(service, settings, sock)
    finally:
        signal.signal(signal.SIGTERM, sigterm)
    assert str(failed.value).startswith("cannot reach the Kafka broker at 127.0.0.1:1: KafkaConnectionError")
    assert "\n" not in str(failed.value)
    assert not [r for r in caplog.records if "Traceback" in r.getMessage() or r.exc_info]
    assert any("startup failed" in r.getMessage() for r in caplog.records)  # uvicorn's own line stays


def test_listen_binds_before_the_start_and_refuses_a_port_in_use() -> None:
    settings = HubSettings(http_host="127.0.0.1", http_port=free_port())
    with serve.listen(settings) as sock:
        assert sock.getsockname() == ("127.0.0.1", settings.http_port)
        with socket.socket() as other, pytest.raises(OSError):
            other.bind(("127.0.0.1", settings.http_port))
        # A second hub starting at the same time, its socket reusable as ours: refused here, not inside uvicorn
        # after it migrated (two bound sockets with SO_REUSEADDR do not conflict until one listens).
        with pytest.raises(OSError):
            serve.listen(settings)
    with pytest.raises(OSError):
        serve.listen(HubSettings(http_host="999.1.1.1"))


def test_a_failure_stops_the_server_once_and_a_stop_under_way_is_no_failure() -> None:
    """The runtime's failure callback (consumers failed to start, the embedded broker died): the server stops and
    the cause is kept; during a stop already under way (systemd signals the broker too) nothing is a failure."""
    server = SimpleNamespace(should_exit=False)
    failed: list[BaseException] = []
    stop = serve.stop_on_failure(server, failed)  # type: ignore[arg-type]
    died = RuntimeError("the embedded Kafka broker exited with status 1")
    stop(died)
    assert server.should_exit and failed == [died]
    stopping = SimpleNamespace(should_exit=True)
    failed_while_stopping: list[BaseException] = []
    serve.stop_on_failure(stopping, failed_while_stopping)(died)  # type: ignore[arg-type]
    assert failed_while_stopping == []
