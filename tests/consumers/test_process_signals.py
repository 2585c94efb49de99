"""`hub process` stopped by SIGTERM cleans up as after Ctrl-C: its temporary store (retours with BSNs and names)
and the embedded broker's log leave TMPDIR, and it exits with the status a shell gives such a stop."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from hub.synth.berichten import spec
from hub.synth.build import edit, to_xml
from tests.processes import CHECKOUT, stop_group

MESSAGES = 400  # enough that the replay is still busy when its first retour is written


def _berichten(source: Path) -> None:
    source.mkdir()
    for i in range(MESSAGES):
        ident = f"SIGTERM{i:05d}"
        (source / f"{ident}.xml").write_bytes(
            to_xml("JW301", edit(spec("JW301"), "Header/BerichtIdentificatie/Identificatie", ident))
        )


def _wait_for_a_retour(proc: subprocess.Popen[bytes], retour_out: Path, tmpdir: Path) -> None:
    """Until the first retour is written: the intake has judged a message, so the temporary store holds one."""
    deadline = time.monotonic() + 120
    while not any(retour_out.glob("*.xml")):
        assert proc.poll() is None, "hub process ended before its first retour"
        assert time.monotonic() < deadline, "no retour within 120 s"
        time.sleep(0.05)
    assert list(tmpdir.glob("hub-process-*/hub.sqlite")), "the replay's store is not in TMPDIR"


@pytest.mark.kafka
@pytest.mark.parametrize(
    ("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"]
)
def test_a_stopped_replay_leaves_nothing_in_tmpdir(
    tmp_path: Path, signum: signal.Signals, status: int
) -> None:
    source, retour_out, tmpdir = tmp_path / "in", tmp_path / "retour", tmp_path / "tmp"
    _berichten(source)
    tmpdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    proc = subprocess.Popen(
        [str(CHECKOUT / ".venv" / "bin" / "hub"), "process", str(source), "--retour-out", str(retour_out)],
        cwd=CHECKOUT,
        env={**env, "TMPDIR": str(tmpdir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own group: stop_group can end it and its broker if the test fails
    )
    try:
        _wait_for_a_retour(proc, retour_out, tmpdir)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            stop_group(proc)
    assert (proc.returncode, err.decode()) == (status, "")  # Ctrl-C prints nothing; neither does SIGTERM
    assert sorted(p.name for p in tmpdir.iterdir()) == []
