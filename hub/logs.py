"""Logging set-up: structured JSON lines (or text for people) with correlation fields, never personal data.

Correlation fields are passed as `extra={"bericht_id": ..., "identificatie": ...}`; message content, BSNs and
names are never logged. FastStream's per-message lines are kept at WARNING unless asked for.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

CORRELATION = ("bericht_id", "identificatie", "bericht", "outcome")


def configure(fmt: Literal["json", "text"] = "json", level: str = "INFO", *, quiet_broker: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "{asctime}{levelname}{name}{message}",
                style="{",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("faststream", "aiokafka", "uvicorn.access"):
        logging.getLogger(name).setLevel(logging.WARNING if quiet_broker else level.upper())
