"""`hub process` end to end with a stand-in runtime (no broker): how it builds its runtime, that it waits until
every retour is delivered and every event handled before it stops, runs the check once as of --as-of, writes the
metrics and counts the outcomes with the skipped files.

Found by a mutation pass over consumers/process.py: only the Tansu tests held process() itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pytest
from prometheus_client import CollectorRegistry, Gauge
from pydantic import SecretStr

from consumers import process as hub_process
from consumers.broker import BrokerSettings
from hub.settings import HubSettings
from hub.topics import Topics
from producers.ingest import Input

TODAY = date(2027, 1, 15)  # the stand-in real date
LARGEST = 100  # bytes the stand-in producer takes


@dataclass
class Record:
    """What process() reads of an audit record."""

    id: str
    outcome: str
    retour: str | None
    event: str | None


# What the stand-in pipeline makes of a file's bytes: its outcome and after how many seconds its event is handled and
# its retour delivered (None: it has none); no fate at all: no record (dead-lettered and its record lost).
FATES: dict[bytes, tuple[str, float | None, float | None] | None] = {
    b"<accepted/>": ("accepted", 0.03, 0.06),  # the retour delivered last
    b"<gi/>": ("accepted", 0.06, 0.03),  # the event handled last
    b"<rejected/>": ("rejected", None, 0.03),
    b"<malformed/>": ("malformed", None, None),
    b"<lost/>": None,
}


class Runtime:
    """The part of consumers.app.Runtime that process() uses; it judges, delivers and handles in the background."""

    made: ClassVar[list[Runtime]] = []
    broker_gone = False

    def __init__(
        self, settings: HubSettings, broker_settings: BrokerSettings, database_url: str, **kw: Any
    ) -> None:
        self.settings, self.broker_settings, self.database_url, self.kw = (
            settings,
            broker_settings,
            database_url,
            kw,
        )
        self.topics = Topics("t.")
        self.registry = CollectorRegistry()
        Gauge("stand_in_gauge", "a metric of the stand-in", registry=self.registry).set(7)
        self.steps: list[str] = []
        self.records: dict[str, Record] = {}
        self.delivered: list[str] = []
        self.handled: list[str] = []
        self.at_stop: tuple[list[str], list[str]] = ([], [])
        self.checked: list[date] = []
        Runtime.made.append(self)

    @property
    def broker(self) -> Runtime:
        return self

    @property
    def processor(self) -> Runtime:
        return self

    def prepare(self) -> None:
        self.steps.append("prepare")

    async def start(self) -> None:
        self.steps.append("start")

    async def stop(self) -> None:
        self.steps.append("stop")
        self.at_stop = (list(self.delivered), list(self.handled))

    async def publish(self, value: bytes, topic: str, *, headers: dict[str, str], **kw: Any) -> None:
        bericht_id = headers["bericht-id"]
        loop = asyncio.get_running_loop()
        fate = FATES[value]
        if fate is not None:
            outcome, event, retour = fate
            self.records[bericht_id] = Record(
                bericht_id, outcome, None if retour is None else "r", None if event is None else "e"
            )
            if event is not None:
                loop.call_later(event, self._done, "on_processor_done", self.handled, bericht_id)
            if retour is not None:
                loop.call_later(retour, self._done, "on_retour_done", self.delivered, bericht_id)
        loop.call_later(0.01, self.kw["on_intake_done"], bericht_id)

    def _done(self, callback: str, done: list[str], bericht_id: str) -> None:
        done.append(bericht_id)
        self.kw[callback](bericht_id)

    @contextmanager
    def sessions(self) -> Iterator[Runtime]:
        yield self

    async def peil(self, vandaag: date) -> int:
        self.checked.append(vandaag)
        return 0

    def onderweg(self) -> bool:
        return False


class Audit:
    @staticmethod
    def get(session: Runtime, id: str) -> Record | None:
        return session.records.get(id)


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Callable[[], Runtime]:
    Runtime.made = []
    monkeypatch.setattr(hub_process, "Runtime", Runtime)
    monkeypatch.setattr(hub_process, "audit", Audit)
    monkeypatch.setattr(hub_process, "largest_record", lambda settings: LARGEST)
    monkeypatch.setattr(hub_process, "vandaag", lambda: TODAY)

    def made() -> Runtime:
        (runtime,) = Runtime.made
        return runtime

    return made


def settings(tmp_path: Path) -> HubSettings:
    """Service settings a replay must not follow: no migrations, an outbox of its own, a kept metrics copy."""
    return HubSettings(
        pseudonym_key=SecretStr("process-stand-in-pseudonym-key-012345"),
        migrate_on_start=False,
        retour_dir=tmp_path / "outbox",
        domain_metrics_max_age_seconds=20,
    )


def files(tmp_path: Path, *contents: bytes) -> Path:
    """A directory of files 1.xml, 2.xml, ... in that order (no Dagtekening: ordered by name)."""
    berichten = tmp_path / "berichten"
    berichten.mkdir()
    for n, data in enumerate(contents, 1):
        (berichten / f"{n}.xml").write_bytes(data)
    return berichten


@pytest.mark.parametrize("accepted", [b"<accepted/>", b"<gi/>"], ids=["retour-last", "event-last"])
async def test_a_replay_waits_for_every_retour_and_event_and_counts_each_outcome(
    tmp_path: Path, stand_in: Callable[[], Runtime], accepted: bytes
) -> None:
    groot = b"<" + b"x" * LARGEST + b"/>"
    berichten = files(tmp_path, accepted, b"<rejected/>", b"<malformed/>", b"<lost/>", b"<lost/>", groot)
    counts = await hub_process.process(
        [berichten],
        settings=settings(tmp_path),
        broker_settings=BrokerSettings(),
        as_of=date(2026, 11, 23),
        timeout=5,
    )
    assert counts == {"accepted": 1, "rejected": 1, "malformed": 1, "failed": 2, "too-large": 1}
    runtime = stand_in()
    assert runtime.steps == ["prepare", "start", "stop"]
    with_retour = {i for i, r in runtime.records.items() if r.retour is not None}
    with_event = {i for i, r in runtime.records.items() if r.event is not None}
    assert len(with_retour) == 2 and len(with_event) == 1
    # Every retour delivered and every event handled, whichever came last, before the runtime stopped.
    delivered, handled = runtime.at_stop
    assert set(delivered) == with_retour and set(handled) == with_event
    assert runtime.checked == [date(2026, 11, 23)]  # the check once, after everything, as of --as-of


async def test_a_replay_of_messages_with_nothing_to_deliver_ends_once_they_are_judged(
    tmp_path: Path, stand_in: Callable[[], Runtime]
) -> None:
    berichten = files(tmp_path, b"<malformed/>", b"<lost/>")
    counts = await hub_process.process(
        [berichten], settings=settings(tmp_path), broker_settings=BrokerSettings(), timeout=5
    )
    assert counts == {"malformed": 1, "failed": 1}


async def test_a_replay_runs_a_runtime_of_its_own(tmp_path: Path, stand_in: Callable[[], Runtime]) -> None:
    retour_out = tmp_path / "retouren"
    await hub_process.process(
        [files(tmp_path, b"<accepted/>")],
        settings=settings(tmp_path),
        broker_settings=BrokerSettings(),
        retour_out=retour_out,
        as_of=date(2026, 11, 23),
        timeout=5,
    )
    runtime = stand_in()
    assert runtime.settings.migrate_on_start is True  # its own store, whatever the service's settings say
    assert runtime.settings.retour_dir is None  # never the service's outbox
    assert runtime.settings.domain_metrics_max_age_seconds == 0  # metrics computed at the end, no kept copy
    assert runtime.settings.pseudonym_key == settings(tmp_path).pseudonym_key
    assert runtime.database_url.startswith("sqlite:///") and runtime.database_url.endswith("hub.sqlite")
    assert not Path(runtime.database_url.removeprefix("sqlite:///")).parent.exists()  # a temporary one, gone
    kw = runtime.kw
    assert kw["retour_dir"] == retour_out and kw["retour_per_receiver"] is False
    assert kw["allow_throwaway_key"] is True and kw["periodic_checks"] is False
    (bericht_id,) = runtime.records
    assert kw["retour_file_name"](bericht_id, "JW302") == "1.JW302.xml"  # named after the file
    assert kw["retour_file_name"]("f" * 32, "JW302") == f"{'f' * 32}.JW302.xml"  # not a replayed file: its id


def test_a_retour_name_keeps_a_stem_of_160_characters_and_shortens_a_longer_one() -> None:
    def named(stem: str) -> str:
        (name,) = hub_process.retour_names([Input(Path(f"{stem}.xml"), b"<x/>", None, "0200:12345678")])
        return name

    assert named("a" * 160) == "a" * 160
    langer = named("a" * 161)
    assert len(langer) == 160 and langer != "a" * 160  # its middle a hash: distinct from the 160 a's


@pytest.mark.parametrize(
    ("as_of", "gauges", "rules"),
    [
        (date(2026, 11, 23), date(2026, 11, 23), TODAY),  # in the past: the rules judge against the real date
        (date(2027, 3, 1), date(2027, 3, 1), date(2027, 3, 1)),  # in the future: against --as-of (issue 5)
        (None, TODAY, TODAY),
    ],
)
async def test_as_of_is_the_gauges_today_and_the_rules_the_later_of_it_and_the_real_date(
    tmp_path: Path, stand_in: Callable[[], Runtime], as_of: date | None, gauges: date, rules: date
) -> None:
    await hub_process.process(
        [files(tmp_path, b"<accepted/>")],
        settings=settings(tmp_path),
        broker_settings=BrokerSettings(),
        database="sqlite:///elders.sqlite",
        as_of=as_of,
        timeout=5,
    )
    runtime = stand_in()
    assert runtime.database_url == "sqlite:///elders.sqlite"
    assert runtime.kw["clock"]() == gauges and runtime.kw["judge_clock"]() == rules
    assert runtime.checked == [gauges]  # the periodic check as of the gauges' today


@pytest.mark.parametrize("where", ["uit/diep/metrics.prom", "metrics.prom"])
async def test_the_metrics_are_written_to_a_new_or_an_existing_directory(
    tmp_path: Path, stand_in: Callable[[], Runtime], where: str
) -> None:
    metrics_out = tmp_path / where
    await hub_process.process(
        [files(tmp_path, b"<accepted/>")],
        settings=settings(tmp_path),
        broker_settings=BrokerSettings(),
        metrics_out=metrics_out,
        timeout=5,
    )
    assert "stand_in_gauge 7.0" in metrics_out.read_text()


async def test_a_replay_that_never_drains_times_out_and_still_stops_its_runtime(
    tmp_path: Path, stand_in: Callable[[], Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Runtime, "_done", lambda self, callback, done, bericht_id: None)  # nothing delivered
    with pytest.raises(TimeoutError):
        await hub_process.process(
            [files(tmp_path, b"<accepted/>")],
            settings=settings(tmp_path),
            broker_settings=BrokerSettings(),
            timeout=0.3,
        )
    assert stand_in().steps == ["prepare", "start", "stop"]


async def test_a_replay_whose_embedded_broker_dies_ends_at_once_with_why_and_stops_its_runtime(
    tmp_path: Path, stand_in: Callable[[], Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing drains once the broker is gone: the replay ends with its cause, not after the timeout."""
    monkeypatch.setattr(Runtime, "_done", lambda self, callback, done, bericht_id: None)  # nothing delivered
    died = RuntimeError("the embedded Kafka broker was killed by signal 9")

    async def start(self: Runtime) -> None:
        self.steps.append("start")
        self.broker_gone = True
        asyncio.get_running_loop().call_later(0.1, self.kw["on_consumers_failed"], died)

    monkeypatch.setattr(Runtime, "start", start)
    begin = asyncio.get_running_loop().time()
    with pytest.raises(RuntimeError) as raised:
        await hub_process.process(
            [files(tmp_path, b"<accepted/>")],
            settings=settings(tmp_path),
            broker_settings=BrokerSettings(),
            timeout=60,
        )
    assert raised.value is died and asyncio.get_running_loop().time() - begin < 30
    assert stand_in().steps == ["prepare", "start", "stop"]
