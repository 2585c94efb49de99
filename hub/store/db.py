"""Engines, sessions and schema migrations for the hub's store: SQLite by default, PostgreSQL in production.

The caller owns the transaction: store functions add and flush but never commit, so an intake can write the
message identity, its audit record and the state it changes in one commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import CursorResult, Engine, Executable, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

DEFAULT_URL = "sqlite:///hub.sqlite"
MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x696A_7768_7562  # "ijwhub": the advisory lock key that serialises upgrades on PostgreSQL


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (readyz, track and trace) run while the intake writes; SQLite leaves foreign keys off
    # unless asked, per connection.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def make_engine(url: str = DEFAULT_URL, *, echo: bool = False) -> Engine:
    """An engine for a SQLite file ("sqlite:///hub.sqlite") or PostgreSQL ("postgresql+psycopg://...")."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # pre_ping: a server restart must cost one retried checkout, not a failed message.
    return create_engine(url, echo=echo, pool_pre_ping=True)


SessionFactory: TypeAlias = sessionmaker[Session]


def session_factory(engine: Engine) -> SessionFactory:
    """Sessions that keep loaded rows usable after commit (the intake publishes from them afterwards)."""
    return sessionmaker(engine, class_=Session, expire_on_commit=False)


def run(
    session: Session, statement: Executable, params: Mapping[str, Any] | Sequence[Mapping[str, Any]]
) -> CursorResult[*tuple[Any, ...]]:
    """Run a column query or a plain insert on the session's connection, in its transaction.

    Skips the ORM's per-execution machinery, which buys nothing when no entity is loaded or tracked (it cost
    about as much as the query itself). Flushes first, as the ORM's autoflush would: pending rows are seen, and
    rows an insert refers to are written before it.
    """
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, params)


def alembic_config() -> Config:
    """The migration settings, built in code: an installed hub needs no alembic.ini."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(url: str | Engine, revision: str = "head") -> None:
    """Apply the migrations up to `revision` (`hub db upgrade`, and at start-up)."""
    engine = make_engine(url) if isinstance(url, str) else url
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Replicas starting together: one migrates, the others wait and then find head.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            cfg = alembic_config()
            # Hand over the connection rather than the URL: no configparser escaping of passwords with "%".
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    finally:
        if isinstance(url, str):
            engine.dispose()


def is_current(engine: Engine) -> bool:
    """True when the database is reachable and migrated to head (for /readyz)."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError:
        return False
    return current == heads
