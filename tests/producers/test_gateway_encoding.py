"""producers.coding and POST /berichten with a Content-Encoding: gzip and deflate inflated within the size limit.

The hub judges, records and publishes the inflated message; a body that does not match its coding is 400, one that
inflates beyond HUB_MAX_MESSAGE_BYTES is 413 without ever holding more than the limit plus one byte, and a coding
the hub does not read is 415 naming the ones it does.
"""

from __future__ import annotations

import gzip
import random
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from hub.synth.berichten import xml
from producers.coding import Coding, content_coding, decode, encoded_limit
from producers.problems import ProblemError
from tests.producers.conftest import AANBIEDER_KEY, GEMEENTE_KEY, Parts
from tests.producers.test_gateway import assert_problem, client_for

MIB = 1024 * 1024
JW301 = xml("JW301")


def gzip_bomb(inflated: int) -> bytes:
    """Gzip members of 1 MiB of zeros each (about 1 KiB compressed apiece): `inflated` bytes from very few."""
    member = gzip.compress(bytes(MIB), compresslevel=9)
    return member * (inflated // MIB)


async def post(
    client: httpx.AsyncClient, body: bytes, encoding: str | None, key: str = GEMEENTE_KEY
) -> httpx.Response:
    headers = {"X-API-Key": key, "Content-Type": "application/xml"}
    if encoding is not None:
        headers["Content-Encoding"] = encoding
    return await client.post("/berichten", content=body, headers=headers)


# ---- producers.coding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "coding"),
    [
        ([], "identity"),
        ([""], "identity"),
        (["identity"], "identity"),
        (["gzip"], "gzip"),
        ([" GZip "], "gzip"),
        (["x-gzip"], "gzip"),
        (["deflate"], "deflate"),
        (["identity, gzip"], "gzip"),
        (["identity", "deflate"], "deflate"),
    ],
)
def test_the_content_codings_read(values: list[str], coding: str) -> None:
    assert content_coding(values) == coding


@pytest.mark.parametrize(
    "values", [["br"], ["zstd"], ["gzip, gzip"], ["gzip", "deflate"], ["gzip;q=1"], ["*"]]
)
def test_other_or_stacked_codings_are_415_naming_the_supported_ones(values: list[str]) -> None:
    with pytest.raises(ProblemError) as refused:
        content_coding(values)
    assert (refused.value.status, refused.value.slug) == (415, "unsupported-content-encoding")
    assert refused.value.headers == {"Accept-Encoding": "gzip, deflate, identity"}
    assert "gzip, deflate, identity" in (refused.value.detail or "")


def test_gzip_and_deflate_inflate_to_the_message_up_to_the_limit_exactly() -> None:
    members = gzip.compress(JW301[:100]) + gzip.compress(JW301[100:])  # gunzip joins members
    assert decode(gzip.compress(JW301, mtime=0), "gzip", len(JW301)) == JW301
    assert decode(members, "gzip", len(JW301)) == JW301
    assert decode(members + bytes(512), "gzip", len(JW301)) == JW301  # zero padding, as gunzip reads it
    assert decode(zlib.compress(JW301), "deflate", len(JW301)) == JW301
    assert decode(JW301, "identity", len(JW301)) == JW301
    compressed: list[tuple[bytes, Coding]] = [
        (gzip.compress(JW301, mtime=0), "gzip"),
        (zlib.compress(JW301), "deflate"),
        (members, "gzip"),
    ]
    for body, coding in compressed:
        with pytest.raises(ProblemError) as refused:
            decode(body, coding, len(JW301) - 1)
        assert (refused.value.status, refused.value.slug) == (413, "too-large")


@pytest.mark.parametrize(
    ("body", "coding"),
    [
        (gzip.compress(JW301, mtime=0)[:-1], "gzip"),  # the trailer cut short
        (gzip.compress(JW301, mtime=0)[:200], "gzip"),
        (gzip.compress(JW301, mtime=0)[:5], "gzip"),  # inside the gzip header
        (b"", "gzip"),
        (JW301, "gzip"),  # a plain body labelled gzip
        (JW301, "deflate"),
        (gzip.compress(JW301, mtime=0), "deflate"),  # gzip is not the zlib format
        (zlib.compress(JW301), "gzip"),
        (zlib.compress(JW301, wbits=-15), "deflate"),  # raw deflate without the zlib wrapper RFC 9110 names
        (
            gzip.compress(JW301, mtime=0) + b"\0\0x",
            "gzip",
        ),  # something after the stream (zeros alone are padding)
        (zlib.compress(JW301) + b"x", "deflate"),
        (gzip.compress(JW301, mtime=0)[:-8] + b"\0" * 8, "gzip"),  # CRC and length wrong
    ],
)
def test_a_body_that_does_not_match_its_coding_is_400(body: bytes, coding: Coding) -> None:
    with pytest.raises(ProblemError) as refused:
        decode(body, coding, 10 * len(JW301))
    assert (refused.value.status, refused.value.slug) == (400, "invalid-content-encoding")
    assert (refused.value.detail or "").startswith(f"the body is not a complete {coding} stream: ")


@pytest.mark.parametrize(
    ("body", "coding", "after"),
    [
        (zlib.compress(JW301[:100]) + zlib.compress(JW301[100:]), "deflate", len(zlib.compress(JW301[100:]))),
        (gzip.compress(JW301, mtime=0) + b"\0\0<x/>", "gzip", 4),
        (zlib.compress(JW301) + b"\0\0", "deflate", 2),  # zero padding is gzip's, not deflate's
    ],
)
def test_bytes_after_the_stream_are_400_and_counted(body: bytes, coding: Coding, after: int) -> None:
    """deflate is one zlib stream: a second one after it is not read as more of the message (only gzip has
    members), and the answer says how many bytes follow the end, after a gzip member's zero padding."""
    with pytest.raises(ProblemError) as refused:
        decode(body, coding, 10 * len(JW301))
    assert refused.value.status == 400
    assert refused.value.detail == (
        f"the body is not a complete {coding} stream: {after} bytes follow the end of the stream"
    )


def test_back_references_across_the_whole_32_kib_window_are_read() -> None:
    """gzip and deflate compressors may refer back 32 KiB (RFC 1951): the inflater reads with the full window."""
    block = random.Random(7).randbytes(24 * 1024).hex().encode()[: 24 * 1024]  # no repeat within 24 KiB
    message = b"<x>" + block + block + b"</x>"  # the second block is one reference 24 KiB back
    assert decode(gzip.compress(message, mtime=0), "gzip", len(message)) == message
    assert decode(zlib.compress(message), "deflate", len(message)) == message


def test_a_gzip_bomb_is_413_holding_no_more_than_the_limit() -> None:
    """A GiB from about a MiB: the inflater stops one byte past the limit; Python's memory stays near it."""
    bomb = gzip_bomb(1024 * MIB)
    limit = MIB
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        with pytest.raises(ProblemError) as refused:
            decode(bomb, "gzip", limit)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (refused.value.status, refused.value.slug) == (413, "too-large")
    assert peak < 4 * limit, peak  # out, one inflated piece and the exception: never the GiB
    with pytest.raises(ProblemError, match="Message too large"):  # one member of zeros: the same bound
        decode(gzip.compress(bytes(64 * MIB)), "gzip", limit)


def test_the_wire_bound_leaves_room_for_incompressible_data() -> None:
    """A message of `limit` random bytes, compressed at any level (deflate then stores it), is read whole."""
    noise = random.Random(0).randbytes(3 * MIB)
    for limit in (1, 4096, 100_000, 3 * MIB):
        for level in (0, 1, 9):
            assert len(zlib.compress(noise[:limit], level)) <= encoded_limit(limit, "deflate")
            assert len(gzip.compress(noise[:limit], level)) <= encoded_limit(limit, "gzip")
    assert encoded_limit(4096, "identity") == 4096


class _Fed:
    """zlib.decompressobj as it is, counting the compressed bytes handed to its inflaters."""

    def __init__(self) -> None:
        self.bytes = 0
        self.produced = 0  # inflated bytes handed back
        self.real = zlib.decompressobj

    def __call__(self, wbits: int) -> _Counted:
        return _Counted(self, self.real(wbits))


class _Counted:
    def __init__(self, fed: _Fed, inflater: Any) -> None:
        self.fed, self.inflater = fed, inflater

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        self.fed.bytes += len(data)
        out: bytes = self.inflater.decompress(data, max_length)
        self.fed.produced += len(out)
        return out

    def __getattr__(self, name: str) -> Any:  # eof, unused_data, unconsumed_tail
        return getattr(self.inflater, name)


async def test_many_gzip_members_cost_work_in_proportion_to_the_body(
    parts: Parts, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Empty members of 20 bytes each, then the message: every byte goes through zlib a bounded number of times.

    Handing each member the whole rest of the body made the work grow with the square of the body: a 25 MiB body
    of empty members kept a worker thread busy for minutes and yielded nothing past the limit to refuse.
    """
    body = gzip.compress(b"") * 20_000 + gzip.compress(JW301, mtime=0)
    fed = _Fed()
    monkeypatch.setattr(zlib, "decompressobj", fed)
    async with client_for(parts.app()) as client:
        answer = await post(client, body, "gzip")
    assert answer.status_code == 202, answer.text
    assert [p.raw for p in parts.publisher.published] == [JW301]
    assert 0 < fed.bytes <= 8 * len(body), (fed.bytes, len(body))


def test_a_bomb_is_inflated_to_one_byte_past_the_limit_and_no_further(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Over the many pieces of a bomb, zlib is asked each time for what is left up to the limit plus one byte."""
    fed = _Fed()
    monkeypatch.setattr(zlib, "decompressobj", fed)
    with pytest.raises(ProblemError, match="Message too large"):
        decode(gzip_bomb(64 * MIB), "gzip", MIB)
    assert fed.produced == MIB + 1


# ---- POST /berichten --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("x-gzip", gzip.compress),
        ("GZIP", gzip.compress),
        ("deflate", zlib.compress),
        ("identity", lambda b: b),
        (None, lambda b: b),
    ],
)
async def test_a_compressed_message_is_judged_and_published_inflated(
    parts: Parts, encoding: str | None, encode: Callable[[bytes], bytes]
) -> None:
    async with client_for(parts.app()) as client:
        answer = await post(client, encode(JW301), encoding)
        assert answer.status_code == 202, answer.text
        assert answer.json()["bericht"] == "JW301"
    [published] = parts.publisher.published
    assert published.raw == JW301 and published.bericht_id == answer.json()["id"]


async def test_a_monthly_declaratie_of_megabytes_travels_as_a_fraction_of_it(parts: Parts) -> None:
    """A JW323 padded to 8 MiB, gzipped to a few KiB, under the default 25 MiB limit: judged as sent."""
    jw323 = xml("JW323")
    big = jw323 + b"\n" * (8 * MIB - len(jw323))
    wire = gzip.compress(big)
    assert len(wire) < MIB // 10
    async with client_for(parts.app()) as client:
        answer = await post(client, wire, "gzip", key=AANBIEDER_KEY)
    assert answer.status_code == 202, answer.text
    assert [p.raw for p in parts.publisher.published] == [big]


async def test_content_encoding_answers_and_keeps_nothing_when_refused(parts: Parts) -> None:
    """415 with Accept-Encoding for a coding not read; 400 for a body not of its coding; 413 on the wire or
    inflated; a gzip body sent without the header is no XML (422); none of them published."""
    limit = 4096
    async with client_for(parts.app(max_message_bytes=limit)) as client:
        refused = await post(client, gzip.compress(JW301, mtime=0), "br")
        assert_problem(refused, 415, "unsupported-content-encoding")
        assert refused.headers["accept-encoding"] == "gzip, deflate, identity"
        assert_problem(await post(client, JW301, "gzip, br"), 415, "unsupported-content-encoding")
        assert_problem(await post(client, JW301, "gzip"), 400, "invalid-content-encoding")
        assert_problem(
            await post(client, gzip.compress(JW301, mtime=0)[:-4], "gzip"), 400, "invalid-content-encoding"
        )
        bomb = assert_problem(await post(client, gzip_bomb(64 * MIB)[:2048], "gzip"), 413, "too-large")
        assert bomb["detail"] == (
            f"the limit is {limit} bytes of XML once the gzip body is inflated "
            f"({encoded_limit(limit, 'gzip')} bytes on the wire)"
        )
        wire = bytes(range(256)) * 20  # 5120 bytes: more than any gzip of 4096 bytes of XML
        assert_problem(await post(client, wire, "gzip"), 413, "too-large")
        assert_problem(await post(client, JW301 + b"\n" * limit, None), 413, "too-large")

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the wire bound holds while streaming
            for _ in range(10):
                yield wire

        streamed = await client.post(
            "/berichten",
            content=chunks(),
            headers={
                "X-API-Key": GEMEENTE_KEY,
                "Content-Type": "application/xml",
                "Content-Encoding": "gzip",
            },
        )
        assert_problem(streamed, 413, "too-large")
        not_xml = assert_problem(
            await post(client, gzip.compress(JW301, mtime=0), None), 422, "invalid-bericht"
        )
        assert [e["rule"] for e in not_xml["errors"]] == ["XML"]
    assert parts.publisher.published == []


async def test_the_openapi_document_names_the_content_codings(parts: Parts) -> None:
    async with client_for(parts.app()) as client:
        post_op = (await client.get("/openapi.json")).json()["paths"]["/berichten"]["post"]
    assert {"400", "413", "415"} <= set(post_op["responses"])
    [parameter] = [p for p in post_op["parameters"] if p["name"] == "Content-Encoding"]
    assert parameter["in"] == "header" and set(parameter["schema"]["enum"]) == {
        "gzip",
        "x-gzip",
        "deflate",
        "identity",
    }
    assert "gzip" in post_op["description"] and "inflated" in post_op["description"]
