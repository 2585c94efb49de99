"""Liveness and readiness of a hub process, used by every role (`/healthz`, `/readyz`).

Alive: the process answers (and the background tasks it names are running). Ready: the broker answers a
metadata request, the database answers a query and its schema is at the newest migration, and the consumers of
this process, which wait for that migration, have started. Every check has a short timeout, so a probe never hangs
on a paused broker or a stuck database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiokafka.client import AIOKafkaClient
from faststream.kafka.security import parse_security
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from consumers.broker import BrokerSettings, build_security
from hub.store.db import is_current

__all__ = ["BrokerProbe", "Health", "kafka_probe"]

log = logging.getLogger("hub.health")

BrokerProbe = Callable[[], Awaitable[bool]]


def kafka_probe(
    bootstrap: str, settings: BrokerSettings | None = None, *, timeout: float = 2.0
) -> BrokerProbe:
    """A probe that bootstraps a throwaway Kafka client (one Metadata request) with the hub's security settings."""
    security = parse_security(build_security(settings)) if settings is not None else {}
    client_id = settings.client_id if settings is not None else "ijw-hub"

    async def probe() -> bool:
        # The client's own request timeout ends a hanging request and closes its connection; cancelling it from
        # outside would leave the connection open.
        client = AIOKafkaClient(
            bootstrap_servers=bootstrap.split(","),
            client_id=f"{client_id}-health",
            request_timeout_ms=max(int(timeout * 1000), 1),
            **security,
        )
        try:
            await client.bootstrap()
        except Exception:
            return False
        finally:
            await client.close()
        return True

    return probe


def _database(engine: Engine) -> tuple[bool, bool]:
    """(reachable, migrated to head)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False, False
    return True, is_current(engine)


class Health:
    """The checks of one process; `broker`/`engine` None leaves that check out (a role that does not use it).

    `consumers_started`: whether this process's consumers run; folded into `migrations`, the check they wait for,
    so the documented checks stay the same.
    """

    def __init__(
        self,
        *,
        broker: BrokerProbe | None = None,
        engine: Engine | None = None,
        timeout: float = 2.0,
        checks: Mapping[str, Callable[[], bool]] | None = None,
        liveness: Mapping[str, Callable[[], bool]] | None = None,
        consumers_started: Callable[[], bool] | None = None,
    ) -> None:
        self.broker = broker
        self.engine = engine
        self.timeout = timeout
        self.checks = dict(checks or {})
        self.liveness = dict(liveness or {})
        self.consumers_started = consumers_started

    def alive(self) -> bool:
        """The process answers and every liveness check (e.g. the publisher's retry task is running) holds."""
        return all(_safe(name, check) for name, check in self.liveness.items())

    async def ready(self) -> dict[str, bool]:
        """Each readiness check by name: broker, database, migrations, plus the extra checks given."""
        result: dict[str, bool] = {}
        broker, database = await asyncio.gather(self._broker(), self._database())
        if broker is not None:
            result["broker"] = broker
        if database is not None:
            result["database"], result["migrations"] = database
            if self.consumers_started is not None:
                # The consumers start some seconds after `hub db upgrade` (they poll the schema): until then the
                # migrations have not taken effect in this process.
                result["migrations"] = result["migrations"] and _safe("consumers", self.consumers_started)
        for name, check in self.checks.items():
            result[name] = _safe(name, check)
        return result

    async def _broker(self) -> bool | None:
        if self.broker is None:
            return None
        try:
            # Backstop only: kafka_probe ends itself after `timeout`; a custom probe might not.
            return await asyncio.wait_for(self.broker(), self.timeout + 1.0)
        except Exception:
            return False

    async def _database(self) -> tuple[bool, bool] | None:
        if self.engine is None:
            return None
        try:
            return await asyncio.wait_for(asyncio.to_thread(_database, self.engine), self.timeout)
        except Exception:  # TimeoutError: the thread finishes on its own; the probe answers now
            return False, False


def _safe(name: str, check: Callable[[], bool]) -> bool:
    try:
        return bool(check())
    except Exception as exc:  # a broken check is a failed check, not a failed probe
        log.warning("health check failed", extra={"check": name, "error": type(exc).__name__})
        return False
