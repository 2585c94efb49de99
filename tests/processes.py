"""Child processes of the tests: ending one that was started in a session of its own, children included."""

from __future__ import annotations

import os
import signal
import subprocess


def stop_group(proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM the process group of `proc` (started with start_new_session=True); SIGKILL it after `timeout`."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
