"""Throwaway stores for the benchmarks: a migrated PostgreSQL database of their own, dropped afterwards.

The PostgreSQL of the development and CI machines (127.0.0.1:5432, trust auth); tests/conftest.py has the same
for the tests, which do not import from benchmarks/.
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
def throwaway_postgres(prefix: str) -> Iterator[Engine]:
    """A new, migrated PostgreSQL database named after `prefix`, dropped (connections and all) afterwards."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    engine = make_engine(POSTGRES_URL.format(name=name))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
