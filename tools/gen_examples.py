"""Write examples/<bericht>.xml: one valid synthetic message per heenbericht, from hub.synth.berichten.

Tooling, not runtime: `make demo` and tests read the files; `--check` exits 1 when they differ from what the
builders write now, so a change to the builders cannot leave stale examples behind.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script from a checkout: make the repository's packages importable without installing them.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hub.synth.berichten import HEENBERICHTEN, xml  # noqa: E402
from tools.generated import arguments, write_or_check  # noqa: E402


def build() -> dict[str, bytes]:
    """File name -> content for every heenbericht's default message."""
    return {f"{bericht}.xml": xml(bericht) for bericht in HEENBERICHTEN}


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__, ROOT / "examples").parse_args(argv)
    return write_or_check(
        args.out, build(), check=args.check, what="examples", remedy=".venv/bin/python tools/gen_examples.py"
    )


if __name__ == "__main__":
    raise SystemExit(main())
