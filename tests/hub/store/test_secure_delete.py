"""SQLite: a purged retour and a published spool row leave the file's bytes (PRAGMA secure_delete on every
connection the hub opens), whatever the SQLite build's default; docs/operations.md section 6."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from hub.store import audit
from hub.store.db import make_engine, session_factory, upgrade
from hub.store.retention import purge_all
from hub.store.spool import Spool

RETOUR_MARKER = "Zwartewaterklooster-7f3e9a"  # in no other byte of the file: the test looks for them
SPOOL_MARKER = "Hattemerbroek-c41d07"
SIZES = {
    "in-page": 20,
    "overflow": 400,
}  # repeats of a marker: some 500 bytes in a page, 10 kB over overflow pages


def _off(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA secure_delete=OFF")


def _off_again(
    dbapi_connection: Any, record: Any
) -> None:  # another function: SQLAlchemy listens to one once
    _off(dbapi_connection, record)


def _engine(tmp_path: Path, *, hub_pragma_undone: bool = False) -> Engine:
    """The hub's engine on a SQLite whose default is secure_delete off, as SQLite's own build has it (Debian's
    libsqlite3 turns it on, so without this the test would pass for the build's sake)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite'}")
    event.listen(engine, "connect", _off, insert=True)  # before the hub's pragmas: the build's default
    if hub_pragma_undone:
        event.listen(engine, "connect", _off_again)  # after them: as if the hub did not set it
    return engine


def _purged_retour(engine: Engine, repeats: int) -> None:
    """A retour carrying the marker, delivered 100 days ago, then cleared by the retention purge (an UPDATE)."""
    when = datetime.now(UTC) - timedelta(days=100)
    sessions = session_factory(engine)
    with sessions() as session:
        row = audit.record(
            session,
            content_hash=audit.content_hash(audit.new_id().encode()),
            outcome="malformed",
            retour=f"<Bericht><Client><Achternaam>{RETOUR_MARKER * repeats}</Achternaam></Client></Bericht>",
            received_at=when,
        )
        audit.mark(session, row.id, "retour_delivered_at", when)
        session.commit()
    assert purge_all(sessions, datetime.now(UTC) - timedelta(days=30)) == (1, 0)


def _published_spool_row(engine: Engine, repeats: int) -> None:
    """A spooled message carrying the marker, deleted as after the broker acknowledged it."""
    spool = Spool(session_factory(engine))
    added = spool.add(
        bericht_id="a" * 32,
        key="0200:12345678",
        headers={},
        raw=(SPOOL_MARKER * repeats).encode(),
        received_at=datetime.now(UTC),
        capacity=None,
    )
    spool.delete(added.id)


def _file_bytes(engine: Engine, tmp_path: Path) -> bytes:
    """The database file (and any WAL left) after the WAL is checkpointed into it, as on a clean stop."""
    with engine.connect() as connection:
        connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    return b"".join(p.read_bytes() for p in sorted(tmp_path.glob("hub.sqlite*")))


def test_every_connection_of_the_hub_has_secure_delete_on(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    try:
        for _ in range(2):  # a fresh connection each time: the pragma is per connection
            with engine.connect() as connection:
                assert connection.execute(text("PRAGMA secure_delete")).scalar_one() == 1
            engine.dispose()
    finally:
        engine.dispose()


@pytest.mark.parametrize("repeats", SIZES.values(), ids=SIZES.keys())
@pytest.mark.parametrize("hub_pragma_undone", [False, True], ids=["hub", "control-without"])
def test_a_purged_retour_and_a_published_spool_row_leave_the_file(
    tmp_path: Path, repeats: int, hub_pragma_undone: bool
) -> None:
    engine = _engine(tmp_path, hub_pragma_undone=hub_pragma_undone)
    upgrade(engine)
    _purged_retour(engine, repeats)
    _published_spool_row(engine, repeats)
    data = _file_bytes(engine, tmp_path)
    found = [marker for marker in (RETOUR_MARKER, SPOOL_MARKER) if marker.encode() in data]
    # The control shows that the test sees what it checks: without secure_delete the freed bytes stay.
    assert found == ([RETOUR_MARKER, SPOOL_MARKER] if hub_pragma_undone else [])
