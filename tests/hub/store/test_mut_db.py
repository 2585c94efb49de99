"""hub.store.db, pinned where the mutation pass found it free: what a store failure becomes, what the engines do
with connections and logs, and what a session and `run` leave usable."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError
from sqlmodel import col

from hub.configuration import MASK
from hub.errors import ConfigError, TransientError
from hub.store import audit
from hub.store.db import (
    alembic_config,
    make_engine,
    run,
    session_factory,
    transient_failures,
    upgrade,
    wait_until_current,
)
from hub.store.tables import BerichtRecord
from tools.postgres import POSTGRES_ADMIN

BSN = "999990019"  # elfproef-valid, of nobody


@pytest.mark.parametrize(
    "failure",
    [
        OperationalError("UPDATE ...", {}, Exception("database is locked")),
        InterfaceError("SELECT ...", {}, Exception("connection already closed")),
    ],
)
def test_a_connection_level_failure_is_transient(failure: SQLAlchemyError) -> None:
    """The consumer retries the batch instead of dead-lettering valid messages."""
    with pytest.raises(TransientError) as raised, transient_failures():
        raise failure
    assert raised.value.__cause__ is failure


def test_other_store_errors_and_success_pass_through_unchanged() -> None:
    failure = IntegrityError("INSERT ...", {}, Exception("duplicate key"))
    with pytest.raises(IntegrityError) as raised, transient_failures():
        raise failure
    assert raised.value is failure
    done = []
    with transient_failures():
        done.append(True)
    assert done == [True]


def test_a_failed_statement_never_quotes_its_parameters(db: Engine) -> None:
    """An error's text may reach a log line: it names the statement, never a message's data such as a BSN."""
    with pytest.raises(SQLAlchemyError) as raised, db.connect() as conn:
        conn.execute(text("SELEKT :bsn"), {"bsn": BSN})
    assert BSN not in str(raised.value)


def test_the_store_logs_no_sql(db: Engine, caplog: pytest.LogCaptureFixture) -> None:
    """The engines do not echo their statements into the hub's log at INFO."""
    caplog.set_level(logging.DEBUG)
    url = db.url.render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        engine.dispose()
    assert [r for r in caplog.records if r.name.startswith("sqlalchemy")] == []


@pytest.mark.postgres
def test_a_postgresql_connection_the_server_dropped_is_replaced_at_checkout(postgres_engine: Engine) -> None:
    """docs/operations.md: after a server restart the pooled connections are dead; the next checkout finds that
    out and connects anew instead of failing a message."""
    engine = make_engine(postgres_engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()


def test_rows_stay_readable_after_commit_and_close(db: Engine) -> None:
    """The intake publishes from the rows it committed, after its session has closed."""
    with session_factory(db)() as session:
        row = audit.record(session, content_hash="a" * 64, outcome="malformed")
        session.commit()
    assert (row.outcome, row.content_hash) == ("malformed", "a" * 64)


def test_run_sees_the_rows_the_session_has_not_flushed_yet(db: Engine) -> None:
    """As the ORM's autoflush would: a plain query through `run` finds a row only added to the session."""
    with session_factory(db)() as session:
        session.add(
            BerichtRecord(
                id="b" * 32,
                content_hash="b" * 64,
                outcome="malformed",
                error_codes=[],
                received_at=datetime(2026, 12, 6, tzinfo=UTC),
            )
        )
        found = run(session, select(col(BerichtRecord.id)), {}).scalars().all()
    assert found == ["b" * 32]


def test_an_unreachable_database_is_named_with_the_drivers_own_first_line() -> None:
    """`hub run` and `hub db upgrade` end with one line that says which database (password masked) and why."""
    with pytest.raises(ConfigError) as raised:
        upgrade("postgresql+psycopg://hub:geheim@127.0.0.1:1/hub")  # nothing listens on port 1
    assert str(raised.value) == (
        f"cannot open the database postgresql+psycopg://hub:{MASK}@127.0.0.1:1/hub: connection failed: "
        'connection to server at "127.0.0.1", port 1 failed: Connection refused'
    )


def test_an_unreachable_database_has_a_password_in_its_query_masked_too() -> None:
    with pytest.raises(ConfigError) as raised:
        upgrade("postgresql+psycopg://hub@127.0.0.1:1/hub?sslmode=disable&password=geheim")
    assert str(raised.value).startswith(  # SQLAlchemy sorts the query
        f"cannot open the database postgresql+psycopg://hub@127.0.0.1:1/hub?password={MASK}&sslmode=disable: "
    )


def test_a_url_parameter_the_driver_refuses_is_a_setting_to_fix_not_an_internal_error() -> None:
    # psycopg raises a ProgrammingError for it, before any connection: `hub db upgrade` said "internal error".
    with pytest.raises(ConfigError) as raised:
        upgrade("postgresql+psycopg://hub:geheim@127.0.0.1:1/hub?connect_timeout=abc")
    assert str(raised.value) == (
        f"cannot open the database postgresql+psycopg://hub:{MASK}@127.0.0.1:1/hub?connect_timeout=abc: "
        "bad value for connect_timeout: 'abc'"
    )


def test_leaving_a_later_releases_schema_alone_is_logged(
    db: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hub.store")
    [head] = ScriptDirectory.from_config(alembic_config()).get_heads()
    try:
        with db.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999_a_later_release'"))
        assert upgrade(db) is False
    finally:
        with db.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    [said] = [r for r in caplog.records if r.name == "hub.store"]
    assert said.getMessage() == "database is at a later release's revision; left as it is"
    assert said.revision == ["9999_a_later_release"]  # type: ignore[attr-defined]


async def test_waiting_for_an_unreachable_database_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    """The consumers wait for a store that is down; the log says so once, not at every check."""
    caplog.set_level(logging.INFO, logger="hub.store")
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    waiting = asyncio.create_task(wait_until_current(engine, interval=0.01, max_interval=0.02))
    try:
        await asyncio.sleep(0.3)  # many checks, each refused at once
        assert not waiting.done()
    finally:
        waiting.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiting
        engine.dispose()
    [said] = [r for r in caplog.records if r.name == "hub.store"]
    assert said.getMessage() == "database unreachable; the consumers wait for it"
    assert said.levelno == logging.WARNING and said.error == "OperationalError"  # type: ignore[attr-defined]


async def test_the_wait_for_the_store_backs_off_to_its_longest_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A store that stays down is checked ever less often, up to max_interval: not hammered by every replica."""
    pauses: list[float] = []

    def down(engine: Engine) -> tuple[set[str], set[str]]:
        raise OperationalError("SELECT ...", {}, Exception("connection refused"))

    async def pause(seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 5:
            raise asyncio.CancelledError

    monkeypatch.setattr("hub.store.db.revisions", down)
    monkeypatch.setattr("hub.store.db.asyncio.sleep", pause)
    with pytest.raises(asyncio.CancelledError):
        await wait_until_current(make_engine("sqlite://"), interval=1.0, max_interval=5.0)
    assert pauses == [1.0, 2.0, 4.0, 5.0, 5.0]


async def test_waiting_for_the_schema_logs_the_revisions_it_found_and_waits_for(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hub.store")
    [head] = ScriptDirectory.from_config(alembic_config()).get_heads()
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    try:
        waiting = asyncio.create_task(wait_until_current(engine, interval=0.01, max_interval=0.02))
        while not [r for r in caplog.records if r.name == "hub.store"]:
            await asyncio.sleep(0.01)
        await asyncio.to_thread(upgrade, engine)
        await asyncio.wait_for(waiting, timeout=30)
    finally:
        engine.dispose()
    behind, current = [r for r in caplog.records if r.name == "hub.store"]
    assert (behind.revision, behind.head) == ([], [head])  # type: ignore[attr-defined]
    assert current.revision == [head]  # type: ignore[attr-defined]
