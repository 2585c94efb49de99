"""producers.auth: what authentication promises beyond the gateway and security tests, found by a mutation pass.

The key is read from the headers themselves (every X-API-Key and bearer line), so the two security schemes only
show in the OpenAPI document, where backoffices generate their clients from them; the 401 names what is wrong.
"""

from __future__ import annotations

import pytest

from tests.producers.conftest import GEMEENTE_KEY, OTHER_KEY, Parts
from tests.producers.test_gateway import assert_problem, client_for, jw301


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_the_openapi_document_names_both_ways_to_present_the_key(parts: Parts) -> None:
    # README, HTTP gateway: `X-API-Key` or `Authorization: Bearer`; a generated client sends what the scheme says.
    async with client_for(parts.app()) as client:
        document = (await client.get("/openapi.json")).json()
    assert document["components"]["securitySchemes"] == {
        "APIKeyHeader": {
            "type": "apiKey",
            "description": "API key bound to the sender codes (AGB code or gemeentecode)",
            "in": "header",
            "name": "X-API-Key",
        },
        "HTTPBearer": {
            "type": "http",
            "description": "The same API key as a bearer token",
            "scheme": "bearer",
        },
    }
    security = {
        (method, path): operation.get("security")
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    either: list[dict[str, list[str]]] = [{"APIKeyHeader": []}, {"HTTPBearer": []}]
    assert security == {
        ("post", "/berichten"): either,
        ("get", "/berichten/{bericht_id}"): either,
        ("get", "/berichten/{bericht_id}/retour"): either,
        ("get", "/statusmeldingen"): either,
        ("get", "/healthz"): None,  # probes and scrapers carry no key
        ("get", "/readyz"): None,
        ("get", "/metrics"): None,
    }


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "send X-API-Key or Authorization: Bearer <key>"),
        ({"X-API-Key": "wrong"}, "send X-API-Key or Authorization: Bearer <key>"),
        (
            {"X-API-Key": GEMEENTE_KEY, "Authorization": f"Bearer {OTHER_KEY}"},
            "send one API key, as X-API-Key or Authorization: Bearer <key>",
        ),
    ],
    ids=["missing", "unknown", "two-keys"],
)
async def test_the_401_is_titled_as_the_openapi_document_describes_it(
    parts: Parts, headers: dict[str, str], detail: str
) -> None:
    async with client_for(parts.app()) as client:
        response = await client.post(
            "/berichten", content=jw301(), headers={"Content-Type": "application/xml", **headers}
        )
        document = (await client.get("/openapi.json")).json()
    body = assert_problem(response, 401, "unauthorized")
    assert (body["title"], body["detail"]) == ("Missing or unknown API key", detail)
    assert document["paths"]["/berichten"]["post"]["responses"]["401"]["description"] == body["title"]
    assert parts.publisher.published == []
