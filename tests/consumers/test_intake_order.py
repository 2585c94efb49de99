"""The intake takes a poll's records across partitions in the order they were sent, each partition's kept."""

from __future__ import annotations

from dataclasses import dataclass

from consumers.intake import in_ontvangstvolgorde


@dataclass(frozen=True)
class Record:
    partition: int
    offset: int
    timestamp: int
    topic: str = "ijw.berichten.inkomend"


def test_partitions_are_merged_by_timestamp() -> None:
    # As a poll hands them out: partition 3 first, then partition 1.
    poll = [Record(3, 0, 200), Record(3, 1, 400), Record(1, 0, 100), Record(1, 1, 300)]
    merged = in_ontvangstvolgorde(poll)
    assert [(r.partition, r.offset) for r in merged] == [(1, 0), (3, 0), (1, 1), (3, 1)]


def test_a_partitions_own_order_is_kept_whatever_its_timestamps() -> None:
    # Two gateway replicas with clocks apart wrote to partition 2: its offsets stay in order.
    poll = [Record(2, 0, 500), Record(2, 1, 100), Record(4, 0, 300)]
    merged = in_ontvangstvolgorde(poll)
    assert [(r.partition, r.offset) for r in merged if r.partition == 2] == [(2, 0), (2, 1)]
    assert [(r.partition, r.offset) for r in merged] == [(4, 0), (2, 0), (2, 1)]


def test_one_partition_and_equal_timestamps_change_nothing() -> None:
    one = [Record(0, i, 7) for i in range(5)]
    assert in_ontvangstvolgorde(one) == one
    tie = [Record(5, 0, 10), Record(0, 0, 10)]
    assert in_ontvangstvolgorde(tie) == tie  # ties keep the poll's order
