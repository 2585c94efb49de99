"""A message whose processing keeps failing is dead-lettered with a 0001 retour; its partition flows on, in order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from consumers.broker import ensure_topics
from consumers.embedded import EmbeddedBroker
from hub.events.models import DeadLetter
from hub.intake import Inbound, Intake, IntakeResult
from hub.topics import Topics
from tests.faults.harness import (
    audit_rows,
    event_topics,
    finished,
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


class PoisonedIntake(Intake):
    """The real intake, except that one message (by its Identificatie) always fails, quoting the client's BSN."""

    def __init__(self, base: Intake, poison: Bericht) -> None:
        super().__init__(base.validator, base.sessions, base.pseudonym, clock=base.clock, now=base.now)
        self.poison = poison
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

    def _is_poison(self, raw: bytes) -> bool:
        root = etree.fromstring(raw)
        return (
            root.findtext("{*}Header/{*}BerichtIdentificatie/{*}Identificatie") == self.poison.identificatie
        )

    def _fail(self) -> None:
        bsn = self.poison.persoon.bsn if self.poison.persoon else ""
        raise ValueError(f"cannot handle the message of client {bsn}")  # must not reach the dead letter


def retour_codes(xml: bytes) -> list[str]:
    return [el.text or "" for el in etree.fromstring(xml).iterfind("{*}Header/{*}RetourCodes/{*}RetourCode")]


async def test_poison_message_is_dead_lettered_with_a_0001_retour_and_its_partition_flows_on(
    tansu: EmbeddedBroker, stream: list[Bericht], tmp_path: Path
) -> None:
    # The first client's JW307: a JW301 and JW305 of the same pair go before it, eighteen messages behind it.
    poison = next(b for b in stream if b.bericht == "JW307")
    pair = [b for b in stream if b.key == poison.key]
    assert pair.index(poison) == 2 and len(pair) - 3 > 10
    assert poison.persoon is not None
    topics = Topics(f"fault-{uuid.uuid4().hex[:10]}.")
    await ensure_topics(tansu.bootstrap, topics.all(), partitions=6, replication=1)
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    poisoned: list[PoisonedIntake] = []

    def wrap(intake: Intake) -> Intake:
        poisoned.append(PoisonedIntake(intake, poison))
        return poisoned[0]

    ids = {b.bericht_id for b in stream}
    settings = hub_settings(url, max_attempts=MAX_ATTEMPTS)
    async with running_intake(tansu.bootstrap, topics.prefix, url, settings=settings, wrap=wrap) as (
        runtime,
        progress,
    ):
        await publish(tansu.bootstrap, topics, stream)
        engine = reader(url)
        await wait_until(lambda: finished(engine, ids - {poison.bericht_id}), timeout=60)
        await wait_until(
            lambda: set(progress.judged) == ids and poison.bericht_id in progress.delivered, timeout=30
        )
        dead_letter_count = runtime.registry.get_sample_value(
            "hub_dead_letters_total", {"reason": "processing-failed"}
        )
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
    assert letter.key == poison.key.encode() and letter.headers["source-topic"] == topics.inbound
    wire = letter.value + repr(letter.headers).encode()
    for secret in (
        poison.persoon.bsn,
        poison.persoon.achternaam,
        poison.persoon.voornamen,
        poison.identificatie,
    ):
        assert secret.encode() not in wire

    # A header-only 0001 retour for it, in its place among the pair's retouren; everything behind it accepted.
    retouren = [r for r in records if r.topic == topics.retour and r.key == poison.key.encode()]
    assert [r.headers["bericht-id"] for r in retouren] == [b.bericht_id for b in pair]
    answer = retouren[2]
    assert answer.headers["bericht"] == "JW308" and retour_codes(answer.value) == ["0001"]
    assert poison.bericht_id not in rows
    assert {i: r.outcome for i, r in rows.items()} == {i: "accepted" for i in ids - {poison.bericht_id}}
    # The intake finished the pair's messages in the order they were sent, the poison in its place.
    assert [i for i in progress.judged if i in {b.bericht_id for b in pair}] == [b.bericht_id for b in pair]
    events = [r for r in records if r.topic in event_topics(topics)]
    assert sorted(r.headers["bericht-id"] for r in events) == sorted(ids - {poison.bericht_id})
