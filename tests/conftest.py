"""Shared fixtures: one embedded Tansu broker per test session and unique topic names per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from consumers.embedded import EmbeddedBroker


def _tansu_children() -> list[int]:
    """Pids of live tansu processes whose parent is this test process."""
    pids: list[int] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name is in parentheses and may contain spaces; the fields after it are fixed.
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        state, ppid = text[text.rindex(")") + 2 :].split()[:2]
        if name == "tansu" and int(ppid) == os.getpid() and state != "Z":
            pids.append(int(stat.parent.name))
    return pids


@pytest.fixture(scope="session")
def tansu() -> Iterator[EmbeddedBroker]:
    """A Tansu broker on a free loopback port, shared by every `kafka` test; no process outlives the session."""
    broker = EmbeddedBroker().start()
    pid = broker.pid
    try:
        yield broker
    finally:
        broker.stop()
        assert not Path(f"/proc/{pid}").exists(), f"tansu (pid {pid}) is still running"
        assert _tansu_children() == [], "a tansu process was left behind"


@pytest.fixture
def topic_prefix() -> str:
    """A topic prefix no other test uses, so tests sharing the session broker never see each other's messages."""
    return f"test-{uuid.uuid4().hex[:12]}."
