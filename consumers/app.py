"""Builds the running hub from settings: broker (embedded or configured), store, intake, subscribers per role.

`hub run` and `hub process` both start here, so a replayed archive goes through exactly the consumers the
service runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from consumers.broker import BrokerSettings, build_security, ensure_topics, largest_record, make_broker
from consumers.embedded import EmbeddedBroker
from consumers.intake import IntakeWorker, register_intake
from consumers.lag import lag_loop
from consumers.processors import ProcessorWorker, register_processors
from hub.clock import vandaag
from hub.errors import ConfigError
from hub.ijw.parse import ParseLimits
from hub.intake import Intake
from hub.metrics import HubMetrics
from hub.monitor import collector as monitor
from hub.monitor.processor import Processor
from hub.monitor.registry import EventParser, Regios
from hub.privacy import Pseudonymiser
from hub.reference import gemeenten as gemeentelijst
from hub.reference.producten import load_productcodes
from hub.reference.tarieven import load_tarieven
from hub.settings import HubSettings
from hub.store import key_fingerprint as fingerprints
from hub.store.db import SessionFactory, is_current, make_engine, session_factory, upgrade, wait_until_current
from hub.store.retention import retention_loop
from hub.topics import Topics
from hub.validate import Validator, VerdictMemory
from producers.retour_dispatcher import RetourDispatcher, register_retour_dispatcher

log = logging.getLogger("hub")


class EmbeddedBrokerExited(Exception):
    """The embedded Tansu broker ended while the hub ran; what it held in memory is gone with it."""

    def __init__(self, returncode: int | None) -> None:
        how = (
            f"was killed by signal {-returncode}"
            if returncode is not None and returncode < 0
            else (f"exited with status {returncode}")
        )
        super().__init__(
            f"the embedded Kafka broker {how}: the records it held in memory are lost (messages the gateway "
            "answered 202 but the intake had not judged yet are not in the store); the hub stops, and a restart "
            "starts a new broker. Configure HUB_KAFKA_BOOTSTRAP_SERVERS for a broker that keeps its records"
        )


Role = Literal["all", "intake", "processors", "gateway"]
ROLES: tuple[Role, ...] = ("all", "intake", "processors", "gateway")
# Verdicts the validator remembers where the gateway and the intake share a process: the intake meets a message
# after its trip through Kafka, with the messages posted meanwhile in between.
VERDICT_MEMORY = 256


def pseudonymiser_for(settings: HubSettings, *, allow_throwaway: bool) -> Pseudonymiser:
    """The configured key; a throwaway one only in demo mode (or for `hub process`), with a warning."""
    if settings.pseudonym_key is not None:
        return Pseudonymiser(settings.pseudonym_key.get_secret_value().encode())
    if not (allow_throwaway or settings.demo):
        raise ConfigError(
            "HUB_PSEUDONYM_KEY is not set: the hub refuses to start without a pseudonymisation key"
        )
    if settings.demo:
        log.warning("demo mode: a throwaway pseudonymisation key is used; pseudonyms change on every start")
    return Pseudonymiser.throwaway()


def require_id_key(settings: HubSettings, *, allow_throwaway: bool) -> None:
    """The gateway alone holds no pseudonymisation key: it needs HUB_ID_KEY for its message ids (producers.ids).

    HUB_PSEUDONYM_KEY serves too, as before HUB_ID_KEY (the id key is then derived from it). Without either, only
    demo mode starts, with a throwaway key: ids minted by one gateway would be unknown to another.
    """
    if settings.id_key is not None or settings.pseudonym_key is not None:
        return
    if not (allow_throwaway or settings.demo):
        raise ConfigError(
            "HUB_ID_KEY is not set: the gateway refuses to start without a key for its message ids"
        )
    if settings.demo:
        log.warning("demo mode: a throwaway key tags the message ids; ids change meaning on every start")


@dataclass
class Runtime:
    """Everything one hub process needs; `start()` connects, `stop()` releases in reverse order."""

    settings: HubSettings
    broker_settings: BrokerSettings
    database_url: str
    roles: tuple[Role, ...] = ("all",)
    clock: Callable[[], date] = vandaag  # "today" of the gauges (`--as-of`)
    judge_clock: Callable[[], date] | None = None  # "today" of the rules (TR135 ...); default: `clock`
    retour_dir: Path | None = None
    retour_per_receiver: bool = True
    allow_throwaway_key: bool = False
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    on_intake_done: Callable[[str], None] | None = None
    on_retour_done: Callable[[str], None] | None = None
    on_processor_done: Callable[[str], None] | None = None
    retour_file_name: Callable[[str, str], str] | None = None
    periodic_checks: bool = True  # the processors' periodic check (`hub process` runs it once, at the end)
    serves_http: bool = False  # `hub run`: the HTTP app, with the gateway when the roles include it
    # Called when the consumers that waited for the schema fail to start, or the embedded broker exits (`hub run`
    # ends the process then).
    on_consumers_failed: Callable[[BaseException], None] | None = None

    embedded: EmbeddedBroker | None = field(init=False, default=None)
    bootstrap: str = field(init=False, default="")
    broker: KafkaBroker = field(init=False)
    engine: Engine = field(init=False)
    sessions: SessionFactory = field(init=False)
    intake: Intake = field(init=False)  # a consuming role's (intake, processors): the gateway alone has none
    metrics: HubMetrics = field(init=False)
    topics: Topics = field(init=False)
    validator: Validator = field(init=False)
    processor: Processor = field(init=False)
    processor_worker: ProcessorWorker | None = field(init=False, default=None)
    intake_worker: IntakeWorker | None = field(init=False, default=None)  # made at the first poll
    _peiler: asyncio.Task[None] | None = field(init=False, default=None)
    _retention: asyncio.Task[None] | None = field(init=False, default=None)  # clears old retour XML, daily
    _lag: asyncio.Task[None] | None = field(
        init=False, default=None
    )  # refreshes hub_consumer_lag (consumers.lag)
    _waiting: asyncio.Task[None] | None = field(init=False, default=None)  # consumers waiting for the schema
    _watch: asyncio.Task[None] | None = field(init=False, default=None)  # the embedded broker's watchdog
    _consuming: bool = field(init=False, default=False)
    _pseudonym: Pseudonymiser | None = field(init=False, default=None)  # the intake's

    def has(self, role: Role) -> bool:
        return "all" in self.roles or role in self.roles

    @property
    def consumes(self) -> bool:
        """This process runs subscribers (intake or processors); the gateway alone only publishes."""
        return self.has("intake") or self.has("processors")

    @property
    def broker_gone(self) -> bool:
        """The embedded broker has ended (with what it held): nothing in flight can be published or committed."""
        return self.embedded is not None and not self.embedded.running

    @property
    def consuming(self) -> bool:
        """The broker's subscribers have started: at once in start(), or once the schema is current."""
        return self._consuming

    def prepare(self) -> None:
        """Synchronous set-up: store, migrations, validator, embedded broker (on the calling thread)."""
        # The key first: a hub that refuses to start must not have migrated a database or started a broker.
        # Only the intake pseudonymises: the processors read pseudonyms from events and the store, and start
        # without HUB_PSEUDONYM_KEY (least privilege); the gateway takes HUB_ID_KEY instead (producers.ids).
        if self.has("intake"):
            self._pseudonym = pseudonymiser_for(self.settings, allow_throwaway=self.allow_throwaway_key)
        elif self.has("gateway"):
            require_id_key(self.settings, allow_throwaway=self.allow_throwaway_key)
        s = self.settings
        self.validator = self._validator()
        if self.broker_settings.bootstrap_servers:  # the TLS files too, before the database is touched
            build_security(self.broker_settings)
        self.metrics = HubMetrics(self.registry)
        self.metrics.zero(judging=self.has("intake") or self.has("gateway"))
        self.topics = Topics(self.broker_settings.topic_prefix)
        self.engine = make_engine(self.database_url)
        if self.settings.migrate_on_start:
            upgrade(self.engine)
        self.sessions = session_factory(self.engine)
        if self._pseudonym is not None:
            self.intake = Intake(
                self.validator,
                self.sessions,
                self._pseudonym,
                clock=self.judge_clock or self.clock,
                now=lambda: datetime.now(UTC),
            )
        # Every role has one: the retour dispatcher (intake role) records deliveries of the processors' messages.
        self.processor = Processor(
            self.sessions,
            Regios.from_file(s.gemeenten_file),
            clock=self.clock,
            koppeltermijn_dagen=s.gi_koppeltermijn_dagen,
        )
        self._connect()
        self._register()

    def _validator(self) -> Validator:
        """The deployment's reference files and XSDs too: a bad one refuses the start with ConfigError (exit 2)."""
        s = self.settings
        gemeentelijst.gebruik(s.gemeenten_file)
        validator = Validator.from_paths(
            s.schema_dir,
            s.gemeenten_file,
            limits=ParseLimits(s.max_message_bytes, s.max_xml_depth),
            productcodes=load_productcodes(s.productcodes_file) if s.productcodes_file else None,
            tarieven=load_tarieven(s.tarieven_file) if s.tarieven_file else None,
            clock=self.judge_clock or self.clock,
            memory=self._verdict_memory(),
        )
        # The deployment's own set, compiled whole now; the built-in one is complete (its tests compile each).
        if s.schema_dir is not None:
            validator.schemas.check_complete()
        return validator

    def _connect(self) -> None:
        """The configured Kafka cluster, or an embedded broker started here when none is configured."""
        if self.broker_settings.bootstrap_servers:
            self.bootstrap = self.broker_settings.bootstrap_servers
        else:
            self.embedded = EmbeddedBroker().start()
            self.bootstrap = self.embedded.bootstrap
        # Our logger, so the broker's lines follow HUB_LOG_FORMAT and the quiet level of hub.logs.configure.
        # graceful_timeout: on stop the subscribers wait this long for the messages they are handling.
        self.broker = make_broker(
            self.broker_settings,
            self.bootstrap,
            logger=logging.getLogger("faststream.hub"),
            graceful_timeout=self.settings.shutdown_grace_seconds,
        )

    def _verdict_memory(self) -> VerdictMemory | None:
        """The intake finds the gateway's verdict on the same bytes when both run here; elsewhere none is kept."""
        if self.serves_http and self.has("gateway") and self.has("intake"):
            return VerdictMemory(VERDICT_MEMORY)
        return None

    def _register(self) -> None:
        if self.has("intake"):

            def intake_worker() -> IntakeWorker:
                self.intake_worker = IntakeWorker(
                    self.intake,
                    self.broker,
                    self.topics,
                    self.metrics,
                    self.intake.mark_published,
                    max_attempts=self.settings.max_attempts,
                    on_done=self.on_intake_done,
                    largest_record=largest_record(self.broker_settings),
                    # The embedded broker dies with this process: nothing is redelivered after a death, and the
                    # next run's offsets start at 0 again, where counts kept in the store would be another's.
                    count_starts=self.embedded is None,
                )
                return self.intake_worker

            register_intake(self.broker, intake_worker, self.topics, self.broker_settings)
            dispatcher = RetourDispatcher(
                self.retour_dir or self.settings.retour_dir,
                self._mark_delivered,
                self.metrics,
                per_receiver=self.retour_per_receiver,
                on_done=self.on_retour_done,
                from_store=self.intake.retouren,
            )
            if self.retour_file_name is not None:
                dispatcher.file_name = self.retour_file_name
            register_retour_dispatcher(self.broker, dispatcher, self.topics, self.broker_settings)
        if self.has("processors"):
            self._register_processors()

    def _mark_delivered(self, bericht_ids: Sequence[str]) -> set[str]:
        """Retouren of the intake, or messages the processors sent (GI102), reached their outboxes."""
        first = self.intake.mark_delivered_batch(bericht_ids)
        # The rest: the processors' statusmeldingen (few per poll), or retouren delivered before.
        return first | {i for i in bericht_ids if i not in first and self.processor.afgeleverd(i)}

    def _register_processors(self) -> None:
        """The processors (issue 5) and the domain metrics they feed, read from the store at scrape time."""

        def worker(parsers: Mapping[str, EventParser]) -> ProcessorWorker:
            self.processor_worker = ProcessorWorker(
                self.processor,
                parsers,
                self.broker,
                self.topics,
                self.metrics,
                max_attempts=self.settings.max_attempts,
                on_done=self.on_processor_done,
            )
            return self.processor_worker

        register_processors(self.broker, worker, self.topics, self.broker_settings)
        monitor.install(self.registry, self.metrics, self.sessions, self.settings, self.clock)

    async def peil(self, vandaag: date) -> int:
        """The processors' periodic check as of vandaag, and sending what it made (a no-op without the role)."""
        if self.processor_worker is None:
            return 0
        return await self.processor_worker.peil(vandaag)

    async def start(self) -> None:
        if self.embedded is not None and self.on_consumers_failed is not None:
            self._watch = asyncio.create_task(self._watch_embedded())
        consumes = self.consumes
        try:
            await self._ensure_topics()
        except Exception as exc:
            if consumes:
                raise
            # The gateway alone keeps what it takes in the store's spool while the broker is away
            # (producers.publisher), so it serves meanwhile and creates the topics once the broker answers.
            log.warning(
                "broker unreachable at start; the gateway spools until it answers",
                extra={"error": type(exc).__name__},
            )
            self._waiting = asyncio.create_task(self._start_when_reachable())
            return
        if consumes and not await asyncio.to_thread(is_current, self.engine):
            # `hub db upgrade` has not run: a message consumed now would fail on a missing table. Publishing (the
            # gateway) works meanwhile; /readyz answers "migrations": false until the schema is current.
            await self.broker.connect()
            self._waiting = asyncio.create_task(self._consume_when_current())
            return
        await self._consume()

    async def _ensure_topics(self) -> None:
        await ensure_topics(
            self.bootstrap,
            self.topics.all(),
            self.broker_settings.partitions,
            self.broker_settings.replication_factor,
            settings=self.broker_settings,
        )

    async def _start_when_reachable(self, backoff: tuple[float, float] = (1.0, 30.0)) -> None:
        """The gateway's start once the broker answers: its topics, then the broker (retried with backoff)."""
        delay = backoff[0]
        while True:
            try:
                await self._ensure_topics()
                await self._consume()
            except Exception:  # still away: the first warning said so
                await asyncio.sleep(delay)
                delay = min(delay * 2, backoff[1])
            else:
                log.info("broker reachable; the gateway's topics are in place")
                return

    async def _watch_embedded(self, interval: float = 1.0) -> None:
        """End the hub when its embedded broker exits: nothing would be consumed or published again, and a 202 of
        the gateway would wait in the spool for a broker that never comes back. A restart starts a new one."""
        embedded = self.embedded
        while embedded is not None and embedded.running:
            await asyncio.sleep(interval)
        if embedded is None or self.embedded is not embedded:  # stopped by stop()
            return
        exc = EmbeddedBrokerExited(embedded.returncode)
        log.error("%s", exc)
        if self.on_consumers_failed is not None:
            self.on_consumers_failed(exc)

    async def _consume_when_current(self) -> None:
        try:
            await wait_until_current(self.engine)
            await self._consume()
        except ConfigError as exc:  # the key check refused: its one line says what to do, no traceback
            if self.on_consumers_failed is None:
                log.error("the consumers did not start: %s", exc)
            else:
                self.on_consumers_failed(exc)  # `hub run` ends with the line
            raise
        except Exception as exc:  # nobody awaits this task until stop(): say it here, and tell the owner
            log.exception("the consumers failed to start")
            if self.on_consumers_failed is not None:
                self.on_consumers_failed(exc)
            raise

    async def _consume(self) -> None:
        if self._pseudonym is not None:  # once the schema is current: the fingerprint's table is there (0016)
            await asyncio.to_thread(self._check_key)
        await self.broker.start()
        self._consuming = True
        if self.periodic_checks:  # fresh end offsets now and then: a hung consumer's lag must still rise
            self._lag = asyncio.create_task(lag_loop(self.metrics, self.broker))
        if self.periodic_checks and self.processor_worker is not None:
            self._peiler = asyncio.create_task(
                self.processor_worker.peil_lus(self.settings.peil_interval_seconds, self.clock)
            )
        # In the process of the retour dispatcher (intake role), which marks the deliveries the retention goes by.
        if self.periodic_checks and self.has("intake") and self.settings.retour_retention_days > 0:
            self._retention = asyncio.create_task(
                retention_loop(self.sessions, self.settings.retour_retention_days)
            )

    def _check_key(self) -> None:
        """Refuse (ConfigError) a key other than the one the store's pseudonyms were made with; record it on first use.

        Under another key every known client would be a stranger: the next JW305 of one is TR019 (docs/operations.md,
        section 5).
        """
        assert self._pseudonym is not None  # the intake's, made in prepare()
        key = fingerprints.Recorded(
            fingerprints.fingerprint(self._pseudonym),
            throwaway=self.settings.pseudonym_key is None,
            recorded_at=datetime.now(UTC),
        )
        fingerprints.check(self.sessions, key, demo=self.settings.demo)

    async def stop(self, grace: float | None = None) -> None:
        self._consuming = False
        if self._waiting is not None:
            self._waiting.cancel()
            with contextlib.suppress(
                asyncio.CancelledError, Exception
            ):  # a failure was logged when it happened
                await self._waiting
            self._waiting = None
        for task in (self._peiler, self._retention, self._lag, self._watch):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._peiler = self._retention = self._lag = self._watch = None
        try:
            await self.broker.stop()
            # After the subscribers: what they were handling has finished or left, its start marked finished.
            if self.intake_worker is not None:
                await self.intake_worker.close()
        finally:
            if self.embedded is not None:
                self.embedded.stop()
                self.embedded = None
