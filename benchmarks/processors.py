"""Processor-only throughput: the normalised events of a stream through Processor.verwerk_batch on SQLite.

--stream demo (default): `make demo`'s history (Simulator seed 1, 250 clients, iJw and GI traffic).
--stream jw301: the distinct JW301s of benchmarks/pipeline.py (iJw only, no client with a GI bepaling).
The stream is accepted once by the transport-free intake into a migrated SQLite file. Each round copies that file
and hands its events to a fresh Processor in polls of --batch events, as the processors' subscriber does; only
the processor's time is counted. Run: `.venv/bin/python benchmarks/processors.py` (options: --stream,
--messages (jw301), --batch, --rounds, --profile FILE for cProfile stats of every round).
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pipeline import jw301_messages  # benchmarks/pipeline.py, next to this script

from hub.events.models import HubEvent
from hub.intake import Inbound, Intake
from hub.monitor.processor import Processor
from hub.monitor.registry import Regios
from hub.privacy import Pseudonymiser
from hub.store.db import make_engine, session_factory, upgrade
from hub.synth.simulate import SimConfig, Simulator
from hub.validate import Validator

TOT = date(2026, 11, 23)  # a fixed "today": the same stream, the same verdicts, every run
INTAKE_BATCH = 200


def _ticking(start: datetime = datetime(2026, 11, 23, 12, tzinfo=UTC)) -> Callable[[], datetime]:
    counter = itertools.count()
    return lambda: start + timedelta(seconds=next(counter))


def stream(name: str, messages: int) -> tuple[list[bytes], date]:
    """The messages of a stream, in order, and the day the intake judges them on."""
    if name == "jw301":
        return [m.data for m in jw301_messages(messages)], date.today()  # dated three weeks before today
    return [b.xml for b in Simulator(SimConfig(seed=1, clienten=250), today=lambda: TOT).run()], TOT


def accepted_store(path: Path, berichten: list[bytes], today: date) -> list[HubEvent]:
    """Accept the messages into a new SQLite file at path; the events of the accepted ones, in order."""
    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    intake = Intake(
        Validator(clock=lambda: today), session_factory(engine), Pseudonymiser(b"b" * 32), clock=lambda: today,
        now=_ticking(),
    )  # fmt: skip
    events: list[HubEvent] = []
    for start in range(0, len(berichten), INTAKE_BATCH):
        chunk = [Inbound(raw) for raw in berichten[start : start + INTAKE_BATCH]]
        events.extend(r.event for r in intake.verwerk_batch(chunk) if r.event is not None)
    engine.dispose()  # checkpoints the WAL into the file, so a copy holds everything
    return events


def run_once(template: Path, workdir: Path, events: list[HubEvent], batch: int, profile: cProfile.Profile | None) -> float:
    """Seconds the processor spends on every event, in polls of `batch`, on a fresh copy of the store."""
    copy = workdir / "round.sqlite"
    shutil.copyfile(template, copy)
    engine = make_engine(f"sqlite:///{copy}")
    processor = Processor(session_factory(engine), Regios.from_file(), now=_ticking(), clock=lambda: TOT)
    polls = [events[i : i + batch] for i in range(0, len(events), batch)]
    if profile is not None:
        profile.enable()
    start, cpu = time.perf_counter(), time.process_time()
    for poll in polls:
        assert all(processor.verwerk_batch(poll))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if profile is not None:
        profile.disable()
    engine.dispose()
    copy.unlink()
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream", choices=("demo", "jw301"), default="demo")
    parser.add_argument("--messages", type=int, default=2000, help="JW301s of --stream jw301 (default 2000)")
    parser.add_argument("--batch", type=int, default=50, help="events per poll (default 50)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", type=Path, help="write cProfile stats of every round to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-processors-") as tmp:
        workdir = Path(tmp)
        template = workdir / "accepted.sqlite"
        events = accepted_store(template, *stream(args.stream, args.messages))
        kinds = sorted({e.type for e in events})
        print(f"{len(events)} events ({len(kinds)} types), polls of {args.batch}, {args.rounds} rounds")
        profile = cProfile.Profile() if args.profile else None
        times = [run_once(template, workdir, events, args.batch, profile) for _ in range(args.rounds)]
        if profile is not None and args.profile is not None:
            profile.dump_stats(args.profile)
    # CPU time is what the code costs; wall time adds the commits' fsync and whatever else the machine runs.
    for label, seconds in (("wall", [w for w, _ in times]), ("cpu", [c for _, c in times])):
        per_event = [t / len(events) * 1e6 for t in seconds]
        print(f"{label:4} per event: median {statistics.median(per_event):4.0f} µs, best {min(per_event):4.0f} µs")


if __name__ == "__main__":
    main()
