"""The JSON log lines: one object per line with the fields a log collector expects, nothing for terminals."""

from __future__ import annotations

import json
import logging

import pytest

from hub.logs import configure


def test_json_lines_carry_no_terminal_colour_codes(capsys: pytest.CaptureFixture[str]) -> None:
    configure("json", "INFO")
    try:
        # How uvicorn logs: the message again, with ANSI colours, in an extra field.
        logging.getLogger("uvicorn.error").info(
            "Started server process [%d]",
            42,
            extra={"color_message": "Started server process [\x1b[36m%d\x1b[0m]"},
        )
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    finally:
        logging.getLogger().handlers.clear()
        logging.captureWarnings(False)
    assert line["message"] == "Started server process [42]"
    assert line["logger"] == "uvicorn.error" and line["level"] == "INFO"
    assert "color_message" not in line
    assert "\x1b" not in json.dumps(line, ensure_ascii=False)
