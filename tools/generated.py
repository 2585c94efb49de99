"""What every tools/gen_*.py does with the files it builds: write them, or with --check name the stale ones.

The generated files are committed; `--check` (run by `make test` and by tests) exits 1 when one differs from what
the generator would write now, so a change to its source cannot leave the committed file behind.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

# A generator's files: name (below the output folder) -> content; bytes are written as they are, text as UTF-8.
Files = Mapping[str, str | bytes]


def arguments(description: str | None, out: Path) -> argparse.ArgumentParser:
    """The options every generator takes: --out (the folder it writes to) and --check."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, default=out)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when the files differ from what is written"
    )
    return parser


def _differs(path: Path, content: str | bytes) -> bool:
    if not path.exists():
        return True
    if isinstance(content, bytes):
        return path.read_bytes() != content
    return path.read_text(encoding="utf-8") != content


def stale(out: Path, files: Files) -> list[str]:
    """Names whose file in `out` is missing or differs from what would be written."""
    return [name for name, content in files.items() if _differs(out / name, content)]


def write_or_check(out: Path, files: Files, *, check: bool, what: str, remedy: str) -> int:
    """The exit status. With `check`: 1 when a file is stale, each named on stderr with `remedy` (the command that
    writes them). Else: every file written to `out`, 0."""
    if check:
        names = stale(out, files)
        for name in names:
            print(f"stale: {out / name} (run `{remedy}`)", file=sys.stderr)
        return 1 if names else 0
    out.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (out / name).write_bytes(content)
        else:
            (out / name).write_text(content, encoding="utf-8")
    print(f"wrote {len(files)} {what} to {out}")
    return 0
