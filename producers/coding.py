"""The Content-Encoding of a posted message: the body as it is (identity), gzip or deflate, inflated within the limit.

A monthly JW323 of a large aanbieder runs to megabytes of very repetitive XML; gzip makes it a tenth of that on the
wire. Inflating is bounded: never more than the size limit plus one byte is produced, however the body is built
(a gzip bomb of a few kilobytes can stand for gigabytes), and the compressed body itself is read no further than
its own bound. The message the hub judges, stores and publishes is the inflated XML.
"""

from __future__ import annotations

import re
import zlib
from typing import Literal

from producers.problems import ProblemError

Coding = Literal["identity", "gzip", "deflate"]
SUPPORTED = "gzip, deflate, identity"  # as named in 415 answers and their Accept-Encoding header
_CODINGS: dict[str, Coding] = {"identity": "identity", "gzip": "gzip", "x-gzip": "gzip", "deflate": "deflate"}
# zlib's window bits per coding: 16 + 15 reads the gzip wrapper; deflate is the zlib format RFC 9110 8.4.1.2 names.
_WBITS: dict[Coding, int] = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
_GZIP_MAGIC = b"\x1f\x8b"
_ZEROS = re.compile(rb"\0*")  # padding after a gzip member
# A member is fed to zlib in pieces from 64 bytes doubling to 1 MiB: a tiny member costs a small piece, a large
# one few calls.
_FIRST_PIECE = 64
_LARGEST_PIECE = 1024 * 1024


def content_coding(values: list[str]) -> Coding:
    """The one content coding of the Content-Encoding header lines `values`; 415 naming the supported ones.

    Case and white space do not matter, `x-gzip` is gzip (RFC 9110 8.4.1.3), `identity` entries add nothing.
    Two codings stacked (`gzip, deflate`) are refused: no client needs them, and each would need its own bound.
    """
    named = [c.strip().lower() for value in values for c in value.split(",")]
    codings = [_CODINGS.get(c) for c in named if c and c != "identity"]
    if not codings:
        return "identity"
    if len(codings) == 1 and codings[0] is not None:
        return codings[0]
    raise ProblemError(
        415,
        "unsupported-content-encoding",
        "Unsupported content encoding",
        f"send the body as it is or with one Content-Encoding of: {SUPPORTED}",
        headers={"Accept-Encoding": SUPPORTED},
    )


def encoded_limit(limit: int, coding: Coding) -> int:
    """How many body bytes are read at most: `limit`, plus deflate's worst growth on incompressible data for a
    compressed body (5 bytes per stored block of 64 KiB; zlib's deflateBound, rounded up) and its wrapper."""
    return limit if coding == "identity" else limit + limit // 1024 + 64


def too_large(limit: int, coding: Coding) -> ProblemError:
    detail = f"the limit is {limit} bytes"
    if coding != "identity":
        detail += (
            f" of XML once the {coding} body is inflated ({encoded_limit(limit, coding)} bytes on the wire)"
        )
    return ProblemError(413, "too-large", "Message too large", detail)


def decode(body: bytes, coding: Coding, limit: int) -> bytes:
    """The message in a body of this coding: 413 beyond `limit` bytes inflated, 400 when not a complete stream.

    A gzip body may hold several members one after the other (RFC 1952 2.2); they make one message, and zero bytes
    after the last one are padding, as gunzip and Python's gzip read them.
    """
    if coding == "identity":
        return body
    out = bytearray()
    view = memoryview(body)
    at = 0  # where the next member begins
    while True:
        inflater = zlib.decompressobj(_WBITS[coding])
        size = _FIRST_PIECE
        while not inflater.eof:
            if at == len(body):
                raise _undecodable(coding, "it is cut short")
            # The body in pieces growing from small: what a member leaves of its last piece is copied and handed
            # on, so the many tiny members a body can hold cost each a small piece, never the whole rest.
            piece = view[at : at + size]
            at += len(piece)
            size = min(2 * size, _LARGEST_PIECE)
            try:
                # At most one byte more than the limit: produced only to know the limit is passed.
                out += inflater.decompress(piece, limit + 1 - len(out))
            except zlib.error as exc:
                raise _undecodable(coding, str(exc)) from None
            if len(out) > limit:
                raise too_large(limit, coding)
            # Below the limit the inflater took the whole piece: it ended its stream or needs the next piece.
        at -= len(inflater.unused_data)
        if coding == "gzip":
            zeros = _ZEROS.match(body, at)  # \0* matches at any place
            at = zeros.end() if zeros else at
        if at == len(body):
            return bytes(out)
        if coding != "gzip" or not body.startswith(_GZIP_MAGIC, at):
            raise _undecodable(coding, f"{len(body) - at} bytes follow the end of the stream")


def _undecodable(coding: Coding, why: str) -> ProblemError:
    return ProblemError(
        400,
        "invalid-content-encoding",
        "Body does not match its Content-Encoding",
        f"the body is not a complete {coding} stream: {why}",
    )
