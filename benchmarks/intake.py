"""Intake store cost: Intake.verwerk_batch on a fresh store, its validation done beforehand, CPU per message.

--stream jw301 (default): the distinct JW301s of benchmarks/pipeline.py, each accepted with a JW302.
--stream demo: `make demo`'s history (Simulator seed 1, 250 clients, iJw and GI traffic of every kind).
Every message is judged (levels 1, 2 and 4: parse, XSD, rules) once before the clock starts; each round then hands
the judged messages to verwerk_batch in batches of --batch on a fresh store (SQLite file or a new PostgreSQL
database), so only the intake's store work is counted: idempotency, snapshot, level 3, retour, event, audit, state
and the commit. CPU is this process's only (PostgreSQL's own work is in its server processes).
Run: `.venv/bin/python benchmarks/intake.py` (options: --stream, --messages, --batch, --rounds, --database,
--profile FILE for cProfile stats of every round).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import secrets
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from processors import TOT, _ticking, stream  # benchmarks/processors.py, next to this script
from sqlalchemy import Engine
from stores import throwaway_postgres  # benchmarks/stores.py, next to this script

from hub.intake import Inbound, Intake
from hub.privacy import Pseudonymiser
from hub.store.db import make_engine, session_factory, upgrade
from hub.validate import Validator


class PreJudged(Intake):
    """An intake whose messages were judged beforehand: verwerk_batch then costs only its store work."""

    judged: dict[int, Any]

    def _judge(self, item: Inbound, today: date) -> Any:
        return self.judged[id(item)]


@contextlib.contextmanager
def fresh_store(database: str, workdir: Path) -> Iterator[Engine]:
    """A migrated, empty store: a new SQLite file, or a new PostgreSQL database dropped afterwards."""
    if database == "sqlite":
        path = workdir / f"{secrets.token_hex(4)}.sqlite"
        upgrade(f"sqlite:///{path}")
        engine = make_engine(f"sqlite:///{path}")
        try:
            yield engine
        finally:
            engine.dispose()
            path.unlink()
        return
    with throwaway_postgres("bench_intake") as engine:
        yield engine


def run_once(
    berichten: list[bytes],
    today: date,
    args: argparse.Namespace,
    workdir: Path,
    profile: cProfile.Profile | None,
) -> tuple[float, float, float, dict[str, int]]:
    """(judge CPU s, store wall s, store CPU s, outcomes) of one round on a fresh store."""
    with fresh_store(args.database, workdir) as engine:
        intake = PreJudged(
            Validator(clock=lambda: today), session_factory(engine), Pseudonymiser(b"b" * 32),
            clock=lambda: today, now=_ticking(),
        )  # fmt: skip
        items = [Inbound(raw) for raw in berichten]
        cpu = time.process_time()
        intake.judged = {id(item): Intake._judge(intake, item, today) for item in items}
        judge_cpu = time.process_time() - cpu
        batches = [items[i : i + args.batch] for i in range(0, len(items), args.batch)]
        outcomes: dict[str, int] = {}
        if profile is not None:
            profile.enable()
        start, cpu = time.perf_counter(), time.process_time()
        for batch in batches:
            for r in intake.verwerk_batch(batch):
                outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        if profile is not None:
            profile.disable()
    return judge_cpu, wall, cpu, outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream", choices=("demo", "jw301"), default="jw301")
    parser.add_argument("--messages", type=int, default=3000, help="JW301s of --stream jw301 (default 3000)")
    parser.add_argument("--batch", type=int, default=500, help="messages per verwerk_batch (default 500)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--profile", type=Path, help="write cProfile stats of every round to this file")
    args = parser.parse_args()
    berichten, today = stream(args.stream, args.messages)
    if args.stream == "demo":
        today = TOT
    profile = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waiting on the server
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        rounds = [run_once(berichten, today, args, Path(tmp), profile) for _ in range(args.rounds)]
    if profile is not None and args.profile is not None:
        profile.dump_stats(args.profile)
    n = len(berichten)
    print(f"{n} messages ({args.stream}) on {args.database}, batches of {args.batch}, {args.rounds} rounds")
    print(f"outcomes: {rounds[0][3]}")
    # CPU time is what the code costs; wall time adds the commits' fsync and, on PostgreSQL, the server's work.
    columns = (
        ("judge cpu", [r[0] for r in rounds]),
        ("store wall", [r[1] for r in rounds]),
        ("store cpu", [r[2] for r in rounds]),
    )
    for label, seconds in columns:
        per_msg = [s / n * 1e6 for s in seconds]
        print(
            f"{label:10} per message: median {statistics.median(per_msg):5.0f} µs, best {min(per_msg):5.0f} µs"
        )


if __name__ == "__main__":
    main()
