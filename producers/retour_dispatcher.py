"""The retour dispatcher: delivers retourberichten from the retour topic and records their delivery.

Delivery here means: written to the outbox directory of the receiver (`<dir>/<afzender of the heenbericht>/`),
where a backoffice's transport picks them up, and available at GET /berichten/{id}/retour. Idempotent: a
redelivered retour overwrites the same file and keeps the first delivery time.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

from consumers.broker import BrokerSettings, batch_options
from consumers.intake import HEADER_ID, HEADER_RETOUR_IN_STORE
from consumers.lag import observe_lag
from hub.errors import TransientError
from hub.metrics import HubMetrics
from hub.topics import Topics

log = logging.getLogger("hub.retour")

_SAFE = re.compile(r"[^A-Za-z0-9._-]")
# The longest file or directory name written: within the 255 bytes of every common file system, with room for the
# temporary name (`.<name>.tmp`). A longer one was refused (ENAMETOOLONG) and its retour retried for ever.
MAX_NAME = 200
_HASHED = 16  # hex characters of SHA-256 that keep a shortened name apart from another with the same ends
_KEPT_END = 24  # characters of a shortened name's end that stay (its .<retourbericht>.xml)


# A retour names a client (BSN, name, birth date): never readable by every user of the machine. The group may
# read, for a transport that runs as another user of the hub's group; umask can only narrow these.
OUTBOX_FILE_MODE = 0o640
# Group write only where the umask allows it (002): the transport must remove what it picked up, and removing
# takes write permission on the directory. With the usual umask (022) the directories are 0750.
OUTBOX_DIR_MODE = 0o770


def write_private(path: Path, data: bytes) -> None:
    """Write `path` created with OUTBOX_FILE_MODE, not the umask's 0644; one left by an earlier run is replaced,
    so it cannot keep a wider mode. Created exclusively and never through a link: in a directory its group may
    write to, another writer cannot slip a symlink in between."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, OUTBOX_FILE_MODE)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def safe_name(text: str, limit: int = MAX_NAME) -> str:
    """`text` as one file name inside its directory: every character outside A-Z a-z 0-9 . _ - becomes _, as does
    a leading dot (a backoffice skips such files, as files still being written); never `.` or `..`; beyond `limit`
    characters its middle gives way to a hash of the whole text, so distinct texts keep distinct names."""
    name = _SAFE.sub("_", text)
    if name.startswith("."):
        name = "_" + name[1:]
    if len(name) > limit:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:_HASHED]
        end = name[-_KEPT_END:]
        name = f"{name[: limit - _HASHED - len(end) - 1]}-{digest}{end}"
    return name or "_"


@dataclass(frozen=True, slots=True)
class Retour:
    """One record of the retour topic: the message as sent and where it goes."""

    body: bytes
    bericht_id: str
    bericht: str
    ontvanger: str
    in_store: bool = False  # too large for a record: the body is read from the store

    @classmethod
    def of(cls, record: Any) -> Retour:
        headers = {k: bytes(v).decode("utf-8", "replace") for k, v in record.headers or () if v is not None}
        return cls(
            record.value or b"",
            headers.get(HEADER_ID, ""),
            headers.get("bericht", "onbekend"),
            headers.get("ontvanger", ""),
            headers.get(HEADER_RETOUR_IN_STORE) == "1",
        )


@dataclass
class RetourDispatcher:
    outbox: Path | None
    mark_delivered: Callable[[Sequence[str]], set[str]]  # the ids delivered now for the first time
    metrics: HubMetrics
    file_name: Callable[[str, str], str] = lambda bericht_id, bericht: f"{bericht_id}.{bericht}.xml"
    per_receiver: bool = True  # one outbox directory per receiver; `hub process` writes one flat directory
    on_done: Callable[[str], None] | None = None
    from_store: Callable[[Sequence[str]], Mapping[str, bytes]] | None = (
        None  # retouren too large for a record
    )

    def deliver(self, retouren: Sequence[Retour]) -> None:
        """Write every file, then record the deliveries in one transaction (a crash between rewrites the files)."""
        retouren = self._with_bodies(retouren)
        for r in retouren:
            self._write(r)
        first = self.mark_delivered([r.bericht_id for r in retouren])
        for r in retouren:
            if r.bericht_id in first:
                self.metrics.retour_delivered.labels(bericht=r.bericht).inc()
                first.discard(r.bericht_id)  # the same retour twice in one poll counts once

    def _with_bodies(self, retouren: Sequence[Retour]) -> list[Retour]:
        """The retouren with the bodies of those the store holds for them; one the store no longer has (its retention
        cleared it after an earlier delivery) is left out, logged."""
        wanted = [r.bericht_id for r in retouren if r.in_store]
        if not wanted:
            return list(retouren)
        bodies = self.from_store(wanted) if self.from_store is not None else {}
        out: list[Retour] = []
        for r in retouren:
            if not r.in_store:
                out.append(r)
            elif (body := bodies.get(r.bericht_id)) is not None:
                out.append(replace(r, body=body, in_store=False))
            else:
                log.warning(
                    "retour not in the store: not delivered again", extra={"bericht_id": r.bericht_id}
                )
        return out

    def _write(self, r: Retour) -> None:
        if self.outbox is None:
            return
        # Every name from the record's headers is one safe name inside the outbox: never `..`, a path or too long.
        self.outbox.mkdir(OUTBOX_DIR_MODE, parents=True, exist_ok=True)
        target = self.outbox / safe_name(r.ontvanger or "onbekend") if self.per_receiver else self.outbox
        target.mkdir(OUTBOX_DIR_MODE, exist_ok=True)
        name = safe_name(self.file_name(r.bericht_id, r.bericht))
        tmp = target / f".{name}.tmp"
        write_private(tmp, r.body)
        tmp.replace(target / name)

    async def handle_batch(self, records: Sequence[Any], msg: KafkaMessage, group: str) -> None:
        """One poll's retouren: delivered and recorded, then the offsets committed; `group` labels the lag."""
        retouren = [Retour.of(record) for record in records]
        delay, failing = 0.2, False
        while retouren:
            try:
                await asyncio.to_thread(self.deliver, retouren)
                break
            # The store or the outbox is unavailable: retry, the retour must not be lost. Logged once per outage,
            # so a fault that lasts (a full disk, a read-only outbox) shows, and not only as consumer lag.
            except (TransientError, OSError) as exc:
                if not failing:
                    log.warning(
                        "retouren not delivered: the outbox or the store failed; retrying",
                        extra={"error": type(exc).__name__, "pending": len(retouren)},
                    )
                    failing = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        if failing:
            log.info("retouren delivered again", extra={"pending": len(retouren)})
        await msg.ack()
        await observe_lag(self.metrics, group, getattr(msg, "consumer", None))
        if self.on_done is not None:
            for r in retouren:
                self.on_done(r.bericht_id)


def register_retour_dispatcher(
    broker: KafkaBroker, dispatcher: RetourDispatcher, topics: Topics, settings: BrokerSettings
) -> None:
    @broker.subscriber(
        topics.retour,
        group_id=topics.groups.retour,
        ack_policy=AckPolicy.MANUAL,
        description="Delivers each record (one retourbericht as XML), a poll at a time.",
        **batch_options(settings),
    )
    async def on_retour(body: list[bytes], msg: KafkaMessage) -> None:  # body: the documented payload
        await dispatcher.handle_batch(msg.raw_message, msg, topics.groups.retour)
