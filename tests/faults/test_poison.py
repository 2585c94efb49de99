"""A message whose processing keeps failing is dead-lettered with a 0001 retour and recorded as failed, so track and
trace and GET /berichten/{id}/retour answer for it; a redelivery is recognised, not judged again; the store failing
on that record blocks nothing; its partition flows on, in order."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree
from pydantic import SecretStr

from consumers.app import Runtime
from consumers.broker import ensure_topics
from consumers.embedded import EmbeddedBroker
from hub.errors import TransientError
from hub.events.models import DeadLetter
from hub.intake import DeadLettered, Inbound, Intake, IntakeResult
from hub.store.tables import BerichtRecord
from hub.topics import Topics
from tests.faults.harness import (
    Record,
    audit_rows,
    event_topics,
    finished,
    gateway,
    hub_settings,
    publish,
    read_topics,
    reader,
    running_intake,
    wait_until,
)
from tests.faults.stream import Bericht

pytestmark = pytest.mark.kafka

MAX_ATTEMPTS = 3
API_KEY = "poison-test-key"
OUTCOMES = {"accepted", "rejected", "duplicate", "malformed"}  # hub_messages_total's, README "Metrics"


class PoisonedIntake(Intake):
    """The real intake, except that one message (by its Identificatie) always fails, quoting the client's BSN.

    `store_fails`: recording the dead letter fails too, as when the store is what made the message fail.
    """

    def __init__(
        self, base: Intake, poison: Bericht, *, store_fails: bool = False, validator_fails: bool = False
    ) -> None:
        super().__init__(base.validator, base.sessions, base.pseudonym, clock=base.clock, now=base.now)
        self.poison = poison
        self.store_fails = store_fails
        self.validator_fails = validator_fails
        self.attempts = 0

    def verwerk(
        self, raw: bytes, *, bericht_id: str | None = None, received_at: datetime | None = None
    ) -> IntakeResult:
        """The one-by-one path: the poison fails here on every attempt."""
        if self._is_poison(raw):
            self.attempts += 1
            self._fail()
        return super().verwerk(raw, bericht_id=bericht_id, received_at=received_at)

    def verwerk_batch(self, items: Sequence[Inbound]) -> list[IntakeResult]:
        """A batch holding the poison fails as a whole; the worker then takes its messages one by one."""
        if any(self._is_poison(item.raw) for item in items):
            self._fail()
        return super().verwerk_batch(items)

    def dead_letter(self, item: Inbound, *, read: bool = True) -> DeadLettered:
        """`validator_fails`: the poison is one the validator crashes on while reading it (level 1, the parse or
        the XSD check; the 0001 runs no rule), so its 0001 answer cannot be built either."""
        if self.validator_fails and read and self._is_poison(item.raw):
            self._fail()
        return super().dead_letter(item, read=read)

    def record_dead_letter(self, dead: DeadLettered) -> bool:
        if self.store_fails:
            raise TransientError("store unavailable")
        return super().record_dead_letter(dead)

    def _is_poison(self, raw: bytes) -> bool:
        root = etree.fromstring(raw)
        return (
            root.findtext("{*}Header/{*}BerichtIdentificatie/{*}Identificatie") == self.poison.identificatie
        )

    def _fail(self) -> None:
        bsn = self.poison.persoon.bsn if self.poison.persoon else ""
        raise ValueError(f"cannot handle the message of client {bsn}")  # must not reach the dead letter


def sample(runtime: Runtime, name: str, **labels: str) -> float:
    return runtime.registry.get_sample_value(name, labels) or 0.0


def message_outcomes(runtime: Runtime) -> set[str]:
    """The outcome label values hub_messages_total has."""
    return {
        s.labels["outcome"]
        for metric in runtime.registry.collect()
        if metric.name == "hub_messages"
        for s in metric.samples
        if s.name == "hub_messages_total"
    }


def retour_codes(xml: bytes) -> list[str]:
    return [el.text or "" for el in etree.fromstring(xml).iterfind("{*}Header/{*}RetourCodes/{*}RetourCode")]


def first_jw307(stream: list[Bericht]) -> tuple[Bericht, list[Bericht]]:
    """The first client's JW307 and its pair's messages: a JW301 and JW305 before it, more than ten behind it."""
    poison = next(b for b in stream if b.bericht == "JW307")
    pair = [b for b in stream if b.key == poison.key]
    assert pair.index(poison) == 2 and len(pair) - 3 > 10
    assert poison.persoon is not None
    return poison, pair


async def new_topics(tansu: EmbeddedBroker) -> Topics:
    topics = Topics(f"fault-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=6, replication=1)
    return topics


async def test_poison_message_is_dead_lettered_recorded_and_answered_and_its_partition_flows_on(
    tansu: EmbeddedBroker, stream: list[Bericht], tmp_path: Path
) -> None:
    poison, pair = first_jw307(stream)
    assert poison.persoon is not None
    topics = await new_topics(tansu)
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    poisoned: list[PoisonedIntake] = []

    def wrap(intake: Intake) -> Intake:
        poisoned.append(PoisonedIntake(intake, poison))
        return poisoned[0]

    ids = {b.bericht_id for b in stream}
    api_keys = SecretStr(json.dumps({API_KEY: [poison.afzender]}))
    settings = hub_settings(url, max_attempts=MAX_ATTEMPTS, api_keys=api_keys)
    async with running_intake(tansu.bootstrap, topics.prefix, url, settings=settings, wrap=wrap) as (
        runtime,
        progress,
    ):
        await publish(tansu.bootstrap, topics, stream)
        engine = reader(url)
        # Every message finished, the poison too: recorded, published, its retour delivered to the outbox.
        await wait_until(lambda: finished(engine, ids), timeout=60)
        await wait_until(
            lambda: set(progress.judged) == ids and poison.bericht_id in progress.delivered, timeout=30
        )
        judged = list(progress.judged)
        async with gateway(runtime, API_KEY) as client:
            trace = (await client.get(f"/berichten/{poison.bericht_id}")).json()
            served = await client.get(f"/berichten/{poison.bericht_id}/retour")
        dead_letter_count = sample(runtime, "hub_dead_letters_total", reason="processing-failed")
        outcomes = message_outcomes(runtime)
        assert sample(runtime, "hub_messages_total", bericht="JW307", outcome="duplicate") == 0

        # The same record again, as after a crash before the offset commit: recognised from its record.
        await publish(tansu.bootstrap, topics, [poison])
        await wait_until(lambda: progress.judged.count(poison.bericht_id) == 2, timeout=30)
        redelivered = sample(runtime, "hub_messages_total", bericht="JW307", outcome="duplicate")
        dead_letters_after = sample(runtime, "hub_dead_letters_total", reason="processing-failed")
        outcomes_after = message_outcomes(runtime)
    records = await read_topics(tansu.bootstrap, [topics.dead_letter, topics.retour, *event_topics(topics)])
    rows = audit_rows(engine)
    engine.dispose()

    # Retried a bounded number of times, then dead-lettered once, without the message's content.
    assert poisoned[0].attempts == MAX_ATTEMPTS and dead_letter_count == 1
    [letter] = [r for r in records if r.topic == topics.dead_letter]
    dead = DeadLetter.model_validate_json(letter.value)
    assert (dead.reason, dead.bericht_id, dead.attempts, dead.raw_size) == (
        "processing-failed", poison.bericht_id, MAX_ATTEMPTS, len(poison.data),
    )  # fmt: skip
    assert letter.key is None and letter.headers["source-topic"] == topics.inbound
    secrets = [poison.persoon.bsn, poison.persoon.achternaam, poison.persoon.voornamen]
    wire = letter.value + repr(letter.headers).encode()
    for secret in (*secrets, poison.identificatie):
        assert secret.encode() not in wire

    # A header-only 0001 retour for it, in its place among the pair's retouren; everything behind it accepted.
    retouren = [r for r in records if r.topic == topics.retour and r.key == poison.key.encode()]
    assert [r.headers["bericht-id"] for r in retouren] == [b.bericht_id for b in pair]
    answer = retouren[2]
    assert answer.headers["bericht"] == "JW308" and retour_codes(answer.value) == ["0001"]
    assert not any(secret.encode() in answer.value for secret in secrets)
    # The intake finished the pair's messages in the order they were sent, the poison in its place.
    assert [i for i in judged if i in {b.bericht_id for b in pair}] == [b.bericht_id for b in pair]
    events = [r for r in records if r.topic in event_topics(topics)]
    assert sorted(r.headers["bericht-id"] for r in events) == sorted(ids - {poison.bericht_id})

    # Its audit record: outcome failed, with the very retour on the topic; the others accepted.
    row = rows[poison.bericht_id]
    assert (row.outcome, row.bericht, row.afzender, row.identificatie, row.retour_bericht) == (
        "failed", "JW307", poison.afzender, poison.identificatie, "JW308",
    )  # fmt: skip
    assert row.retour == answer.value.decode() and (row.client, row.event, row.error_codes) == (
        None,
        None,
        [],
    )
    assert {i: r.outcome for i, r in rows.items() if i != poison.bericht_id} == {
        i: "accepted" for i in ids - {poison.bericht_id}
    }
    # Over HTTP: track and trace shows it dead-lettered (outcome failed, when it gave up, the retour's steps) and
    # GET .../retour serves the same bytes as the retour topic.
    assert (trace["status"], trace["outcome"], trace["bericht"], trace["retour_bericht"]) == (
        "beoordeeld", "failed", "JW307", "JW308",
    )  # fmt: skip
    steps = ["validated_at", "retour_produced_at", "events_published_at", "retour_delivered_at"]
    assert all(trace[step] is not None for step in steps), trace
    assert datetime.fromisoformat(trace["validated_at"]) <= datetime.fromisoformat(
        trace["retour_produced_at"]
    )
    assert served.status_code == 200 and served.content == answer.value
    assert served.headers["content-type"].startswith("application/xml")
    # hub_messages_total keeps its four outcomes: a dead letter is counted in hub_dead_letters_total only.
    assert outcomes <= OUTCOMES and "accepted" in outcomes

    # The redelivery was not judged again: no attempt, dead letter or retour more; counted as a duplicate.
    assert poisoned[0].attempts == MAX_ATTEMPTS and dead_letters_after == 1
    assert [r.headers["bericht-id"] for r in records if r.topic == topics.retour].count(
        poison.bericht_id
    ) == 1
    assert redelivered == 1 and outcomes_after <= OUTCOMES


@dataclass
class PoisonRun:
    """What a stream with one poison message left behind: the dead letters counted, the dead-letter and retour
    records on their topics, and the audit rows."""

    topics: Topics
    dead_letters: float
    records: list[Record]
    rows: dict[str, BerichtRecord]


async def run_poisoned(
    tansu: EmbeddedBroker,
    stream: list[Bericht],
    tmp_path: Path,
    poison: Bericht,
    *,
    answered: bool = False,
    **faults: bool,
) -> PoisonRun:
    """The stream through one intake whose PoisonedIntake fails on `poison` as `faults` say, until every message
    is judged, every other one finished and, with `answered`, the poison's 0001 retour delivered."""
    topics = await new_topics(tansu)
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    ids = {b.bericht_id for b in stream}
    settings = hub_settings(url, max_attempts=MAX_ATTEMPTS)

    def poisoned(intake: Intake) -> Intake:
        return PoisonedIntake(intake, poison, **faults)

    async with running_intake(tansu.bootstrap, topics.prefix, url, settings=settings, wrap=poisoned) as (
        runtime,
        progress,
    ):
        await publish(tansu.bootstrap, topics, stream)
        engine = reader(url)
        await wait_until(lambda: finished(engine, ids - {poison.bericht_id}), timeout=60)
        await wait_until(
            lambda: set(progress.judged) == ids and (not answered or poison.bericht_id in progress.delivered),
            timeout=30,
        )
        dead_letters = sample(runtime, "hub_dead_letters_total", reason="processing-failed")
    records = await read_topics(tansu.bootstrap, [topics.dead_letter, topics.retour])
    rows = audit_rows(engine)
    engine.dispose()
    return PoisonRun(topics, dead_letters, records, rows)


def assert_flowed_on(run: PoisonRun, stream: list[Bericht], poison: Bericht) -> None:
    """One dead letter, no record of the poison, every other message accepted."""
    assert run.dead_letters == 1
    assert [r.headers["bericht-id"] for r in run.records if r.topic == run.topics.dead_letter] == [
        poison.bericht_id
    ]
    assert poison.bericht_id not in run.rows
    others = {b.bericht_id for b in stream} - {poison.bericht_id}
    assert {i: r.outcome for i, r in run.rows.items()} == {i: "accepted" for i in others}


def assert_logged_without_content(
    caplog: pytest.LogCaptureFixture, start: str, poison: Bericht, error: str
) -> None:
    """One warning starting with `start`, naming the id and the error's class; no BSN or name anywhere."""
    assert poison.persoon is not None
    [line] = [r for r in caplog.records if r.getMessage().startswith(start)]
    assert (line.levelno, getattr(line, "bericht_id", None), getattr(line, "error", None)) == (
        logging.WARNING, poison.bericht_id, error,
    )  # fmt: skip
    logged = "\n".join(f"{r.getMessage()} {vars(r)} {r.exc_text or ''}" for r in caplog.records)
    for secret in (poison.persoon.bsn, poison.persoon.achternaam, poison.persoon.voornamen):
        assert secret not in logged


async def test_a_dead_letter_the_store_cannot_record_is_logged_and_blocks_nothing(
    tansu: EmbeddedBroker, stream: list[Bericht], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    poison, pair = first_jw307(stream)
    caplog.set_level(logging.INFO)
    run = await run_poisoned(tansu, stream, tmp_path, poison, answered=True, store_fails=True)

    # The dead letter and the 0001 retour went out all the same, and the pair flowed on; only the record is missing.
    assert_flowed_on(run, stream, poison)
    retouren = [r for r in run.records if r.topic == run.topics.retour and r.key == poison.key.encode()]
    assert [r.headers["bericht-id"] for r in retouren] == [b.bericht_id for b in pair]
    assert retour_codes(retouren[2].value) == ["0001"]
    # Logged with its id and the error's class, never the content the exception quoted.
    assert_logged_without_content(caplog, "dead letter not recorded", poison, "TransientError")


async def test_a_poison_the_validator_crashes_on_is_dead_lettered_and_blocks_nothing(
    tansu: EmbeddedBroker, stream: list[Bericht], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """No 0001 answer can be built for it (validating it fails again): the dead letter goes out, the failure is
    logged with its id and class only, and every other message of the stream, those of its poll included, is
    judged and answered."""
    poison, pair = first_jw307(stream)
    caplog.set_level(logging.INFO)
    run = await run_poisoned(tansu, stream, tmp_path, poison, validator_fails=True)

    assert_flowed_on(run, stream, poison)
    retouren = [r for r in run.records if r.topic == run.topics.retour and r.key == poison.key.encode()]
    assert [r.headers["bericht-id"] for r in retouren] == [b.bericht_id for b in pair if b is not poison]
    assert_logged_without_content(caplog, "dead letter not answered", poison, "ValueError")
