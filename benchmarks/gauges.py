"""Scrape cost of the domain gauges in ms: each gauge query and a whole /metrics scrape.

The gauge queries are those of hub/store/gauges.py and hub/store/gi_monitor.py. The store is `make demo`'s kind
of history grown to --clients client stories (Simulator seed 1, iJw and GI traffic), accepted by the
transport-free intake and handed to the processors, into a SQLite file (kept at --store and reused when it
exists: a 20,000-client store takes minutes to build); with --database postgresql it is copied into a new
PostgreSQL database, analysed, and dropped afterwards. Each query runs --rounds times as of the day the stream
ends; the last line is a scrape served from the copy the replicas share (HUB_DOMAIN_METRICS_MAX_AGE_SECONDS).
Run: `.venv/bin/python benchmarks/gauges.py --clients 20000 --store /tmp/gauges.sqlite`
(options: --database sqlite|postgresql, --rounds).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from processors import TOT, _ticking, accepted_store  # benchmarks/processors.py, next to this script
from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, SQLModel
from stores import throwaway_postgres  # benchmarks/stores.py, next to this script

from hub.monitor.collector import MonitorCollector
from hub.monitor.gi import NORM_DATUMS
from hub.monitor.norms import ANTWOORD_VERZOEK, boven_norm_grens, termijn_grens
from hub.monitor.processor import Processor
from hub.monitor.registry import Regios, load_plugins
from hub.store import gauges, gi_monitor
from hub.store.db import make_engine, session_factory, upgrade
from hub.store.tables import ToewijzingRecord
from hub.synth.simulate import SimConfig, Simulator

POLL = 200
T = ToewijzingRecord.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__


def build_store(path: Path, clients: int) -> None:
    """Simulated traffic of `clients` client stories through the intake and the processors into a SQLite file."""
    berichten = [b.xml for b in Simulator(SimConfig(seed=1, clienten=clients), today=lambda: TOT).run()]
    events = accepted_store(path, berichten, TOT)
    engine = make_engine(f"sqlite:///{path}")
    processor = Processor(session_factory(engine), Regios.from_file(), now=_ticking(), clock=lambda: TOT)
    for start in range(0, len(events), POLL):
        assert all(processor.verwerk_batch(events[start : start + POLL]))
    engine.dispose()


@contextlib.contextmanager
def store(path: Path, database: str) -> Iterator[Engine]:
    """The SQLite file itself, or a new PostgreSQL database holding a copy of it (dropped afterwards)."""
    upgrade(f"sqlite:///{path}")  # a store kept from an earlier schema
    source = make_engine(f"sqlite:///{path}")
    if database == "sqlite":
        try:
            yield source
        finally:
            source.dispose()
        return
    try:
        with throwaway_postgres("bench_gauges") as engine:
            with source.connect() as src, engine.begin() as dst:
                for table in SQLModel.metadata.sorted_tables:
                    rows = [dict(row._mapping) for row in src.execute(table.select())]
                    for start in range(0, len(rows), 5000):
                        dst.execute(table.insert(), rows[start : start + 5000])
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")  # as autovacuum would have by the time anyone scrapes
            yield engine
    finally:
        source.dispose()


def queries(engine: Engine) -> dict[str, Callable[[], Any]]:
    """Every gauge query as the scrape runs it, and the whole scrape."""
    sessions = session_factory(engine)
    grens = boven_norm_grens(TOT)
    termijnen = {veld: termijn_grens(norm, TOT) for norm, veld in NORM_DATUMS}
    # As of a month before the stream ends, the answers of that month are dated after the day: each such request
    # is judged by facts.eerste_antwoord, the slow path of an --as-of in the past.
    eerder = TOT - timedelta(days=30)

    def in_session(fn: Callable[[Session], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with sessions() as session:
                return fn(session)

        return run

    registry = CollectorRegistry()
    registry.register(MonitorCollector(sessions, Regios.from_file(), clock=lambda: TOT))
    # With HUB_DOMAIN_METRICS_MAX_AGE_SECONDS: computed and kept once here, then every round serves the copy.
    shared = CollectorRegistry()
    shared.register(MonitorCollector(sessions, Regios.from_file(), clock=lambda: TOT, max_age=3600))
    generate_latest(shared)
    return {
        "wachtende_verzoeken": in_session(lambda s: gauges.wachtende_verzoeken(s, TOT, grens)),
        "wachtende_toewijzingen": in_session(lambda s: gauges.wachtende_toewijzingen(s, TOT, grens)),
        "in_zorg": in_session(lambda s: gauges.in_zorg(s, TOT)),
        "onbeantwoorde_verzoeken": in_session(
            lambda s: gauges.onbeantwoorde_verzoeken(s, TOT, termijn_grens(ANTWOORD_VERZOEK, TOT))
        ),
        "  as of 30 days before": in_session(
            lambda s: gauges.onbeantwoorde_verzoeken(s, eerder, termijn_grens(ANTWOORD_VERZOEK, eerder))
        ),
        "wachtende_bepalingen (GI)": in_session(lambda s: gi_monitor.wachtende_bepalingen(s, TOT, grens)),
        "wachtende_maatregelen (GI)": in_session(
            lambda s: gi_monitor.wachtende_maatregelen(s, TOT, termijnen)
        ),
        "whole scrape": lambda: generate_latest(registry),
        "whole scrape, kept copy": lambda: generate_latest(shared),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clients", type=int, default=2000, help="client stories of the simulation (default 2000)"
    )
    parser.add_argument(
        "--store", type=Path, required=True, help="the SQLite file: built when missing, else reused"
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    load_plugins()  # the GI pipeline's chain origins join the gauges, as in a running hub
    if not args.store.exists():
        build_store(args.store, args.clients)
    with store(args.store, args.database) as engine:
        with engine.connect() as conn:
            versies = conn.execute(select(func.count()).select_from(T)).scalar_one()
            nummers = select(T.c.gemeente, T.c.toewijzing_nummer).distinct().subquery()
            toewijzingen = conn.execute(select(func.count()).select_from(nummers)).scalar_one()
        print(
            f"{args.database}: {toewijzingen} toewijzingen ({versies} versions), as of {TOT}, {args.rounds} rounds"
        )
        for name, run in queries(engine).items():
            times = []
            for _ in range(args.rounds):
                start = time.perf_counter()
                run()
                times.append((time.perf_counter() - start) * 1000)
            print(f"  {name:27} median {statistics.median(times):8.1f} ms, best {min(times):8.1f} ms")


if __name__ == "__main__":
    main()
