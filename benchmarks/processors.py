"""Processor-only throughput: the normalised events of a stream through Processor.verwerk_batch on SQLite.

--stream demo (default): `make demo`'s history (Simulator seed 1, 250 clients, iJw and GI traffic).
--stream jw301: the distinct JW301s of benchmarks/pipeline.py (iJw only, no client with a GI bepaling).
The stream is accepted once by the transport-free intake into a migrated SQLite file. Each round copies that file
and hands its events to a fresh Processor in polls of --batch events, as the processors' subscriber does; only
the processor's time is counted. Run: `.venv/bin/python benchmarks/processors.py` (options: --stream,
--clients (demo), --messages (jw301), --batch, --rounds, --profile FILE for cProfile stats of every round,
--statements for one more, untimed round that counts the SQL statements sent per event: a figure that, unlike the
times, does not move with what else the machine runs).

--pad 0,9,39 measures the same events against stores grown to 1, 10 and 40 times the stream's own rows: each
padding copy is every intake row again under other keys (ids, clients, numbers, references), so no lookup of the
stream's events finds one, and each event's own history stays the same. That is how a store grows in service
(new clients), unlike a bigger --clients: the simulator's test range has about 900 BSNs, so beyond that its
stories come back to the same clients and each client's history grows with the stream. The observations each
pad stores must be the same; the script checks that.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import itertools
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pipeline import jw301_messages  # benchmarks/pipeline.py, next to this script
from sqlalchemy import event

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


def stream(name: str, messages: int, clients: int = 250) -> tuple[list[bytes], date]:
    """The messages of a stream, in order, and the day the intake judges them on."""
    if name == "jw301":
        return [m.data for m in jw301_messages(messages)], date.today()  # dated three weeks before today
    return [b.xml for b in Simulator(SimConfig(seed=1, clienten=clients), today=lambda: TOT).run()], TOT


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


# Padding: the columns that identify or refer to a row, shifted per copy. Text keys get a prefix, integer keys
# an offset; every other column is copied as it is. The monitor's tables are empty before a run.
TEXT_KEYS = frozenset({
    "id", "bericht_id", "ingetrokken_bericht_id", "verwijderd_bericht_id", "antwoord_bericht_id", "client",
    "identificatie", "referentie_aanbieder", "verzoek_referentie", "referentie_nummer", "vorig_referentie_nummer",
    "bepaling_id", "maatregel_id", "declaratie_nummer", "regio",
})  # fmt: skip
INT_KEYS = frozenset({"id", "toewijzing_nummer", "bepaling_ref", "start_ref", "declaratie_id"})
PAD_OFFSET = 10_000_000


def pad(path: Path, copies: int) -> None:
    """Add `copies` copies of every intake row under shifted keys (SQLite does not hold text to its length)."""
    with contextlib.closing(sqlite3.connect(path)) as db, db:  # closed: the copies see every row
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            if table.startswith(("alembic", "monitor_", "sqlite_")):
                continue
            columns = [
                (name, kind.upper()) for _, name, kind, *_ in db.execute(f"PRAGMA table_info({table})")
            ]
            names = ", ".join(name for name, _ in columns)
            (last,) = db.execute(
                f"SELECT coalesce(max(rowid), 0) FROM {table}"
            ).fetchone()  # the stream's own rows
            for k in range(1, copies + 1):
                values = ", ".join(
                    f"{name} + {k * PAD_OFFSET}" if name in INT_KEYS and kind.startswith(("INT", "BIGINT"))
                    else f"'p{k}:' || {name}" if name in TEXT_KEYS
                    else name
                    for name, kind in columns
                )  # fmt: skip
                db.execute(
                    f"INSERT INTO {table} ({names}) SELECT {values} FROM {table} WHERE rowid <= {last}"
                )


def observations(path: Path) -> list[tuple[object, ...]]:
    """What the processors stored, without the time they stored it: the same for every pad."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        return [
            *db.execute("SELECT fase, sleutel, regio, productcategorie, seconden, bericht_id FROM monitor_doorlooptijd"),
            *db.execute("SELECT norm, sleutel, uitkomst, regio, bericht_id FROM monitor_norm"),
            *db.execute("SELECT sleutel, reden, regio, productcategorie, bericht_id FROM monitor_beeindigd"),
            *db.execute("SELECT event_id, type, bericht_id FROM monitor_event"),
            *db.execute("SELECT id, bepaling_ref, status, onderwerp, identificatie, xml FROM gi_statusmelding"),
            *db.execute("SELECT bepaling_ref, verzoek_referentie, toewijzing_nummer, start_ref FROM gi_koppeling"),
        ]  # fmt: skip


def run_once(
    template: Path, workdir: Path, events: list[HubEvent], batch: int, profile: cProfile.Profile | None
) -> tuple[float, float, list[tuple[object, ...]]]:
    """Wall and CPU seconds the processor spends on every event, in polls of `batch`, on a fresh copy of the
    store; and the observations it stored."""
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
    stored = observations(copy)
    copy.unlink()
    return elapsed, cpu, sorted(stored, key=repr)


def statements(template: Path, workdir: Path, events: list[HubEvent], batch: int) -> int:
    """How many SQL statements (an executemany counted once) the processor sends for every event, in polls of
    `batch`, on a fresh copy of the store."""
    copy = workdir / "count.sqlite"
    shutil.copyfile(template, copy)
    engine = make_engine(f"sqlite:///{copy}")
    sent = itertools.count()
    event.listen(engine, "before_cursor_execute", lambda *_: next(sent))
    processor = Processor(session_factory(engine), Regios.from_file(), now=_ticking(), clock=lambda: TOT)
    for i in range(0, len(events), batch):
        assert all(processor.verwerk_batch(events[i : i + batch]))
    engine.dispose()
    copy.unlink()
    return next(sent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stream", choices=("demo", "jw301"), default="demo")
    parser.add_argument(
        "--clients", type=int, default=250, help="client stories of --stream demo (default 250)"
    )
    parser.add_argument("--messages", type=int, default=2000, help="JW301s of --stream jw301 (default 2000)")
    parser.add_argument("--pad", default="0", help="padding copies of the store, comma-separated (default 0)")
    parser.add_argument("--batch", type=int, default=50, help="events per poll (default 50)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", type=Path, help="write cProfile stats of every round to this file")
    parser.add_argument("--statements", action="store_true", help="also count SQL statements per event")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-processors-") as tmp:
        workdir = Path(tmp)
        accepted = workdir / "accepted.sqlite"
        events = accepted_store(accepted, *stream(args.stream, args.messages, args.clients))
        kinds = sorted({e.type for e in events})
        print(f"{len(events)} events ({len(kinds)} types), polls of {args.batch}, {args.rounds} rounds")
        profile = cProfile.Profile() if args.profile else None
        expected: list[tuple[object, ...]] | None = None
        for copies in (int(c) for c in args.pad.split(",")):
            template = workdir / f"padded-{copies}.sqlite"
            shutil.copyfile(accepted, template)
            pad(template, copies)
            times = []
            for _ in range(args.rounds):
                wall, cpu, stored = run_once(template, workdir, events, args.batch, profile)
                times.append((wall, cpu))
                expected = stored if expected is None else expected
                assert stored == expected, f"pad {copies}: other observations than the first run"
            if args.statements:
                sent = statements(template, workdir, events, args.batch)
                print(f"store x{copies + 1:<3} SQL statements per event: {sent / len(events):.2f}")
            template.unlink()
            # CPU time is what the code costs; wall time adds the commits' fsync and whatever else the machine runs.
            for label, seconds in (("wall", [w for w, _ in times]), ("cpu", [c for _, c in times])):
                per_event = [t / len(events) * 1e6 for t in seconds]
                print(
                    f"store x{copies + 1:<3} {label:4} per event: median {statistics.median(per_event):4.0f} µs, "
                    f"best {min(per_event):4.0f} µs"
                )
        if profile is not None and args.profile is not None:
            profile.dump_stats(args.profile)


if __name__ == "__main__":
    main()
