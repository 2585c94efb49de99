"""producers.routes: what the /berichten routes promise beyond the gateway tests, found by a mutation pass.

A Content-Length beyond the limit is refused before any of the body is read, only a compressed body is inflated,
the 403 leaves the log line that docs/operations.md tells operators to look for, and the OpenAPI document says
what POST takes (its body and Content-Encoding) and groups the routes under one tag.
"""

from __future__ import annotations

import gzip
import logging

import pytest

from producers import routes
from producers.coding import Coding
from producers.coding import decode as coding_decode
from tests.producers.conftest import GEMEENTE, OTHER_KEY, Parts
from tests.producers.test_gateway import assert_problem, client_for, jw301, post
from tests.producers.test_gateway_encoding import post as post_encoded
from tests.producers.test_security import LIMIT, XML, asgi, key


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_a_declared_length_beyond_the_limit_is_413_before_the_body_is_read(parts: Parts) -> None:
    # _read_body: "refused with 413 as soon as it passes `limit` bytes (never buffered beyond it)": a sender that
    # announces more than the limit is answered at once, whatever (and however little) it then sends.
    app = parts.app(max_message_bytes=LIMIT)
    declared = (b"content-length", str(LIMIT + 1).encode())
    status, _, body, taken = await asgi(app, [key(OTHER_KEY), XML, declared], [b"<a/>"] * 8)
    assert status == 413 and b"too-large" in body
    assert taken == 0
    assert parts.publisher.published == []


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_a_declared_length_of_the_limit_is_read(parts: Parts) -> None:
    app = parts.app(max_message_bytes=LIMIT)
    declared = (b"content-length", str(LIMIT).encode())
    status, _, _, taken = await asgi(app, [key(OTHER_KEY), XML, declared], [b" " * (LIMIT - 4), b"<a/>"])
    assert status == 422 and taken == 2


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_a_sender_not_bound_to_the_key_leaves_the_documented_log_line(
    parts: Parts, caplog: pytest.LogCaptureFixture
) -> None:
    # docs/operations.md, key rotation: "the log line `afzender not allowed for this API key` and `401` answers show
    # who still uses a wrong key"; it names the message, never its body.
    message = jw301()
    with caplog.at_level(logging.WARNING, logger="hub.gateway"):
        async with client_for(parts.app()) as client:
            assert_problem(await post(client, message, key=OTHER_KEY), 403, "forbidden-afzender")
    [record] = [r for r in caplog.records if r.name == "hub.gateway"]
    assert record.getMessage() == "afzender not allowed for this API key"
    assert record.levelno == logging.WARNING
    assert record.__dict__["element"] == "Afzender"
    assert record.__dict__["identificatie"] and record.__dict__["identificatie"] in message.decode()
    assert len(record.__dict__["bericht_id"]) == 32


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_the_403_names_the_header_element_and_the_code(parts: Parts) -> None:
    async with client_for(parts.app()) as client:
        body = assert_problem(await post(client, jw301(), key=OTHER_KEY), 403, "forbidden-afzender")
    assert body["title"] == "Sender not allowed"
    assert body["detail"] == f"Header/Afzender {GEMEENTE} is not a sender code of this API key"


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_the_openapi_document_says_post_needs_a_body(parts: Parts) -> None:
    async with client_for(parts.app()) as client:
        document = (await client.get("/openapi.json")).json()
    body = document["paths"]["/berichten"]["post"]["requestBody"]
    assert body["required"] is True
    assert set(body["content"]) == {"application/xml", "text/xml"}
    # The XML as text, for both media types (application/xml also carries its example, from gateway._openapi).
    assert {media: content["schema"] for media, content in body["content"].items()} == {
        "application/xml": {"type": "string"},
        "text/xml": {"type": "string"},
    }
    # A generated client shows this text to whoever wires it up: the codings, and where the size limit holds.
    assert body["description"] == (
        "One iJw 3.2 message (JW301, JW305, ...) as sent, UTF-8 XML; with Content-Encoding gzip or deflate (the zlib "
        "format) compressed, within the same size limit once inflated"
    )


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_the_openapi_document_lists_the_statuses_each_route_answers(parts: Parts) -> None:
    # README, HTTP gateway: the answers of each route, plus 401 without a valid key and 503 + Retry-After while
    # the store is unreachable on the GET routes, and 500 for an unexpected error anywhere.
    async with client_for(parts.app()) as client:
        paths = (await client.get("/openapi.json")).json()["paths"]
    statuses = {
        (method.upper(), path): set(operation["responses"])
        for path, operations in paths.items()
        if path.startswith("/berichten")
        for method, operation in operations.items()
    }
    assert statuses == {
        ("POST", "/berichten"): {"202", "400", "401", "403", "408", "413", "415", "422", "500", "503"},
        ("GET", "/berichten/{bericht_id}"): {"200", "401", "404", "409", "500", "503"},
        ("GET", "/berichten/{bericht_id}/retour"): {"200", "401", "404", "409", "410", "500", "503"},
    }
    # The headers those answers carry, as the README names them.
    headers = {
        (method, path, status): set(response.get("headers", {}))
        for method, path, status in [
            ("post", "/berichten", "202"),
            ("post", "/berichten", "415"),
            ("post", "/berichten", "503"),
            ("get", "/berichten/{bericht_id}", "409"),
            ("get", "/berichten/{bericht_id}/retour", "409"),
        ]
        for response in [paths[path][method]["responses"][status]]
    }
    assert headers == {
        ("post", "/berichten", "202"): {"Location"},
        ("post", "/berichten", "415"): {"Accept-Encoding"},
        ("post", "/berichten", "503"): {"Retry-After"},
        ("get", "/berichten/{bericht_id}", "409"): {"Retry-After"},
        ("get", "/berichten/{bericht_id}/retour", "409"): {"Retry-After"},
    }
    location = paths["/berichten"]["post"]["responses"]["202"]["headers"]["Location"]
    assert location == {"schema": {"type": "string"}}
    retour = paths["/berichten/{bericht_id}/retour"]["get"]["responses"]["200"]["content"]
    assert retour == {"application/xml": {"schema": {"type": "string"}}}


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_the_openapi_document_makes_content_encoding_optional_and_names_its_values(
    parts: Parts,
) -> None:
    # Absent is identity: a sender that does not compress sends no Content-Encoding.
    async with client_for(parts.app()) as client:
        post_op = (await client.get("/openapi.json")).json()["paths"]["/berichten"]["post"]
    [coding] = [p for p in post_op["parameters"] if p["name"] == "Content-Encoding"]
    assert coding == {
        "name": "Content-Encoding",
        "in": "header",
        "required": False,
        "description": "One of gzip, deflate, identity; absent is identity (the body as it is)",
        "schema": {"type": "string", "enum": ["gzip", "x-gzip", "deflate", "identity"]},
    }


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_the_openapi_document_groups_the_berichten_routes_under_one_tag(parts: Parts) -> None:
    # A generated client makes one class per tag: the three /berichten routes together, apart from the probes.
    async with client_for(parts.app()) as client:
        paths = (await client.get("/openapi.json")).json()["paths"]
    tags = {
        (method, path): operation["tags"] for path, ops in paths.items() for method, operation in ops.items()
    }
    assert {where: tag for where, tag in tags.items() if where[1].startswith("/berichten")} == {
        ("post", "/berichten"): ["berichten"],
        ("get", "/berichten/{bericht_id}"): ["berichten"],
        ("get", "/berichten/{bericht_id}/retour"): ["berichten"],
    }


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_an_uncompressed_body_is_not_handed_to_the_inflater(
    parts: Parts, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only a gzip or deflate body costs a hop to a worker thread: the identity body is the message as it is.
    inflated: list[str] = []

    def decode(body: bytes, coding: Coding, limit: int) -> bytes:
        inflated.append(coding)
        return coding_decode(body, coding, limit)

    monkeypatch.setattr(routes, "decode", decode)
    data = jw301()
    async with client_for(parts.app()) as client:
        plain = await post(client, data)
        compressed = await post_encoded(client, gzip.compress(data, mtime=0), "gzip")
    assert (plain.status_code, compressed.status_code) == (202, 202)
    assert inflated == ["gzip"]
    assert [p.raw for p in parts.publisher.published] == [data, data]
