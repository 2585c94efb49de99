"""The JSON lines of `hub validate --format json`, typed as the CLI's contract says."""

from __future__ import annotations

import json
from typing import TypedDict


class JsonError(TypedDict):
    """One finding in a JSON line (Violation.as_json)."""

    rule: str
    retourcode: str | None
    location: str | None
    message: str


class JsonLine(TypedDict):
    """One line of `hub validate --format json`: a file and its verdict."""

    file: str
    bericht: str | None
    accepted: bool
    errors: list[JsonError]


def lines(output: str) -> list[JsonLine]:
    # Not checked here: the tests assert the keys and values themselves.
    return [json.loads(line) for line in output.splitlines() if line.strip()]
