"""producers.http_guard on a real uvicorn over TCP: heads that are too slow or too large, and too many connections.

Without these a client without an API key held thousands of half-sent requests open until the process ran out of
file descriptors, and /healthz stopped answering with the rest (found by a security audit).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI

from consumers.embedded import free_port
from producers import http_guard

MAX_CONNECTIONS = 3


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    monkeypatch.setattr(http_guard, "HEAD_SECONDS", 0.5)
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        http=http_guard.guarded(MAX_CONNECTIONS),
        log_config=None,
        lifespan="off",
        timeout_keep_alive=5,
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield port
    running.should_exit = True
    thread.join(10)


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one response; the connection may close after it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(status_line.split()[1]), headers, body


def closed(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


GET = b"GET /healthz HTTP/1.1\r\nHost: hub\r\n\r\n"


def test_a_request_and_a_second_on_the_same_connection_are_served(server: int) -> None:
    with connect(server) as sock:
        for _ in range(2):
            sock.sendall(GET)
            status, _, body = answer(sock)
            assert (status, json.loads(body)) == (200, {"status": "ok"})
            time.sleep(0.7)  # longer than a head may take: the clock runs only while a head is awaited


def test_a_head_that_does_not_arrive_in_time_is_answered_408_and_closed(server: int) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: hub\r\n")  # the blank line never comes
        status, headers, body = answer(sock)
        assert status == 408 and headers["content-type"] == "application/problem+json"
        assert json.loads(body)["type"] == "urn:ijw-hub:problem:request-timeout"
        assert closed(sock)
    with connect(server) as idle:  # a connection that sends nothing at all
        assert answer(idle)[0] == 408


def test_a_head_beyond_its_bound_is_answered_431_and_closed(server: int) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Padding: ")
        try:
            for _ in range(http_guard.HEAD_BYTES // 4096 + 2):
                sock.sendall(b"a" * 4096)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused while still sending
        status, _, body = answer(sock)
        assert status == 431
        assert json.loads(body)["type"] == "urn:ijw-hub:problem:header-too-large"


def test_beyond_the_connection_bound_a_new_connection_is_answered_503_while_the_others_are_served(
    server: int,
) -> None:
    held = [connect(server) for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(0.1)
        with connect(server) as extra:
            status, headers, body = answer(extra)
            assert (status, headers["retry-after"]) == (503, "1")
            assert json.loads(body)["type"] == "urn:ijw-hub:problem:too-many-connections"
        held[0].sendall(GET)  # those already open are served
        assert answer(held[0])[0] == 200
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.1)
    with connect(server) as again:  # and once they close, new ones are taken again
        again.sendall(GET)
        assert answer(again)[0] == 200


def test_a_request_uvicorn_cannot_parse_is_a_400_problem_not_plain_text(server: int) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: hub\r\nContent-Length: zwei\r\n\r\n")
        status, headers, body = answer(sock)
        assert (status, headers["content-type"]) == (400, "application/problem+json")
        assert json.loads(body)["type"] == "urn:ijw-hub:problem:bad-request"
        assert closed(sock)


def test_an_answer_before_the_whole_body_closes_the_connection(server: int) -> None:
    """An answer before the body is read (a 404 here, a 401 or 413 in the gateway) ends the connection: a client
    that then sent a byte and went quiet held it with no clock running (found by a review)."""
    with connect(server) as sock:
        sock.sendall(b"POST /nergens HTTP/1.1\r\nHost: hub\r\nContent-Length: 100000\r\n\r\nx")
        status, _, _ = answer(sock)
        assert status == 404
        assert closed(sock)


@pytest.mark.parametrize(("size", "status"), [(60_000, 200), (70_000, 431), (200_000, 431)])
def test_a_head_is_bounded_also_when_it_comes_whole(server: int, size: int, status: int) -> None:
    """Counted as parsed too: a head that arrives in one read is no longer left uncounted (found by a review)."""
    head = b"GET /healthz HTTP/1.1\r\nHost: hub\r\nX-Padding: " + b"a" * size + b"\r\n\r\n"
    with connect(server) as sock:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # refused while still sending
            sock.sendall(head)
        assert answer(sock)[0] == status
