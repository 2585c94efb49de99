"""`hub process`'s promises (consumers/process.py's docstring) held with a stand-in runtime: every file on one
partition with the door's headers, a file too large skipped and counted while the others go on, the wait until
judged, delivered and handled, the periodic check's wait, and the retour names' -2, -3 in processing order.

Found by a mutation pass over consumers/process.py: each test holds a promise no other test held.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from consumers import process as hub_process
from consumers.embedded import EmbeddedBroker
from consumers.process import REPLAY_PARTITION, _drain, _peil, _publish, retour_names
from hub.settings import HubSettings
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from hub.topics import Topics
from producers.ingest import Input
from tests.tansu import tansu_settings


def item(path: str, data: bytes = b"<x/>", key: str = "0200:12345678") -> Input:
    return Input(Path(path), data, None, key)


@dataclass
class Published:
    topic: str
    value: bytes
    kwargs: dict[str, Any]


@dataclass
class Runtime:
    """What process() uses of consumers.app.Runtime."""

    topics: Topics = field(default_factory=lambda: Topics("t."))
    sent: list[Published] = field(default_factory=list)
    checked: list[date] = field(default_factory=list)
    underway: list[bool] = field(default_factory=list)  # what processor.onderweg answers, in turn

    @property
    def broker(self) -> Runtime:
        return self

    @property
    def processor(self) -> Runtime:
        return self

    async def publish(self, value: bytes, topic: str, **kwargs: Any) -> None:
        self.sent.append(Published(topic, value, kwargs))

    async def peil(self, vandaag: date) -> None:
        self.checked.append(vandaag)

    def onderweg(self) -> bool:
        return self.underway.pop(0) if self.underway else False


def test_a_name_taken_ignoring_case_gets_2_then_3_in_processing_order() -> None:
    inputs = [item("a/brief.xml"), item("b/Brief.xml"), item("c/brief.xml"), item("d/ander.xml")]
    assert retour_names(inputs) == ["brief", "Brief-2", "brief-3", "ander"]
    assert retour_names(inputs[::-1]) == ["ander", "brief", "Brief-2", "brief-3"]


async def test_every_file_goes_to_the_replay_partition_with_the_doors_headers_in_order() -> None:
    runtime = Runtime()
    ids = {"1" * 32: item("x.xml", b"<een/>", "0200:1"), "2" * 32: item("y.xml", b"<twee/>", "0300:2")}
    sent, skipped = await _publish(runtime, ids, 1000)  # type: ignore[arg-type]  # a stand-in runtime
    assert sent == set(ids) and not skipped
    assert [(p.topic, p.value) for p in runtime.sent] == [
        ("t.berichten.inkomend", b"<een/>"),
        ("t.berichten.inkomend", b"<twee/>"),
    ]
    for published, (bericht_id, source) in zip(runtime.sent, ids.items(), strict=True):
        assert published.kwargs["partition"] == REPLAY_PARTITION == 0
        assert published.kwargs["key"] == source.key.encode()
        headers = published.kwargs["headers"]
        assert set(headers) == {"bericht-id", "ontvangen-op"} and headers["bericht-id"] == bericht_id
        assert datetime.fromisoformat(headers["ontvangen-op"]).tzinfo is not None  # with its offset


async def test_a_file_too_large_is_skipped_and_counted_and_the_others_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    runtime = Runtime()
    ids = {"1" * 32: item("groot.xml", b"x" * 11), "2" * 32: item("klein.xml", b"x" * 10)}
    sent, skipped = await _publish(runtime, ids, 10)  # type: ignore[arg-type]  # a stand-in runtime
    assert sent == {"2" * 32} and skipped == {"too-large": 1}
    assert [p.value for p in runtime.sent] == [b"x" * 10]
    assert "groot.xml" in caplog.text  # the warning names it


async def until_done(task: asyncio.Task[None]) -> bool:
    """Whether the task finished within a short while (it is cancelled otherwise)."""
    try:
        await asyncio.wait_for(asyncio.shield(task), 0.2)
    except TimeoutError:
        return False
    return True


async def test_the_drain_waits_until_judged_then_delivered_and_handled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime = Runtime()
    monkeypatch.setattr(hub_process, "_expecting", lambda rt, ids: ({"a"}, {"b"}))
    judged: set[str] = set()
    delivered: set[str] = set()
    handled: set[str] = set()
    progress = asyncio.Event()
    drain = asyncio.create_task(_drain(runtime, {"a", "b"}, judged, delivered, handled, progress))  # type: ignore[arg-type]

    steps: list[Callable[[], None]] = [
        lambda: judged.add("a"),
        lambda: judged.add("b"),
        lambda: delivered.add("a"),
        lambda: handled.add("b"),
    ]
    for n, step in enumerate(steps, 1):
        assert not await until_done(drain), n
        step()
        progress.set()
    assert await until_done(drain)


async def test_the_check_runs_once_and_waits_until_nothing_it_made_is_underway() -> None:
    runtime = Runtime(underway=[True, True])
    progress = asyncio.Event()
    check = asyncio.create_task(_peil(runtime, date(2027, 1, 15), progress))  # type: ignore[arg-type]
    assert not await until_done(check)
    progress.set()  # one delivery: one still underway
    assert not await until_done(check)
    progress.set()
    assert await until_done(check)
    assert runtime.checked == [date(2027, 1, 15)]


@pytest.mark.kafka
async def test_a_replay_of_only_a_malformed_file_ends_once_it_is_judged(
    tmp_path: Path, tansu: EmbeddedBroker, topic_prefix: str
) -> None:
    """No retour and no event to wait for: the intake's judgement alone must end the wait."""
    berichten = tmp_path / "berichten"
    berichten.mkdir()
    (berichten / "kapot.xml").write_bytes(b"<not-ijw/>")
    counts = await hub_process.process(
        [berichten],
        settings=HubSettings(pseudonym_key=SecretStr("process-malformed-test-pseudonym-key-01")),
        broker_settings=tansu_settings(tansu, topic_prefix),
        as_of=date(2026, 11, 23),
        timeout=30,
    )
    assert counts == {"malformed": 1}


@pytest.mark.kafka
async def test_a_replay_migrates_its_own_database_and_never_writes_to_the_services_outbox(
    tmp_path: Path, tansu: EmbeddedBroker, topic_prefix: str
) -> None:
    """Whatever the service's settings say: the replay's store is made for it, its retours go to --retour-out."""
    berichten, outbox, retour_out = tmp_path / "berichten", tmp_path / "outbox", tmp_path / "retouren"
    berichten.mkdir()
    outbox.mkdir()
    (berichten / "toewijzing.xml").write_bytes(to_xml("JW301", spec("JW301")))
    settings = HubSettings(
        pseudonym_key=SecretStr("process-outbox-test-pseudonym-key-0123"),
        migrate_on_start=False,
        retour_dir=outbox,
    )
    counts = await hub_process.process(
        [berichten],
        settings=settings,
        broker_settings=tansu_settings(tansu, topic_prefix),
        retour_out=retour_out,
        as_of=date(2026, 11, 23),
        timeout=30,
    )
    assert counts == {"accepted": 1}
    assert [p.name for p in retour_out.iterdir()] == ["toewijzing.JW302.xml"]
    assert list(outbox.rglob("*")) == []
