"""SQLite query plans of the statements a store function runs, for the tests that pin them.

SQLite without ANALYZE statistics (as the hub runs it) plans from the schema alone, so a small test store plans
as a large one would: a search that binds only the first column of an index, or a SCAN, is a cost that grows with
the store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, event


def plans(db: Engine, run: Callable[[], Any]) -> dict[str, list[str]]:
    """What `run` reads or changes, as {the statement's first table: its plan's SEARCH and SCAN steps}.

    Each statement is explained with the parameters it ran with; a table read twice keeps the later plan.
    Inserts and executemany writes (by primary key) are left out.
    """
    ran: list[tuple[str, Any]] = []

    def on_execute(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if not many and not statement.lstrip().upper().startswith("INSERT"):
            ran.append((statement, parameters))

    event.listen(db, "before_cursor_execute", on_execute)
    try:
        run()
    finally:
        event.remove(db, "before_cursor_execute", on_execute)
    found: dict[str, list[str]] = {}
    with db.connect() as conn:
        for statement, parameters in ran:
            plan = [row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
            steps = [s for s in plan if s.startswith(("SEARCH", "SCAN")) and s != "SCAN CONSTANT ROW"]
            if steps:
                found[steps[0].split()[1]] = steps
    return found
