"""Child processes of the tests: ending one that was started in a session of its own, children included, and
running code in a fresh interpreter."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

CHECKOUT = Path(__file__).resolve().parents[1]


def stop_group(proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM the process group of `proc` (started with start_new_session=True); SIGKILL it after `timeout`."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def fresh_json(code: str) -> Any:
    """Run `code` in a fresh interpreter on this checkout (not an installed copy) and return the JSON it prints:
    what a process sees that has imported only what the code imports."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=CHECKOUT,
        env={**os.environ, "PYTHONPATH": str(CHECKOUT)},
    )
    return json.loads(done.stdout)
