"""`hub process` reads each file again when it publishes it: what changed since collection is named and skipped.

Over the session's Tansu broker, through the command as the console script runs it: a file gone, unreadable or
moved out of its place in the order is counted in the summary under its reason and named in a warning, and the
files after it are still judged; one changed in place with its Dagtekening kept is judged as it is now.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import consumers.process
from consumers.cli import main
from consumers.embedded import EmbeddedBroker
from producers.ingest import collect
from tests.producers.reread import archive, disturbing

pytestmark = pytest.mark.kafka


def test_process_names_and_counts_what_changed_and_judges_the_rest(
    tmp_path: Path,
    tansu: EmbeddedBroker,
    topic_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_hub_env: None,
) -> None:
    berichten = archive(tmp_path / "berichten")
    retouren = tmp_path / "retouren"
    monkeypatch.setenv("HUB_KAFKA_BOOTSTRAP_SERVERS", tansu.bootstrap)
    monkeypatch.setenv("HUB_KAFKA_TOPIC_PREFIX", topic_prefix)
    monkeypatch.setenv("HUB_KAFKA_SESSION_TIMEOUT_MS", "1000")  # Tansu answers a join after half of it
    monkeypatch.setattr(consumers.process, "collect", disturbing(collect, berichten))
    args = ["process", str(berichten), "--as-of", "2026-11-23", "--retour-out", str(retouren)]
    monkeypatch.setattr(sys, "argv", ["hub", *args])

    status = main()

    out, err = capsys.readouterr()
    assert status == 0 and out == "", err  # as with a file too large: the summary says what was skipped
    # c.xml, a copy of a.xml by the time it was sent, is judged a duplicate.
    expected = "processed 6 messages: 2 accepted, 1 changed, 1 duplicate, 1 gone, 1 unreadable"
    assert err.splitlines()[-1] == expected, err
    warnings = {
        Path(line["message"].split(": ", 1)[0].removeprefix("skipped ")).name: line["message"]
        for line in map(json.loads, err.splitlines()[:-1])
        if line["logger"] == "hub.process"
    }
    assert set(warnings) == {"b.xml", "d.xml", "e.xml"}
    assert warnings["b.xml"].endswith(": not sent: the file is gone since it was collected")
    assert (
        "changed since it was collected, its Dagtekening now 2026-11-07 (was 2026-11-03)" in warnings["d.xml"]
    )
    assert "cannot read it since it was collected: Is a directory" in warnings["e.xml"]
    assert sorted(p.name for p in retouren.iterdir()) == ["a.JW302.xml", "c.JW302.xml", "f.JW302.xml"]
    assert (retouren / "c.JW302.xml").read_bytes() == (retouren / "a.JW302.xml").read_bytes()
