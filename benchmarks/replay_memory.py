"""Peak memory of `hub process` replaying an archive on the embedded broker, beside the archive's size.

The archive is simulated traffic (Simulator seed 1, --clienten client stories, iJw and GI, as of a fixed day)
written as files into --dir (kept, and replayed as it is when it already holds *.xml files: point it at a real
archive to measure that). `hub process DIR --as-of DAY` then runs in a child Python that reports its own peak
resident set (ru_maxrss of RUSAGE_SELF: the hub alone) and that of the Tansu broker it started and waited for
(RUSAGE_CHILDREN). Run: `.venv/bin/python benchmarks/replay_memory.py` (options: --clienten, --dir).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from hub.synth.simulate import SimConfig, Simulator, schrijf

TOT = date(2026, 11, 23)  # a fixed "today": the same archive every run

# Runs in the child: the command as the console script runs it, then the two peaks as one JSON line on stdout
# (`hub process` writes nothing else there). ru_maxrss is in KiB on Linux.
_CHILD = """
import json, resource, sys
from consumers.cli import main
sys.argv = ["hub", *sys.argv[1:]]
status = main()
print(json.dumps({
    "status": status,
    "hub_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    "children_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
}))
"""


def archive(directory: Path, clienten: int) -> tuple[int, int]:
    """The archive's file count and bytes; simulated into `directory` first when it holds no *.xml yet."""
    if not any(directory.glob("*.xml")):
        schrijf(Simulator(SimConfig(seed=1, clienten=clienten), today=lambda: TOT), directory)
    files = list(directory.rglob("*.xml"))
    return len(files), sum(f.stat().st_size for f in files)


def replay(directory: Path) -> tuple[dict[str, int], float, str]:
    """`hub process` over the directory in a child: its peaks, the seconds it took, and its summary line."""
    # The embedded broker and a throwaway store: nothing of the developer's shell decides what is measured.
    env = {name: value for name, value in os.environ.items() if not name.startswith("HUB_")}
    begin = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, "process", str(directory), "--as-of", TOT.isoformat()],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.monotonic() - begin
    peaks: dict[str, int] = json.loads(proc.stdout.splitlines()[-1]) if proc.stdout else {}
    if proc.returncode != 0 or peaks.get("status") != 0:
        sys.exit(f"hub process failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return peaks, elapsed, proc.stderr.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clienten", type=int, default=2250, help="client stories (default 2250: about 12,000 messages)"
    )
    parser.add_argument("--dir", type=Path, help="the archive's directory (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="replay-memory-") as tmp:
        directory = args.dir or Path(tmp) / "archief"
        files, size = archive(directory, args.clienten)
        print(f"archive: {files:,} files, {size / 1e6:.1f} MB ({directory})")
        peaks, elapsed, summary = replay(directory)
    print(f"hub process: {summary} in {elapsed:.0f} s")
    print(f"peak resident set of the hub process: {peaks['hub_kib'] / 1024:.0f} MiB")
    print(f"peak resident set of the embedded Tansu broker: {peaks['children_kib'] / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
