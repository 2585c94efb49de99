"""producers.ops: /healthz and /readyz as docs/operations.md's endpoint table describes them.

/healthz is 503 once a liveness check fails (the image's HEALTHCHECK and the Kubernetes liveness probe restart the
process); /readyz names every failed check and reports them all, `skip` (repeatable) leaves checks out of the
status only (an unknown name is 422: tests/producers/test_openapi_contract.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from producers.health import Health
from tests.producers.conftest import Parts
from tests.producers.test_gateway import assert_problem, client_for


@dataclass
class Checks:
    """Stands in for producers.health.Health with fixed answers."""

    checks: dict[str, bool] = field(default_factory=dict)
    live: bool = True

    def alive(self) -> bool:
        return self.live

    async def ready(self) -> dict[str, bool]:
        return dict(self.checks)


async def test_healthz_is_503_not_alive_when_a_liveness_check_fails(parts: Parts) -> None:
    app = parts.app()
    app.state.health = Health(liveness={"publisher retry task": lambda: False})
    async with client_for(app) as client:
        body = assert_problem(await client.get("/healthz"), 503, "not-alive")
    assert body["title"] == "Not alive" and "checks" not in body


async def test_readyz_names_every_failed_check_in_order(parts: Parts) -> None:
    app = parts.app()
    app.state.health = Checks({"broker": False, "database": False, "migrations": False})
    async with client_for(app) as client:
        body = assert_problem(await client.get("/readyz"), 503, "not-ready")
        skipped = assert_problem(await client.get("/readyz?skip=database"), 503, "not-ready")
    assert (body["title"], body["detail"]) == ("Not ready", "failed: broker, database, migrations")
    assert body["checks"] == {"broker": False, "database": False, "migrations": False}
    assert skipped["detail"] == "failed: broker, migrations"
    assert skipped["checks"] == body["checks"]


async def test_readyz_skip_takes_each_documented_check_and_is_repeatable(parts: Parts) -> None:
    """`?skip=broker` (also `database`, `migrations`; repeatable): still reported in `checks`."""
    app = parts.app()
    checks = {"broker": False, "database": False, "migrations": False}
    app.state.health = Checks(checks)
    async with client_for(app) as client:
        ready = await client.get("/readyz?skip=broker&skip=database&skip=migrations")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": checks}
