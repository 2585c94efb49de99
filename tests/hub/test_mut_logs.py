"""hub.logs beyond the JSON fields (tests/hub/test_logs.py): the text format and Python warnings.

docs/operations.md, section 9: one JSON object per line (`HUB_LOG_FORMAT=json`, the default; `text` for people);
Python warnings are logged the same way, so that every line on stderr stays one JSON object.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from collections.abc import Iterator

import pytest

from hub.logs import configure


@pytest.fixture
def restore_logging() -> Iterator[None]:
    yield
    logging.getLogger().handlers.clear()
    logging.captureWarnings(False)


@pytest.mark.usefixtures("restore_logging")
def test_the_text_format_gives_time_level_logger_message_and_the_correlation_fields(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Section 9 names the fields every line carries; following a message by bericht_id works in text too."""
    configure("text", "INFO")
    logging.getLogger("hub.intake").info(
        "bericht beoordeeld",
        extra={"bericht_id": "a" * 32, "outcome": "rejected", "rules": ["TR101", "CS003"]},
    )
    logging.getLogger("hub.run").warning("plain")
    [line, plain] = capsys.readouterr().err.splitlines()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} INFO +hub\.intake: bericht beoordeeld "
        r"bericht_id=a{32} outcome=rejected rules=TR101,CS003",
        line,
    ), line
    assert plain.endswith("WARNING hub.run: plain"), plain


@pytest.mark.usefixtures("restore_logging")
def test_the_text_format_keeps_the_fields_on_the_line_above_an_exception(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure("text", "INFO")
    try:
        raise ValueError("kapot")
    except ValueError:
        logging.getLogger("hub.intake").exception("mislukt", extra={"bericht_id": "b" * 32})
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].endswith(f"mislukt bericht_id={'b' * 32}"), lines[0]
    assert lines[-1] == "ValueError: kapot"


@pytest.mark.usefixtures("restore_logging")
def test_a_python_warning_becomes_one_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A library's deprecation warning reaches the log collector as a line like any, not as raw text on stderr."""
    configure("json", "INFO")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("legacy_option is deprecated", DeprecationWarning, stacklevel=1)
    [line] = capsys.readouterr().err.splitlines()
    record = json.loads(line)
    assert (record["level"], record["logger"]) == ("WARNING", "py.warnings")
    assert "DeprecationWarning: legacy_option is deprecated" in record["message"]
