"""The file/batch door: send message files, in Dagtekening order, to a running hub over HTTP or Kafka."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from hub.errors import BerichtUnreadable, InputError
from hub.ijw.parse import parse_bericht
from hub.topics import inbound_key, pair_key


@dataclass(frozen=True, slots=True)
class Input:
    """One file to send: its bytes, Dagtekening (None when unreadable) and inbound key."""

    path: Path
    data: bytes
    dagtekening: date | None
    key: str


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


def collect(paths: Iterable[Path]) -> list[Input]:
    """Every *.xml below the paths, ordered by Dagtekening (unparsable ones last), then file name.

    Raises InputError for a path that does not exist or a file that cannot be read, before anything is sent:
    a batch goes whole or not at all, so no file is silently left behind.
    """
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".xml")
        else:
            files.append(path)
    inputs = [_identify(p, _read(p)) for p in files]
    return sorted(inputs, key=lambda i: (i.dagtekening or date.max, i.path.name, str(i.path)))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


@dataclass(frozen=True, slots=True)
class Sent:
    path: Path
    status: int | str  # HTTP status, or "kafka"
    detail: str


def send_http(inputs: list[Input], url: str, api_key: str | None, *, timeout: float = 30.0) -> list[Sent]:
    """POST each file to <url>/berichten; a 503 is retried after its Retry-After (at most 5 times)."""
    headers = {"Content-Type": "application/xml"}
    if api_key:
        headers["X-API-Key"] = api_key
    out: list[Sent] = []
    with httpx.Client(base_url=url.rstrip("/"), timeout=timeout) as client:
        for item in inputs:
            for _ in range(5):
                response = client.post("/berichten", content=item.data, headers=headers)
                if response.status_code != 503:
                    break
                time.sleep(float(response.headers.get("Retry-After", "1")))
            body = response.json() if response.headers.get("content-type", "").endswith("json") else {}
            out.append(Sent(item.path, response.status_code, str(body.get("id") or body.get("title") or "")))
    return out


async def send_kafka(
    inputs: list[Input], publish: Callable[..., Awaitable[object]], topic: str, *, largest: int
) -> list[Sent]:
    """Publish each file to the inbound topic through `publish` (a FastStream broker's publish).

    A file larger than `largest` (what the producer can publish) is not sent and says so; the others go on.
    """
    out: list[Sent] = []
    for item in inputs:
        if len(item.data) > largest:
            out.append(Sent(item.path, TOO_LARGE, too_large(len(item.data), largest)))
            continue
        bericht_id = uuid.uuid4().hex
        await publish(
            item.data,
            topic,
            key=item.key.encode(),
            headers={
                "bericht-id": bericht_id,
                "ontvangen-op": datetime.now(UTC).isoformat(),
                "content-type": "application/xml",
            },
        )
        out.append(Sent(item.path, "kafka", bericht_id))
    return out


TOO_LARGE = "too-large"


def too_large(size: int, largest: int) -> str:
    """Why a file was not published: it would not fit in one producer request."""
    return (
        f"not sent: {size} bytes, larger than the {largest} bytes the producer can publish "
        "(HUB_KAFKA_PRODUCER_MAX_REQUEST_BYTES and the broker's message.max.bytes)"
    )
