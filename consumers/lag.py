"""Consumer lag from the consumer's own view: high watermark minus position, per assigned partition.

aiokafka learns the high watermark from every fetch, so this costs no extra request; it is refreshed
after each handled message.
"""

from __future__ import annotations

from typing import Any

from hub.metrics import HubMetrics


async def observe_lag(metrics: HubMetrics, group: str, consumer: Any) -> None:
    """Set hub_consumer_lag for every partition `consumer` (an AIOKafkaConsumer) has assigned; drop the others."""
    if consumer is None:
        return
    try:
        assignment = list(consumer.assignment())
    except Exception:  # not joined (yet): nothing to report
        return
    lags: dict[tuple[str, int], int] = {}
    for tp in assignment:
        highwater = consumer.highwater(tp)
        if highwater is None:
            continue
        try:
            position = await consumer.position(tp)
        except Exception:  # partition revoked meanwhile
            continue
        lags[(tp.topic, tp.partition)] = max(highwater - position, 0)
    # Partitions revoked since the last call lose their series (their new owner reports them).
    metrics.lag(group, ((tp.topic, tp.partition) for tp in assignment), lags)
