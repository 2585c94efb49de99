"""producers.ingest: what its docstrings promise and a mutation pass found no test holding.

collect orders by Dagtekening (unparsable last), then file name, then path, and takes only `*.xml` files below a
directory; send_http sends the key only when there is one and retries a 503 after its Retry-After; send_kafka
publishes each file with the inbound key and headers and skips one too large; load lets a file of exactly the
largest size through.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.errors import InputError
from hub.synth.berichten import DEFAULT_DAGTEKENING, xml
from producers.ingest import (
    MAX_WAIT,
    TOO_LARGE,
    Input,
    InputFile,
    NotSent,
    collect,
    load,
    retry_after,
    send_http,
    send_kafka,
)

D = DEFAULT_DAGTEKENING
HTTPX_CLIENT = httpx.Client


# ---- collecting ------------------------------------------------------------------------------------------


def test_files_go_by_dagtekening_unparsable_last_then_by_name_then_by_path(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    files = {
        "x/b.xml": xml("JW301", dagtekening=D),
        "y/a.xml": xml("JW301", dagtekening=D + timedelta(days=1)),
        "y/b.xml": xml("JW301", dagtekening=D),  # same Dagtekening and name as x/b.xml: its path decides
        "a.xml": xml("JW301", dagtekening=D),
        "0.xml": b"not xml at all",  # unparsable: after every dated one, whatever its name
        "z.xml": xml("JW301", dagtekening=D - timedelta(days=1)),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    order = [i.path.relative_to(tmp_path).as_posix() for i in collect([tmp_path])]
    assert order == ["z.xml", "a.xml", "x/b.xml", "y/b.xml", "y/a.xml", "0.xml"]


def test_a_directory_gives_its_xml_files_in_any_case_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "upper.XML").write_bytes(xml("JW301"))
    (tmp_path / "notes.txt").write_bytes(xml("JW301"))
    (tmp_path / "dir.xml").mkdir()  # a directory with the suffix is not a message
    (tmp_path / "dir.xml" / "inner.xml").write_bytes(xml("JW305"))
    names = sorted(i.path.name for i in collect([tmp_path]))
    assert names == ["inner.xml", "upper.XML"]


def test_a_file_named_on_the_command_line_is_taken_whatever_its_suffix(tmp_path: Path) -> None:
    path = tmp_path / "bericht.txt"
    path.write_bytes(xml("JW301"))
    [item] = collect([path])
    assert item.path == path and item.dagtekening == D and item.key == "0200:12345678"


def test_a_missing_path_is_an_input_error_before_anything_is_collected(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(xml("JW301"))
    with pytest.raises(InputError, match=r"weg\.xml"):
        collect([tmp_path, tmp_path / "weg.xml"])


@pytest.mark.parametrize(
    "data",
    [
        xml("JW301").replace(D.isoformat().encode(), b"2026-13-45"),  # not a date
        b"<x/>",  # not iJw
    ],
    ids=["bad-date", "not-ijw"],
)
def test_a_message_without_a_readable_dagtekening_goes_last(tmp_path: Path, data: bytes) -> None:
    (tmp_path / "a.xml").write_bytes(data)
    (tmp_path / "b.xml").write_bytes(xml("JW301", dagtekening=D + timedelta(days=3000)))
    items = collect([tmp_path])
    assert [i.path.name for i in items] == ["b.xml", "a.xml"]
    assert items[1].dagtekening is None


def test_a_message_without_a_header_goes_last_under_the_unknown_pair(tmp_path: Path) -> None:
    """It parses as iJw, but neither its Dagtekening nor its pair can be read from a header it lacks."""
    headless = re.sub(rb"<(\w+:)?Header>.*</(\w+:)?Header>", b"", xml("JW301"), flags=re.S)
    (tmp_path / "a.xml").write_bytes(headless)
    (tmp_path / "b.xml").write_bytes(xml("JW301"))
    items = collect([tmp_path])
    assert [(i.path.name, i.dagtekening, i.key) for i in items] == [
        ("b.xml", D, "0200:12345678"),
        ("a.xml", None, "-:-"),
    ]


def test_an_unreadable_message_gets_the_unknown_pair_as_its_key(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(b"not xml")
    [item] = collect([tmp_path])
    assert (item.key, item.dagtekening) == ("-:-", None)


def test_an_unchanged_file_is_sent_as_collected(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_bytes(xml("JW305"))
    [item] = collect([path])
    assert isinstance(item, InputFile)
    loaded = item.read()
    assert (loaded.path, loaded.data, loaded.dagtekening, loaded.key, loaded.size) == (
        path,
        xml("JW305"),
        D,
        "0200:12345678",
        item.size,
    )


def test_a_changed_file_that_was_unparsable_and_still_is_goes_as_it_is_now(tmp_path: Path) -> None:
    """Its place (last) is unchanged: no Dagtekening then, none now."""
    path = tmp_path / "a.xml"
    path.write_bytes(b"not xml")
    [item] = collect([path])
    path.write_bytes(b"still not xml")
    assert item.read().data == b"still not xml"


# ---- load: the producer's limit ------------------------------------------------------------------------


def test_a_file_of_exactly_the_largest_size_is_published_one_byte_more_is_not(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_bytes(xml("JW301"))
    [item] = collect([path])
    assert load(item, item.size).data == path.read_bytes()
    with pytest.raises(NotSent) as skipped:
        load(item, item.size - 1)
    assert skipped.value.status == TOO_LARGE and str(skipped.value) == skipped.value.detail
    assert skipped.value.detail.startswith(
        f"not sent: {item.size} bytes, larger than the {item.size - 1} bytes"
    )


def test_a_file_too_large_when_collected_is_skipped_without_reading_it_again(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    path.write_bytes(xml("JW301"))
    [item] = collect([path])
    path.unlink()
    path.mkdir()  # reading it now would fail: the size known from collecting decides first
    with pytest.raises(NotSent) as skipped:
        load(item, item.size - 1)
    assert skipped.value.status == TOO_LARGE


def test_a_file_that_grew_past_the_limit_since_it_was_collected_is_not_published(tmp_path: Path) -> None:
    path = tmp_path / "a.xml"
    data = xml("JW301")
    path.write_bytes(data)
    [item] = collect([path])
    path.write_bytes(data.replace(b"</", b"\n</"))  # same Dagtekening, more bytes
    with pytest.raises(NotSent) as skipped:
        load(item, item.size)
    assert skipped.value.status == TOO_LARGE and f"larger than the {item.size} bytes" in skipped.value.detail


# ---- send_kafka --------------------------------------------------------------------------------------------


def test_send_kafka_publishes_each_file_with_its_key_and_headers_and_skips_one_too_large(
    tmp_path: Path,
) -> None:
    small = xml("JW305", aanbieder="87654321")
    large = xml("JW301", identificatie="LARGE" * 50)
    (tmp_path / "a.xml").write_bytes(small)
    (tmp_path / "b.xml").write_bytes(large)
    published: list[tuple[bytes, str, bytes, dict[str, str]]] = []

    async def publish(data: bytes, topic: str, *, key: bytes, headers: dict[str, str]) -> None:
        published.append((data, topic, key, headers))

    before = datetime.now(UTC)
    sent = asyncio.run(send_kafka(collect([tmp_path]), publish, "t.inbound", largest=len(small)))
    assert [(s.path.name, s.status) for s in sent] == [("a.xml", "kafka"), ("b.xml", TOO_LARGE)]
    [(data, topic, key, headers)] = published
    assert (data, topic, key) == (small, "t.inbound", b"0200:87654321")
    assert set(headers) == {"bericht-id", "ontvangen-op", "content-type"}
    assert re.fullmatch("[0-9a-f]{32}", headers["bericht-id"]) and sent[0].detail == headers["bericht-id"]
    assert before <= datetime.fromisoformat(headers["ontvangen-op"]) <= datetime.now(UTC)
    assert headers["content-type"] == "application/xml"


# ---- send_http ---------------------------------------------------------------------------------------------


def serve(
    monkeypatch: pytest.MonkeyPatch, answers: list[httpx.Response]
) -> tuple[list[httpx.Request], list[float]]:
    """`httpx.Client` answered by `answers` in turn (the last one from then on); the requests and the sleeps."""
    replies: Iterator[httpx.Response] = iter(answers)
    last = answers[-1]
    requests: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        nonlocal last
        requests.append(request)
        last = next(replies, last)
        return httpx.Response(last.status_code, headers=last.headers, content=last.content)

    def client(**kwargs: Any) -> httpx.Client:
        return HTTPX_CLIENT(transport=httpx.MockTransport(handle), **kwargs)

    slept: list[float] = []
    monkeypatch.setattr(httpx, "Client", client)
    monkeypatch.setattr(time, "sleep", slept.append)
    return requests, slept


@pytest.fixture
def one_file(tmp_path: Path) -> list[Input | InputFile]:
    (tmp_path / "a.xml").write_bytes(xml("JW301"))
    return collect([tmp_path])


def test_send_http_posts_xml_with_the_key_to_berichten(
    monkeypatch: pytest.MonkeyPatch, one_file: list[Input | InputFile]
) -> None:
    requests, _ = serve(monkeypatch, [httpx.Response(202, json={"id": "a" * 32})])
    [sent] = send_http(one_file, "http://hub.test/", "sleutel")
    [request] = requests
    assert (request.method, str(request.url)) == ("POST", "http://hub.test/berichten")
    assert request.headers["Content-Type"] == "application/xml" and request.headers["X-API-Key"] == "sleutel"
    assert request.content == xml("JW301")
    assert (sent.status, sent.detail) == (202, "a" * 32)


@pytest.mark.parametrize("api_key", [None, ""])
def test_send_http_without_a_key_sends_no_key_header(
    monkeypatch: pytest.MonkeyPatch, one_file: list[Input | InputFile], api_key: str | None
) -> None:
    requests, _ = serve(monkeypatch, [httpx.Response(401, json={"title": "Unauthorized"})])
    [sent] = send_http(one_file, "http://hub.test", api_key)
    assert "X-API-Key" not in requests[0].headers
    assert (sent.status, sent.detail) == (401, "Unauthorized")


def test_a_503_without_retry_after_is_retried_after_one_second(
    monkeypatch: pytest.MonkeyPatch, one_file: list[Input | InputFile]
) -> None:
    requests, slept = serve(monkeypatch, [httpx.Response(503), httpx.Response(202, json={"id": "c" * 32})])
    [sent] = send_http(one_file, "http://hub.test", None)
    assert (len(requests), slept, sent.status) == (2, [1.0], 202)


def test_an_answer_that_is_not_json_leaves_the_detail_empty(
    monkeypatch: pytest.MonkeyPatch, one_file: list[Input | InputFile]
) -> None:
    serve(monkeypatch, [httpx.Response(500, text="oops", headers={"content-type": "text/plain"})])
    [sent] = send_http(one_file, "http://hub.test", None)
    assert (sent.status, sent.detail) == (500, "")


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("3", 3.0),
        ("0.5", 0.5),
        ("-4", 0.0),
        ("86400", MAX_WAIT),  # a day would leave `hub ingest` hanging
        ("nan", 1.0),
        ("inf", 1.0),
        ("soon", 1.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # an HTTP date already past
    ],
)
def test_a_503s_retry_after_is_read_as_seconds_or_a_date_and_bounded(header: str, wait: float) -> None:
    """Found: a Retry-After in the HTTP-date form (RFC 9110, as a proxy may send) ended `hub ingest` in a
    ValueError traceback; `nan` did so at time.sleep."""
    assert retry_after(header) == pytest.approx(wait)


def test_a_retry_after_date_ahead_waits_until_then() -> None:
    ahead = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 28.0 <= retry_after(ahead) <= 30.0


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(
            502, content=b"<html>bad gateway</html>", headers={"content-type": "application/json"}
        ),
        httpx.Response(502, json=["not", "an", "object"]),
        httpx.Response(502, json="just a string"),
    ],
)
def test_a_json_answer_that_is_broken_or_no_object_leaves_the_detail_empty(
    monkeypatch: pytest.MonkeyPatch, one_file: list[Input | InputFile], answer: httpx.Response
) -> None:
    """Found: such an answer (a proxy's) ended `hub ingest` in a JSONDecodeError or AttributeError traceback."""
    serve(monkeypatch, [answer])
    [sent] = send_http(one_file, "http://hub.test", None)
    assert (sent.status, sent.detail) == (502, "")


def test_another_answer_than_503_is_not_retried(
    monkeypatch: pytest.MonkeyPatch, one_file: list[Input | InputFile]
) -> None:
    requests, slept = serve(monkeypatch, [httpx.Response(429, json={"title": "busy"})])
    [sent] = send_http(one_file, "http://hub.test", None)
    assert (len(requests), slept, sent.status) == (1, [], 429)


def test_send_http_names_what_it_did_not_send_by_the_words_the_readme_gives(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """README: the line of a file not sent says `gone`, `unreadable` or `changed`; the rest goes on."""
    for name in ("a.xml", "b.xml", "c.xml", "d.xml"):
        (tmp_path / name).write_bytes(xml("JW301", identificatie=f"LINE{name[0].upper()}"))
    items = collect([tmp_path])
    (tmp_path / "a.xml").unlink()
    (tmp_path / "b.xml").unlink()
    (tmp_path / "b.xml").mkdir()
    (tmp_path / "c.xml").write_bytes(xml("JW301", dagtekening=D + timedelta(days=1)))
    requests, _ = serve(monkeypatch, [httpx.Response(202, json={"id": "d" * 32})])
    sent = send_http(items, "http://hub.test", None)
    assert [(s.path.name, s.status) for s in sent] == [
        ("a.xml", "gone"),
        ("b.xml", "unreadable"),
        ("c.xml", "changed"),
        ("d.xml", 202),
    ]
    assert all(s.detail.startswith("not sent: ") for s in sent[:3])
    assert len(requests) == 1
