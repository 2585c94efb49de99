"""uvicorn's HTTP/1.1 protocol (httptools) with the guards it lacks against clients that hold connections.

uvicorn waits for a request's head for ever, takes a head of any size and accepts connections until the process
runs out of file descriptors: a client without an API key could hold thousands of half-sent requests and take
the gateway, /metrics and /healthz down with it. Here a head must arrive within HEAD_SECONDS and stay under
HEAD_BYTES, and beyond `max_connections` open connections a new one is answered 503 and closed at once. The
answers are application/problem+json, as the gateway's own (also uvicorn's 400 to a request it cannot parse); the
body's pace is bounded in producers.routes.
"""

from __future__ import annotations

import asyncio
import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from producers.problems import PROBLEM_BASE, PROBLEM_JSON

HEAD_SECONDS = 30.0  # request line and headers, from the connection's start or the head's first byte
HEAD_BYTES = 64 * 1024  # an API key and a few headers need a few hundred bytes; nginx allows 32 KiB
_REASONS = {
    400: "Bad Request",
    408: "Request Timeout",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


def problem_bytes(status: int, slug: str, detail: str, extra_headers: tuple[str, ...] = ()) -> bytes:
    """A complete HTTP/1.1 response with a problem+json body that closes the connection."""
    body = json.dumps(
        {"type": PROBLEM_BASE + slug, "title": _REASONS[status], "status": status, "detail": detail}
    ).encode()
    head = [
        f"HTTP/1.1 {status} {_REASONS[status]}",
        f"content-type: {PROBLEM_JSON}",
        f"content-length: {len(body)}",
        "connection: close",
        *extra_headers,
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def guarded(max_connections: int) -> type[HttpToolsProtocol]:
    """The protocol class for uvicorn.Config(http=...), holding at most `max_connections` connections."""

    class Guarded(HttpToolsProtocol):
        _head_clock: asyncio.TimerHandle | None = None  # runs while a head is on its way
        _head_bytes = 0  # of the chunks that left a head incomplete (a header line that never ends)
        _parsed_bytes = 0  # of the request line and headers as parsed (a head that came whole in one chunk)
        _awaiting_head = True  # no request's head is being read or answered
        _message_done = True  # the current request is read whole (its body too)

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > max_connections:
                detail = f"the gateway holds {max_connections} connections; try again shortly"
                self._refuse(problem_bytes(503, "too-many-connections", detail, ("retry-after: 1",)))
                return
            self._start_head_clock()

        def data_received(self, data: bytes) -> None:
            if (
                self._awaiting_head and self._head_clock is None
            ):  # the next request on a kept-alive connection
                self._start_head_clock()
            super().data_received(data)
            # Counted while a head is still incomplete after this chunk: a body that came with its head is not.
            if self._head_clock is not None and not self.transport.is_closing():
                self._head_bytes += len(data)
                if self._head_bytes > HEAD_BYTES:
                    self._head_too_large()

        def on_message_begin(self) -> None:
            self._parsed_bytes = 0
            self._message_done = False
            super().on_message_begin()

        def on_url(self, url: bytes) -> None:
            self._parsed_bytes += len(url)
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self._parsed_bytes += len(name) + len(value) + 4  # ": " and CRLF
            super().on_header(name, value)

        def on_headers_complete(self) -> None:
            self._awaiting_head = False
            self._stop_head_clock()
            if self._parsed_bytes > HEAD_BYTES:  # the request does not reach the app
                self._head_too_large()
                return
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            # The request is read whole: what comes next is the next request's head, timed from its first byte
            # (uvicorn's keep-alive timeout bounds the idle wait).
            self._awaiting_head = True
            self._message_done = True
            super().on_message_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            # Answered before its body was read (401, 413): the rest of the body is of no use, and a client that
            # stopped sending it would hold the connection with no clock running. Close, as after a 408.
            if not self._message_done and not self.transport.is_closing():
                self.transport.close()

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_head_clock()
            super().connection_lost(exc)

        def send_400_response(self, msg: str) -> None:
            # uvicorn's own answer to a request it cannot parse is text/plain; the gateway's errors are problems.
            self._refuse(problem_bytes(400, "bad-request", msg))

        def _start_head_clock(self) -> None:
            self._stop_head_clock()
            self._head_bytes = 0
            self._head_clock = self.loop.call_later(HEAD_SECONDS, self._head_too_slow)

        def _stop_head_clock(self) -> None:
            if self._head_clock is not None:
                self._head_clock.cancel()
                self._head_clock = None

        def _head_too_large(self) -> None:
            detail = f"the request line and headers exceed {HEAD_BYTES} bytes"
            self._refuse(problem_bytes(431, "header-too-large", detail))

        def _head_too_slow(self) -> None:
            self._head_clock = None
            if not self.transport.is_closing():
                detail = f"the request line and headers did not arrive within {HEAD_SECONDS:g} seconds"
                self._refuse(problem_bytes(408, "request-timeout", detail))

        def _refuse(self, response: bytes) -> None:
            self._stop_head_clock()
            self.transport.write(response)
            self.transport.close()

    return Guarded
