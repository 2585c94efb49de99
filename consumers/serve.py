"""`hub run`: the service — subscribers of the chosen roles, the HTTP gateway, /metrics, /healthz and /readyz.

One asyncio loop runs uvicorn and the broker; SIGTERM (handled by uvicorn) starts the lifespan shutdown, which
stops taking HTTP messages, lets in-flight messages finish and commit, and closes within the grace period. A start
that fails ends the process with status 3 (uvicorn's start-up failure), also when it is the consumers' start that
waited for `hub db upgrade`, so an orchestrator restarts it rather than keeping a hub that does not consume. The
socket is bound before anything else starts (`listen`), so a port in use ends the start before the database is
touched; a start that fails is reported in one line (`StartFailed`), never as a traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.config import STARTUP_FAILURE

from consumers.app import Role, Runtime
from consumers.broker import BrokerSettings, largest_record
from hub.errors import ConfigError, describe
from hub.settings import HubSettings
from hub.store.spool import Spool
from producers.gateway import create_app
from producers.health import Health, kafka_probe
from producers.http_guard import guarded
from producers.publisher import RawPublisher

log = logging.getLogger("hub.run")


@dataclass
class Service:
    runtime: Runtime
    app: FastAPI
    publisher: RawPublisher | None
    start_failure: BaseException | None = field(default=None, init=False)  # what ended the start, if anything


class StartFailed(Exception):
    """The service did not start; the message says why, in one line.

    `status`: 3 as uvicorn's start-up failure (an orchestrator restarts the hub), or 2 for a configuration the hub
    refuses (ConfigError: another pseudonymisation key than the store's), as when a setting is invalid.
    """

    def __init__(self, message: str, status: int = STARTUP_FAILURE) -> None:
        super().__init__(message)
        self.status = status

    @classmethod
    def of(cls, exc: BaseException, bootstrap: str) -> StartFailed:
        if isinstance(exc, ConfigError):
            return cls(str(exc), status=2)
        return cls(describe_start_failure(exc, bootstrap))


def describe_start_failure(exc: BaseException, bootstrap: str) -> str:
    """One line for an operator: what would not start, without a traceback."""
    if type(exc).__module__.startswith("aiokafka"):
        return f"cannot reach the Kafka broker at {bootstrap}: {describe(exc)}"
    return describe(exc)


def listen(settings: HubSettings, backlog: int = 2048) -> socket.socket:
    """The HTTP socket, bound and listening: an address in use or unknown raises OSError before the start.

    Listening at once, not only bound: two sockets with SO_REUSEADDR may both bind one address until one of them
    listens, so two hubs starting together would both get past here and the second fail inside uvicorn. Requests
    that come during the start wait in the backlog (uvicorn's default size) until the server accepts them.
    """
    host = settings.http_host
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        # As uvicorn binds its own: a restarted hub takes its port back while old connections linger.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, settings.http_port))
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def build_service(
    settings: HubSettings,
    broker_settings: BrokerSettings,
    roles: tuple[Role, ...],
    *,
    on_started: Callable[[Service], None] | None = None,
) -> Service:
    runtime = Runtime(settings, broker_settings, settings.database_url, roles=roles, serves_http=True)
    runtime.prepare()
    publisher = None
    if runtime.has("gateway"):
        # The spool lives in the hub's store, so a 202 survives a gateway that stops while the broker is away.
        publisher = RawPublisher(
            runtime.broker,
            runtime.topics,
            Spool(runtime.sessions),
            capacity=settings.gateway_buffer,
            owns_broker=False,
        )
    health = Health(
        broker=kafka_probe(runtime.bootstrap, broker_settings),
        engine=runtime.engine,
        liveness={"publisher": lambda: publisher.running} if publisher is not None else None,
        # The gateway alone has no subscribers to wait for (it starts them only once the broker answers).
        consumers_started=(lambda: runtime.consuming) if runtime.consumes else None,
    )
    service: Service

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            await runtime.start()
            if publisher is not None:
                await publisher.start()
        except Exception as exc:
            # serve() keeps uvicorn from logging the traceback and `hub run` prints the one line.
            service.start_failure = exc
            with contextlib.suppress(Exception):  # release what did start (connections, the embedded broker)
                await runtime.stop()
            raise
        if on_started is not None:
            on_started(service)
        try:
            yield
        finally:
            # Nothing in flight can finish once the embedded broker is gone: no grace to wait out.
            grace = 1.0 if runtime.broker_gone else settings.shutdown_grace_seconds
            if publisher is not None:
                await publisher.stop(grace=grace)
            try:
                await asyncio.wait_for(runtime.stop(), timeout=grace)
            except TimeoutError:
                log.warning(
                    "shutdown grace period passed; closing with messages in flight (they will be redelivered)"
                )

    # A message the producer cannot publish would be accepted (202) and then wait in the spool for ever,
    # holding up every message behind it: the gateway refuses it with 413 instead.
    gateway_settings = settings
    if largest_record(broker_settings) < settings.max_message_bytes:
        gateway_settings = settings.model_copy(update={"max_message_bytes": largest_record(broker_settings)})
    app = create_app(
        gateway_settings,
        runtime.validator,
        runtime.sessions,
        publisher,
        runtime.registry,
        health,
        roles_gateway=runtime.has("gateway"),
        metrics=runtime.metrics,
        lifespan=lifespan,
    )
    service = Service(runtime, app, publisher)
    return service


def http_protocol() -> str:
    """uvicorn's HTTP/1.1 implementation: httptools (C parser) when it imports, else the pure-Python h11."""
    try:
        importlib.import_module("httptools")
    except ImportError:
        return "h11"
    return "httptools"


def stop_on_failure(server: uvicorn.Server, failed: list[BaseException]) -> Callable[[BaseException], None]:
    """What the runtime calls when its consumers fail to start or its embedded broker dies: keep the cause and stop
    the server gracefully, as after SIGTERM. Not during a stop already under way: systemd signals every process
    of the unit, so the broker may end with the hub, and that is no failure."""

    def stop(exc: BaseException) -> None:
        if not server.should_exit:
            failed.append(exc)
            server.should_exit = True

    return stop


def _quiet_start(service: Service) -> Any:
    """The service's ASGI app, but a failed start reaches uvicorn without its traceback (StartFailed says it)."""
    app = service.app

    async def asgi(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return

        async def send_quietly(message: Any) -> None:
            if message["type"] == "lifespan.startup.failed" and service.start_failure is not None:
                message = {**message, "message": ""}  # uvicorn logs a non-empty message: the traceback
            await send(message)

        await app(scope, receive, send_quietly)

    return asgi


def serve(service: Service, settings: HubSettings, sock: socket.socket | None = None) -> None:
    """Run the service until SIGTERM (then return), on `sock` when given (see `listen`).

    Ends with StartFailed when the start fails, or SystemExit(3) when the consumers fail to start later (StartFailed
    when they refuse the configuration then: the key check waits for a current schema).
    """
    config = uvicorn.Config(
        _quiet_start(service),
        host=settings.http_host,
        port=settings.http_port,
        # httptools costs the gateway about a fifth less CPU per request than h11. The loop stays asyncio's
        # own, also where uvloop is installed: with uvloop the hub's connections broke in a trial.
        http=guarded(settings.http_max_connections) if http_protocol() == "httptools" else "h11",
        loop="asyncio",
        log_config=None,  # our logging (hub.logs) stays in charge
        # uvicorn formats an access line per request before its logger drops it; hub.logs quiets that logger.
        access_log=logging.getLogger("uvicorn.access").isEnabledFor(logging.INFO),
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
    )
    server = uvicorn.Server(config)
    failed: list[BaseException] = []
    service.runtime.on_consumers_failed = stop_on_failure(server, failed)
    # uvicorn handles SIGTERM, shuts down gracefully and then raises the signal again for the handler it found;
    # with the default one the process would end as "killed by SIGTERM". A finished shutdown is a normal exit (0).
    signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        server.run(sockets=[sock] if sock is not None else None)
    except SystemExit:
        if service.start_failure is not None:
            bootstrap = getattr(service.runtime, "bootstrap", "")
            raise StartFailed.of(service.start_failure, bootstrap) from None
        raise
    if failed and isinstance(failed[0], ConfigError):
        raise StartFailed.of(failed[0], "")
    if failed:
        raise SystemExit(STARTUP_FAILURE)
