"""What the intake reads from a record of the inbound topic: the door's message id, or one that a redelivery keeps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from consumers.intake import HEADER_ID, HEADER_RECEIVED, bericht_id_for, received_at_for


@dataclass(frozen=True)
class Record:
    partition: int
    offset: int
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    topic: str = "ijw.berichten.inkomend"


def test_the_doors_bericht_id_header_is_the_message_id() -> None:
    assert bericht_id_for(Record(0, 7, [(HEADER_ID, b"a" * 32)])) == "a" * 32


def test_without_a_bericht_id_the_id_follows_topic_partition_and_offset() -> None:
    """docs/operations.md, section 2: a system writing to the raw topic itself may leave bericht-id out."""
    derived = bericht_id_for(Record(2, 7))
    assert len(derived) == 32 and int(derived, 16) >= 0
    assert bericht_id_for(Record(2, 7)) == derived  # a redelivery keeps its id
    others = {
        bericht_id_for(Record(3, 7)),
        bericht_id_for(Record(2, 8)),
        bericht_id_for(Record(2, 7, topic="x")),
    }
    assert derived not in others and len(others) == 3


def test_ontvangen_op_is_read_from_its_header() -> None:
    sent = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert received_at_for(Record(0, 0, [(HEADER_RECEIVED, sent.isoformat().encode())])) == sent
