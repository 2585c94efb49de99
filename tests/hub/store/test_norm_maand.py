"""The store side of `hub normen`: migration 0013's dates and indexes, and a month read through them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from alembic import command
from sqlalchemy import Engine, inspect, text

from hub.monitor.contract import NORMEN
from hub.monitor.norms import ANTWOORD_VERZOEK
from hub.store import norm_maand
from hub.store.db import alembic_config, is_current, session_factory
from hub.store.monitor_tables import NormRecord
from tests.hub.store.plans import plans

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
INDEXES = {"ix_monitor_norm_einddatum", "ix_monitor_norm_begindatum"}


def test_migration_0013_dates_go_down_and_up_and_older_rows_have_none(db: Engine) -> None:
    """0013 adds the dates and their indexes in place: a row stored before keeps its outcome and has no dates."""

    def columns(connection: Any) -> set[str]:
        return {c["name"] for c in inspect(connection).get_columns("monitor_norm")}

    def indexes(connection: Any) -> set[str]:
        return {i["name"] for i in inspect(connection).get_indexes("monitor_norm") if i["name"]}

    with db.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        assert {"begindatum", "einddatum"} <= columns(connection) and indexes(connection) >= INDEXES
        command.downgrade(cfg, "0012")
        assert not {"begindatum", "einddatum"} & columns(connection) and not INDEXES & indexes(connection)
        connection.execute(
            text(
                "INSERT INTO monitor_norm (norm, sleutel, uitkomst, regio, observed_at) "
                "VALUES ('passende_hulp_3_maanden', 'gi_bepaling:1', 'buiten', 'Achterhoek', :now)"
            ),
            {"now": NOW},
        )
        command.upgrade(cfg, "head")
        assert indexes(connection) >= INDEXES
        row = connection.execute(text("SELECT uitkomst, begindatum, einddatum FROM monitor_norm")).one()
        assert tuple(row) == ("buiten", None, None)
    assert is_current(db)
    with session_factory(db)() as s:
        assert norm_maand.zonder_datum(s, NORMEN, "einddatum") == 1
        assert norm_maand.zonder_datum(s, NORMEN, "begindatum") == 1
        assert norm_maand.aantallen(s, NORMEN, "einddatum", date.min, date.max) == []


def test_a_month_is_read_through_the_index_of_its_date(sqlite_db: Engine) -> None:
    """SQLite plans from the schema alone: a SCAN of monitor_norm would grow with every outcome ever counted."""
    with session_factory(sqlite_db)() as s:
        s.add(
            NormRecord(
                norm=ANTWOORD_VERZOEK,
                sleutel="a:1",
                uitkomst="binnen",
                regio="Achterhoek",
                observed_at=NOW,
                begindatum=date(2026, 3, 31),
                einddatum=date(2026, 4, 1),
            )
        )
        s.commit()
        for datum in ("einddatum", "begindatum"):
            found = plans(
                sqlite_db,
                lambda: norm_maand.aantallen(s, NORMEN, datum, date(2026, 4, 1), date(2026, 5, 1)),  # noqa: B023
            )
            assert found["monitor_norm"] == [
                f"SEARCH monitor_norm USING INDEX ix_monitor_norm_{datum} (norm=? AND {datum}>? AND {datum}<?)"
            ], found
            without = plans(sqlite_db, lambda: norm_maand.zonder_datum(s, NORMEN, datum))  # noqa: B023
            assert all(step.startswith("SEARCH") for step in without["monitor_norm"]), without
        assert norm_maand.aantallen(s, NORMEN, "einddatum", date(2026, 4, 1), date(2026, 5, 1)) == [
            (ANTWOORD_VERZOEK, "Achterhoek", "binnen", 1)
        ]
        assert norm_maand.aantallen(s, NORMEN, "begindatum", date(2026, 4, 1), date(2026, 5, 1)) == []
