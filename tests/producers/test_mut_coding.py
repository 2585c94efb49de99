"""producers.coding: the 400 for a body that is not a complete stream of its Content-Encoding says why.

docs/backoffice-aansluiten.md quotes the detail as `the body is not a complete gzip stream: …`; what follows the
colon is what a sender needs to tell a truncated upload from a body that was never gzip (or was packed twice).
"""

from __future__ import annotations

import gzip
import zlib

import pytest

from hub.synth.berichten import xml
from producers.coding import Coding, content_coding, decode
from producers.problems import ProblemError

JW301 = xml("JW301")


@pytest.mark.parametrize(
    ("body", "coding"),
    [(gzip.compress(JW301, mtime=0)[:-1], "gzip"), (zlib.compress(JW301)[:100], "deflate"), (b"", "gzip")],
)
def test_a_body_that_ends_inside_the_stream_is_400_cut_short(body: bytes, coding: Coding) -> None:
    with pytest.raises(ProblemError) as refused:
        decode(body, coding, 10 * len(JW301))
    assert (refused.value.status, refused.value.title) == (400, "Body does not match its Content-Encoding")
    assert refused.value.detail == f"the body is not a complete {coding} stream: it is cut short"


@pytest.mark.parametrize(("body", "coding"), [(JW301, "gzip"), (gzip.compress(JW301, mtime=0), "deflate")])
def test_a_body_that_is_not_of_its_coding_is_400_with_zlibs_reason(body: bytes, coding: Coding) -> None:
    """Not read on to the end and then called cut short: the first byte that cannot be its coding answers."""
    with pytest.raises(ProblemError) as refused:
        decode(body, coding, 10 * len(JW301))
    assert refused.value.detail == (
        f"the body is not a complete {coding} stream: Error -3 while decompressing data: incorrect header check"
    )


def test_an_unsupported_coding_is_415_titled_as_such() -> None:
    with pytest.raises(ProblemError) as refused:
        content_coding(["br"])
    assert (refused.value.status, refused.value.title) == (415, "Unsupported content encoding")
