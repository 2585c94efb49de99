"""Write schemas/asyncapi.json from the running code's FastStream registrations (`--check`: exit 1 when stale)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from consumers.asyncapi import document

TARGET = Path(__file__).resolve().parents[1] / "schemas" / "asyncapi.json"


def render() -> str:
    return json.dumps(json.loads(document()), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"stale: {TARGET} (run `make asyncapi`)", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
