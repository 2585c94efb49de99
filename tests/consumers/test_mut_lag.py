"""hub_consumer_lag{group,topic,partition} (docs/operations.md) as consumers/lag.py sets it, partition by partition.

Pinned after a mutation pass: a consumer that has not joined, a partition without a known high watermark and one
revoked while it is read set nothing (and break nothing); a position past the watermark reads 0, never negative.
"""

from __future__ import annotations

from types import SimpleNamespace

from aiokafka import TopicPartition
from prometheus_client import CollectorRegistry

from consumers.lag import observe_lag, refresh_lag
from hub.metrics import HubMetrics

TOPIC = "t.berichten.inkomend"


class Consumer:
    """An AIOKafkaConsumer as observe_lag reads it; `positions` absent: revoked; highwater None: not fetched yet."""

    def __init__(
        self, highwaters: dict[int, int | None], positions: dict[int, int], joined: bool = True
    ) -> None:
        self.highwaters = highwaters
        self.positions = positions
        self.joined = joined

    def assignment(self) -> set[TopicPartition]:
        if not self.joined:
            raise RuntimeError("not subscribed")
        return {TopicPartition(TOPIC, p) for p in self.highwaters}

    def highwater(self, tp: TopicPartition) -> int | None:
        return self.highwaters[tp.partition]

    async def position(self, tp: TopicPartition) -> int:
        if tp.partition not in self.positions:
            raise KeyError("partition revoked")
        return self.positions[tp.partition]


def lag(metrics: HubMetrics, partition: int) -> float | None:
    labels = {"group": "hub-intake", "topic": TOPIC, "partition": str(partition)}
    return metrics.registry.get_sample_value("hub_consumer_lag", labels)


async def test_each_partition_gets_its_own_lag_and_the_unknown_ones_none() -> None:
    metrics = HubMetrics(CollectorRegistry())
    consumer = Consumer({0: 12, 1: None, 2: 9, 3: 5}, {0: 7, 1: 3, 3: 2})  # 2: revoked meanwhile
    await observe_lag(metrics, "hub-intake", consumer)
    assert [lag(metrics, p) for p in range(4)] == [5.0, None, None, 3.0]


async def test_a_position_past_the_high_watermark_reads_zero_not_negative() -> None:
    metrics = HubMetrics(CollectorRegistry())
    await observe_lag(metrics, "hub-intake", Consumer({0: 7}, {0: 9}))
    assert lag(metrics, 0) == 0.0


async def test_a_consumer_not_joined_or_absent_sets_nothing() -> None:
    metrics = HubMetrics(CollectorRegistry())
    await observe_lag(metrics, "hub-intake", Consumer({0: 12}, {0: 7}, joined=False))
    await observe_lag(metrics, "hub-intake", None)
    assert lag(metrics, 0) is None


async def test_a_partition_no_longer_assigned_loses_its_series_and_the_others_keep_theirs() -> None:
    """After a rebalance the new owner reports a partition: the old owner's last value must not stay behind
    (the dashboard and HubConsumerLagGroeit take the max over the owners)."""
    metrics = HubMetrics(CollectorRegistry())
    await observe_lag(metrics, "hub-intake", Consumer({0: 12, 1: 20, 2: 9}, {0: 7, 1: 3, 2: 9}))
    assert [lag(metrics, p) for p in range(3)] == [5.0, 17.0, 0.0]
    # Partition 1 went to another replica; partition 2 is still ours but not fetched since (no watermark).
    await observe_lag(metrics, "hub-intake", Consumer({0: 14, 2: None}, {0: 7}))
    assert [lag(metrics, p) for p in range(3)] == [7.0, None, 0.0]
    other_group = {"group": "hub-processors", "topic": TOPIC, "partition": "1"}
    metrics.consumer_lag.labels(**other_group).set(4)
    await observe_lag(metrics, "hub-intake", Consumer({}, {}))  # nothing assigned: all of this group's go
    assert [lag(metrics, p) for p in range(3)] == [None, None, None]
    assert metrics.registry.get_sample_value("hub_consumer_lag", other_group) == 4.0  # another group's stays


class Fetching(Consumer):
    """A consumer whose end offsets the brokers answer (refresh_lag), apart from what its fetches saw."""

    def __init__(self, ends: dict[int, int], positions: dict[int, int]) -> None:
        super().__init__(dict.fromkeys(ends), positions)  # no fetch since: no high watermark of its own
        self.ends = ends

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.ends[tp.partition] for tp in partitions}


async def test_a_consumer_that_handles_nothing_more_still_shows_its_lag_rising() -> None:
    """A hung handler fetches nothing: observe_lag, which reads the consumer's own watermark, would stand still
    and HubConsumerLagGroeit (a rising lag) never fire; refresh_lag asks the brokers' end offsets."""
    metrics = HubMetrics(CollectorRegistry())
    hung = Fetching({0: 50, 1: 10}, {0: 40, 1: 10})
    broker = SimpleNamespace(
        subscribers=[
            SimpleNamespace(consumer=hung, group_id="hub-intake"),
            SimpleNamespace(consumer=None, group_id="hub-intake"),  # not started: skipped
        ]
    )
    await refresh_lag(metrics, broker)
    assert [lag(metrics, p) for p in (0, 1)] == [10.0, 0.0]
    hung.ends[0] = 90  # records keep coming, nothing is handled
    await refresh_lag(metrics, broker)
    assert lag(metrics, 0) == 50.0
