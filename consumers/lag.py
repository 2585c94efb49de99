"""Consumer lag from the consumer's own view: high watermark minus position, per assigned partition.

aiokafka learns the high watermark from every fetch, so `observe_lag` costs no extra request; it runs after each
handled batch. A consumer that stops handling messages (a hung handler) fetches nothing more, so its own view
would stand still while records pile up and the lag alert, which looks for a rising lag, would never fire:
`lag_loop` therefore asks the brokers for the partitions' end offsets now and then (`refresh_lag`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from hub.metrics import HubMetrics

log = logging.getLogger("hub.run")
LAG_INTERVAL_SECONDS = 30.0  # the lag alert looks at 10 minutes; the scrape every 15-30 seconds


async def observe_lag(metrics: HubMetrics, group: str, consumer: Any) -> None:
    """Set hub_consumer_lag for every partition `consumer` (an AIOKafkaConsumer) has assigned; drop the others."""
    if consumer is None:
        return
    try:
        assignment = list(consumer.assignment())
    except Exception:  # not joined (yet): nothing to report
        return
    await _set(metrics, group, consumer, assignment, {tp: consumer.highwater(tp) for tp in assignment})


async def refresh_lag(metrics: HubMetrics, broker: Any) -> None:
    """hub_consumer_lag of every running subscriber of `broker` (FastStream), from the brokers' end offsets."""
    for subscriber in list(getattr(broker, "subscribers", ())):
        consumer, group = getattr(subscriber, "consumer", None), getattr(subscriber, "group_id", None)
        if consumer is None or not group:
            continue
        try:
            assignment = list(consumer.assignment())
            ends = await consumer.end_offsets(assignment) if assignment else {}
        except Exception:  # not joined, or the broker away: the next round asks again
            continue
        await _set(metrics, group, consumer, assignment, ends)


async def _set(
    metrics: HubMetrics, group: str, consumer: Any, assignment: list[Any], ends: Mapping[Any, int | None]
) -> None:
    """End offset minus position per assigned partition whose end is known; revoked ones lose their series."""
    lags: dict[tuple[str, int], int] = {}
    for tp in assignment:
        end = ends.get(tp)
        if end is None:
            continue
        try:
            position = await consumer.position(tp)
        except Exception:  # partition revoked meanwhile
            continue
        lags[(tp.topic, tp.partition)] = max(end - position, 0)
    metrics.lag(group, ((tp.topic, tp.partition) for tp in assignment), lags)


async def lag_loop(metrics: HubMetrics, broker: Any, interval: float = LAG_INTERVAL_SECONDS) -> None:
    """refresh_lag every `interval` seconds until cancelled; a failed round is logged and the loop goes on."""
    while True:
        await asyncio.sleep(interval)
        try:
            await asyncio.wait_for(refresh_lag(metrics, broker), timeout=interval)
        except Exception as exc:  # a timeout too; cancellation is no Exception and ends the loop
            log.warning("consumer lag not refreshed", extra={"error": type(exc).__name__})
