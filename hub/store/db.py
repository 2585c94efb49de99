"""Engines, sessions and schema migrations for the hub's store: SQLite by default, PostgreSQL in production.

The caller owns the transaction: store functions add and flush but never commit, so an intake can write the
message identity, its audit record and the state it changes in one commit.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeAlias

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import BindParameter, CursorResult, Engine, Executable, bindparam, create_engine, event, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.sql.dml import Insert
from sqlmodel import Session

from hub.configuration import mask_url
from hub.errors import ConfigError, TransientError

DEFAULT_URL = "sqlite:///hub.sqlite"
MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x696A_7768_7562  # "ijwhub": the advisory lock key that serialises upgrades on PostgreSQL
# PostgreSQL's undefined_table and undefined_column: the schema is behind the code (`hub db upgrade` pending).
SCHEMA_BEHIND = frozenset({"42P01", "42703"})

log = logging.getLogger("hub.store")


@contextmanager
def transient_failures() -> Iterator[None]:
    """Connection-level store failures raise TransientError: the caller retries instead of dropping a message.

    Also SQLite's "database is locked" when another writer won the race.
    """
    try:
        yield
    except (OperationalError, InterfaceError) as exc:
        raise TransientError("store unavailable") from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (readyz, track and trace) run while the intake writes; SQLite leaves foreign keys off
    # unless asked, per connection. secure_delete zeroes what a DELETE or a shrinking UPDATE frees: a purged
    # retour (BSN, name) or a published spool row must leave the file, not linger in a free page until reused.
    # Some builds (Debian's) default to it, SQLite's own does not; this does not depend on the build.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
    finally:
        cursor.close()


def make_engine(url: str = DEFAULT_URL, *, echo: bool = False) -> Engine:
    """An engine for a SQLite file ("sqlite:///hub.sqlite") or PostgreSQL ("postgresql+psycopg://...").

    Raises ConfigError for a URL SQLAlchemy cannot use (unknown dialect, missing driver, malformed).
    """
    # hide_parameters: an error's text (which may reach a log line) never quotes a message's data, such as a BSN.
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, echo=echo, hide_parameters=True)
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        # pre_ping: a server restart must cost one retried checkout, not a failed message.
        engine = create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)
    except (ArgumentError, ImportError, ValueError) as exc:  # ValueError: a port SQLAlchemy cannot read
        raise ConfigError(f"database URL {mask_url(url)} is not usable: {exc}") from None
    event.listen(engine, "handle_error", _schema_behind, retval=True)
    return engine


def _schema_behind(context: ExceptionContext) -> BaseException | None:
    """A missing table or column is raised as an OperationalError, as SQLite's "no such table" already is.

    It is the database's state, not the message's: the migrations have not run yet. Every caller treats an
    OperationalError as transient and retries, where a ProgrammingError would dead-letter a valid message.
    """
    original = context.original_exception
    if getattr(original, "sqlstate", None) not in SCHEMA_BEHIND or isinstance(
        context.sqlalchemy_exception, OperationalError
    ):
        return None
    return OperationalError(context.statement, context.parameters, original, hide_parameters=True)


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
    if isinstance(statement, Insert) and isinstance(params, Sequence) and params:
        _check_columns(statement, params[0])
    return session.connection().execute(statement, params)


# The (table, keys) of rows already checked: a handful, one per place that inserts rows.
_CHECKED: set[tuple[str, frozenset[str]]] = set()


def _check_columns(statement: Insert, row: Mapping[str, Any]) -> None:
    """Refuse a row key that names no column: an executemany insert drops it silently, storing NULL instead."""
    checked = (statement.table.name, frozenset(row))
    if checked in _CHECKED:
        return
    unknown = checked[1].difference(statement.table.c.keys())
    if unknown:
        raise ValueError(f"insert into {checked[0]}: no column named {', '.join(sorted(unknown))}")
    _CHECKED.add(checked)


# The fixed lengths of an InQuery's IN lists; a longer list takes an expanding parameter.
IN_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
InList: TypeAlias = list[BindParameter[Any]] | BindParameter[Any]


class InQuery:
    """A statement whose IN lists have a fixed number of bind parameters, built (and compiled) once per length.

    An expanding parameter is rendered into the SQL on every execution, which cost about as much as the rest of
    a small query. Here a list is padded with its last value to the next length in IN_SIZES (a value twice in an
    IN list changes nothing), so a few statements serve every call: each is compiled once, and psycopg keeps it
    prepared on PostgreSQL. `lists` names each list and the column whose type its values take; `build` takes each
    list as a keyword (None where the call's parameters lack it: the statement's shape).
    """

    def __init__(self, build: Callable[..., Executable], **lists: Any) -> None:
        self._build = build
        self._types = {name: column.type for name, column in lists.items()}
        self._statements: dict[tuple[int | None, ...], Executable] = {}

    def run(self, session: Session, params: Mapping[str, Any]) -> CursorResult[*tuple[Any, ...]]:
        """`run` the statement; `params` holds each list present as a collection of values."""
        return run(session, *self.prepare(params))

    def prepare(self, params: Mapping[str, Any]) -> tuple[Executable, dict[str, Any]]:
        """The statement for these lists' lengths, and its parameters with each list spread over its slots."""
        values = dict(params)
        sizes: list[int | None] = []
        for name in self._types:
            if name not in values:
                sizes.append(None)
                continue
            items = list(values.pop(name))
            size = next((n for n in IN_SIZES if n >= len(items)), 0) if items else 0
            sizes.append(size)
            if size:
                items.extend(items[-1:] * (size - len(items)))
                values.update(zip(_slot_names(name, size), items, strict=True))
            else:  # none, or more than the longest list: an expanding parameter, rendered per execution
                values[name] = items
        key = tuple(sizes)
        statement = self._statements.get(key)
        if statement is None:
            lists = {name: self._in_list(name, size) for name, size in zip(self._types, sizes, strict=True)}
            statement = self._statements[key] = self._build(**lists)
        return statement, values

    def _in_list(self, name: str, size: int | None) -> InList | None:
        if size is None:
            return None
        if not size:
            return bindparam(name, expanding=True, type_=self._types[name])
        return [bindparam(slot, type_=self._types[name]) for slot in _slot_names(name, size)]


@functools.cache
def _slot_names(name: str, size: int) -> tuple[str, ...]:
    return tuple(f"{name}_{i}" for i in range(size))


def alembic_config() -> Config:
    """The migration settings, built in code: an installed hub needs no alembic.ini."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def upgrade(url: str | Engine, revision: str = "head") -> bool:
    """Apply the migrations up to `revision` (`hub db upgrade`, and at start-up).

    False when the database is at a later release's revision (one this code does not know): it is left as it is,
    as this release serves on it (see serves()).
    """
    engine = make_engine(url) if isinstance(url, str) else url
    try:
        try:
            connection = engine.connect()
        # The hub cannot start without its store: say which and why. Not only OperationalError: psycopg refuses
        # a bad URL parameter (connect_timeout=abc) with a ProgrammingError, a setting to fix as well.
        except DBAPIError as exc:
            # Not str(url): SQLAlchemy masks user:pw@ there but shows a ?password=.
            shown = mask_url(engine.url.render_as_string(hide_password=False))
            raise ConfigError(f"cannot open the database {shown}: {_reason(exc)}") from None
        with connection, connection.begin():
            if connection.dialect.name == "postgresql":
                # Replicas starting together: one migrates, the others wait and then find head.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            current = set(MigrationContext.configure(connection).get_current_heads())
            if current and not current & _known_revisions():
                log.info(
                    "database is at a later release's revision; left as it is",
                    extra={"revision": sorted(current)},
                )
                return False
            cfg = alembic_config()
            # Hand over the connection rather than the URL: no configparser escaping of passwords with "%".
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
            return True
    finally:
        if isinstance(url, str):
            engine.dispose()


def _reason(exc: DBAPIError) -> str:
    """The driver's own words, first line: SQLAlchemy's text adds the statement and a link."""
    return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc).splitlines()[0]


def revisions(engine: Engine) -> tuple[set[str], set[str]]:
    """(the database's revisions, the code's heads); raises SQLAlchemyError when the database is unreachable."""
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()), heads


@functools.cache
def _known_revisions() -> frozenset[str]:
    return frozenset(r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions())


def serves(current: set[str], heads: set[str]) -> bool:
    """Whether this code may run on a schema at `current`: its own head, or a revision it does not know.

    An unknown revision is a later release's, migrated before that release rolls out (docs/operations.md section
    4): this release's pods go on serving until they are replaced. That holds while migrations only add or widen
    (none so far drops a table or column the code before it uses).
    """
    return current == heads or (bool(current) and not current & _known_revisions())


def is_current(engine: Engine) -> bool:
    """True when the database is reachable and migrated to head or beyond (for /readyz, and before consuming)."""
    try:
        current, heads = revisions(engine)
    except SQLAlchemyError:
        return False
    return serves(current, heads)


async def wait_until_current(engine: Engine, *, interval: float = 1.0, max_interval: float = 10.0) -> None:
    """Return once the database is migrated to head; until then log why (once per state) and check again.

    The consumers start only then: a message consumed against a schema without its tables would fail.
    """
    said: tuple[str, ...] = ()
    while True:
        try:
            current, heads = await asyncio.to_thread(revisions, engine)
        except SQLAlchemyError as exc:
            state: tuple[str, ...] = ("unreachable", type(exc).__name__)
            if state != said:
                log.warning("database unreachable; the consumers wait for it", extra={"error": state[1]})
        else:
            if serves(current, heads):
                if said:
                    log.info(
                        "database schema is current; the consumers start", extra={"revision": sorted(heads)}
                    )
                return
            state = ("behind", *sorted(current))
            if state != said:
                log.warning(
                    "database schema is not at the newest migration; the consumers wait until `hub db upgrade` has run",
                    extra={"revision": sorted(current), "head": sorted(heads)},
                )
        said = state
        await asyncio.sleep(interval)
        interval = min(interval * 2, max_interval)
