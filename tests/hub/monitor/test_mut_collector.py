"""The collector's warning when the store is away comes from the logger docs/operations.md lists: hub.monitor,
with its traceback."""

from __future__ import annotations

import logging

import pytest
from prometheus_client import CollectorRegistry

from hub.monitor.collector import MonitorCollector
from hub.store.db import make_engine, session_factory
from tests.hub.monitor.helpers import REGIOS


def test_a_scrape_without_the_store_warns_on_the_hub_monitor_logger(caplog: pytest.LogCaptureFixture) -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    try:
        reg = CollectorRegistry()
        reg.register(MonitorCollector(session_factory(engine), REGIOS))
        with caplog.at_level(logging.WARNING, logger="hub.monitor"):
            assert list(reg.collect()) == []
    finally:
        engine.dispose()
    [record] = [r for r in caplog.records if "domain metrics unavailable" in r.getMessage()]
    assert (record.getMessage(), record.name, record.levelno, record.__dict__["error"]) == (
        "domain metrics unavailable: store error",  # the text a log search looks for
        "hub.monitor",
        logging.WARNING,
        "OperationalError",
    )
    # Its traceback goes along: which statement, which connection.
    assert record.exc_info and type(record.exc_info[1]).__name__ == "OperationalError"
