"""`hub process`: replay files through the same pipeline as the service and wait until it has drained.

Files go to one partition of the inbound topic in order of Dagtekening, then file name, so the intake judges
them in exactly that order and a replay gives the same outcome every time. Each file is read again when it is
published and dropped after (collecting keeps only what the order needs), so the archive is never held in the
hub's memory whole; a file gone or changed out of its place by then is skipped and named, the others go on.
The command waits until the intake has judged every message, every retour is delivered and the processors have
handled every event, runs the processors' periodic check once as of --as-of (the GI's 3-month statusmeldingen)
and waits until every statusmelding is delivered, then writes the metrics (the domain metrics read the store at
that moment) and stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import tempfile
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from prometheus_client import generate_latest

from consumers.app import Runtime
from consumers.broker import BrokerSettings, largest_record
from consumers.intake import HEADER_ID, HEADER_RECEIVED
from hub.clock import vandaag
from hub.errors import InputError
from hub.settings import HubSettings
from hub.store import audit
from producers.ingest import Input, InputFile, NotSent, collect, load
from producers.retour_dispatcher import safe_name

log = logging.getLogger("hub.process")
REPLAY_PARTITION = 0  # of the inbound topic: every replayed file, in order
STEM_MAX = 160  # characters of a file's stem in its retour's name, which adds .<retourbericht>.xml
TERMINATED = 128 + signal.SIGTERM  # 143: the exit status a shell gives a command that SIGTERM ended
P = ParamSpec("P")
T = TypeVar("T")


def retour_names(inputs: Sequence[Input | InputFile]) -> list[str]:
    """The stem of each input's retour file in --retour-out (`<stem>.<retourbericht>.xml`), one of its own each.

    The file's stem made safe (producers.retour_dispatcher.safe_name) and short; a stem taken already, ignoring case
    (the same name in another directory, names that differ only in characters a name may not keep), gets -2, -3, ...
    in the order the files are processed, so a retour never replaces another's and a replay names them alike.
    """
    taken: set[str] = set()
    names: list[str] = []
    for item in inputs:
        base = safe_name(item.path.stem, STEM_MAX)
        name, n = base, 1
        while name.casefold() in taken:  # casefold: a file system that ignores case would still mix them up
            n += 1
            name = f"{base}-{n}"
        taken.add(name.casefold())
        names.append(name)
    return names


def usable_outputs(metrics_out: Path | None, retour_out: Path | None) -> None:
    """Refuse (InputError) outputs the run could not write at its end, before anything is processed.

    The outbox retries a retour it cannot write, as `hub run`'s does through an outage: a replay whose
    --retour-out can never be written would wait for it until the timeout.
    """
    if retour_out is not None:
        try:
            retour_out.mkdir(parents=True, exist_ok=True, mode=0o770)  # as the outbox's: files 0640
            with tempfile.TemporaryFile(dir=retour_out):
                pass
        except OSError as exc:
            raise InputError(f"--retour-out: cannot write to {retour_out}: {exc.strerror or exc}") from None
    if metrics_out is not None:
        try:
            metrics_out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"--metrics-out: cannot make {metrics_out.parent}: {exc.strerror or exc}"
            ) from None
        if metrics_out.is_dir() or not os.access(metrics_out.parent, os.W_OK):
            what = "is a directory" if metrics_out.is_dir() else "its directory is not writable"
            raise InputError(f"--metrics-out: cannot write {metrics_out}: {what}")


def ends_on_sigterm(run: Callable[P, Awaitable[T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    """SIGTERM ends `run` the way Ctrl-C does: cancelled, so its cleanup runs, then SystemExit(143).

    Without it SIGTERM kills the process at once, and a replay's temporary store (retours with BSNs and names)
    and the embedded broker's log stay behind in TMPDIR. Ctrl-C already cancels the task (asyncio.run); a
    second SIGTERM is ignored, so it cannot cut the cleanup short (SIGKILL still can).
    """

    @functools.wraps(run)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        loop, task = asyncio.get_running_loop(), asyncio.current_task()
        terminated: list[bool] = []

        def on_sigterm() -> None:
            if task is not None and not terminated:
                terminated.append(True)
                task.cancel()

        try:
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread, or no signals here
            return await run(*args, **kwargs)
        try:
            return await run(*args, **kwargs)
        except asyncio.CancelledError:
            if terminated:
                raise SystemExit(TERMINATED) from None
            raise
        finally:
            loop.remove_signal_handler(signal.SIGTERM)

    return wrapper


@ends_on_sigterm
async def process(
    paths: list[Path],
    *,
    settings: HubSettings,
    broker_settings: BrokerSettings,
    metrics_out: Path | None = None,
    retour_out: Path | None = None,
    as_of: date | None = None,
    database: str | None = None,
    timeout: float = 600.0,
) -> dict[str, int]:
    """Run the pipeline over the files; returns counts per intake outcome. Raises TimeoutError if stuck."""
    inputs = collect(paths)
    usable_outputs(metrics_out, retour_out)
    largest = largest_record(broker_settings)
    ids = {uuid.uuid4().hex: i for i in inputs}
    names = dict(zip(ids, retour_names(inputs), strict=True))
    judged: set[str] = set()
    delivered: set[str] = set()
    handled: set[str] = set()
    progress = asyncio.Event()
    # Set when the embedded broker dies midway: nothing would drain any more, so the replay ends at once.
    died: asyncio.Future[BaseException] = asyncio.get_running_loop().create_future()

    def broker_died(exc: BaseException) -> None:
        if not died.done():
            died.set_result(exc)

    def intake_done(bericht_id: str) -> None:
        judged.add(bericht_id)
        progress.set()

    def retour_done(bericht_id: str) -> None:
        delivered.add(bericht_id)
        progress.set()

    def processor_done(bericht_id: str) -> None:
        handled.add(bericht_id)
        progress.set()

    with tempfile.TemporaryDirectory(prefix="hub-process-") as tmp:
        runtime = Runtime(
            # A replay writes retours to --retour-out only, never to the service's outbox (HUB_RETOUR_DIR): the
            # receivers have had them. Its metrics are computed at the end, never a copy kept earlier.
            settings.model_copy(
                update={"migrate_on_start": True, "retour_dir": None, "domain_metrics_max_age_seconds": 0.0}
            ),
            broker_settings,
            database or f"sqlite:///{Path(tmp) / 'hub.sqlite'}",
            clock=(lambda: as_of) if as_of else vandaag,
            # Messages dated after --as-of are processed like any other (issue 5): only the gauges use it,
            # so the rules judge against the later of --as-of and the real date.
            judge_clock=(lambda: max(as_of, vandaag())) if as_of else vandaag,
            retour_dir=retour_out,
            retour_per_receiver=False,
            allow_throwaway_key=True,
            on_intake_done=intake_done,
            on_retour_done=retour_done,
            on_processor_done=processor_done,
            retour_file_name=lambda bid, bericht: f"{names.get(bid, bid)}.{bericht}.xml",
            periodic_checks=False,  # once, after everything is processed: a check midway would see half the story
            on_consumers_failed=broker_died,
        )
        runtime.prepare()
        try:
            await runtime.start()  # refuses a store whose pseudonyms were made under another key
            if database is not None and settings.pseudonym_key is None:
                log.warning(
                    "HUB_PSEUDONYM_KEY is not set: the pseudonyms in --database were made under a throwaway key and "
                    "match no other run's (a message recorded before is still recognised, a new one about a client "
                    "it held is not); set the key to keep the database (docs/operations.md, section 5)"
                )
            sent, skipped = await _unless(_publish(runtime, ids, largest), died)
            drained = _drain(runtime, sent, judged, delivered, handled, progress)
            await _unless(asyncio.wait_for(drained, timeout), died)
            await _unless(asyncio.wait_for(_peil(runtime, as_of or vandaag(), progress), timeout), died)
            if metrics_out is not None:
                metrics_out.parent.mkdir(parents=True, exist_ok=True)
                metrics_out.write_bytes(generate_latest(runtime.registry))
            outcomes = _outcomes(runtime, sent)
            outcomes.update(skipped)
            return outcomes
        finally:
            if runtime.broker_gone:  # closing its clients would wait on a broker that is not there
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(runtime.stop(), 5.0)
            else:
                await runtime.stop()


async def _unless(work: Awaitable[T], died: asyncio.Future[BaseException]) -> T:
    """The result of `work`, unless `died` comes first: then `work` is cancelled and what died is raised."""
    task = asyncio.ensure_future(work)
    either: set[asyncio.Future[Any]] = {task, died}
    try:
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    finally:  # also when the replay itself is cancelled (SIGTERM): `work` goes with it
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    if not task.cancelled():
        return task.result()
    raise died.result()


async def _publish(
    runtime: Runtime, ids: dict[str, Input | InputFile], largest: int
) -> tuple[set[str], Counter[str]]:
    """Publish the files in order, each read now and dropped once published; the ids sent and the skips by reason.

    A file too large for the producer, or gone or changed out of its place since it was collected, is skipped
    with a warning that names it, and the others go on.
    """
    sent: set[str] = set()
    skipped: Counter[str] = Counter()
    for bericht_id, item in ids.items():
        try:
            loaded = load(item, largest)
        except NotSent as skip:
            log.warning("skipped %s: %s", item.path, skip.detail)
            skipped[skip.status] += 1
            continue
        # One partition: the intake takes the files in exactly this order. With the usual key, messages of
        # different gemeente-aanbieder pairs would race across partitions, and rules wider than a pair (TR056
        # per Afzender, TR314 and TR333 per aanbieder) would judge a replay differently each time.
        await runtime.broker.publish(
            loaded.data,
            runtime.topics.inbound,
            partition=REPLAY_PARTITION,
            key=loaded.key.encode(),
            headers={HEADER_ID: bericht_id, HEADER_RECEIVED: datetime.now(UTC).isoformat()},
        )
        sent.add(bericht_id)
    return sent, skipped


async def _drain(
    runtime: Runtime,
    ids: set[str],
    judged: set[str],
    delivered: set[str],
    handled: set[str],
    progress: asyncio.Event,
) -> None:
    while not ids <= judged:
        progress.clear()
        await progress.wait()
    with_retour, with_event = await asyncio.to_thread(_expecting, runtime, ids)
    while not (with_retour <= delivered and with_event <= handled):
        progress.clear()
        await progress.wait()


async def _peil(runtime: Runtime, vandaag: date, progress: asyncio.Event) -> None:
    """The periodic check as of vandaag, then wait until every message the processors made is delivered."""
    await runtime.peil(vandaag)
    while True:
        progress.clear()  # before looking: a delivery in between sets it again
        if not await asyncio.to_thread(runtime.processor.onderweg):
            return
        await progress.wait()


def _expecting(runtime: Runtime, ids: set[str]) -> tuple[set[str], set[str]]:
    """The messages that have a retour to deliver, and those whose event the processors must handle."""
    with runtime.sessions() as session:
        records = [r for i in ids if (r := audit.get(session, i)) is not None]
    return {r.id for r in records if r.retour is not None}, {r.id for r in records if r.event is not None}


def _outcomes(runtime: Runtime, ids: set[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    with runtime.sessions() as session:
        for i in ids:
            record = audit.get(session, i)
            # No record: dead-lettered and its record not written either (the intake writes it best effort).
            outcome = record.outcome if record is not None else "failed"
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts
