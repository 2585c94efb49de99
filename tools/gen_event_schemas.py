"""Write the JSON Schema of every published event to schemas/events/<Type>.v<schema_version>.json.

Tooling, not runtime: the schemas are the contract with consumers of the normalised topics, written from
hub/events/models.py; `--check` exits 1 when a committed file differs from what would be written.
Files of older versions are left alone: a published version stays published.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script from a checkout: tools/ is on sys.path, the repository root (for `tools.generated`) is not.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hub.events.models import SCHEMA_MODELS, EventModel  # noqa: E402
from tools.generated import arguments, write_or_check  # noqa: E402
from tools.generated import stale as stale  # noqa: E402  (the tests check the committed files with it)

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_OUT = ROOT / "schemas" / "events"


def file_name(model: type[EventModel]) -> str:
    version = model.model_fields["schema_version"].default
    return f"{model.__name__}.v{version}.json"


def render(model: type[EventModel]) -> str:
    """The schema of what the hub writes (serialization mode), as stable text: sorted keys, LF, final newline."""
    schema = model.model_json_schema(mode="serialization")
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = f"urn:ijw-hub:events:{file_name(model).removesuffix('.json')}"
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def build() -> dict[str, str]:
    return {file_name(m): render(m) for m in SCHEMA_MODELS}


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__, DEFAULT_OUT).parse_args(argv)
    return write_or_check(args.out, build(), check=args.check, what="schemas", remedy="make schemas")


if __name__ == "__main__":
    raise SystemExit(main())
