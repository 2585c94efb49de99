"""Write schemas/asyncapi.json from the running code's FastStream registrations (`--check`: exit 1 when stale)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script from a checkout: tools/ is on sys.path, the repository root (for `tools.generated`) is not.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from consumers.asyncapi import document  # noqa: E402
from tools.generated import arguments, write_or_check  # noqa: E402

TARGET = ROOT / "schemas" / "asyncapi.json"


def render() -> str:
    return json.dumps(json.loads(document()), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__, TARGET.parent).parse_args(argv)
    return write_or_check(
        args.out, {TARGET.name: render()}, check=args.check, what="AsyncAPI document", remedy="make asyncapi"
    )


if __name__ == "__main__":
    raise SystemExit(main())
