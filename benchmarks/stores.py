"""Throwaway stores for the benchmarks: tools/postgres.py's, which the tests use too.

A benchmark runs as `.venv/bin/python benchmarks/<name>.py`: its own folder is on sys.path, the repository root
is not (the editable install maps only hub, consumers and producers), so this module puts the root there for
`tools`. The benchmarks import from here (`from stores import throwaway_postgres`).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.postgres import throwaway_database, throwaway_postgres  # noqa: E402

__all__ = ["throwaway_database", "throwaway_postgres"]
