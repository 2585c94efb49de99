"""Logging set-up: structured JSON lines (or text for people) with correlation fields, never personal data.

Correlation fields are passed as `extra={"bericht_id": ..., "identificatie": ...}`; message content, BSNs and
names are never logged. FastStream's per-message lines are kept at WARNING unless asked for.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

CORRELATION = ("bericht_id", "identificatie", "bericht", "outcome")
# What a record carries besides its message: the `extra` fields, which both formats show.
_NOT_EXTRA = frozenset([*RESERVED_ATTRS, "color_message", "message", "asctime"])
_DATEFMT = "%Y-%m-%dT%H:%M:%S%z"  # ISO 8601 with the offset


def _text(value: object) -> str:
    return ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)


class TextFormatter(logging.Formatter):
    """A line for people: time, level, logger and message, then the record's extra fields as `name=value`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt=_DATEFMT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = [
            f"{k}={_text(v)}"
            for k, v in record.__dict__.items()
            if k not in _NOT_EXTRA and not k.startswith("_")
        ]
        if not extra:
            return line
        # An exception's text follows the first line; the fields stay on the line they belong to.
        first, sep, rest = line.partition("\n")
        return f"{first} {' '.join(extra)}{sep}{rest}"


def configure(
    fmt: Literal["json", "text"] = "json", level: str = "INFO", *, quiet_broker: bool = True
) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                datefmt=_DATEFMT,
                # uvicorn repeats its message with terminal colour codes: not for a log collector.
                reserved_attrs=[*RESERVED_ATTRS, "color_message"],
            )
        )
    else:
        handler.setFormatter(TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Python warnings (a library's deprecation, a runtime warning) become log lines in the same format,
    # so that every line on stderr stays one JSON object.
    logging.captureWarnings(True)
    for name in ("faststream", "aiokafka", "uvicorn.access", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING if quiet_broker else level.upper())
    # FastStream gives its logger a stderr handler of its own and stops it propagating, so the broker's lines (a
    # failed handler, with its traceback) came out in FastStream's coloured text whatever HUB_LOG_FORMAT said.
    faststream = logging.getLogger("faststream")
    faststream.handlers.clear()
    faststream.propagate = True
