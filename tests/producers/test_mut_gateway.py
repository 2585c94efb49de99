"""producers.gateway: what the app promises beyond tests/producers/test_gateway.py, found by a mutation pass.

Exact paths (a trailing slash is a 404 problem, not a redirect), every error as a problem (an invalid query, any
other HTTP error with its headers), the gateway role's need of a publisher, and the OpenAPI document's title.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine
from starlette.exceptions import HTTPException

from hub import __version__
from hub.store.db import session_factory
from hub.validate import Validator
from producers.gateway import PROBLEM_JSON, create_app
from producers.health import Health
from tests.producers.conftest import GEMEENTE_KEY, Parts, make_settings


@pytest.fixture
def app(sqlite_db: Engine, validator: Validator) -> FastAPI:
    return Parts(sqlite_db, validator).app()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as c:
        yield c


def problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"] == f"urn:ijw-hub:problem:{slug}", body
    return body


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/berichten/"),
        ("GET", "/berichten/0123456789abcdef0123456789abcdef/"),
        ("GET", "/berichten/0123456789abcdef0123456789abcdef/retour/"),
        ("GET", "/healthz/"),
    ],
)
async def test_a_trailing_slash_is_a_404_problem_not_a_redirect(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    # README: "Paths are exact: a trailing slash (`/berichten/`) is a `404` problem, not a redirect."
    response = await client.request(
        method, path, headers={"X-API-Key": GEMEENTE_KEY, "Content-Type": "application/xml"}, content=b"<x/>"
    )
    problem(response, 404, "not-found")
    assert "location" not in response.headers


async def test_a_query_parameter_the_route_does_not_take_is_a_422_problem_naming_it(
    client: httpx.AsyncClient,
) -> None:
    # docs/operations.md: /readyz's `skip` names broker, database or migrations; "an unknown name is `422`".
    body = problem(await client.get("/readyz", params={"skip": "kafka"}), 422, "invalid-request")
    assert body["title"] == "Invalid request"
    assert [(e["rule"], e["location"]) for e in body["errors"]] == [("request", "query.skip.0")]
    assert body["errors"][0]["message"]


async def test_any_other_http_error_is_a_problem_with_its_headers(app: FastAPI) -> None:
    # Every error answer is application/problem+json (docs/backoffice-aansluiten.md), also one the app's parts
    # raise as a plain HTTP error.
    async def teapot() -> None:
        raise HTTPException(418, "I'm a teapot", headers={"Retry-After": "3"})

    app.add_api_route("/teapot", teapot)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub") as client:
        response = await client.get("/teapot")
    body = problem(response, 418, "http-error")
    assert body["title"] == "I'm a teapot"
    assert response.headers["retry-after"] == "3"


def test_the_gateway_role_refuses_to_start_without_a_publisher(
    sqlite_db: Engine, validator: Validator
) -> None:
    parts: dict[str, Any] = {
        "settings": make_settings(),
        "validator": validator,
        "sessions": session_factory(sqlite_db),
        "publisher": None,
        "registry": CollectorRegistry(),
        "health": Health(),
    }
    with pytest.raises(ValueError, match=r"^the gateway role needs a publisher$"):
        create_app(**parts)
    assert create_app(**parts, roles_gateway=False).title == "ijw-hub"


async def test_the_openapi_document_names_the_hub_and_its_version(client: httpx.AsyncClient) -> None:
    info = (await client.get("/openapi.json")).json()["info"]
    assert (info["title"], info["version"]) == ("ijw-hub", __version__)


async def test_the_openapi_document_keeps_none_of_fastapis_own_422_models(client: httpx.AsyncClient) -> None:
    # Our 422s are problems: FastAPI's HTTPValidationError and the ValidationError it refers to would document a
    # body the hub never sends.
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    assert "Problem" in schemas
    assert not {"HTTPValidationError", "ValidationError"} & set(schemas)
