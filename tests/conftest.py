"""Shared fixtures: one embedded Tansu broker per test session, unique topic names per test, and the `db` store.

PostgreSQL gets one throwaway database per test session (random name, dropped at the end), emptied before
every test; SQLite gets a copy of a once-migrated file per test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel

from consumers.embedded import EmbeddedBroker
from hub.reference import gemeenten as gemeentelijst
from hub.store.db import make_engine, session_factory, upgrade
from tools.postgres import throwaway_postgres  # shared with the benchmarks


def _tansu_children() -> list[int]:
    """Pids of live tansu processes whose parent is this test process."""
    pids: list[int] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name is in parentheses and may contain spaces; the fields after it are fixed.
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        state, ppid = text[text.rindex(")") + 2 :].split()[:2]
        if name == "tansu" and int(ppid) == os.getpid() and state != "Z":
            pids.append(int(stat.parent.name))
    return pids


@pytest.fixture(scope="session")
def tansu() -> Iterator[EmbeddedBroker]:
    """A Tansu broker on a free loopback port, shared by every `kafka` test; no process outlives the session."""
    broker = EmbeddedBroker().start()
    pid = broker.pid
    try:
        yield broker
    finally:
        broker.stop()
        assert not Path(f"/proc/{pid}").exists(), f"tansu (pid {pid}) is still running"
        assert _tansu_children() == [], "a tansu process was left behind"


@pytest.fixture
def topic_prefix() -> str:
    """A topic prefix no other test uses, so tests sharing the session broker never see each other's messages."""
    return f"test-{uuid.uuid4().hex[:12]}."


# ---- the store: a migrated, empty database on SQLite (a temp file) and on PostgreSQL (127.0.0.1:5432) ----


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "template.sqlite"
    upgrade(f"sqlite:///{path}")  # disposes its engine: the WAL is checkpointed into the file
    return path


@pytest.fixture(autouse=True)
def shipped_gemeente_list() -> Iterator[None]:
    """Each test starts and ends with the shipped gemeente list in use (`hub validate --gemeenten` in a CliRunner
    and the app's start-up choose the process's list)."""
    gemeentelijst.gebruik(None)
    yield
    gemeentelijst.gebruik(None)


@pytest.fixture
def no_hub_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No HUB_* variable of the developer's shell or CI reaches the settings a test builds."""
    for name in [name for name in os.environ if name.startswith("HUB_")]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    with throwaway_postgres("ijw_hub_test") as engine:
        yield engine


def _empty(engine: Engine) -> None:
    # DELETE beats TRUNCATE on a handful of rows: TRUNCATE rewrites every table's files.
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest) -> Engine:
    """A migrated, empty store engine."""
    if request.param == "postgresql":
        engine: Engine = request.getfixturevalue("postgres_engine")
        _empty(engine)
        return engine
    sqlite: Engine = request.getfixturevalue("sqlite_db")
    return sqlite


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty SQLite store of this test's own: for tests about SQLite alone (its query plans)."""
    path = tmp_path / "hub.sqlite"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def session(db: Engine) -> Iterator[Session]:
    with session_factory(db)() as s:
        yield s
