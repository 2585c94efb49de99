"""`hub ingest` keeps no file's bytes from collection to sending: it reads each file again when it sends it.

A file gone, unreadable or moved out of its place in the order by then is named and skipped, and the rest goes on;
one changed in place that keeps its Dagtekening goes as it is now, under the key of its header now.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
import threading
import uuid
from pathlib import Path

import pytest
from aiokafka.errors import KafkaTimeoutError

import producers.ingest
from consumers.broker import ensure_topics
from consumers.cli import main
from consumers.embedded import EmbeddedBroker
from hub.synth.berichten import DEFAULT_DAGTEKENING, xml
from hub.topics import Topics
from producers.ingest import CHANGED, FAILED, GONE, NOT_SENT, UNREADABLE, Input, InputFile, NotSent, collect
from tests.producers.reread import D_LATER, archive, disturbing
from tests.producers.test_gateway_kafka import consume
from tests.test_lifecycle import HubRun

API_KEY = "ingest-reread-key"


def run_ingest(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[list[str]], str]:
    """`hub ingest ARGS` as the console script runs it: exit status, stdout as tab-separated rows, stderr."""
    monkeypatch.setattr(sys, "argv", ["hub", "ingest", *args])
    status = main()
    out, err = capsys.readouterr()
    return status, [line.split("\t") for line in out.splitlines()], err


def test_collect_keeps_what_the_order_needs_and_not_the_bytes(tmp_path: Path) -> None:
    data = xml("JW301")
    (tmp_path / "a.xml").write_bytes(data)
    [item] = collect([tmp_path])
    assert isinstance(item, InputFile)
    assert [f.name for f in dataclasses.fields(item)] == ["path", "size", "dagtekening", "key", "digest"]
    assert not hasattr(item, "data") and not hasattr(item, "__dict__")  # slots: nothing else rides along
    assert (item.size, item.dagtekening, item.key) == (len(data), DEFAULT_DAGTEKENING, "0200:12345678")
    assert len(item.digest) == 16 < item.size
    assert item.read().data == data


def test_a_file_changed_in_place_with_its_dagtekening_goes_as_it_is_now(tmp_path: Path) -> None:
    path = tmp_path / "c.xml"
    path.write_bytes(xml("JW305"))
    [item] = collect([path])
    now = xml("JW305", aanbieder="87654321")  # same Dagtekening, another pair
    path.write_bytes(now)
    loaded = item.read()
    assert (loaded.data, loaded.dagtekening) == (now, DEFAULT_DAGTEKENING)
    assert loaded.key == "0200:87654321"  # the key of its header now, not of when it was collected


@pytest.mark.parametrize(
    ("now", "detail"),
    [
        (xml("JW301", dagtekening=D_LATER), f"Dagtekening now {D_LATER} (was {DEFAULT_DAGTEKENING})"),
        (
            xml("JW301")[:300],
            f"Dagtekening now unreadable (was {DEFAULT_DAGTEKENING})",
        ),  # a copy half written
    ],
    ids=["later", "cut-short"],
)
def test_a_file_moved_out_of_its_place_is_not_sent(tmp_path: Path, now: bytes, detail: str) -> None:
    path = tmp_path / "d.xml"
    path.write_bytes(xml("JW301"))
    [item] = collect([path])
    path.write_bytes(now)
    with pytest.raises(NotSent) as skipped:
        item.read()
    assert skipped.value.status == CHANGED
    assert detail in skipped.value.detail and "send it again" in skipped.value.detail


def test_a_pipe_keeps_its_bytes_since_it_cannot_be_read_twice(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)
    data = xml("JW301")
    writer = threading.Thread(target=fifo.write_bytes, args=(data,))
    writer.start()
    [item] = collect([fifo])
    writer.join(timeout=10)
    assert isinstance(item, Input) and item.read().data == data


@pytest.mark.kafka
def test_ingest_to_kafka_names_and_skips_what_changed_and_sends_the_rest(
    tmp_path: Path,
    tansu: EmbeddedBroker,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_hub_env: None,
) -> None:
    berichten = archive(tmp_path / "berichten")
    a, f = (berichten / "a.xml").read_bytes(), (berichten / "f.xml").read_bytes()
    topics = Topics(f"reread-{uuid.uuid4().hex[:10]}.")
    asyncio.run(ensure_topics(tansu.bootstrap, [topics.inbound], partitions=1, replication=1))
    monkeypatch.setenv("HUB_KAFKA_BOOTSTRAP_SERVERS", tansu.bootstrap)
    monkeypatch.setenv("HUB_KAFKA_TOPIC_PREFIX", topics.prefix)
    monkeypatch.setattr(producers.ingest, "collect", disturbing(collect, berichten))

    status, rows, err = run_ingest(monkeypatch, capsys, str(berichten), "--to", "kafka")

    assert status == 1, err  # as for a file too large: something was not sent
    assert [(s, Path(p).name) for s, p, _ in rows] == [
        ("kafka", "a.xml"),
        (GONE, "b.xml"),
        ("kafka", "c.xml"),
        (CHANGED, "d.xml"),
        (UNREADABLE, "e.xml"),
        ("kafka", "f.xml"),
    ]
    details = {Path(p).name: d for _, p, d in rows}
    assert details["b.xml"] == "not sent: the file is gone since it was collected"
    assert details["e.xml"].startswith("not sent: cannot read it since it was collected: Is a directory")
    records = asyncio.run(consume(tansu.bootstrap, topics.inbound, 3))
    assert [r.value for r in records] == [a, a, f]  # c.xml as it is now: a copy of a.xml
    assert [r.headers["bericht-id"] for r in records] == [d for s, _, d in rows if s == "kafka"]


@pytest.mark.kafka
def test_ingest_over_http_names_and_skips_what_changed_and_sends_the_rest(
    tmp_path: Path,
    tansu: EmbeddedBroker,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    no_hub_env: None,
) -> None:
    berichten = archive(tmp_path / "berichten")
    hub = HubRun(
        tansu.bootstrap,
        f"reread-{uuid.uuid4().hex[:10]}.",
        f"sqlite:///{tmp_path / 'hub.sqlite'}",
        tmp_path / "hub.log",
        role="gateway",
        HUB_API_KEYS=json.dumps({API_KEY: ["0200", "0307", "0344", "0363", "12345678", "87654321"]}),
    )
    monkeypatch.setattr(producers.ingest, "collect", disturbing(collect, berichten))
    try:
        hub.start()
        asyncio.run(hub.wait_for("/readyz", 200))
        status, rows, err = run_ingest(
            monkeypatch, capsys, str(berichten), "--to", hub.url, "--api-key", API_KEY
        )
    finally:
        hub.stop()
    assert status == 1, err
    assert [(s, Path(p).name) for s, p, _ in rows] == [
        ("202", "a.xml"),
        (GONE, "b.xml"),
        ("202", "c.xml"),
        (CHANGED, "d.xml"),
        (UNREADABLE, "e.xml"),
        ("202", "f.xml"),
    ], hub.log_tail()
    assert "Dagtekening now 2026-11-07 (was 2026-11-03)" in rows[3][2]


def test_ingest_to_kafka_names_the_file_the_broker_failed_on_and_holds_back_the_rest(tmp_path: Path) -> None:
    """Every file says whether the broker has it; after a failure none behind it goes, so a client's messages
    are not sent out of order when the run is repeated."""
    berichten = archive(tmp_path / "berichten")
    published: list[str] = []

    async def publish(data: bytes, topic: str, **_: object) -> None:
        if len(published) == 2:
            raise KafkaTimeoutError("no answer")
        published.append(topic)

    inputs = collect([berichten])
    sent = asyncio.run(producers.ingest.send_kafka(inputs, publish, "in", largest=10**8))
    assert [s.status for s in sent] == ["kafka", "kafka", FAILED] + [NOT_SENT] * (len(inputs) - 3)
    assert sent[2].detail == "not sent: KafkaTimeoutError: no answer"
    assert {s.detail for s in sent[3:]} == {
        "not sent: the broker failed (KafkaTimeoutError) on an earlier file"
    }
    assert published == ["in", "in"]
