"""`hub process` counts a message the intake gave up on as `failed`: from its audit record, or, when the store
could not take that record either, from the missing record; the replay still ends and its other messages count
as judged."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import pytest
from lxml import etree
from pydantic import SecretStr

from consumers.embedded import EmbeddedBroker
from consumers.process import process
from hub.errors import TransientError
from hub.intake import DeadLettered, Inbound, Intake, IntakeResult
from hub.settings import HubSettings
from hub.synth.berichten import spec
from hub.synth.build import edit, to_xml
from tests.tansu import tansu_settings

AS_OF = date(2026, 11, 23)
POISON = "JW301POISON1"


def _is_poison(raw: bytes) -> bool:
    return etree.fromstring(raw).findtext("{*}Header/{*}BerichtIdentificatie/{*}Identificatie") == POISON


def _poison_the_intake(monkeypatch: pytest.MonkeyPatch, *, store_fails: bool) -> None:
    """The real intake, except that the poison fails every attempt (and, with `store_fails`, so does its record)."""
    verwerk, verwerk_batch, record_dead_letter = (
        Intake.verwerk,
        Intake.verwerk_batch,
        Intake.record_dead_letter,
    )

    def one(
        self: Intake, raw: bytes, *, bericht_id: str | None = None, received_at: datetime | None = None
    ) -> IntakeResult:
        if _is_poison(raw):
            raise ValueError("cannot handle this message")
        return verwerk(self, raw, bericht_id=bericht_id, received_at=received_at)

    def batch(self: Intake, items: Sequence[Inbound]) -> list[IntakeResult]:
        if any(_is_poison(item.raw) for item in items):
            raise ValueError("cannot handle this batch")
        return verwerk_batch(self, items)

    def record(self: Intake, dead: DeadLettered) -> bool:
        if store_fails:
            raise TransientError("store unavailable")
        return record_dead_letter(self, dead)

    monkeypatch.setattr(Intake, "verwerk", one)
    monkeypatch.setattr(Intake, "verwerk_batch", batch)
    monkeypatch.setattr(Intake, "record_dead_letter", record)


@pytest.mark.kafka
@pytest.mark.parametrize("store_fails", [False, True], ids=["recorded", "not-recorded"])
async def test_a_dead_lettered_message_counts_as_failed(
    tmp_path: Path,
    tansu: EmbeddedBroker,
    topic_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    store_fails: bool,
) -> None:
    _poison_the_intake(monkeypatch, store_fails=store_fails)
    source = tmp_path / "berichten"
    source.mkdir()
    (source / "a.xml").write_bytes(to_xml("JW301", spec("JW301")))
    (source / "b.xml").write_bytes(
        to_xml("JW301", edit(spec("JW301"), "Header/BerichtIdentificatie/Identificatie", POISON))
    )
    retour_out = tmp_path / "retour"
    settings = HubSettings(pseudonym_key=SecretStr("process-failed-test-pseudonym-key-0123"))

    counts = await process(
        [source],
        settings=settings,
        broker_settings=tansu_settings(tansu, topic_prefix),
        retour_out=retour_out,
        as_of=AS_OF,
        timeout=120,
    )

    assert counts == {"accepted": 1, "failed": 1}
    if not store_fails:  # without its record the replay cannot know a retour is on its way, and does not wait
        retours = sorted(p.name for p in retour_out.iterdir())
        assert retours == ["a.JW302.xml", "b.JW302.xml"]
        code = etree.parse(retour_out / "b.JW302.xml").findtext("{*}Header/{*}RetourCodes/{*}RetourCode")
        assert code == "0001"  # header-only: the sender learns it was not processed
