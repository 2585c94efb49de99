"""The OpenAPI document tells the truth: each answer of each route, one of every kind, has a status, media type,
headers and body that /openapi.json declares for it, and each route is seen answering every status it declares.

Backoffices generate their clients from the document, and such a client breaks on an answer it does not describe.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jsonschema
import pytest
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from sqlalchemy import Engine

import producers.routes
from hub.intake import Intake
from hub.store import retention
from hub.store.db import make_engine, session_factory
from hub.validate import Validator
from producers.gateway import create_app
from producers.health import Health
from tests.hub.intake_helpers import new_intake
from tests.producers.conftest import AANBIEDER_KEY, GEMEENTE_KEY, TODAY, Parts, make_settings
from tests.producers.test_gateway import client_for, jw301, post
from tests.producers.test_statusmeldingen import GI_KEY, KEYS, made

AUTH = {"X-API-Key": GEMEENTE_KEY}
HUB_KEY = SecretStr("openapi-contract-pseudonym-key-0123456789")  # one deployment of two replicas
UNKNOWN = "0" * 32
TRACE, RETOUR = "/berichten/{bericht_id}", "/berichten/{bericht_id}/retour"
# Headers every HTTP answer has; any other header an answer carries must be in the document.
FRAMING = {"content-type", "content-length"}

FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    """RFC 3339 as OpenAPI means it: with an offset (jsonschema checks it only with an optional package)."""
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


@dataclass
class Contract:
    """The served document, and the statuses each operation was seen answering."""

    document: dict[str, Any]
    seen: defaultdict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def check(self, method: str, path: str, response: httpx.Response) -> None:
        """The answer is declared for its operation and status: media type, headers and body schema."""
        status = str(response.status_code)
        where = f"{method.upper()} {path} {status}"
        declared = self.document["paths"][path][method]["responses"]
        assert status in declared, f"{where} is not declared ({sorted(declared)}): {response.text}"
        spec = declared[status]
        media = response.headers["content-type"]
        assert media in spec.get("content", {}), f"{where}: {media} is not declared"
        headers = {name.lower(): value for name, value in spec.get("headers", {}).items()}
        for name, value in response.headers.items():
            if name in FRAMING:
                continue
            assert name in headers, f"{where}: header {name} is not declared"
            if headers[name]["schema"]["type"] == "integer":
                assert value.isdigit(), f"{where}: {name}: {value} is not an integer"
        schema = spec["content"][media]["schema"]
        body = response.json() if media.endswith("json") else response.text
        validator = jsonschema.Draft202012Validator(
            {**schema, "components": self.document["components"]}, format_checker=FORMATS
        )
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert not errors, f"{where}: {errors}"
        self.seen[(method, path)].add(status)

    def assert_all_seen(self, method: str, path: str, elsewhere: frozenset[str] = frozenset()) -> None:
        """Seen exactly the declared statuses, but those another test provokes (`elsewhere`) and 500: every
        route declares it (its router does) and test_an_unexpected_error_is_a_declared_500 provokes it once."""
        declared = set(self.document["paths"][path][method]["responses"]) - {"500", *elsewhere}
        assert self.seen[(method, path)] - {"500", *elsewhere} == declared


@pytest.fixture
async def contract(parts: Parts) -> Contract:
    async with client_for(parts.app()) as client:
        return Contract((await client.get("/openapi.json")).json())


@pytest.fixture
def intake(parts: Parts) -> Intake:
    # The wall clock: the purge cuts off at the real now, after the retour's delivery.
    return new_intake(parts.db, TODAY, now=lambda: datetime.now(UTC))


@pytest.fixture
def nowhere() -> Iterator[Engine]:
    """A store that never answers: the GET routes' 503."""
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    yield engine
    engine.dispose()


@pytest.fixture
async def replicas(parts: Parts) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two gateways of one deployment: the one a message was posted to, and another."""
    async with (
        client_for(parts.app(pseudonym_key=HUB_KEY)) as taker,
        client_for(parts.app(pseudonym_key=HUB_KEY)) as other,
    ):
        yield taker, other


def test_every_declared_schema_is_json_schema_2020_12(contract: Contract) -> None:
    for operations in contract.document["paths"].values():
        for operation in operations.values():
            for response in operation["responses"].values():
                for media in response.get("content", {}).values():
                    schema = {**media["schema"], "components": contract.document["components"]}
                    jsonschema.Draft202012Validator.check_schema(schema)


async def test_post_berichten(parts: Parts, contract: Contract) -> None:
    def check(response: httpx.Response) -> None:
        contract.check("post", "/berichten", response)

    data = jw301()
    async with client_for(parts.app(max_message_bytes=len(data) + 100)) as client:
        check(await post(client, data))
        with_retour = await post(client, jw301(Client__Bsn="123456789"))  # CS002: a 0001 retour at once
        assert "retour" in with_retour.json()
        check(with_retour)
        check(await post(client, jw301(Client__Bsn="12AB")))  # 422: not XSD-valid
        check(await post(client, data[:1000]))  # 422: not well-formed
        check(await post(client, data, key=None))
        check(await post(client, data, key="wrong"))
        check(await post(client, data, key=AANBIEDER_KEY))  # 403
        check(await post(client, data + b" " * 200))  # 413
        check(await post(client, data, content_type="text/plain"))  # 415
        encoded = {"Content-Type": "application/xml", "X-API-Key": GEMEENTE_KEY}
        brotli = await client.post("/berichten", content=data, headers={**encoded, "Content-Encoding": "br"})
        assert "accept-encoding" in brotli.headers
        check(brotli)
        torn = await client.post(
            "/berichten", content=gzip.compress(data)[:-8], headers={**encoded, "Content-Encoding": "gzip"}
        )
        check(torn)  # 400
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(producers.routes, "BODY_SECONDS", 0.1)

            async def slow() -> AsyncIterator[bytes]:
                yield data[:100]
                await asyncio.sleep(1)
                yield data[100:]

            check(await client.post("/berichten", content=slow(), headers=encoded))  # 408
        parts.publisher.full = True
        check(await post(client, data))  # 503
    contract.assert_all_seen("post", "/berichten")


async def test_get_bericht(
    parts: Parts,
    contract: Contract,
    intake: Intake,
    replicas: tuple[httpx.AsyncClient, httpx.AsyncClient],
    nowhere: Engine,
    validator: Validator,
) -> None:
    def check(response: httpx.Response) -> None:
        contract.check("get", TRACE, response)

    taker, other = replicas
    posted = (await post(taker, jw301())).json()["id"]
    received = await taker.get(f"/berichten/{posted}", headers=AUTH)
    assert received.json()["status"] == "ontvangen"
    check(received)
    check(await other.get(f"/berichten/{posted}", headers=AUTH))  # 409: the other replica
    judged = intake.verwerk(jw301(Client__Bsn="123456789")).bericht_id
    intake.mark_published(judged)
    intake.mark_delivered(judged)
    beoordeeld = await taker.get(f"/berichten/{judged}", headers=AUTH)
    assert beoordeeld.json()["outcome"] == "rejected" and beoordeeld.json()["error_codes"]
    check(beoordeeld)
    check(await taker.get(f"/berichten/{UNKNOWN}", headers=AUTH))
    check(await taker.get(f"/berichten/{judged}"))  # 401
    async with client_for(Parts(nowhere, validator).app()) as down:
        check(await down.get(f"/berichten/{UNKNOWN}", headers=AUTH))  # 503
    contract.assert_all_seen("get", TRACE)


async def test_get_retour(
    parts: Parts, contract: Contract, intake: Intake, replicas: tuple[httpx.AsyncClient, httpx.AsyncClient]
) -> None:
    def check(response: httpx.Response) -> None:
        contract.check("get", RETOUR, response)

    taker, other = replicas
    posted = (await post(taker, jw301())).json()["id"]
    check(await taker.get(f"/berichten/{posted}/retour", headers=AUTH))  # 409
    check(await other.get(f"/berichten/{posted}/retour", headers=AUTH))  # 409 on another replica
    malformed = (await post(taker, jw301(Client__Bsn="12AB"))).json()["id"]
    no_retour = await taker.get(f"/berichten/{malformed}/retour", headers=AUTH)
    assert no_retour.json()["type"].endswith(":no-retour")
    check(no_retour)
    check(await taker.get(f"/berichten/{UNKNOWN}/retour", headers=AUTH))  # 404 not-found
    check(await taker.get(f"/berichten/{UNKNOWN}/retour"))  # 401
    original = intake.verwerk(jw301())
    intake.mark_published(original.bericht_id)
    intake.mark_delivered(original.bericht_id)
    check(await taker.get(f"/berichten/{original.bericht_id}/retour", headers=AUTH))  # 200
    purged_at = datetime.now(UTC)
    assert retention.purge(session_factory(parts.db), purged_at + timedelta(seconds=1), now=purged_at) == 1
    check(await taker.get(f"/berichten/{original.bericht_id}/retour", headers=AUTH))  # 410
    resend = intake.verwerk(jw301())
    intake.mark_published(resend.bericht_id)
    gone = await taker.get(f"/berichten/{resend.bericht_id}/retour", headers=AUTH)
    assert gone.json()["duplicate_of"] == original.bericht_id
    check(gone)  # 410 naming the original
    # The 503 is test_get_retour_while_the_store_is_unreachable's.
    contract.assert_all_seen("get", RETOUR, elsewhere=frozenset({"503"}))


async def test_get_retour_while_the_store_is_unreachable(
    contract: Contract, nowhere: Engine, validator: Validator
) -> None:
    async with client_for(Parts(nowhere, validator).app()) as down:
        answer = await down.get(f"/berichten/{UNKNOWN}/retour", headers=AUTH)
    assert answer.status_code == 503
    contract.check("get", RETOUR, answer)


async def test_an_unexpected_error_is_a_declared_500(parts: Parts, contract: Contract) -> None:
    parts.publisher.error = RuntimeError("boom")
    async with client_for(parts.app()) as client:
        answer = await post(client, jw301())
    assert answer.status_code == 500
    contract.check("post", "/berichten", answer)
    operations = [op for item in contract.document["paths"].values() for op in item.values()]
    assert operations and all("500" in op["responses"] for op in operations)


async def test_operations_routes(parts: Parts, contract: Contract) -> None:
    async with client_for(parts.app()) as client:
        contract.check("get", "/healthz", await client.get("/healthz"))
        contract.check("get", "/readyz", await client.get("/readyz"))
        contract.check("get", "/metrics", await client.get("/metrics"))
        parts.broker_up = False
        not_ready = await client.get("/readyz")
        assert not_ready.status_code == 503 and not_ready.json()["checks"]["broker"] is False
        contract.check("get", "/readyz", not_ready)
        # A gateway probed so stays ready while the broker is away: its spool keeps what it accepts.
        spooling = await client.get("/readyz", params={"skip": "broker"})
        assert spooling.status_code == 200 and spooling.json()["checks"]["broker"] is False
        contract.check("get", "/readyz", spooling)
        unknown = await client.get("/readyz", params={"skip": "kafka"})
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["location"] == "query.skip.0"
        contract.check("get", "/readyz", unknown)
    dead = Health(liveness={"retry task": lambda: False})
    app = create_app(make_settings(), parts.validator, session_factory(parts.db), None, CollectorRegistry(), dead,
                     roles_gateway=False)  # fmt: skip
    async with client_for(app) as client:
        contract.check("get", "/healthz", await client.get("/healthz"))  # 503
    for path in ("/healthz", "/readyz", "/metrics"):
        contract.assert_all_seen("get", path)


async def test_get_statusmeldingen(
    parts: Parts, contract: Contract, nowhere: Engine, validator: Validator
) -> None:
    def check(response: httpx.Response) -> None:
        contract.check("get", "/statusmeldingen", response)

    made(parts)
    gi = {"X-API-Key": GI_KEY}
    keys = SecretStr(json.dumps(KEYS))
    async with client_for(parts.app(api_keys=keys)) as client:
        read = await client.get("/statusmeldingen", headers=gi)
        assert len(read.json()["statusmeldingen"]) == 3
        check(read)
        check(await client.get("/statusmeldingen", headers=gi, params={"na": UNKNOWN}))  # 422
        check(
            await client.get("/statusmeldingen", headers=gi, params={"limit": 0})
        )  # 422 (FastAPI's, a problem)
        check(await client.get("/statusmeldingen"))  # 401
    async with client_for(Parts(nowhere, validator).app(api_keys=keys)) as down:
        check(await down.get("/statusmeldingen", headers=gi))  # 503
    contract.assert_all_seen("get", "/statusmeldingen")
