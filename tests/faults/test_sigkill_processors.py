"""The processors killed with SIGKILL mid-stream and restarted end like an undisturbed run of the same events.

README "Why N replicas agree": the domain counters, histogram and gauges are read from store tables that the
processors fill with inserts skipping observation keys already there, events deduplicated on event_id, so nothing
lives in process memory. Here `hub run --role processors` handles simulated traffic (hub/synth, with GI bepalingen,
maatregelen and capaciteit, so it makes GI102 statusmeldingen), is SIGKILLed once it has handled some of the
events, and is started again. Compared with an undisturbed run: the domain families of /metrics as of one day,
every row the processors wrote (less the columns that say which message wrote it first and when, as
tests/hub/monitor/batch.py leaves out) and the GI102s published: the same distinct ids and bytes, and a copy sent
again after the kill byte-identical to the first.

The intake (`hub run --role intake`) judges the traffic once, to the end, before either processors run. Both runs
then read the same store and the same events, copied record by record into topics of their own (a fresh prefix, so
a new consumer group). An intake running alongside would make two runs differ by design rather than by the kill:
the GI links as they stand when a start is first handled (docs/definities.md 6.7), and its commit order, which
numbers the rows that observation keys and statusmeldingen name. Each run ends with the periodic check once more,
as of the day, as the child's next hourly round would: it checks at its start, then every HUB_PEIL_INTERVAL_SECONDS.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client import generate_latest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col

from consumers.app import Runtime
from consumers.broker import ensure_topics
from consumers.embedded import EmbeddedBroker
from hub.clock import vandaag
from hub.events.models import StatusmeldingVerstuurd, parse_event
from hub.gi.catalog import STATUSMELDING
from hub.monitor.registry import EVENT_KINDS, load_plugins
from hub.store.gi_tables import GiStatusmeldingRecord
from hub.store.monitor_tables import VerwerktEventRecord
from hub.synth.simulate import SimConfig, Simulator
from hub.topics import Topics
from tests.faults.conftest import StoreFactory
from tests.faults.harness import (
    IntakeProcess,
    Record,
    audit_rows,
    broker_settings,
    dump_store,
    finished,
    hub_settings,
    publish,
    read_topics,
    reader,
    wait_until,
)
from tests.faults.stream import Bericht
from tests.hub.monitor.batch import ORDER_DEPENDENT, PROCESSOR_TABLES, Written, forget, written
from tests.hub.monitor.helpers import registry

pytestmark = pytest.mark.kafka

# One jeugdregio over nine months: about 400 messages, 300 events and some 6 to 25 GI102s, by the day it ends on.
SIMULATION = SimConfig(regios=("Arnhem",), aanbieders=3, clienten=60, seed=1, error_rate=0.05)
# Records per poll, so per store transaction: many transactions, and a kill between two of them or inside one.
BATCH_MAX_RECORDS = "10"
KILL_AFTER = 40  # events handled before the kill: the processors are busy, more than half the events to come
SHOWN = 12  # differences a failure names (a row carries its GI102's XML)
_ID_NAMESPACE = uuid.UUID("7a0c6f0e-3d55-4a57-9d1c-64d3a1b2e8f4")
_PROCESSOR_TABLE_NAMES = frozenset(model.__tablename__ for model in PROCESSOR_TABLES)


@dataclass(frozen=True)
class Judged:
    """What the intake left for the processors: its store and the events it published, in topic order."""

    url: str
    topics: Topics
    events: list[Record]
    intake_tables: dict[str, list[tuple[Any, ...]]]


@dataclass
class Run:
    """What one processors run left: the figures, what it published, and how far it was when killed."""

    metrics: list[str]  # the domain families' samples
    rows: Written
    statusmeldingen: list[Record]  # GI102s on the retour topic
    verstuurd: list[Record]  # their StatusmeldingVerstuurd events
    dead_letters: list[Record]
    intake_tables: dict[str, list[tuple[Any, ...]]]
    handled_at_kill: int | None = None


def simulated(day: date) -> list[Bericht]:
    """The simulator's traffic up to `day`, the day both children judge and check on, with stable message ids."""
    out: list[Bericht] = []
    for b in Simulator(replace(SIMULATION, tot=day)).run():
        bericht_id = uuid.uuid5(_ID_NAMESPACE, f"{day}/{b.volgnummer}").hex
        out.append(Bericht(b.bericht, str(b.volgnummer), b.afzender, b.xml, b.key, bericht_id, None))
    return out


def processor_topics(topics: Topics) -> list[str]:
    """The topics the processors read (not gi.status: they publish it)."""
    load_plugins()
    return [topics.normalised(kind) for kind in EVENT_KINDS]


def event_id(record: Record) -> str:
    return str(parse_event(record.value).event_id)


async def judge(tansu: EmbeddedBroker, url: str, day: date, log: Path) -> Judged:
    """The traffic through `hub run --role intake` until every message is judged and its event published."""
    topics = Topics(f"fault-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=6, replication=1)
    berichten = simulated(day)
    intake = IntakeProcess(tansu.bootstrap, topics.prefix, url, log)
    engine = reader(url)
    try:
        intake.start()
        await publish(tansu.bootstrap, topics, berichten)
        await wait_until(lambda: finished(engine, {b.bericht_id for b in berichten}), timeout=120)
        outcomes = Counter(row.outcome for row in audit_rows(engine).values())
        # The reference is worth comparing: most messages accepted, the deliberate errors rejected.
        assert outcomes["accepted"] > 0.9 * len(berichten) and outcomes["rejected"] > 0, outcomes
        events = await read_topics(tansu.bootstrap, processor_topics(topics))
        return Judged(url, topics, events, intake_tables(engine))
    except TimeoutError:
        pytest.fail(f"the intake did not finish the traffic; its log:\n{intake.log_tail()}")
    finally:
        intake.stop()
        engine.dispose()


def intake_tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    return {name: rows for name, rows in dump_store(engine).items() if name not in _PROCESSOR_TABLE_NAMES}


async def copy(bootstrap: str, records: Iterable[Record], source: Topics, target: Topics) -> None:
    """Publish the records again on the target's topics, each on its own partition with its key and headers."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for r in records:
            await producer.send_and_wait(
                target.prefix + r.topic.removeprefix(source.prefix),
                r.value,
                key=r.key,
                partition=r.partition,
                headers=[(name, value.encode()) for name, value in r.headers.items()],
            )
    finally:
        await producer.stop()


def halves(records: list[Record]) -> tuple[list[Record], list[Record]]:
    """The first half of every partition, and the rest: each partition's order kept across the two."""
    per_partition: dict[tuple[str, int], list[Record]] = defaultdict(list)
    for r in records:
        per_partition[r.topic, r.partition].append(r)
    first = [r for rs in per_partition.values() for r in rs[: len(rs) // 2]]
    rest = [r for rs in per_partition.values() for r in rs[len(rs) // 2 :]]
    return first, rest


def handled(engine: Engine) -> set[str]:
    """The event ids the processors marked handled (empty while SQLite is locked by the writer)."""
    try:
        with engine.connect() as conn:
            return set(conn.execute(select(col(VerwerktEventRecord.event_id))).scalars())
    except SQLAlchemyError:
        return set()


def drained(engine: Engine, ids: set[str]) -> bool:
    """Every event handled and every statusmelding made so far published."""
    if not ids <= handled(engine):
        return False
    try:
        with engine.connect() as conn:
            unsent = select(func.count()).where(col(GiStatusmeldingRecord.verstuurd_op).is_(None))
            return conn.execute(unsent).scalar_one() == 0
    except SQLAlchemyError:
        return False


async def final_check(bootstrap: str, topics: Topics, url: str, day: date) -> None:
    """The periodic check once more as of `day`, its statusmeldingen sent: the processors role's own code."""
    runtime = Runtime(
        hub_settings(url),
        broker_settings(bootstrap, topics.prefix),
        url,
        roles=("processors",),
        clock=lambda: day,
        periodic_checks=False,
    )
    runtime.prepare()
    try:
        await runtime.broker.connect()
        await runtime.peil(day)
    finally:
        await runtime.stop()
        runtime.engine.dispose()


async def run_processors(tansu: EmbeddedBroker, judged: Judged, day: date, log: Path, *, kill: bool) -> Run:
    """The judged events through `hub run --role processors`; with `kill`, SIGKILL it mid-stream and restart."""
    engine = reader(judged.url)
    forget(engine)  # the intake's rows stay: the same events again, on the store they were published from
    topics = Topics(f"fault-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=6, replication=1)
    process = IntakeProcess(
        tansu.bootstrap,
        topics.prefix,
        judged.url,
        log,
        role="processors",
        HUB_KAFKA_BATCH_MAX_RECORDS=BATCH_MAX_RECORDS,
    )
    ids = {event_id(r) for r in judged.events}
    at_kill = None
    try:
        if kill:
            # The second half goes out while the processors are dead, so "not all handled" holds by construction.
            first, rest = halves(judged.events)
            await copy(tansu.bootstrap, first, judged.topics, topics)
            process.start()
            await wait_until(lambda: len(handled(engine)) >= KILL_AFTER, timeout=60, interval=0.01)
            process.kill()
            at_kill = len(handled(engine))
            await copy(tansu.bootstrap, rest, judged.topics, topics)
            process.start()
        else:
            await copy(tansu.bootstrap, judged.events, judged.topics, topics)
            process.start()
        await wait_until(lambda: drained(engine, ids), timeout=60)
    except TimeoutError:
        pytest.fail(f"the processors did not finish the events; their log:\n{process.log_tail()}")
    finally:
        process.stop()
    try:
        await final_check(tansu.bootstrap, topics, judged.url, day)
        # The collector `hub run` serves the domain families with on /metrics (hub.monitor.collector.install).
        exposition = generate_latest(registry(engine, day)).decode().splitlines()
        records = await read_topics(
            tansu.bootstrap, [topics.retour, topics.dead_letter, topics.normalised("gi.status")]
        )
        return Run(
            metrics=[line for line in exposition if line.startswith(("jeugdhulp_", "gi_"))],
            rows=written(engine, ORDER_DEPENDENT),
            statusmeldingen=[r for r in records if r.topic == topics.retour],
            verstuurd=[r for r in records if r.topic == topics.normalised("gi.status")],
            dead_letters=[r for r in records if r.topic == topics.dead_letter],
            intake_tables=intake_tables(engine),
            handled_at_kill=at_kill,
        )
    finally:
        engine.dispose()


def only_on_one_side(expected: Iterable[Any], got: Iterable[Any], what: str) -> list[str]:
    """The items of one side that the other lacks, named (a diff that says where two runs part)."""
    a, b = list(expected), list(got)
    return [f"undisturbed only, {what}: {x}" for x in a if x not in b] + [
        f"killed only, {what}: {x}" for x in b if x not in a
    ]


def copies(records: list[Record], key: Callable[[Record], Any]) -> dict[Any, list[Record]]:
    grouped: dict[Any, list[Record]] = defaultdict(list)
    for r in records:
        grouped[key(r)].append(r)
    return grouped


def bericht_id(record: Record) -> str:
    return record.headers["bericht-id"]


def without_moment(record: Record) -> dict[str, Any]:
    """A StatusmeldingVerstuurd without ontvangen_op, the moment its row was written."""
    event = parse_event(record.value)
    assert isinstance(event, StatusmeldingVerstuurd)
    return event.model_dump(exclude={"ontvangen_op"})


async def test_sigkill_processors_mid_stream_ends_like_an_undisturbed_run(
    tansu: EmbeddedBroker, new_store: StoreFactory, tmp_path: Path
) -> None:
    day = vandaag()  # the children's "today" too: they judge and check on the real day
    judged = await judge(tansu, new_store(), day, tmp_path / "intake.log")
    undisturbed = await run_processors(tansu, judged, day, tmp_path / "undisturbed.log", kill=False)
    killed = await run_processors(tansu, judged, day, tmp_path / "killed.log", kill=True)

    ids = {event_id(r) for r in judged.events}
    assert killed.handled_at_kill is not None and KILL_AFTER <= killed.handled_at_kill < len(ids)
    # The reference is worth comparing: every family has samples, GI102s went out once each, nothing failed.
    assert {line.split("{")[0].removesuffix("_bucket") for line in undisturbed.metrics} >= {
        "jeugdhulp_doorlooptijd_seconds",
        "gi_bepalingen_total",
        "gi_capaciteit",
    }
    assert len(undisturbed.statusmeldingen) >= 3
    assert len({bericht_id(r) for r in undisturbed.statusmeldingen}) == len(undisturbed.statusmeldingen)
    assert {r.headers["bericht"] for r in undisturbed.statusmeldingen} == {STATUSMELDING}
    assert undisturbed.dead_letters == [] and killed.dead_letters == []

    # /metrics as of the day and the processors' rows: the same, line for line and row for row.
    differ = only_on_one_side(undisturbed.metrics, killed.metrics, "metric")
    for table, rows in undisturbed.rows.items():
        differ += only_on_one_side(rows, killed.rows[table], table)
    assert not differ, "\n".join([*differ[:SHOWN], f"({len(differ)} differences)"])
    assert killed.metrics == undisturbed.metrics and killed.rows == undisturbed.rows  # and as often
    # The processors write none of the intake's tables.
    assert undisturbed.intake_tables == judged.intake_tables == killed.intake_tables

    # GI102s: the same (id, bytes); one sent again after the kill is a byte-identical copy under the same key.
    assert {(bericht_id(r), r.value) for r in killed.statusmeldingen} == {
        (bericht_id(r), r.value) for r in undisturbed.statusmeldingen
    }
    for same in copies(killed.statusmeldingen, bericht_id).values():
        assert {(r.key, r.value) for r in same} == {(same[0].key, same[0].value)}
    # Their events: the same event ids; a copy byte-identical; across runs equal but for the moment of writing.
    for same in copies(killed.verstuurd, event_id).values():
        assert {(r.key, r.value) for r in same} == {(same[0].key, same[0].value)}
    reference = {event_id(r): without_moment(r) for r in undisturbed.verstuurd}
    assert {event_id(r): without_moment(r) for r in killed.verstuurd} == reference
    assert len(reference) == len(undisturbed.statusmeldingen)
