"""`hub db purge [--older-than DAYS] [--dry-run]`: clears delivered retour and GI102 XML, prints how many, exits 0
(2 on usage)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from hub.cli import app
from hub.store import audit
from hub.store.db import session_factory
from hub.store.gi_tables import GiStatusmeldingRecord
from hub.store.tables import BerichtRecord
from tests.hub.store.statusmeldingen import GI102, bepaling, statusmelding

runner = CliRunner()
RETOUR = "<Bericht><Client><Bsn>999990019</Bsn></Client></Bericht>"


def url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def delivered(engine: Engine, days_ago: float) -> str:
    """A message whose retour was delivered `days_ago` days ago."""
    when = datetime.now(UTC) - timedelta(days=days_ago)
    with session_factory(engine)() as session:
        row = audit.record(
            session,
            content_hash=audit.content_hash(audit.new_id().encode()),
            outcome="malformed",
            retour=RETOUR,
            received_at=when,
        )
        audit.mark(session, row.id, "retour_produced_at", when)
        audit.mark(session, row.id, "retour_delivered_at", when)
        session.commit()
        return row.id


def gi102(engine: Engine, days_ago: float | None) -> str:
    """A GI102 delivered `days_ago` days ago (None: published 200 days ago, not yet delivered)."""
    made = datetime.now(UTC) - timedelta(days=200)
    when = None if days_ago is None else datetime.now(UTC) - timedelta(days=days_ago)
    with session_factory(engine)() as session:
        return statusmelding(session, bepaling(session), made=made, delivered=when)


def xml(engine: Engine, *ids: str) -> list[str]:
    with session_factory(engine)() as session:
        return [r.xml for r in (session.get(GiStatusmeldingRecord, i) for i in ids) if r is not None]


def retouren(engine: Engine, *ids: str) -> list[str | None]:
    with session_factory(engine)() as session:
        return [r.retour for r in (session.get(BerichtRecord, i) for i in ids) if r is not None]


def purge(engine: Engine, *args: str, retention_days: str = "90") -> tuple[int, str]:
    env = {
        "HUB_RETOUR_RETENTION_DAYS": retention_days,
        "HUB_DATABASE_URL": "sqlite:////nonexistent/hub.sqlite",
    }
    result = runner.invoke(app, ["db", "purge", "--database", url(engine), *args], env=env)
    return result.exit_code, result.output


def test_purge_clears_retouren_older_than_the_days_and_prints_how_many(db: Engine) -> None:
    old, older, recent = delivered(db, 40), delivered(db, 400), delivered(db, 10)
    status, output = purge(db, "--older-than", "30")
    assert status == 0 and output.startswith("cleared the retour XML of 2 messages delivered before ")
    assert retouren(db, old, older, recent) == [None, None, RETOUR]
    assert purge(db, "--older-than", "30")[1].startswith("cleared the retour XML of 0 messages")


def test_dry_run_counts_and_clears_nothing(db: Engine) -> None:
    ids = [delivered(db, 100), delivered(db, 200)]
    status, output = purge(db, "--dry-run")  # the setting's 90 days
    assert status == 0 and output.startswith("would clear the retour XML of 2 messages")
    assert retouren(db, *ids) == [RETOUR, RETOUR]


def test_without_older_than_the_setting_decides(db: Engine) -> None:
    bericht_id = delivered(db, 100)
    status, output = purge(db, retention_days="0")
    assert status == 0 and "retention is off" in output and retouren(db, bericht_id) == [RETOUR]
    status, output = purge(db, retention_days="120")
    assert status == 0 and " 0 messages" in output and retouren(db, bericht_id) == [RETOUR]
    status, output = purge(db, retention_days="60")
    assert status == 0 and " 1 message delivered" in output and retouren(db, bericht_id) == [None]


@pytest.mark.parametrize("args", [["--older-than", "-1"], ["--older-than", "soon"], ["--older"], ["extra"]])
def test_usage_errors_exit_2_and_change_nothing(db: Engine, args: list[str]) -> None:
    bericht_id = delivered(db, 100)
    assert purge(db, *args)[0] == 2
    assert retouren(db, bericht_id) == [RETOUR]


@pytest.mark.parametrize("where", ["nonexistent/dir/hub.sqlite", "absent.sqlite"])
def test_a_sqlite_path_without_a_store_is_one_line_and_status_2(tmp_path: Path, where: str) -> None:
    """As `hub normen` and `hub client` say it; SQLite would otherwise create an empty file there."""
    path = tmp_path / where
    result = runner.invoke(
        app, ["db", "purge", "--database", f"sqlite:///{path}"], env={"HUB_RETOUR_RETENTION_DAYS": "90"}
    )
    assert (result.exit_code, result.output) == (2, f"error: no store at {path}\n")
    assert not path.exists()


def test_a_store_not_migrated_is_one_line_and_status_1(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    path.touch()  # a file, but no tables
    result = runner.invoke(
        app, ["db", "purge", "--database", f"sqlite:///{path}"], env={"HUB_RETOUR_RETENTION_DAYS": "90"}
    )
    assert result.exit_code == 1 and result.output.startswith("error: the store failed: OperationalError")
    assert len(result.output.splitlines()) == 1


def test_purge_clears_delivered_gi102s_too_and_prints_them_on_a_line_of_their_own(db: Engine) -> None:
    retour = delivered(db, 100)
    old, recent, pending = gi102(db, 40), gi102(db, 10), gi102(db, None)
    status, output = purge(db, "--older-than", "30")
    first, second = output.splitlines()
    assert status == 0 and first.startswith("cleared the retour XML of 1 message delivered before ")
    assert second.startswith("cleared the XML of 1 GI102 statusmelding delivered before ")
    assert first.rsplit(" ", 1)[1] == second.rsplit(" ", 1)[1]  # the same cutoff
    assert retouren(db, retour) == [None] and xml(db, old, recent, pending) == ["", GI102, GI102]
    assert (
        purge(db, "--older-than", "0")[1]
        .splitlines()[1]
        .startswith("cleared the XML of 1 GI102 statusmelding ")
    )
    assert xml(db, recent, pending) == ["", GI102]  # not delivered: kept whatever its age


def test_dry_run_counts_the_gi102s_and_clears_nothing(db: Engine) -> None:
    ids = [gi102(db, 100), gi102(db, 200), gi102(db, 10), gi102(db, None)]
    status, output = purge(db, "--dry-run")  # the setting's 90 days
    first, second = output.splitlines()
    assert status == 0 and first.startswith("would clear the retour XML of 0 messages delivered before ")
    assert second.startswith("would clear the XML of 2 GI102 statusmeldingen delivered before ")
    assert xml(db, *ids) == [GI102] * 4
