"""Write the JSON Schema of every published event to schemas/events/<Type>.v<schema_version>.json.

Tooling, not runtime: the schemas are the contract with consumers of the normalised topics, written from
hub/events/models.py; `--check` exits 1 when a committed file differs from what would be written.
Files of older versions are left alone: a published version stays published.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hub.events.models import SCHEMA_MODELS, EventModel

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "schemas" / "events"


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


def stale(out: Path, files: dict[str, str]) -> list[str]:
    """Names whose file is missing or differs from what build() writes."""
    return [
        n
        for n, text in files.items()
        if not (out / n).exists() or (out / n).read_text(encoding="utf-8") != text
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--check", action="store_true", help="exit 1 when the files differ from what is written"
    )
    args = parser.parse_args(argv)
    files = build()
    if args.check:
        names = stale(args.out, files)
        for name in names:
            print(f"stale: {args.out / name}", file=sys.stderr)
        return 1 if names else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} schemas to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
