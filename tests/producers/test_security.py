"""The gateway and the retour outbox as a hostile client (or a hostile Kafka record) meets them.

Requests go to the ASGI app itself where an HTTP client would tidy them up first (header values a server may or may
not pass on, a body that ends in a disconnect); what every server refuses anyway (uvicorn answers a malformed
Content-Length 400 before the app) must still not be a 500 from the app. Held elsewhere: the size limit while
streaming (test_gateway), the gzip bomb (test_gateway_encoding), any id and any body (test_gateway_properties).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from starlette.types import Message

from hub.metrics import HubMetrics
from producers.problems import PROBLEM_JSON
from producers.retour_dispatcher import Retour, RetourDispatcher
from tests.hub.intake_helpers import new_intake
from tests.producers.conftest import AANBIEDER_KEY, GEMEENTE_KEY, OTHER_KEY, TODAY, Parts
from tests.producers.test_gateway import assert_problem, client_for, jw301, post

LIMIT = 4096


async def asgi(
    app: Any,
    headers: Sequence[tuple[bytes, bytes]],
    body: Sequence[bytes] = (),
    *,
    method: str = "POST",
    path: str = "/berichten",
    disconnect: bool = False,
) -> tuple[int, dict[bytes, bytes], bytes, int]:
    """(status, headers, body, chunks taken) of one request sent to the ASGI app as the given chunks.

    `disconnect`: the client goes away after the last chunk, as one that sent less than its Content-Length.
    """
    sent: list[Message] = []
    pending = list(body)
    taken = 0

    async def receive() -> Message:
        nonlocal taken
        if not pending:
            return {"type": "http.disconnect"}
        taken += 1
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending) or disconnect}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": list(headers),
        "client": ("192.0.2.1", 50000),
        "server": ("hub", 80),
    }
    await app(scope, receive, send)
    starts = [m for m in sent if m["type"] == "http.response.start"]
    if not starts:
        return 0, {}, b"", taken
    return (
        starts[0]["status"],
        dict(starts[0]["headers"]),
        b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"),
        taken,
    )


XML = (b"content-type", b"application/xml")


def key(value: str) -> tuple[bytes, bytes]:
    return b"x-api-key", value.encode()


# ---- body size ------------------------------------------------------------------------------------


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "declared",
    [b"9" * 5000, b"9" * 25, "\xb2".encode("latin-1"), "\xb9\xb2\xb3".encode("latin-1")],
    ids=["5000-digits", "25-digits", "superscript-two", "superscript-digits"],
)
async def test_an_odd_content_length_is_never_a_500(parts: Parts, declared: bytes) -> None:
    """Found: int() of thousands of digits, or of '²' (str.isdigit says yes), raised ValueError: a 500."""
    app = parts.app(max_message_bytes=LIMIT)
    status, headers, body, _ = await asgi(
        app, [key(GEMEENTE_KEY), XML, (b"content-length", declared)], [jw301()]
    )
    assert status in {202, 413}, body
    if status == 413:
        assert headers[b"content-type"] == PROBLEM_JSON.encode()


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize("declared", [None, b"10", b"99999999"], ids=["chunked", "smaller", "larger"])
async def test_a_body_beyond_the_limit_is_413_after_reading_no_more_than_passes_it(
    parts: Parts, declared: bytes | None
) -> None:
    """Chunked or with a Content-Length that lies either way: refused at the first chunk beyond the limit."""
    app = parts.app(max_message_bytes=LIMIT)
    headers = [key(GEMEENTE_KEY), XML]
    if declared is not None:
        headers.append((b"content-length", declared))
    chunks = [b"<" + b"a" * 3000] * 10_000  # 30 MB if it were read whole
    status, _, body, taken = await asgi(app, headers, chunks)
    assert status == 413 and b"too-large" in body
    # A larger Content-Length is refused before the body; otherwise at the chunk that passes the limit (2 x 3001).
    assert taken == (0 if declared == b"99999999" else 2)
    assert parts.publisher.published == []


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_a_client_that_goes_away_mid_body_is_no_error(
    parts: Parts, caplog: pytest.LogCaptureFixture
) -> None:
    """Found: ClientDisconnect reached NoTracebacks, which logged 'request failed' at ERROR for every one."""
    app = parts.app(max_message_bytes=LIMIT)
    headers = [key(GEMEENTE_KEY), XML, (b"content-length", b"4000")]
    with caplog.at_level(logging.INFO):
        status, _, _, _ = await asgi(app, headers, [b"<jw301:Bericht"], disconnect=True)
    assert status == 0  # nobody to answer
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert parts.publisher.published == []


# ---- content types --------------------------------------------------------------------------------


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("content_type", "data", "status"),
    [
        # The charset parameter does nothing: the XML declaration says how the bytes read (docs 3).
        ("application/xml; charset=latin-1", jw301(), 202),
        ("application/xml; charset=utf-8", jw301().replace(b"UTF-8", b"ISO-8859-1"), 202),
        ("application/xml", jw301().decode().replace("UTF-8", "UTF-16").encode("utf-16"), 202),
        ("application/xml", jw301().replace(b"UTF-8", b"x-no-such-encoding"), 422),
        ("application/xml", b"%PDF-1.7\n\xff\xfe\x00binary", 422),
        ("application/xml", b'{"Bericht": "JW301"}', 422),
        ("application/json", jw301(), 415),
        (None, jw301(), 415),
    ],
    ids=[
        "charset-param",
        "declared-latin1",
        "utf16-bom",
        "unknown-encoding",
        "binary",
        "json",
        "json-type",
        "none",
    ],
)
async def test_every_content_type_and_encoding_gets_a_clear_answer(
    parts: Parts, content_type: str | None, data: bytes, status: int
) -> None:
    headers = [key(GEMEENTE_KEY)] + (
        [] if content_type is None else [(b"content-type", content_type.encode())]
    )
    got, response_headers, body, _ = await asgi(parts.app(), headers, [data])
    assert got == status, body
    assert response_headers[b"content-type"] == (
        b"application/json" if status == 202 else PROBLEM_JSON.encode()
    )
    assert b"Traceback" not in body


# ---- authentication -------------------------------------------------------------------------------


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "headers",
    [
        [key("wrong"), key(GEMEENTE_KEY)],
        [key(GEMEENTE_KEY), key("wrong")],
        [key(GEMEENTE_KEY), key(OTHER_KEY)],
        [key(GEMEENTE_KEY), (b"authorization", f"Bearer {OTHER_KEY}".encode())],
        [key(OTHER_KEY), (b"authorization", f"Bearer {GEMEENTE_KEY}".encode())],
        [(b"authorization", b"Bearer wrong"), (b"authorization", f"Bearer {GEMEENTE_KEY}".encode())],
        [(b"authorization", f"Bearer {GEMEENTE_KEY}".encode()), (b"authorization", b"Bearer wrong")],
    ],
    ids=["key-twice-bad-first", "key-twice-good-first", "two-good-keys", "key-and-bearer", "bearer-and-key",
         "bearer-twice-bad-first", "bearer-twice-good-first"],
)  # fmt: skip
async def test_two_different_keys_in_one_request_are_401(
    parts: Parts, headers: list[tuple[bytes, bytes]]
) -> None:
    """Found: the first X-API-Key (or the X-API-Key before the bearer token) won, whatever the others said."""
    status, response_headers, body, _ = await asgi(parts.app(), [*headers, XML], [jw301()])
    assert status == 401, body
    assert response_headers[b"www-authenticate"] == b"Bearer"
    assert GEMEENTE_KEY.encode() not in body and OTHER_KEY.encode() not in body
    # The answer says what was wrong: more than one key, not a missing or unknown one.
    assert json.loads(body)["detail"] == "send one API key, as X-API-Key or Authorization: Bearer <key>"
    assert parts.publisher.published == []


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "headers",
    [
        [key(GEMEENTE_KEY), key(GEMEENTE_KEY)],
        [key(GEMEENTE_KEY), (b"authorization", f"Bearer {GEMEENTE_KEY}".encode())],
        [key(""), (b"authorization", f"Bearer {GEMEENTE_KEY}".encode())],
        [key(GEMEENTE_KEY), (b"authorization", b"Basic dXNlcjpwYXNz")],
    ],
    ids=["same-key-twice", "same-key-and-bearer", "empty-key-and-bearer", "key-and-basic"],
)
async def test_one_key_however_often_it_is_presented_is_read(
    parts: Parts, headers: list[tuple[bytes, bytes]]
) -> None:
    status, _, body, _ = await asgi(parts.app(), [*headers, XML], [jw301()])
    assert status == 202, body


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_problems_and_logs_never_carry_the_key(parts: Parts, caplog: pytest.LogCaptureFixture) -> None:
    async with client_for(parts.app()) as client:
        with caplog.at_level(logging.DEBUG):
            answers = [
                await post(client, jw301(), key=OTHER_KEY),  # 403
                await post(client, jw301(), key=GEMEENTE_KEY + "x"),  # 401
                await post(client, jw301(Client__Bsn="12AB"), key=AANBIEDER_KEY),  # 403, malformed
                await client.get(f"/berichten/{'0' * 32}", headers={"X-API-Key": GEMEENTE_KEY}),  # 404
            ]
    assert [a.status_code for a in answers] == [403, 401, 403, 404]
    for text in [*(a.text for a in answers), caplog.text, *(str(r.__dict__) for r in caplog.records)]:
        for secret in (GEMEENTE_KEY, OTHER_KEY, AANBIEDER_KEY):
            assert secret not in text


# ---- ids in paths ---------------------------------------------------------------------------------


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "bericht_id",
    ["a" * 20_000, "..", "%2e%2e", "1' OR '1'='1", "é", "x\r\nSet-Cookie: a=b", "\x00"],
    ids=["long", "dotdot", "encoded-dots", "sql", "non-ascii", "crlf", "nul"],
)
@pytest.mark.parametrize("suffix", ["", "/retour"])
async def test_an_odd_id_is_404_and_not_repeated(parts: Parts, bericht_id: str, suffix: str) -> None:
    """Found: the 404's detail repeated any id as sent, 20 KB of it too; a hub id (32 hex) it still names."""
    status, headers, body, _ = await asgi(
        parts.app(), [key(GEMEENTE_KEY)], method="GET", path=f"/berichten/{bericht_id}{suffix}"
    )
    assert status == 404 and headers[b"content-type"] == PROBLEM_JSON.encode()
    assert len(body) < 300 and b"Set-Cookie" not in body and b"OR" not in body
    assert set(headers) <= {b"content-type", b"content-length"}  # nothing of the request in a header


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_an_ontvanger_never_reads_the_afzenders_trace_or_retour(parts: Parts) -> None:
    """docs/backoffice-aansluiten.md 2: a heenbericht in which you are the Ontvanger is 404 for you, also once judged."""
    async with client_for(parts.app()) as client:
        bericht_id = (await post(client, jw301())).json()["id"]
        intake = new_intake(parts.db, TODAY, now=lambda: datetime.now(UTC))
        intake.verwerk(parts.publisher.published[0].raw, bericht_id=bericht_id)
        intake.mark_published(bericht_id)
        own = await client.get(f"/berichten/{bericht_id}/retour", headers={"X-API-Key": GEMEENTE_KEY})
        assert own.status_code == 200
        for other in (AANBIEDER_KEY, OTHER_KEY):
            for suffix in ("", "/retour"):
                response = await client.get(f"/berichten/{bericht_id}{suffix}", headers={"X-API-Key": other})
                assert_problem(response, 404, "not-found")


# ---- the retour outbox ----------------------------------------------------------------------------


def _dispatcher(outbox: Path) -> RetourDispatcher:
    return RetourDispatcher(outbox, lambda ids: set(ids), HubMetrics(CollectorRegistry()))


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    ("bericht_id", "bericht", "ontvanger"),
    [
        ("1" * 32, "JW302", ".."),
        ("1" * 32, "JW302", "."),
        ("1" * 32, "JW302", "../../etc"),
        ("1" * 32, "JW302", "/etc"),
        ("1" * 32, "JW302", "0200\x00"),
        ("../../x", "../JW302", "0200"),
        ("/tmp/x", "JW302", "0200"),
        ("a\x00b", "JW302", "0200"),
        ("a" * 5000, "JW302", "0200"),
        ("1" * 32, "JW302", "b" * 5000),
        ("", "", ""),
    ],
    ids=["dotdot", "dot", "up-twice", "absolute", "nul", "id-up", "id-absolute", "id-nul", "id-long",
         "ontvanger-long", "empty"],
)  # fmt: skip
def test_a_retour_is_written_inside_the_outbox_whatever_its_headers_say(
    tmp_path: Path, bericht_id: str, bericht: str, ontvanger: str
) -> None:
    """Found: Ontvanger '..' wrote into the outbox's parent, and a long id made a name the file system refuses
    (the dispatcher then retried it for ever, holding up every retour after it)."""
    outbox = tmp_path / "outbox"
    _dispatcher(outbox).deliver([Retour(b"<retour/>", bericht_id, bericht, ontvanger)])
    [written] = _files(tmp_path)
    assert written.is_relative_to(outbox) and written.parent != outbox  # in a receiver's directory
    assert written.parent.parent == outbox and written.parent.name.strip(".") != ""
    assert len(written.name) <= 200 and written.name.endswith(".xml")
    assert not written.name.startswith(".")  # a backoffice skips those: files still being written
    assert written.read_bytes() == b"<retour/>"


def test_long_ids_that_share_a_beginning_keep_their_own_files(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    ids = ["a" * 400 + "1", "a" * 400 + "2"]
    _dispatcher(outbox).deliver([Retour(i.encode(), i, "JW302", "0200") for i in ids])
    assert sorted(p.read_bytes() for p in _files(outbox)) == [i.encode() for i in ids]


def test_a_redelivered_retour_overwrites_its_own_file(tmp_path: Path) -> None:
    """docs/backoffice-aansluiten.md 4.3: the same file again, with the same content, not a second one."""
    outbox = tmp_path / "outbox"
    retour = Retour(b"<retour/>", "1" * 32, "JW302", "0200")
    _dispatcher(outbox).deliver([retour])
    _dispatcher(outbox).deliver([retour])
    assert [p.relative_to(outbox).as_posix() for p in _files(outbox)] == [f"0200/{'1' * 32}.JW302.xml"]
