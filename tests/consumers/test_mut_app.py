"""consumers.app's Runtime wired in-process (SQLite, a broker address nothing connects to, stand-ins for the
registrations and the broker's lifecycle): the pseudonym key, the roles, what prepare() builds and with which
clocks, what each role subscribes, and how start() and stop() treat the broker, the schema and the tasks.

Found by a mutation pass over consumers/app.py: each test holds a promise no fast test held.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import inspect

import consumers.app
from consumers.app import Role, Runtime, pseudonymiser_for
from consumers.broker import BrokerSettings
from consumers.broker import make_broker as real_make_broker
from consumers.intake import IntakeWorker
from consumers.processors import ProcessorWorker
from hub.errors import ConfigError
from hub.monitor import collector
from hub.privacy import Pseudonymiser
from hub.settings import HubSettings
from hub.store.db import is_current
from hub.validate import VerdictMemory
from producers.retour_dispatcher import RetourDispatcher

ROOT = Path(__file__).resolve().parents[2]
KEY = "app-test-pseudonym-key-0123456789"
BSN = "999990019"  # elfproef-valid, nobody's
ADDRESS = "127.0.0.1:1"  # configured, so nothing is embedded; nothing connects in these tests
GAUGES, RULES = date(2027, 3, 1), date(2027, 2, 14)


def hub_settings(tmp_path: Path, **options: Any) -> HubSettings:
    options.setdefault("pseudonym_key", SecretStr(KEY))
    return HubSettings(database_url=f"sqlite:///{tmp_path / 'hub.sqlite'}", **options)


def make_runtime(
    tmp_path: Path, roles: tuple[Role, ...] = ("all",), settings: HubSettings | None = None, **options: Any
) -> Runtime:
    s = settings or hub_settings(tmp_path)
    return Runtime(s, BrokerSettings(bootstrap_servers=ADDRESS), s.database_url, roles=roles, **options)


# ---- the pseudonym key --------------------------------------------------------------------------------------


def test_without_a_key_the_hub_refuses_to_start_in_one_line(tmp_path: Path) -> None:
    s = hub_settings(tmp_path, pseudonym_key=None)
    with pytest.raises(ConfigError) as refused:
        pseudonymiser_for(s, allow_throwaway=False)
    assert str(refused.value) == (
        "HUB_PSEUDONYM_KEY is not set: the hub refuses to start without a pseudonymisation key"
    )


def test_demo_mode_takes_a_throwaway_key_and_warns_that_pseudonyms_change(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="hub")
    s = hub_settings(tmp_path, pseudonym_key=None, demo=True)
    first, second = pseudonymiser_for(s, allow_throwaway=False), pseudonymiser_for(s, allow_throwaway=False)
    assert first(BSN) != second(BSN)  # a new key each time
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            "hub",
            logging.WARNING,
            "demo mode: a throwaway pseudonymisation key is used; pseudonyms change on every start",
        )
    ] * 2


def test_hub_process_may_take_a_throwaway_key_without_a_warning_and_a_set_key_always_wins(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="hub")
    throwaway = pseudonymiser_for(hub_settings(tmp_path, pseudonym_key=None), allow_throwaway=True)
    assert throwaway(BSN) != Pseudonymiser(KEY.encode())(BSN) and caplog.records == []
    configured = pseudonymiser_for(hub_settings(tmp_path, demo=True), allow_throwaway=True)
    assert configured(BSN) == Pseudonymiser(KEY.encode())(BSN) and caplog.records == []


# ---- roles --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "consumes"),
    [(("all",), True), (("intake",), True), (("processors",), True), (("gateway",), False)],
)
def test_only_the_gateway_alone_consumes_nothing(
    tmp_path: Path, roles: tuple[Role, ...], consumes: bool
) -> None:
    assert make_runtime(tmp_path, roles).consumes is consumes


# ---- prepare ------------------------------------------------------------------------------------------------


def test_prepare_migrates_only_when_told_and_creates_the_dead_letter_series_at_zero(tmp_path: Path) -> None:
    unmigrated = make_runtime(tmp_path, settings=hub_settings(tmp_path, migrate_on_start=False))
    unmigrated.prepare()
    try:
        assert not is_current(unmigrated.engine) and inspect(unmigrated.engine).get_table_names() == []
    finally:
        unmigrated.engine.dispose()

    runtime = make_runtime(tmp_path)
    runtime.prepare()
    try:
        assert is_current(runtime.engine)
        for reason in ("malformed", "processing-failed"):
            assert runtime.registry.get_sample_value("hub_dead_letters_total", {"reason": reason}) == 0.0
    finally:
        runtime.engine.dispose()


def test_the_rules_judge_by_the_judge_clock_and_the_gauges_by_the_clock(tmp_path: Path) -> None:
    runtime = make_runtime(tmp_path, clock=lambda: GAUGES, judge_clock=lambda: RULES)
    runtime.prepare()
    runtime.engine.dispose()
    assert runtime.intake.clock() == RULES and runtime.validator.clock() == RULES
    assert runtime.processor.context.vandaag() == GAUGES

    alone = make_runtime(tmp_path, clock=lambda: GAUGES)
    alone.prepare()
    alone.engine.dispose()
    assert alone.intake.clock() == GAUGES and alone.validator.clock() == GAUGES


def test_a_schema_dir_without_one_xsd_refuses_the_start_a_complete_one_does_not(tmp_path: Path) -> None:
    xsd = tmp_path / "xsd"
    shutil.copytree(ROOT / "schemas" / "ijw" / "3.2", xsd)
    complete = make_runtime(tmp_path, settings=hub_settings(tmp_path, schema_dir=xsd))
    complete.prepare()
    complete.engine.dispose()

    (xsd / "jw305.xsd").unlink()
    with pytest.raises(ConfigError, match=r"no XSD for JW305 \(jw305\.xsd\)"):
        make_runtime(tmp_path, settings=hub_settings(tmp_path, schema_dir=xsd)).prepare()


@dataclass
class Embedded:
    """An EmbeddedBroker as Runtime starts and stops it."""

    bootstrap: str = "127.0.0.1:19092"
    calls: list[str] = field(default_factory=list)

    def start(self) -> Embedded:
        self.calls.append("start")
        return self

    def stop(self) -> None:
        self.calls.append("stop")


def test_the_configured_cluster_is_used_as_it_is_with_our_logger_and_the_grace_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[tuple[str, dict[str, Any]]] = []

    def make_broker(settings: BrokerSettings, bootstrap: str, **options: Any) -> Any:
        made.append((bootstrap, options))
        return real_make_broker(settings, bootstrap, **options)

    monkeypatch.setattr(consumers.app, "make_broker", make_broker)
    monkeypatch.setattr(consumers.app, "EmbeddedBroker", Embedded)
    runtime = make_runtime(tmp_path, settings=hub_settings(tmp_path, shutdown_grace_seconds=7.5))
    runtime.prepare()
    runtime.engine.dispose()
    assert runtime.bootstrap == ADDRESS and runtime.embedded is None
    [(bootstrap, options)] = made
    assert bootstrap == ADDRESS
    assert options["logger"].name == "faststream.hub" and options["graceful_timeout"] == 7.5


def test_without_a_configured_cluster_an_embedded_broker_is_started_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumers.app, "EmbeddedBroker", Embedded)
    s = hub_settings(tmp_path)
    runtime = Runtime(s, BrokerSettings(), s.database_url)
    runtime.prepare()
    runtime.engine.dispose()
    assert isinstance(runtime.embedded, Embedded) and runtime.embedded.calls == ["start"]
    assert runtime.bootstrap == "127.0.0.1:19092"


@pytest.mark.parametrize(
    ("roles", "serves_http", "remembers"),
    [
        (("all",), True, True),
        (("gateway", "intake"), True, True),
        (("all",), False, False),  # `hub process`: no gateway in the process
        (("gateway",), True, False),
        (("intake",), True, False),
    ],
)
def test_verdicts_are_remembered_only_where_the_gateway_and_the_intake_share_a_served_process(
    tmp_path: Path, roles: tuple[Role, ...], serves_http: bool, remembers: bool
) -> None:
    runtime = make_runtime(tmp_path, roles, serves_http=serves_http)
    runtime.prepare()
    runtime.engine.dispose()
    assert isinstance(runtime.validator.memory, VerdictMemory) is remembers


# ---- what each role subscribes ------------------------------------------------------------------------------


@dataclass
class Registered:
    intake: list[Callable[[], IntakeWorker]] = field(default_factory=list)
    dispatchers: list[RetourDispatcher] = field(default_factory=list)
    processors: list[Callable[[Any], ProcessorWorker]] = field(default_factory=list)
    monitors: list[tuple[Any, ...]] = field(default_factory=list)


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Registered:
    seen = Registered()
    monkeypatch.setattr(
        consumers.app, "register_intake", lambda b, factory, t, s: seen.intake.append(factory)
    )
    monkeypatch.setattr(
        consumers.app, "register_retour_dispatcher", lambda b, d, t, s: seen.dispatchers.append(d)
    )
    monkeypatch.setattr(
        consumers.app, "register_processors", lambda b, factory, t, s: seen.processors.append(factory)
    )
    monkeypatch.setattr(collector, "install", lambda *args: seen.monitors.append(args))
    return seen


@pytest.mark.parametrize(
    ("roles", "counts"),
    [
        (("all",), (1, 1, 1, 1)),
        (("intake",), (1, 1, 0, 0)),
        (("processors",), (0, 0, 1, 1)),
        (("gateway",), (0, 0, 0, 0)),
    ],
)
def test_each_role_subscribes_its_own_consumers(
    tmp_path: Path, registered: Registered, roles: tuple[Role, ...], counts: tuple[int, int, int, int]
) -> None:
    runtime = make_runtime(tmp_path, roles)
    runtime.prepare()
    runtime.engine.dispose()
    seen = registered
    assert (len(seen.intake), len(seen.dispatchers), len(seen.processors), len(seen.monitors)) == counts


def test_the_consumers_get_the_settings_and_the_callbacks_of_the_runtime(
    tmp_path: Path, registered: Registered
) -> None:
    done: list[str] = []
    outbox = tmp_path / "uit"

    def name(bericht_id: str, bericht: str) -> str:
        return f"{bericht}-{bericht_id}"

    runtime = make_runtime(
        tmp_path,
        settings=hub_settings(tmp_path, max_attempts=3, retour_dir=tmp_path / "service"),
        retour_dir=outbox,
        retour_per_receiver=False,
        retour_file_name=name,
        on_intake_done=done.append,
        on_retour_done=done.append,
        on_processor_done=done.append,
    )
    runtime.prepare()
    runtime.engine.dispose()
    intake = registered.intake[0]()
    assert (intake.max_attempts, intake.on_done) == (3, done.append)
    assert intake.mark_published == runtime.intake.mark_published
    (dispatcher,) = registered.dispatchers
    assert (dispatcher.outbox, dispatcher.per_receiver, dispatcher.on_done) == (outbox, False, done.append)
    assert dispatcher.file_name is name and dispatcher.mark_delivered == runtime._mark_delivered
    worker = registered.processors[0]({})
    assert (worker.max_attempts, worker.on_done, worker.processor) == (3, done.append, runtime.processor)
    assert runtime.processor_worker is worker
    (install,) = registered.monitors
    assert install == (runtime.registry, runtime.metrics, runtime.sessions, runtime.settings, runtime.clock)


def test_without_overrides_the_dispatcher_writes_to_the_configured_outbox_with_its_own_names(
    tmp_path: Path, registered: Registered
) -> None:
    runtime = make_runtime(tmp_path, ("intake",), settings=hub_settings(tmp_path, retour_dir=tmp_path / "s"))
    runtime.prepare()
    runtime.engine.dispose()
    (dispatcher,) = registered.dispatchers
    assert dispatcher.outbox == tmp_path / "s" and dispatcher.per_receiver is True
    assert dispatcher.file_name("a" * 32, "JW302") == f"{'a' * 32}.JW302.xml"


class Delivered:
    """The intake's and the processors' answers to "delivered now for the first time?", and who was asked."""

    def __init__(self, intake: set[str], processors: set[str]) -> None:
        self.intake, self.processors = intake, processors
        self.asked: list[Sequence[str] | str] = []

    def mark_delivered_batch(self, ids: Sequence[str]) -> set[str]:
        self.asked.append(ids)
        return self.intake & set(ids)

    def afgeleverd(self, bericht_id: str) -> bool:
        self.asked.append(bericht_id)
        return bericht_id in self.processors


def test_deliveries_are_the_intakes_first_then_the_processors_for_the_rest(tmp_path: Path) -> None:
    runtime = make_runtime(tmp_path)
    both = Delivered(intake={"a"}, processors={"b"})
    runtime.intake = both  # type: ignore[assignment]  # a stand-in for the Intake
    runtime.processor = both  # type: ignore[assignment]  # a stand-in for the Processor
    assert runtime._mark_delivered(["a", "b", "c"]) == {"a", "b"}
    assert both.asked == [["a", "b", "c"], "b", "c"]  # the processors are not asked about the intake's own


# ---- start and stop -----------------------------------------------------------------------------------------


class Broker:
    """The KafkaBroker as start() and stop() drive it: what they asked, in order; `fail`: start() raises it."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.fail: list[BaseException] = []
        self.stop_fails = False

    async def connect(self) -> None:
        self.calls.append("connect")

    async def start(self) -> None:
        self.calls.append("start")
        if self.fail:
            raise self.fail.pop(0)

    async def stop(self) -> None:
        self.calls.append("stop")
        if self.stop_fails:
            raise ConnectionError("broker gone")


@dataclass
class World:
    """What the runtime met while starting: topic creation, the schema check, its periodic tasks."""

    topics: list[tuple[Any, ...]] = field(default_factory=list)
    unreachable: int = 0  # ensure_topics fails this many times, then works
    current: bool = True
    schema: asyncio.Event = field(default_factory=asyncio.Event)  # set: wait_until_current returns
    schema_error: BaseException | None = None
    checks: list[tuple[float, date]] = field(default_factory=list)
    retention: list[tuple[Any, int]] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)


class Asyncio:
    """consumers.app's asyncio with its sleeps recorded and not slept."""

    def __init__(self, world: World) -> None:
        self.world = world

    async def sleep(self, delay: float) -> None:
        self.world.sleeps.append(delay)
        await asyncio.sleep(0)

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)


async def forever(world: World, name: str) -> None:
    try:
        await asyncio.Event().wait()
    except asyncio.CancelledError:
        world.cancelled.append(name)
        raise


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> World:
    w = World()

    async def ensure_topics(*args: Any, **kwargs: Any) -> None:
        w.topics.append((*args, kwargs))
        if w.unreachable:
            w.unreachable -= 1
            raise ConnectionError("broker unreachable")

    async def wait_until_current(engine: Any) -> None:
        await w.schema.wait()
        if w.schema_error is not None:
            raise w.schema_error

    async def retention_loop(sessions: Any, days: int) -> None:
        w.retention.append((sessions, days))
        await forever(w, "retention")

    monkeypatch.setattr(consumers.app, "ensure_topics", ensure_topics)
    monkeypatch.setattr(consumers.app, "is_current", lambda engine: w.current)
    monkeypatch.setattr(consumers.app, "wait_until_current", wait_until_current)
    monkeypatch.setattr(consumers.app, "retention_loop", retention_loop)
    monkeypatch.setattr(consumers.app, "asyncio", Asyncio(w))
    return w


@pytest.fixture
def built(tmp_path: Path, world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Runtime]]:
    """Runtimes prepared against SQLite with a stand-in broker and periodic check."""
    made: list[Runtime] = []

    def build(roles: tuple[Role, ...] = ("all",), **options: Any) -> Runtime:
        settings = options.pop("settings", None) or hub_settings(
            tmp_path, peil_interval_seconds=42.0, retour_retention_days=30
        )
        runtime = make_runtime(tmp_path, roles, settings=settings, clock=lambda: GAUGES, **options)
        runtime.prepare()
        runtime.broker = Broker()  # type: ignore[assignment]  # a stand-in for the KafkaBroker
        if runtime.processor_worker is not None:

            async def peil_lus(interval: float, clock: Callable[[], date]) -> None:
                world.checks.append((interval, clock()))
                await forever(world, "check")

            monkeypatch.setattr(runtime.processor_worker, "peil_lus", peil_lus)
        made.append(runtime)
        return runtime

    yield build
    for runtime in made:
        runtime.engine.dispose()


def calls(runtime: Runtime) -> list[str]:
    broker: Any = runtime.broker
    return list(broker.calls)


async def until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("not reached")


async def test_start_creates_the_topics_consumes_and_runs_both_periodic_tasks_until_stop(
    built: Callable[..., Runtime], world: World
) -> None:
    runtime = built()
    assert not runtime.consuming
    await runtime.start()
    assert world.topics == [
        (ADDRESS, runtime.topics.all(), 6, 1, {"settings": runtime.broker_settings}),
    ]
    assert calls(runtime) == ["start"] and runtime.consuming
    await until(lambda: bool(world.checks and world.retention))
    assert world.checks == [(42.0, GAUGES)] and world.retention == [(runtime.sessions, 30)]

    await runtime.stop()
    assert sorted(world.cancelled) == ["check", "retention"]
    assert calls(runtime) == ["start", "stop"] and not runtime.consuming
    assert runtime._peiler is None and runtime._retention is None


@pytest.mark.parametrize(
    ("roles", "periodic", "days", "tasks"),
    [
        (("processors",), True, 30, ([(42.0, GAUGES)], [])),
        (("intake",), True, 30, ([], [30])),
        (("intake",), True, 1, ([], [1])),
        (("intake",), True, 0, ([], [])),  # retention off
        (("all",), False, 30, ([], [])),  # `hub process` runs the check itself, once
    ],
)
async def test_the_periodic_tasks_run_only_in_their_roles_and_when_asked(
    built: Callable[..., Runtime],
    world: World,
    tmp_path: Path,
    roles: tuple[Role, ...],
    periodic: bool,
    days: int,
    tasks: tuple[list[tuple[float, date]], list[int]],
) -> None:
    settings = hub_settings(tmp_path, peil_interval_seconds=42.0, retour_retention_days=days)
    runtime = built(roles, settings=settings, periodic_checks=periodic)
    await runtime.start()
    await asyncio.sleep(0.01)
    assert (world.checks, [d for _, d in world.retention]) == tasks
    await runtime.stop()


async def test_consumers_do_not_start_without_the_broker(built: Callable[..., Runtime], world: World) -> None:
    world.unreachable = 1
    runtime = built(("processors",))
    with pytest.raises(ConnectionError):
        await runtime.start()
    assert calls(runtime) == [] and not runtime.consuming


async def test_the_gateway_alone_starts_without_the_broker_and_retries_with_backoff_up_to_30s(
    built: Callable[..., Runtime], world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hub")
    world.unreachable = 8
    runtime = built(("gateway",))
    runtime.broker.fail = [ConnectionError("still away")]  # type: ignore[attr-defined]  # the stand-in's
    await runtime.start()
    assert not runtime.consuming
    await until(lambda: runtime.consuming)
    # After the first: seven failed topic creations, then one failed broker start, each waiting twice as long as
    # the one before, from 1 s up to 30 s.
    assert world.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert len(world.topics) == 10  # the first, seven failed retries, and two that worked
    assert calls(runtime) == ["start", "start"] and world.checks == []
    lines = [
        (r.levelno, r.getMessage(), getattr(r, "error", None)) for r in caplog.records if r.name == "hub"
    ]
    assert lines == [
        (
            logging.WARNING,
            "broker unreachable at start; the gateway spools until it answers",
            "ConnectionError",
        ),
        (logging.INFO, "broker reachable; the gateway's topics are in place", None),
    ]
    await runtime.stop()
    assert calls(runtime)[-1] == "stop"


async def test_consumers_wait_for_the_schema_while_the_broker_is_connected_for_publishing(
    built: Callable[..., Runtime], world: World
) -> None:
    world.current = False
    runtime = built(("intake",))
    await runtime.start()
    await asyncio.sleep(0.01)
    assert calls(runtime) == ["connect"] and not runtime.consuming and world.retention == []
    world.schema.set()
    await until(lambda: runtime.consuming)
    assert calls(runtime) == ["connect", "start"]
    await until(lambda: bool(world.retention))
    await runtime.stop()
    assert runtime._waiting is None and world.cancelled == ["retention"]


async def test_stop_while_waiting_for_the_schema_cancels_the_wait_and_nothing_starts_after(
    built: Callable[..., Runtime], world: World
) -> None:
    world.current = False
    runtime = built(("processors",))
    await runtime.start()
    waiting = runtime._waiting
    assert waiting is not None and not waiting.done()

    async def stop() -> bool:
        await runtime.stop()
        return waiting.cancelled()  # over by the time stop() returns, not merely asked to end

    stopping = asyncio.create_task(stop())
    done, _ = await asyncio.wait({stopping}, timeout=2)
    world.schema.set()
    assert await stopping and runtime._waiting is None
    assert done, "stop() waited for the schema instead of cancelling the wait"
    await asyncio.sleep(0.01)
    assert calls(runtime) == ["connect", "stop"] and not runtime.consuming and world.checks == []


async def test_the_gateway_alone_does_not_wait_for_the_schema(
    built: Callable[..., Runtime], world: World
) -> None:
    world.current = False
    runtime = built(("gateway",))
    await runtime.start()
    assert calls(runtime) == ["start"] and runtime.consuming
    await runtime.stop()


async def test_consumers_that_fail_to_start_after_the_schema_say_so_and_tell_the_owner(
    built: Callable[..., Runtime], world: World, caplog: pytest.LogCaptureFixture
) -> None:
    failures: list[BaseException] = []
    world.current = False
    world.schema_error = RuntimeError("group not authorized")
    runtime = built(("processors",), on_consumers_failed=failures.append)
    await runtime.start()
    world.schema.set()
    await until(lambda: bool(failures))
    assert failures == [world.schema_error] and not runtime.consuming
    (line,) = [r for r in caplog.records if r.name == "hub" and r.levelno == logging.ERROR]
    assert line.getMessage() == "the consumers failed to start" and line.exc_info is not None
    await runtime.stop()  # the failure was said: stop() does not raise it again
    assert calls(runtime) == ["connect", "stop"] and world.checks == []


async def test_the_check_of_hub_process_runs_through_the_processors_worker_and_is_a_no_op_without_it(
    built: Callable[..., Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = built(("processors",))
    asked: list[date] = []

    async def peil(vandaag: date) -> int:
        asked.append(vandaag)
        return 4

    monkeypatch.setattr(runtime.processor_worker, "peil", peil)
    assert await runtime.peil(RULES) == 4 and asked == [RULES]
    assert await built(("intake",)).peil(RULES) == 0


async def test_stop_stops_the_embedded_broker_even_when_the_broker_fails_to_stop(
    built: Callable[..., Runtime],
) -> None:
    runtime = built(("gateway",))
    embedded = Embedded()
    runtime.embedded = embedded  # type: ignore[assignment]  # a stand-in for the EmbeddedBroker
    runtime.broker.stop_fails = True  # type: ignore[attr-defined]  # the stand-in's
    with pytest.raises(ConnectionError):
        await runtime.stop()
    assert embedded.calls == ["stop"] and runtime.embedded is None
