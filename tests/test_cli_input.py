"""`hub validate` reads what it is given no further than the size limit: files, pipes and FIFOs alike."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.synth.berichten import spec
from hub.synth.build import to_xml

runner = CliRunner()
LIMIT = 4096


def _validate(path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.setenv("HUB_MAX_MESSAGE_BYTES", str(LIMIT))
    result = runner.invoke(app, ["validate", "--format", "json", "--as-of", "2026-11-23", str(path)])
    assert result.exit_code in (0, 1), result.output
    found: dict[str, object] = json.loads(result.output)
    return found


def _fifo_fed(tmp_path: Path, data: bytes) -> tuple[Path, threading.Thread]:
    fifo = tmp_path / "in.xml"
    os.mkfifo(fifo)

    def feed() -> None:
        try:
            with fifo.open("wb") as f:
                f.write(data)
        except BrokenPipeError:  # the reader stopped at the limit, as it should
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    return fifo, writer


def test_an_oversize_file_is_refused_by_its_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.xml"
    big.write_bytes(b"<a>" + b"x" * LIMIT + b"</a>")
    out = _validate(big, monkeypatch)
    assert out["accepted"] is False
    assert out["errors"] == [
        {
            "rule": "XML",
            "retourcode": None,
            "location": None,
            "message": f"file of {LIMIT + 7} bytes exceeds the size limit of {LIMIT} bytes",
        }
    ]


def test_a_fifo_is_read_up_to_the_limit_and_no_further(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo, writer = _fifo_fed(tmp_path, b"<a>" + b"x" * (50 * LIMIT) + b"</a>")
    out = _validate(fifo, monkeypatch)
    writer.join(timeout=10)
    assert out["errors"] == [
        {
            "rule": "XML",
            "retourcode": None,
            "location": None,
            "message": f"input exceeds the size limit of {LIMIT} bytes",
        }
    ]


def test_a_message_through_a_fifo_is_judged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = to_xml("JW305", spec("JW305"))
    assert len(data) <= LIMIT
    fifo, writer = _fifo_fed(tmp_path, data)
    out = _validate(fifo, monkeypatch)
    writer.join(timeout=10)
    assert out["bericht"] == "JW305" and out["accepted"] is True, out
