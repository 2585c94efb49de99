"""`make demo` (hub demo) shows domain metrics on /metrics within 30 seconds of starting, and says where to look
while it runs, also when its output goes to a log rather than a terminal; its key posts the examples; Ctrl-C ends
it quietly, hub and broker stopped."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Any

import httpx
import pytest

from tests.processes import stop_group

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
DOMAIN_SERIES = ("jeugdhulp_wachtend{", "jeugdhulp_in_zorg{", "jeugdhulp_doorlooptijd_seconds_bucket{")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def first_summary(log: IO[bytes], proc: subprocess.Popen[bytes], timeout: float = 90) -> str:
    """The demo's first summary line in its log (it writes one within a minute of starting, then each minute)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "hub demo exited early"
        log.seek(0)
        for line in log.read().decode(errors="replace").splitlines():
            if " messages sent: " in line:
                return line
        time.sleep(0.5)
    raise AssertionError(f"no summary line within {timeout} s")


@pytest.mark.kafka
def test_demo_shows_domain_metrics_within_30_seconds() -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    with tempfile.TemporaryFile() as log:
        started = time.monotonic()
        proc = subprocess.Popen(
            # No --no-live: the default live view must not hide the URLs when stderr is not a terminal.
            [sys.executable, "-m", "hub", "demo", "--port", str(port), "--duration", "60"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        try:
            elapsed = None
            while time.monotonic() - started < 30:
                assert proc.poll() is None, "hub demo exited early"
                try:
                    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
                except httpx.HTTPError:
                    text = ""
                if all(f"\n{name}" in text for name in DOMAIN_SERIES):
                    elapsed = time.monotonic() - started
                    break
                time.sleep(0.5)
            log.seek(0)
            shown = log.read().decode(errors="replace")
            assert elapsed is not None, f"no domain metrics within 30 s\n{shown[-2000:]}"
            assert f"metrics  http://127.0.0.1:{port}/metrics" in shown, shown[-2000:]
            key = re.search(r"X-API-Key: (demo-[0-9a-f]+)", shown)
            assert key is not None, shown[-2000:]
            first = first_summary(log, proc)
            # In a log the first line waits until the history is judged, so it never reads "accepted 0".
            found = re.search(r"(\d+) messages sent: accepted (\d+), rejected (\d+)", first)
            assert found is not None, first
            sent, accepted, rejected = map(int, found.groups())
            assert accepted > 0 and rejected > 0 and accepted + rejected <= sent, first
            # The README's way in: post the bundled examples to the demo's gateway with its key.
            for example in sorted(EXAMPLES.rglob("*.xml")):
                posted = httpx.post(
                    f"http://127.0.0.1:{port}/berichten",
                    content=example.read_bytes(),
                    headers={"X-API-Key": key[1], "Content-Type": "application/xml"},
                    timeout=10,
                )
                assert posted.status_code == 202, (example.name, posted.text)
        finally:
            stop_group(proc)


def children(pid: int) -> set[int]:
    """The processes whose parent is `pid` (the embedded broker runs in a process group of its own)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def fast_demo(log: IO[bytes], **popen: Any) -> subprocess.Popen[bytes]:
    """`hub demo` at 20 messages a second on a free port, without HUB_* settings, its stderr in `log`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    return subprocess.Popen(
        [sys.executable, "-m", "hub", "demo", "--port", str(free_port()), "--speed", "20"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
        **popen,
    )


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.kafka
@pytest.mark.parametrize("sigint", ["default", "ignored"])
def test_ctrl_c_ends_the_demo_quietly_with_status_0(sigint: str) -> None:
    """Ctrl-C while live traffic flows: exit status 0 (make prints no error), no "internal error", no process
    left. "ignored": started with SIGINT ignored, as a shell without job control starts a job in the background;
    uvicorn still catches it, but then asyncio does not cancel the demo, which once ended it with the error of
    its next POST to the closed port."""
    with tempfile.TemporaryFile() as log:
        proc = fast_demo(log, preexec_fn=ignore_sigint if sigint == "ignored" else None)
        try:
            first_summary(log, proc)  # the history is judged and the live traffic flows
            broker = children(proc.pid)
            assert broker, "no embedded broker under hub demo"
            time.sleep(1)
            os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends its foreground process group
            status = proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                stop_group(proc)
        log.seek(0)
        shown = log.read().decode(errors="replace")
    assert status == 0, shown[-2000:]
    assert "error:" not in shown and "Traceback" not in shown, shown[-2000:]
    assert all(not Path(f"/proc/{pid}").exists() for pid in broker), "the broker outlived the demo"


@pytest.mark.kafka
def test_the_demo_stops_with_status_3_and_says_why_when_its_broker_dies() -> None:
    """Its broker gone, the demo would show a frozen picture: it stops, naming the cause, as `hub run` does."""
    with tempfile.TemporaryFile() as log:
        proc = fast_demo(log)
        try:
            first_summary(log, proc)
            [broker] = children(proc.pid)
            os.kill(broker, signal.SIGKILL)
            status = proc.wait(timeout=30)  # no shutdown grace to wait out (20 s each by default)
        finally:
            if proc.poll() is None:
                stop_group(proc)
        log.seek(0)
        shown = log.read().decode(errors="replace")
    assert status == 3, shown[-2000:]
    assert "the embedded Kafka broker was killed by signal 9" in shown and "Traceback" not in shown, shown[
        -2000:
    ]
