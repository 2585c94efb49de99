"""producers.gateway under hypothesis: whatever a client sends, a documented status and a JSON body, never a 500.

POST /berichten gets arbitrary bytes, mutated and truncated valid messages and bodies around the size limit, sent as
they are, gzipped (whole, in two members, cut short), deflated or replaced by a gzip bomb, with any Content-Type,
API key and Content-Encoding; the GETs get arbitrary ids. The README's HTTP table is the contract.
"""

from __future__ import annotations

import asyncio
import gzip
import re
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from hub.synth.berichten import HEENBERICHTEN, spec, xml
from hub.synth.build import edit, to_xml
from hub.validate import Validator
from producers.gateway import PROBLEM_JSON
from producers.problems import PROBLEM_BASE
from tests.mutations import BYTE_EDITS, mutate_bytes
from tests.producers.conftest import AANBIEDER_KEY, GEMEENTE_KEY, OTHER_KEY, Parts
from tests.producers.test_gateway import client_for

LIMIT = 4096  # HUB_MAX_MESSAGE_BYTES here: the JW301 (4063 bytes) sits just below it
WIRE_LIMIT = LIMIT + LIMIT // 1024 + 64  # a compressed body is read this far (producers.coding.encoded_limit)
BOMB = gzip.compress(
    bytes(2 * 1024 * 1024), compresslevel=9
)  # 2 KiB on the wire, 512 times the limit inflated
POST_STATUSES = {202, 400, 401, 403, 413, 415, 422, 503}  # README, HTTP gateway
GET_STATUSES = {200, 401, 404, 409, 410}
_HEX_ID = re.compile(r"[0-9a-f]{32}")
KNOWN_KEYS = (GEMEENTE_KEY, AANBIEDER_KEY, OTHER_KEY)
VALID = {bericht: xml(bericht) for bericht in HEENBERICHTEN}

# Header values travel as latin-1: printable ASCII plus a few of its letters.
header_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"), max_size=40
)


@dataclass(frozen=True)
class Key:
    """How the client authenticates: its headers, and the configured key the gateway reads from them (or None)."""

    headers: dict[str, str]
    known: str | None


_READ = [Key({"X-API-Key": k}, k) for k in KNOWN_KEYS] + [
    Key({"Authorization": f"Bearer {k}"}, k) for k in KNOWN_KEYS
]
_UNREAD = [
    Key({}, None),
    Key({"Authorization": f"Basic {GEMEENTE_KEY}"}, None),
    Key({"X-API-Key": GEMEENTE_KEY + "x"}, None),
]
keys = st.one_of(  # mostly a key the gateway reads, or the other checks would hardly be reached
    st.sampled_from(_READ),
    st.sampled_from(_READ),
    st.sampled_from(_READ),
    st.sampled_from(_UNREAD),
    header_text.filter(lambda t: t.strip() not in KNOWN_KEYS).map(lambda t: Key({"X-API-Key": t}, None)),
)

_XML_TYPES = ["application/xml", "text/xml", "application/xml; charset=iso-8859-1", "APPLICATION/XML"]
content_types = st.one_of(
    st.sampled_from(_XML_TYPES),
    st.sampled_from(_XML_TYPES),
    st.none(),
    st.sampled_from(
        [
            "application/xml",
            "text/xml",
            "APPLICATION/XML",
            " text/xml ; charset=utf-8",
            "application/xml; charset=iso-8859-1",
            "application/xml; charset=utf-16",
            "application/xml; charset=x-no-such-charset",
            'application/xml; charset="utf-8"; boundary=x',
            "application/xml;",
            "application/json",
            "text/plain",
            "application/problem+json",
            "application/xml-dtd",
            "multipart/form-data; boundary=x",
            "",
        ]
    ),
    header_text,
)

encodings = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "gzip",
            "deflate",
            "br",
            "identity",
            "zstd",
            "gzip, br",
            "x-gzip",
            " GZIP ",
            "identity, gzip",
            "gzip, gzip",
        ]
    ),
    header_text,
)
# How the body goes on the wire, and the Content-Encoding that names it (None: no header).
WIRES = {
    "plain": None,
    "gzip": "gzip",
    "gzip-members": "gzip",
    "gzip-cut": "gzip",
    "deflate": "deflate",
    "bomb": "gzip",
}


def _padded(size: int) -> bytes:
    """A valid JW319 with white space after its root element up to `size` bytes: still the same message."""
    base = VALID["JW319"]
    return base + b"\n" * (size - len(base))


bodies = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(sorted(VALID.values())),
    st.tuples(st.sampled_from(sorted(VALID.values())), BYTE_EDITS).map(lambda t: mutate_bytes(*t)),
    st.tuples(st.sampled_from(sorted(VALID.values())), st.integers(0, 5000)).map(lambda t: t[0][: t[1]]),
    st.integers(LIMIT - 3, LIMIT + 3).map(_padded),
    st.text(max_size=200).map(
        lambda t: f'<?xml version="1.0" encoding="{t}"?><Bericht/>'.encode("utf-8", "replace")
    ),
)


@dataclass
class Post:
    body: bytes
    key: Key
    content_type: str | None
    wire: str  # a key of WIRES
    cut: int  # where "gzip-cut" ends the stream, and where "gzip-members" splits the body
    encoding: str | None
    streamed: bool  # chunked, without Content-Length
    buffer_full: bool

    def sent(self) -> bytes:
        """The body as it goes on the wire."""
        if self.wire == "gzip":
            return gzip.compress(self.body)
        if self.wire == "gzip-members":
            return gzip.compress(self.body[: self.cut]) + gzip.compress(self.body[self.cut :])
        if self.wire == "gzip-cut":
            return gzip.compress(self.body)[: self.cut]
        if self.wire == "deflate":
            return zlib.compress(self.body)
        return BOMB if self.wire == "bomb" else self.body


@st.composite
def posts(draw: st.DrawFn) -> Post:
    wire = draw(st.sampled_from(sorted(WIRES)))
    return Post(
        body=draw(bodies),
        key=draw(keys),
        content_type=draw(content_types),
        wire=wire,
        cut=draw(st.integers(0, 5000)),
        encoding=draw(st.one_of(st.just(WIRES[wire]), encodings)),  # mostly the coding it is sent in
        streamed=draw(st.booleans()),
        buffer_full=draw(st.booleans()),
    )


ids = st.one_of(
    st.from_regex(_HEX_ID, fullmatch=True),
    st.text(min_size=1, max_size=60),
    st.text(st.sampled_from("0123456789abcdefABCDEF%/.-_ "), min_size=1, max_size=40),
    st.integers(33, 20_000).map(lambda n: "a" * n),
)


def _xml_media(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() in {"application/xml", "text/xml"}


def _coding(encoding: str | None) -> str | None:
    """The one content coding RFC 9110 reads in the header (identity when none); None when not supported."""
    named = [c.strip().lower() for c in (encoding or "").split(",")]
    codings = [c for c in named if c and c != "identity"]
    if not codings:
        return "identity"
    if len(codings) == 1 and codings[0] in {"gzip", "x-gzip", "deflate"}:
        return "deflate" if codings[0] == "deflate" else "gzip"
    return None


def _inflated(sent: bytes, coding: str) -> bytes | None:
    """The whole message in a body of this coding (gunzip joins gzip members); None when the body is not one."""
    if coding == "identity":
        return sent
    try:
        if coding == "gzip":  # at least one member: gunzip refuses an empty file, Python's gzip reads none
            return gzip.decompress(sent) if sent else None
        inflater = zlib.decompressobj()
        message = inflater.decompress(sent)
    except (OSError, EOFError, zlib.error):  # gzip.BadGzipFile is an OSError
        return None
    return message if inflater.eof and not inflater.unused_data else None


def assert_answer(response: httpx.Response, allowed: set[int]) -> Any:
    """A documented status, a JSON body (problem+json for an error) and no traceback; the parsed body."""
    assert response.status_code in allowed, (response.status_code, response.text[:500])
    assert "Traceback" not in response.text
    media = response.headers.get("content-type", "")
    if response.status_code >= 400:
        assert media == PROBLEM_JSON, media
        body = response.json()
        assert body["status"] == response.status_code and body["type"].startswith(PROBLEM_BASE)
        assert body["title"]
        return body
    if media == "application/xml":  # a retourbericht
        return None
    assert media == "application/json", media
    return response.json()


def _wire(headers: dict[str, str]) -> dict[bytes, bytes]:
    """Header values as bytes: httpx would refuse a str outside ASCII, a client on the wire may send latin-1."""
    return {name.encode(): value.encode("latin-1") for name, value in headers.items()}


async def _post(client: httpx.AsyncClient, post: Post) -> httpx.Response:
    headers = dict(post.key.headers)
    if post.content_type is not None:
        headers["Content-Type"] = post.content_type
    if post.encoding is not None:
        headers["Content-Encoding"] = post.encoding
    sent = post.sent()
    if not post.streamed:
        return await client.post("/berichten", content=sent, headers=_wire(headers))

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(sent), 1000):
            yield sent[start : start + 1000]

    return await client.post("/berichten", content=chunks(), headers=_wire(headers))


@pytest.mark.parametrize(
    "db", ["sqlite"], indirect=True
)  # the gateway's answers do not depend on the dialect
def test_every_post_gets_a_documented_answer(db: Engine, validator: Validator) -> None:
    parts = Parts(db, validator)
    app = parts.app(max_message_bytes=LIMIT)

    @settings(
        max_examples=300,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(post=posts())
    def check(post: Post) -> None:
        parts.publisher.full = post.buffer_full
        before = len(parts.publisher.published)

        async def run() -> httpx.Response:
            async with client_for(app) as client:
                return await _post(client, post)

        response = asyncio.run(run())
        body = assert_answer(response, POST_STATUSES)
        event(f"status {response.status_code}")
        event(f"wire {post.wire}, status {response.status_code}")
        # The order of the checks (routes.py): key, media type, content coding, size on the wire, inflating (400 or
        # 413 once inflated beyond the limit), then the message itself.
        coding, sent = _coding(post.encoding), post.sent()
        message = _inflated(sent, coding) if coding is not None else None
        if post.key.known is None:
            assert response.status_code == 401
        elif not _xml_media(post.content_type) or coding is None:
            assert response.status_code == 415
            if _xml_media(post.content_type):  # the coding's 415 names the supported ones
                assert response.headers["accept-encoding"] == "gzip, deflate, identity"
        elif len(sent) > (LIMIT if coding == "identity" else WIRE_LIMIT):
            assert response.status_code == 413
        elif message is None:  # not a complete stream: 400, unless what it held already passed the limit
            assert response.status_code in {400, 413}
            if post.wire == "gzip-cut" and coding == "gzip" and len(post.body) <= LIMIT:
                assert response.status_code == 400
        elif len(message) > LIMIT:
            assert response.status_code == 413
        else:
            assert response.status_code in {202, 403, 422, 503}
        published = parts.publisher.published[before:]
        if response.status_code == 202:
            assert _HEX_ID.fullmatch(body["id"]) and body["status"] == "ontvangen"
            assert [p.raw for p in published] == [message] and published[0].bericht_id == body["id"]
        else:
            assert published == []

    check()


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_every_get_gets_a_documented_answer(db: Engine, validator: Validator) -> None:
    parts = Parts(db, validator)
    app = parts.app()

    async def seed() -> tuple[str, str]:
        async with client_for(app) as client:
            auth = {"X-API-Key": GEMEENTE_KEY, "Content-Type": "application/xml"}
            accepted = await client.post("/berichten", content=VALID["JW301"], headers=auth)
            malformed = await client.post("/berichten", content=_not_xsd_valid(), headers=auth)
        assert (accepted.status_code, malformed.status_code) == (202, 422)
        return accepted.json()["id"], malformed.json()["id"]

    known = asyncio.run(seed())

    @settings(
        max_examples=300,
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        bericht_id=st.one_of(ids, st.sampled_from(known), st.sampled_from(known)),
        key=keys,
        encode=st.booleans(),
        retour=st.booleans(),
    )
    def check(bericht_id: str, key: Key, encode: bool, retour: bool) -> None:
        path = quote(bericht_id, safe="") if encode else quote(bericht_id, safe="/%")
        url = f"/berichten/{path}" + ("/retour" if retour else "")

        async def run() -> httpx.Response:
            async with client_for(app) as client:
                return await client.get(url, headers=_wire(key.headers))

        response = asyncio.run(run())
        assert_answer(response, GET_STATUSES)
        event(f"status {response.status_code}")
        if "/" in bericht_id or "%" in bericht_id or bericht_id in {".", ".."}:
            return  # another path or a decoded id: documented, not predictable here
        if key.known is None:
            assert response.status_code == 401
        elif bericht_id not in known or key.known != GEMEENTE_KEY:  # someone else's message: 404 too
            assert response.status_code == 404
        elif bericht_id == known[0]:
            assert response.status_code == (409 if retour else 200)  # the intake has not judged it here
        else:
            assert response.status_code == (404 if retour else 200)  # malformed: no retour under the standard

    check()


def test_the_readme_lists_the_statuses_of_post() -> None:
    """The README's HTTP gateway table names exactly the statuses the property above allows."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    [row] = [line for line in readme.splitlines() if line.startswith("| `POST /berichten`")]
    assert {int(code) for code in re.findall(r"`(\d{3})`", row)} == POST_STATUSES


def _not_xsd_valid() -> bytes:
    """A JW301 of the gemeente whose Bsn breaks the XSD: recorded as malformed, its header readable."""
    return to_xml("JW301", edit(spec("JW301"), "Client/Bsn", "12AB"))


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/berichten/"), ("GET", f"/berichten/{'0' * 32}/"), ("GET", "/berichten//")]
)
async def test_a_trailing_slash_is_a_404_problem_not_a_redirect(
    db: Engine, validator: Validator, method: str, path: str
) -> None:
    """Found by the GET property: FastAPI redirected (307, empty body), which the README's table does not list."""
    parts = Parts(db, validator)
    async with client_for(parts.app()) as client:
        response = await client.request(
            method,
            path,
            content=VALID["JW301"],
            headers={"X-API-Key": GEMEENTE_KEY, "Content-Type": "application/xml"},
        )
    body = assert_answer(response, {404})
    assert body["type"] == f"{PROBLEM_BASE}not-found"
    assert parts.publisher.published == []
