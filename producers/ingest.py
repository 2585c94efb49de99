"""The file/batch door: send message files, in Dagtekening order, to a running hub over HTTP or Kafka.

Files are collected and ordered first, keeping what the order needs; each is read again when it is sent and
dropped after, so a large archive is never held in memory whole.
"""

from __future__ import annotations

import hashlib
import math
import os
import stat
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx

from hub.errors import BerichtUnreadable, InputError, describe
from hub.ijw.parse import parse_bericht
from hub.topics import inbound_key, pair_key


@dataclass(frozen=True, slots=True)
class Input:
    """One message held in memory to send: its bytes, Dagtekening (None when unreadable) and inbound key.

    Simulated traffic, a collected pipe or device (it cannot be read twice), or a collected file as read to be sent.
    """

    path: Path
    data: bytes
    dagtekening: date | None
    key: str

    @property
    def size(self) -> int:
        """Its size in bytes, as an InputFile's."""
        return len(self.data)

    def read(self) -> Input:
        """Itself: its bytes are here already."""
        return self


@dataclass(frozen=True, slots=True)
class InputFile:
    """One collected file: what its place in the order and its sending need, not its bytes (read when sent).

    A replay of an archive would otherwise hold the whole archive in memory from collection to the end.
    """

    path: Path
    size: int  # when collected
    dagtekening: date | None
    key: str
    digest: bytes  # of the bytes when collected: a change is noticed when it is sent

    def read(self) -> Input:
        """The file as it is now; raises NotSent when it is gone, unreadable or no longer fits its place.

        A file that changed but kept its Dagtekening keeps its place (then file name), so it goes as it is now,
        with the key of its header now: what collecting it now would have sent. One whose Dagtekening changed,
        or that no longer parses (say a copy half written), would go out of order: not sent, say why.
        """
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            raise NotSent(GONE, "not sent: the file is gone since it was collected") from None
        except OSError as exc:
            raise NotSent(
                UNREADABLE, f"not sent: cannot read it since it was collected: {exc.strerror or exc}"
            ) from None
        if _digest(data) == self.digest:
            return Input(self.path, data, self.dagtekening, self.key)
        now = _identify(self.path, data)
        if now.dagtekening != self.dagtekening:
            raise NotSent(CHANGED, changed(self.dagtekening, now.dagtekening))
        return now


class NotSent(Exception):
    """A collected file not sent, and why; status as in Sent (TOO_LARGE, GONE, UNREADABLE, CHANGED)."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def _identify(path: Path, data: bytes) -> Input:
    try:
        parsed = parse_bericht(data)
    except BerichtUnreadable:
        return Input(path, data, None, pair_key(None, None))
    header = parsed.root.find("{*}Header")
    text = (
        (header.findtext("{*}BerichtIdentificatie/{*}Dagtekening") or "").strip()
        if header is not None
        else ""
    )
    try:
        dagtekening: date | None = date.fromisoformat(text)
    except ValueError:
        dagtekening = None
    afzender = (header.findtext("{*}Afzender") or "").strip() if header is not None else ""
    ontvanger = (header.findtext("{*}Ontvanger") or "").strip() if header is not None else ""
    return Input(path, data, dagtekening, inbound_key(parsed.info, afzender, ontvanger))


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def collect(paths: Iterable[Path]) -> list[Input | InputFile]:
    """Every *.xml below the paths, ordered by Dagtekening (unparsable ones last), then file name.

    Raises InputError for a path that does not exist or a file that cannot be read, before anything is sent:
    a batch goes whole or not at all, so no file is silently left behind. What changes after that is found
    when each file is read again to be sent (InputFile.read). Only a pipe or device keeps its bytes (an Input):
    it cannot be read twice.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".xml")
        else:
            files.append(path)
    inputs = [_collect(p) for p in files]
    return sorted(inputs, key=lambda i: (i.dagtekening or date.max, i.path.name, str(i.path)))


def _collect(path: Path) -> Input | InputFile:
    try:
        with path.open("rb") as f:
            regular = stat.S_ISREG(os.fstat(f.fileno()).st_mode)
            data = f.read()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    item = _identify(path, data)
    if not regular:
        return item
    return InputFile(path, len(data), item.dagtekening, item.key, _digest(data))


@dataclass(frozen=True, slots=True)
class Sent:
    path: Path
    status: int | str  # HTTP status, or "kafka"
    detail: str


POGINGEN = 5  # attempts per file while the gateway answers 503
MAX_WAIT = 60.0  # seconds: a longer Retry-After would leave `hub ingest` hanging


def send_http(
    inputs: Iterable[Input | InputFile], url: str, api_key: str | None, *, timeout: float = 30.0
) -> list[Sent]:
    """POST each file to <url>/berichten; a 503 is retried after its Retry-After (POGINGEN attempts in all).

    A file that is gone or changed out of its place since it was collected is not sent and says so (NotSent).
    """
    headers = {"Content-Type": "application/xml"}
    if api_key:
        headers["X-API-Key"] = api_key
    out: list[Sent] = []
    # The hub's base URL; the endpoint itself (as the curl examples show it) is taken for it too.
    base = url.rstrip("/").removesuffix("/berichten")
    with httpx.Client(base_url=base, timeout=timeout) as client:
        for item in inputs:
            try:
                data = item.read().data
            except NotSent as skip:
                out.append(Sent(item.path, skip.status, skip.detail))
                continue
            for poging in range(1, POGINGEN + 1):
                response = client.post("/berichten", content=data, headers=headers)
                if response.status_code != 503 or poging == POGINGEN:
                    break  # no wait after the last attempt: its 503 is the answer
                time.sleep(retry_after(response.headers.get("Retry-After")))
            out.append(Sent(item.path, response.status_code, _detail(response)))
    return out


def retry_after(value: str | None) -> float:
    """Seconds to wait as a 503's Retry-After says: seconds or an HTTP date (RFC 9110), at most MAX_WAIT; 1 when
    absent or unreadable. The hub sends 1 to 5 seconds; a proxy in front of it may send a date, or anything."""
    if value is None:
        return 1.0
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):  # no date either, or one without a zone
            return 1.0
    return min(max(seconds, 0.0), MAX_WAIT) if math.isfinite(seconds) else 1.0


def _detail(response: httpx.Response) -> str:
    """The message id of a 202, or a problem's title; empty for any other answer (a proxy's page, broken JSON)."""
    if not response.headers.get("content-type", "").endswith("json"):
        return ""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("id") or body.get("title") or "") if isinstance(body, dict) else ""


async def send_kafka(
    inputs: Iterable[Input | InputFile],
    publish: Callable[..., Awaitable[object]],
    topic: str,
    *,
    largest: int,
) -> list[Sent]:
    """Publish each file to the inbound topic through `publish` (a FastStream broker's publish).

    A file larger than `largest` (what the producer can publish), or gone or changed out of its place since it was
    collected, is not sent and says so; the others go on.
    """
    out: list[Sent] = []
    failure: str | None = None  # once the broker fails, the rest is not sent: the order per client must hold
    for item in inputs:
        if failure is not None:
            out.append(Sent(item.path, NOT_SENT, f"not sent: {failure} on an earlier file"))
            continue
        try:
            loaded = load(item, largest)
        except NotSent as skip:
            out.append(Sent(item.path, skip.status, skip.detail))
            continue
        bericht_id = uuid.uuid4().hex
        try:
            await publish(
                loaded.data,
                topic,
                key=loaded.key.encode(),
                headers={
                    "bericht-id": bericht_id,
                    "ontvangen-op": datetime.now(UTC).isoformat(),
                    "content-type": "application/xml",
                },
            )
        except Exception as exc:  # the broker went away or refused: say which files it has, and which not
            failure = f"the broker failed ({type(exc).__name__})"
            out.append(Sent(item.path, FAILED, f"not sent: {describe(exc)}"))
            continue
        out.append(Sent(item.path, "kafka", bericht_id))
    return out


def load(item: Input | InputFile, largest: int) -> Input:
    """The message to publish, read now; raises NotSent when too large for the producer, gone or moved."""
    if item.size > largest:  # skipped without reading it
        raise NotSent(TOO_LARGE, too_large(item.size, largest))
    loaded = item.read()
    if loaded.size > largest:  # grew since it was collected
        raise NotSent(TOO_LARGE, too_large(loaded.size, largest))
    return loaded


TOO_LARGE = "too-large"
FAILED = "failed"  # the broker refused or failed to take it
NOT_SENT = "not-sent"  # after a failure: the files behind it wait for the next run, in order
GONE = "gone"
UNREADABLE = "unreadable"
CHANGED = "changed"


def too_large(size: int, largest: int) -> str:
    """Why a file was not published: it would not fit in one producer request."""
    return (
        f"not sent: {size} bytes, larger than the {largest} bytes the producer can publish "
        "(HUB_KAFKA_PRODUCER_MAX_REQUEST_BYTES and the broker's message.max.bytes)"
    )


def changed(was: date | None, now: date | None) -> str:
    """Why a changed file was not sent: its new Dagtekening would put it elsewhere in the order."""
    return (
        f"not sent: changed since it was collected, its Dagtekening now {now or 'unreadable'} "
        f"(was {was or 'unreadable'}) puts it elsewhere in the order; send it again"
    )
