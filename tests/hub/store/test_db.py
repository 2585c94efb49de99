"""Engines and migrations: the migrated schema is the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait
from datetime import date, time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

from hub.store import audit
from hub.store.db import MIGRATION_LOCK, is_current, make_engine, session_factory, upgrade
from hub.store.tables import ToewijzingRecord


def test_migrations_reach_head(db: Engine) -> None:
    assert is_current(db)
    tables = set(inspect(db).get_table_names())
    assert {t.name for t in SQLModel.metadata.sorted_tables} | {"alembic_version"} == tables


def test_migrated_schema_equals_the_models(db: Engine) -> None:
    with db.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []


def test_upgrade_twice_is_harmless(db: Engine) -> None:
    upgrade(db)
    assert is_current(db)


def test_fresh_database_is_not_current_until_upgraded(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    try:
        assert not is_current(engine)
        upgrade(engine)
        assert is_current(engine)
    finally:
        engine.dispose()


def test_unreachable_database_is_not_current() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    assert not is_current(engine)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_state_rows_must_name_a_recorded_message(db: Engine) -> None:
    row = ToewijzingRecord(
        gemeente="0200",
        aanbieder="12345678",
        client="0" * 64,
        toewijzing_nummer=1,
        ingangsdatum=date(2026, 10, 1),
        toewijzingsdatum=date(2026, 10, 1),
        toewijzingstijd=time(10, 0),
        bericht_id="f" * 32,
    )
    with session_factory(db)() as session:
        session.add(row)
        with pytest.raises(IntegrityError):
            session.flush()


def test_sessions_keep_rows_usable_after_commit(session: Session) -> None:
    row = audit.record(session, content_hash="a" * 64, outcome="malformed")
    session.commit()
    assert row.outcome == "malformed"  # no refresh needed: expire_on_commit is off


@pytest.mark.postgres
def test_upgrade_waits_for_the_migration_lock(postgres_engine: Engine) -> None:
    # Replicas starting together: while one holds the lock, another's upgrade waits instead of racing it.
    with postgres_engine.connect() as holder, ThreadPoolExecutor(1) as pool:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        pending = pool.submit(upgrade, postgres_engine)
        assert not wait([pending], timeout=0.3).done
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
        holder.commit()
        pending.result(timeout=10)
    assert is_current(postgres_engine)
