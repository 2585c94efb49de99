"""Write examples/<bericht>.xml: one valid synthetic message per heenbericht, from hub.synth.berichten.

Tooling, not runtime: `make demo` and tests read the files; `--check` exits 1 when they differ from what the
builders write now, so a change to the builders cannot leave stale examples behind.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script from a checkout: make the repository's packages importable without installing them.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hub.synth.berichten import HEENBERICHTEN, xml  # noqa: E402


def build() -> dict[str, bytes]:
    """File name -> content for every heenbericht's default message."""
    return {f"{bericht}.xml": xml(bericht) for bericht in HEENBERICHTEN}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "examples")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when the files differ from what is written"
    )
    args = parser.parse_args(argv)
    files = build()
    stale = [
        n for n, data in files.items() if not (args.out / n).exists() or (args.out / n).read_bytes() != data
    ]
    if args.check:
        for name in stale:
            print(f"stale: {args.out / name}", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (args.out / name).write_bytes(data)
    print(f"wrote {len(files)} examples to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
