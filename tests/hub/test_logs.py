"""The JSON log lines: one object per line with the fields a log collector expects, nothing for terminals."""

from __future__ import annotations

import json
import logging
from datetime import datetime

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


def test_a_line_is_timed_in_iso_8601_with_its_offset_and_kafka_clients_stay_at_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """docs/operations.md, section 9: the `time` field, and the Kafka client libraries at WARNING at any level."""
    configure("json", "DEBUG")
    try:
        logging.getLogger("hub.intake").debug("bericht beoordeeld", extra={"bericht_id": "a" * 32})
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
        levels = [logging.getLogger(name).level for name in ("aiokafka", "faststream")]
    finally:
        logging.getLogger().handlers.clear()
        logging.captureWarnings(False)
    assert datetime.strptime(line["time"], "%Y-%m-%dT%H:%M:%S%z").utcoffset() is not None
    assert (line["level"], line["logger"], line["bericht_id"]) == ("DEBUG", "hub.intake", "a" * 32)
    assert levels == [logging.WARNING, logging.WARNING]


def test_the_brokers_lines_follow_the_format_too(capsys: pytest.CaptureFixture[str]) -> None:
    """FastStream logs through a handler of its own that does not propagate: its lines (a handler that failed,
    the broker's logger `faststream.hub`) must come out as JSON lines like any other."""
    configure("json", "INFO")
    try:
        logging.getLogger("faststream.hub").error("ValueError: the handler failed")
        lines = capsys.readouterr().err.strip().splitlines()
    finally:
        logging.getLogger().handlers.clear()
        logging.captureWarnings(False)
    line = json.loads(lines[-1])
    assert (line["logger"], line["level"], line["message"]) == (
        "faststream.hub", "ERROR", "ValueError: the handler failed",
    )  # fmt: skip
    assert logging.getLogger("faststream").handlers == []
