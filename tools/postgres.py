"""Throwaway PostgreSQL databases for the tests and the benchmarks: a uniquely named database, dropped afterwards.

Machinery of the checkout, not of the shipped hub: the tests import it as `tools.postgres` (pytest puts the
repository root on sys.path), the benchmarks by way of benchmarks/stores.py. The PostgreSQL of the development
and CI machines: 127.0.0.1:5432, trust auth, user postgres.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

import psycopg
from psycopg import sql
from sqlalchemy import Engine

from hub.store.db import make_engine, upgrade

POSTGRES_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


@contextlib.contextmanager
def throwaway_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty database named `prefix`_<random>, dropped (connections and all) afterwards."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield POSTGRES_URL.format(name=name)
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@contextlib.contextmanager
def throwaway_postgres(prefix: str) -> Iterator[Engine]:
    """An engine on a new, migrated database of its own; disposed and the database dropped afterwards."""
    with throwaway_database(prefix) as url:
        engine = make_engine(url)
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()
