"""The processor worker's promises a second mutation pass over consumers/processors.py found unpinned: the
backoff schedules, the time per event in the histogram, warnings that name the error type and never content, a
header that is not UTF-8, an event without a key, and register_processors loading the plugins itself.

The stand-ins are test_mut_processors.py's (a processor and broker that record what they were asked).
"""

from __future__ import annotations

import asyncio
import json
import logging
import textwrap
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from types import SimpleNamespace
from typing import ParamSpec, TypeVar

import pytest
from aiokafka.errors import KafkaConnectionError

import consumers.processors
from hub.errors import TransientError
from hub.events.models import AntwoordOntvangen
from hub.monitor.registry import Uitgaand
from tests.consumers.test_mut_processors import TOPICS, Hub, Record, make_hub, record, uitgaand
from tests.processes import fresh_json

# Content a failing store might quote in its exception: a warning must never carry it.
CONTENT = "Jansen 999990019"

Sleeps = list[float]
P = ParamSpec("P")
T = TypeVar("T")


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> Sleeps:
    """The worker's backoff sleeps, recorded and not slept (the event loop still gets its turn)."""
    asked: Sleeps = []
    real_sleep = asyncio.sleep

    async def sleep(delay: float) -> None:
        asked.append(delay)
        await real_sleep(0)

    stand_in = SimpleNamespace(sleep=sleep, to_thread=asyncio.to_thread, Lock=asyncio.Lock)
    monkeypatch.setattr(consumers.processors, "asyncio", stand_in)
    return asked


def failing(times: int, exc: Callable[[], BaseException], then: Callable[P, T]) -> Callable[P, T]:
    """`then`, after raising exc() `times` times."""
    left = [times]

    def call(*args: P.args, **kwargs: P.kwargs) -> T:
        if left[0]:
            left[0] -= 1
            raise exc()
        return then(*args, **kwargs)

    return call


def with_backoff(seconds: float, max_attempts: int = 5) -> Hub:
    hub = make_hub(max_attempts=max_attempts)
    hub.worker.backoff_seconds = seconds
    return hub


# ---- backoff ------------------------------------------------------------------------------------------------


async def test_a_batch_waits_out_a_store_outage_doubling_from_twice_the_backoff_up_to_64_times(
    sleeps: Sleeps,
) -> None:
    hub = with_backoff(0.01)
    real = hub.processor.verwerk_batch
    outage = failing(7, lambda: TransientError("store unavailable"), real)
    hub.processor.verwerk_batch = outage  # type: ignore[method-assign]  # the store is down 7 times
    poll = await hub.poll(record("a" * 32), record("b" * 32, offset=18))
    assert sleeps == pytest.approx([0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 0.64])
    assert hub.processor.batches == [["a" * 32, "b" * 32]] and hub.processor.one == []
    assert poll.calls == ["ack"]


async def test_a_store_outage_never_waits_longer_than_ten_seconds(sleeps: Sleeps) -> None:
    hub = with_backoff(1.0)
    real = hub.processor.verwerk_batch
    outage = failing(5, lambda: TransientError("store unavailable"), real)
    hub.processor.verwerk_batch = outage  # type: ignore[method-assign]
    await hub.poll(record("a" * 32), record("b" * 32, offset=18))
    assert sleeps == [2.0, 4.0, 8.0, 10.0, 10.0]


async def test_one_event_waits_out_a_store_outage_on_the_same_schedule(sleeps: Sleeps) -> None:
    hub = with_backoff(0.01, max_attempts=1)
    real = hub.processor.verwerk
    outage = failing(7, lambda: TransientError("store unavailable"), real)
    hub.processor.verwerk = outage  # type: ignore[method-assign]
    await hub.poll(record("a" * 32))
    assert sleeps == pytest.approx([0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 0.64])
    assert hub.processor.one == ["a" * 32] and hub.broker.on(TOPICS.dead_letter) == []


async def test_a_poison_event_is_retried_after_the_backoff_doubling_and_dead_lettered_without_a_last_wait(
    sleeps: Sleeps,
) -> None:
    hub = with_backoff(0.01, max_attempts=4)
    hub.processor.poison = {"a" * 32}
    await hub.poll(record("a" * 32))
    assert sleeps == pytest.approx([0.01, 0.02, 0.04])
    assert hub.processor.one == ["a" * 32] * 4 and len(hub.broker.on(TOPICS.dead_letter)) == 1


# ---- the time per event -------------------------------------------------------------------------------------


def clock(monkeypatch: pytest.MonkeyPatch, *readings: float) -> None:
    """time.perf_counter as the worker sees it: these readings, in order."""
    left = list(readings)
    monkeypatch.setattr(consumers.processors, "time", SimpleNamespace(perf_counter=lambda: left.pop(0)))


async def test_a_polls_time_is_shared_out_over_its_events(monkeypatch: pytest.MonkeyPatch) -> None:
    hub = make_hub()
    clock(monkeypatch, 100.0, 106.0)
    await hub.poll(record("a" * 32), record("b" * 32, offset=18), record("c" * 32, offset=19))
    assert hub.value("hub_processing_seconds_count", stage="processors") == 3
    assert hub.value("hub_processing_seconds_sum", stage="processors") == pytest.approx(6.0)

    clock(monkeypatch, 200.0, 204.0)
    await hub.poll(record("d" * 32))  # one event: all the time is its own
    assert hub.value("hub_processing_seconds_sum", stage="processors") == pytest.approx(10.0)


async def test_an_empty_poll_is_acknowledged_and_times_nothing() -> None:
    hub = make_hub()
    poll = await hub.poll()
    assert poll.calls == ["ack"] and hub.done == []
    assert hub.value("hub_processing_seconds_count", stage="processors") == 0


# ---- warnings: the error's type, never its text -----------------------------------------------------------


def warnings(caplog: pytest.LogCaptureFixture) -> list[tuple[str, dict[str, object]]]:
    """(message, the extra fields a JSON log line carries) of the worker's warnings, in order."""
    fields = ("events", "bericht_id", "attempt", "error")
    return [
        (r.getMessage(), {f: getattr(r, f) for f in fields if hasattr(r, f)})
        for r in caplog.records
        if r.name == "hub.processors" and r.levelno == logging.WARNING
    ]


async def test_the_warnings_of_a_failing_store_name_the_error_type_and_the_event_never_the_content(
    caplog: pytest.LogCaptureFixture, sleeps: Sleeps
) -> None:
    caplog.set_level(logging.WARNING, logger="hub.processors")
    hub = with_backoff(0, max_attempts=2)
    batch_errors = [TransientError(CONTENT), RuntimeError(CONTENT)]
    hub.processor.batch_fails = list(batch_errors)
    hub.processor.poison = {"a" * 32}
    real = hub.processor.verwerk
    hub.processor.verwerk = failing(  # type: ignore[method-assign]
        1, lambda: TransientError(CONTENT), real
    )
    await hub.poll(record("a" * 32), record("b" * 32, offset=18))
    assert warnings(caplog) == [
        ("store unavailable, retrying", {"events": 2, "error": "TransientError"}),
        ("batch failed, handling its events one by one", {"events": 2, "error": "RuntimeError"}),
        ("store unavailable, retrying", {"bericht_id": "a" * 32, "error": "TransientError"}),
        ("processing failed", {"bericht_id": "a" * 32, "attempt": 1, "error": "RuntimeError"}),
        ("processing failed", {"bericht_id": "a" * 32, "attempt": 2, "error": "RuntimeError"}),
    ]
    assert CONTENT not in caplog.text


async def test_a_postponed_send_and_a_postponed_check_are_warned_by_error_type(
    caplog: pytest.LogCaptureFixture, sleeps: Sleeps
) -> None:
    caplog.set_level(logging.WARNING, logger="hub.processors")
    hub = make_hub()
    hub.processor.outbox = [uitgaand("1" * 32)]
    hub.broker.refuse = KafkaConnectionError(CONTENT)
    await hub.worker.verstuur_veilig()
    assert warnings(caplog) == [("sending statusmeldingen postponed", {"error": "KafkaConnectionError"})]

    caplog.clear()
    hub.processor.check_fails = 1
    hub.broker.refuse = None
    loop = asyncio.create_task(hub.worker.peil_lus(60, lambda: date(2027, 1, 16)))
    for _ in range(500):  # the check runs in a worker thread
        await asyncio.sleep(0.01)
        if sleeps:
            break
    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
    assert warnings(caplog) == [("periodic check postponed", {"error": "TransientError"})]
    assert sleeps and set(sleeps) == {60}  # the rounds after it succeed, each followed by the interval
    assert CONTENT not in caplog.text


# ---- what the records and the outbox carry -----------------------------------------------------------------


async def test_a_bericht_id_header_that_is_not_utf8_is_dead_lettered_with_replacement_characters() -> None:
    hub = make_hub()
    poll = await hub.poll(Record(b"{}", (("bericht-id", b"\xff" + b"f" * 31),)))
    (letter,) = hub.broker.on(TOPICS.dead_letter)
    assert letter.headers["bericht-id"] == "\ufffd" + "f" * 31
    assert json.loads(letter.value)["bericht_id"] == "\ufffd" + "f" * 31
    assert poll.calls == ["ack"]


async def test_an_event_without_a_key_goes_out_without_one_not_with_an_empty_key() -> None:
    hub = make_hub()
    antwoord = AntwoordOntvangen(
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, "antwoord"),
        bericht_id="9" * 32,
        afzender="12345678",
        ontvanger="0200",
        gemeente="0200",
        aanbieder="12345678",
        identificatie="ID9",
        dagtekening=date(2026, 11, 23),
        ontvangen_op=datetime(2026, 11, 23, tzinfo=UTC),
        referentie_aanbieder="REF-1",
        verzoek_antwoord="1",
    )
    assert antwoord.kafka_key is None
    hub.processor.outbox = [Uitgaand("9" * 32, "JW319", "0200", b"<JW319/>", "0200:12345678", antwoord)]
    assert await hub.worker.verstuur() == 1
    (event,) = hub.broker.on(TOPICS.normalised("antwoord"))
    assert event.key is None  # an empty key would hash every such event to one partition
    assert event.headers["event-type"] == "AntwoordOntvangen"


# ---- register_processors ------------------------------------------------------------------------------------

SUBSCRIBE_IN_A_FRESH_PROCESS = textwrap.dedent(
    """
    import json
    from faststream.kafka import KafkaBroker
    from consumers.broker import BrokerSettings
    from consumers.processors import register_processors
    from hub.topics import Topics

    broker = KafkaBroker()
    register_processors(broker, lambda parsers: None, Topics("t."), BrokerSettings())
    (subscriber,) = broker.subscribers
    print(json.dumps([sorted(subscriber.topic_names), subscriber.group_id, subscriber.ack_policy.name]))
    """
)


def test_register_processors_loads_the_plugins_itself_and_reads_every_normalised_topic() -> None:
    # A fresh interpreter: in this one some other test has loaded the plugins already.
    topics, group, ack = fresh_json(SUBSCRIBE_IN_A_FRESH_PROCESS)
    kinds = [
        "antwoord",
        "gi.bepaling",
        "gi.capaciteit",
        "gi.maatregel-voortgang",
        "start",
        "stop",
        "toewijzing",
    ]
    kinds += ["verzoek-om-toewijzing", "verzoek-om-wijziging"]
    assert topics == sorted(TOPICS.normalised(k) for k in kinds)
    assert (group, ack) == (TOPICS.groups.processors, "MANUAL")  # one group; acknowledged after the store
