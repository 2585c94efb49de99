"""Engines and migrations: the migrated schema is the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlmodel import Session, SQLModel, col

from hub.errors import ConfigError
from hub.store import audit
from hub.store.db import (
    MIGRATION_LOCK,
    alembic_config,
    is_current,
    make_engine,
    run,
    serves,
    session_factory,
    upgrade,
    wait_until_current,
)
from hub.store.monitor_tables import VerwerktEventRecord
from hub.store.tables import BerichtRecord, DeclaratieRecord, PrestatieRecord, ToewijzingRecord
from tools.postgres import throwaway_database


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("nosuchdialect://x", "nosuchdialect://x"),
        (
            "postgresql+psycopg://hub:geheim@[::1/hub",
            "postgresql+psycopg://hub:********@[::1/hub",
        ),  # unclosed [
        ("postgresql+psycopg://hub:geheim@db:port/hub", "postgresql+psycopg://hub:********@db:port/hub"),
    ],
)
def test_an_unusable_url_is_a_config_error_naming_it_without_its_password(url: str, shown: str) -> None:
    with pytest.raises(ConfigError, match=rf"^database URL {re.escape(shown)} is not usable: "):
        make_engine(url)


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


def test_an_insert_refuses_a_row_key_that_names_no_column(session: Session) -> None:
    # An executemany insert would drop the key and store NULL (a misspelt `verwerkt_op` here): it is refused.
    row = {"event_id": "e" * 36, "type": "toewijzing", "bericht_id": None, "verwerkt_op": datetime.now(UTC)}
    misspelt = {**{k: v for k, v in row.items() if k != "verwerkt_op"}, "verwerkt": row["verwerkt_op"]}
    statement = insert(VerwerktEventRecord)
    with pytest.raises(ValueError, match=r"^insert into monitor_event: no column named verwerkt$"):
        run(session, statement, [misspelt])
    run(session, statement, [row])
    run(session, statement, [{**row, "event_id": "f" * 36}])  # the checked keys again
    assert session.scalars(select(col(VerwerktEventRecord.event_id))).all() == ["e" * 36, "f" * 36]


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


@pytest.fixture(params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)])
def unmigrated(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on a new database that no migration has touched (`hub db upgrade` not yet run)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
        yield engine
        engine.dispose()
        return
    with throwaway_database("ijw_hub_unmigrated") as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


def test_a_missing_table_is_an_operational_error_without_its_parameters(unmigrated: Engine) -> None:
    """What every consumer retries (PostgreSQL says ProgrammingError by itself), never quoting a message's data."""
    with pytest.raises(OperationalError) as raised, Session(unmigrated) as session:
        session.execute(select(col(BerichtRecord.id)).where(col(BerichtRecord.id) == "999999990"))
    assert "999999990" not in str(raised.value)


@pytest.mark.postgres
def test_a_missing_column_is_an_operational_error(postgres_engine: Engine) -> None:
    with pytest.raises(OperationalError), postgres_engine.connect() as conn:
        conn.execute(text("SELECT no_such_column FROM bericht"))


@pytest.mark.postgres
def test_other_programming_errors_stay_what_they_are(postgres_engine: Engine) -> None:
    """Only a schema behind the code is transient; a broken statement is not retried for ever."""
    with pytest.raises(ProgrammingError), postgres_engine.connect() as conn:
        conn.execute(text("SELEKT 1"))


async def test_waiting_for_the_schema_ends_after_the_upgrade(
    unmigrated: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hub.store")
    waiting = asyncio.create_task(wait_until_current(unmigrated, interval=0.01, max_interval=0.05))
    while not any("not at the newest migration" in r.getMessage() for r in caplog.records):
        assert not waiting.done()
        await asyncio.sleep(0.01)
    assert not waiting.done()
    await asyncio.to_thread(upgrade, unmigrated)
    await asyncio.wait_for(waiting, timeout=30)
    said = [r.getMessage() for r in caplog.records if r.name == "hub.store"]
    assert len(said) == 2 and said[1] == "database schema is current; the consumers start"  # once per state


async def test_waiting_for_a_current_schema_returns_at_once_and_says_nothing(
    db: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="hub.store")
    await asyncio.wait_for(wait_until_current(db), timeout=30)
    assert not [r for r in caplog.records if r.name == "hub.store"]


def test_migration_0006_0008_and_0009_indexes_go_down_and_up(db: Engine) -> None:
    """The lookup indexes of 0006, 0008 and 0009 are dropped by their downgrades and made again by the upgrade, on
    both backends."""
    added = {
        "ix_toewijzing_client_gemeente",
        "ix_verzoek_client_gemeente",
        "ix_startregel_client_gemeente",
        "ix_gi_bepaling_bepaling_id",
        "ix_declaratie_bericht_id",
    }
    later = {"ix_stopregel_bericht_id", "ix_bericht_client_bericht"}  # migrations 0008 and 0009

    def indexes(connection: Any) -> set[str]:
        found = inspect(connection)
        return {i["name"] for t in found.get_table_names() for i in found.get_indexes(t) if i["name"]}

    with db.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        assert added | later <= indexes(connection)
        assert "ix_bericht_client" not in indexes(connection)  # 0009: a prefix of ix_bericht_client_bericht
        command.downgrade(cfg, "0005")
        assert not (added | later) & indexes(connection)
        assert "ix_bericht_client" in indexes(connection)
        command.upgrade(cfg, "head")
        assert added | later <= indexes(connection)
        assert "ix_bericht_client" not in indexes(connection)
    assert is_current(db)


def test_migration_0007_columns_go_down_and_up(db: Engine) -> None:
    """The JW323's XsdVersie columns of 0007 are dropped in place by its downgrade and added again by the upgrade."""
    added = {"basisschema_xsd_versie", "bericht_xsd_versie"}
    with db.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        assert added <= {c["name"] for c in inspect(connection).get_columns("declaratie")}
        command.downgrade(cfg, "0006")
        assert not added & {c["name"] for c in inspect(connection).get_columns("declaratie")}
        command.upgrade(cfg, "head")
        assert added <= {c["name"] for c in inspect(connection).get_columns("declaratie")}
    assert is_current(db)


def test_migration_0010_widens_columns_with_rows_and_their_references_kept(db: Engine) -> None:
    """0010 changes column types (SQLite by a batch rebuild of `declaratie`, which prestaties refer to): the rows
    and the foreign keys survive going down and up, and a long XsdVersie fits afterwards."""
    with Session(db) as session:
        session.add(
            BerichtRecord(
                id="m" * 32,
                bericht="JW323",
                content_hash="0" * 64,
                outcome="accepted",
                error_codes=[],
                received_at=datetime(2026, 12, 6, tzinfo=UTC),
            )
        )
        session.flush()
        declaratie = DeclaratieRecord(
            aanbieder="12345678",
            gemeente="0200",
            declaratie_nummer="D1",
            periode_begin=date(2026, 10, 1),
            periode_eind=date(2026, 10, 31),
            declaratie_dagtekening=date(2026, 11, 2),
            basisschema_xsd_versie="1.0.0",
            bericht_xsd_versie="1.0.0",
            bericht_id="m" * 32,
        )
        session.add(declaratie)
        session.flush()
        assert declaratie.id is not None
        session.add(
            PrestatieRecord(
                declaratie_id=declaratie.id,
                aanbieder="12345678",
                gemeente="0200",
                client="c" * 64,
                referentie_nummer="P1",
                toewijzing_nummer=1,
                categorie="45",
                code="45A01",
                begindatum=date(2026, 10, 1),
                einddatum=date(2026, 10, 31),
                volume=1,
                eenheid="04",
                bedrag=100,
                debet=True,
            )
        )
        session.commit()
    with db.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0009")
        command.upgrade(cfg, "head")
    assert is_current(db)
    lang = "1" * 30 + ".0.0"
    with Session(db) as session:
        [(declaratie_id, versie)] = session.execute(
            select(col(DeclaratieRecord.id), col(DeclaratieRecord.bericht_xsd_versie))
        )
        assert versie == "1.0.0"
        assert session.execute(select(col(PrestatieRecord.declaratie_id))).scalars().all() == [declaratie_id]
        session.execute(text("UPDATE declaratie SET bericht_xsd_versie = :v"), {"v": lang})
        session.commit()
        assert session.execute(select(col(DeclaratieRecord.bericht_xsd_versie))).scalar_one() == lang
    if db.dialect.name == "sqlite":
        with db.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []


def test_a_postgresql_engine_pools_up_to_15_connections() -> None:
    """docs/operations.md, section 3: 5 connections plus 10 overflow per process, for sizing max_connections."""
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")  # never connects
    try:
        # Size() and _max_overflow are QueuePool's, which Pool does not declare.
        assert (engine.pool.size(), engine.pool._max_overflow) == (5, 10)  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def test_migration_0011_stops_on_identities_accepted_twice_and_names_them(db: Engine) -> None:
    """Before 0011 two racing intakes could accept two messages with one Identificatie; the upgrade names them
    instead of failing on the index, and goes through once an operator kept one."""

    def accepted(bericht_id: str, content_hash: str) -> BerichtRecord:
        return BerichtRecord(
            id=bericht_id,
            bericht="JW305",
            afzender="12345678",
            identificatie="ID1",
            content_hash=content_hash,
            outcome="accepted",
            error_codes=[],
            received_at=datetime(2026, 12, 6, tzinfo=UTC),
        )

    with db.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0010")
    with Session(db) as session:
        session.add_all([accepted("a" * 32, "1" * 64), accepted("b" * 32, "2" * 64)])
        session.commit()
    with (
        pytest.raises(RuntimeError, match=r"migration 0011: 1 sender identities .*12345678/JW305/ID1 \(2x\)"),
        db.begin() as connection,
    ):
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    assert not is_current(db)
    with Session(db) as session:
        session.execute(text("UPDATE bericht SET outcome = 'rejected' WHERE id = :id"), {"id": "b" * 32})
        session.commit()
    with db.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    assert is_current(db)


def test_a_schema_of_a_later_release_serves_and_an_older_one_does_not(db: Engine) -> None:
    """A later release migrates before it rolls out: this release's pods stay ready (and consume) until they are
    replaced. A schema behind this code's head does not serve."""
    [head] = ScriptDirectory.from_config(alembic_config()).get_heads()
    older = ScriptDirectory.from_config(alembic_config()).get_revision(head).down_revision
    assert isinstance(older, str)
    assert serves({"9999_a_later_release"}, {head})
    assert not serves({older}, {head})  # one of ours, behind
    assert not serves(set(), {head})  # never migrated
    try:
        with db.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '9999_a_later_release'"))
        assert is_current(db)
        asyncio.run(asyncio.wait_for(wait_until_current(db), timeout=5))  # the consumers start at once
        # Migrating at start (or `hub db upgrade` of this release) leaves it alone: Alembic would not find it.
        assert upgrade(db) is False
        with db.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
                "9999_a_later_release"
            )
    finally:
        with db.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert is_current(db)
