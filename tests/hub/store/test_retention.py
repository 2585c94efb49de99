"""Retention of the retour and GI102 XML: only what was delivered before the cutoff is cleared, the rows stay."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from inspect import signature as inspect_signature
from pathlib import Path
from typing import Any, TypeVar

import pytest
from alembic import command
from sqlalchemy import Engine, inspect
from sqlmodel import Session, SQLModel

from hub.store import audit, gi_link, retention
from hub.store.db import SessionFactory, alembic_config, make_engine, run, session_factory, upgrade
from hub.store.gi_tables import GiStatusmeldingRecord
from hub.store.tables import BerichtRecord, ToewijzingRecord
from tests.hub.store.scenario import PS
from tests.hub.store.statusmeldingen import GI102, bepaling
from tests.hub.store.statusmeldingen import statusmelding as _statusmelding
from tools.postgres import throwaway_postgres

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DAYS = 90
BEFORE = retention.cutoff(DAYS, NOW)
RETOUR = "<Bericht><Client><Bsn>999990019</Bsn></Client></Bericht>"
Row = TypeVar("Row", bound=SQLModel)


def message(
    session: Session, *, delivered: timedelta | None, retour: str | None = RETOUR, produced: bool = True
) -> str:
    """A judged JW301 whose retour was produced 100 days ago and delivered `delivered` before NOW (None: not yet)."""
    row = audit.record(
        session,
        content_hash=audit.content_hash(audit.new_id().encode()),
        outcome="rejected",
        bericht="JW301",
        afzender="0200",
        identificatie="JW301261102",
        error_codes=["TR019", "TR063"],
        retour=retour,
        retour_bericht="JW302" if retour else None,
        client=PS("999990019"),
        event='{"type": "x"}',
        received_at=NOW - timedelta(days=100),
        validated_at=NOW - timedelta(days=100),
    )
    if produced:
        audit.mark(session, row.id, "retour_produced_at", NOW - timedelta(days=100))
        audit.mark(session, row.id, "events_published_at", NOW - timedelta(days=100))
    if delivered is not None:
        audit.mark(session, row.id, "retour_delivered_at", NOW - delivered)
    session.commit()
    return row.id


def stored(sessions: SessionFactory, table: type[Row], id: str) -> Row:
    """The row as the database now holds it, read in a session of its own."""
    with sessions() as session:
        row = session.get(table, id)
        assert row is not None
        return row


def load(sessions: SessionFactory, id: str) -> BerichtRecord:
    return stored(sessions, BerichtRecord, id)


def columns(row: BerichtRecord) -> dict[str, Any]:
    return row.model_dump(exclude={"retour", "retour_purged_at"})


def statusmelding(session: Session, ref: int, *, delivered: timedelta | None, published: bool = True) -> str:
    """A GI102 made 100 days ago, published (or not) and delivered `delivered` before NOW (None: not yet)."""
    return _statusmelding(session, ref, made=NOW - timedelta(days=100), published=published,
                          delivered=None if delivered is None else NOW - delivered)  # fmt: skip


def melding(sessions: SessionFactory, id: str) -> GiStatusmeldingRecord:
    return stored(sessions, GiStatusmeldingRecord, id)


def melding_columns(row: GiStatusmeldingRecord) -> dict[str, Any]:
    return row.model_dump(exclude={"xml", "xml_purged_at"})


def test_only_retouren_delivered_before_the_cutoff_are_cleared(db: Engine) -> None:
    sessions = session_factory(db)
    with sessions() as session:
        old = message(session, delivered=timedelta(days=DAYS, seconds=1))
        recent = message(session, delivered=timedelta(days=DAYS, seconds=-1))
        undelivered = message(session, delivered=None)  # the dispatcher still needs it
        unproduced = message(session, delivered=None, produced=False)
        no_retour = message(session, delivered=timedelta(days=100), retour=None)
    ids = (old, recent, undelivered, unproduced, no_retour)
    before = {i: load(sessions, i) for i in ids}

    assert retention.purge(sessions, BEFORE, now=NOW) == 1

    after = {i: load(sessions, i) for i in ids}
    assert after[old].retour is None and after[old].retour_purged_at == NOW
    assert columns(after[old]) == columns(before[old])  # outcome, codes, client, event, every timestamp
    for kept in (recent, undelivered, unproduced):
        assert after[kept].retour == RETOUR and after[kept].retour_purged_at is None
    assert (
        after[no_retour].retour is None and after[no_retour].retour_purged_at is None
    )  # "no retour" stays so


def test_the_dry_run_counts_what_a_purge_clears_and_changes_nothing(db: Engine) -> None:
    sessions = session_factory(db)
    with sessions() as session:
        due = [message(session, delivered=timedelta(days=d)) for d in (91, 200, 365)]
        message(session, delivered=timedelta(days=30))
        assert retention.count_due(session, BEFORE) == 3
        assert retention.count_due(session, BEFORE) == 3  # counting cleared nothing
    assert all(load(sessions, i).retour == RETOUR for i in due)
    assert retention.purge(sessions, BEFORE, now=NOW) == 3
    with sessions() as session:
        assert retention.count_due(session, BEFORE) == 0


def test_a_second_purge_clears_nothing_and_keeps_the_first_time(db: Engine) -> None:
    sessions = session_factory(db)
    with sessions() as session:
        bericht_id = message(session, delivered=timedelta(days=120))
    assert retention.purge(sessions, BEFORE, now=NOW) == 1
    assert retention.purge(sessions, BEFORE, now=NOW + timedelta(days=1)) == 0
    assert load(sessions, bericht_id).retour_purged_at == NOW


def test_purge_pages_through_every_due_row_in_batches(db: Engine) -> None:
    sessions = session_factory(db)
    with sessions() as session:
        due = {message(session, delivered=timedelta(days=100)) for _ in range(7)}
        kept = {message(session, delivered=timedelta(days=1)) for _ in range(3)}
    assert retention.purge(sessions, BEFORE, now=NOW, batch=3) == 7  # 3 + 3 + 1
    assert all(load(sessions, i).retour is None for i in due)
    assert all(load(sessions, i).retour == RETOUR for i in kept)


def test_only_statusmeldingen_delivered_before_the_cutoff_are_cleared(db: Engine) -> None:
    sessions = session_factory(db)
    with sessions() as session:
        ref = bepaling(session)
        old = statusmelding(session, ref, delivered=timedelta(days=DAYS, seconds=1))
        recent = statusmelding(session, ref, delivered=timedelta(days=DAYS, seconds=-1))
        bericht_id = message(session, delivered=timedelta(days=100))
    before = {i: melding(sessions, i) for i in (old, recent)}

    assert retention.purge(sessions, BEFORE, now=NOW, what=retention.STATUSMELDINGEN) == 1

    assert melding(sessions, old).xml == "" and melding(sessions, old).xml_purged_at == NOW
    assert melding_columns(melding(sessions, old)) == melding_columns(
        before[old]
    )  # what the monitor reads stays
    assert melding(sessions, recent).xml == GI102 and melding(sessions, recent).xml_purged_at is None
    assert load(sessions, bericht_id).retour == RETOUR  # each kind is purged on its own


def test_a_statusmelding_not_yet_delivered_is_never_cleared_whatever_its_age(db: Engine) -> None:
    sessions = session_factory(db)
    with sessions() as session:
        ref = bepaling(session)
        published = statusmelding(
            session, ref, delivered=None
        )  # on the retour topic, not in the GI's outbox yet
        made = statusmelding(
            session, ref, delivered=None, published=False
        )  # the processors have yet to send it
        pending = gi_link.verstuurd_niet_afgeleverd(session)  # its part of hub_retour_pending
    everything = NOW + timedelta(days=1)  # --older-than 0, a day later

    assert retention.purge(sessions, everything, now=NOW, what=retention.STATUSMELDINGEN) == 0

    for kept in (published, made):
        assert melding(sessions, kept).xml == GI102 and melding(sessions, kept).xml_purged_at is None
    with sessions() as session:
        assert pending == 1 and gi_link.verstuurd_niet_afgeleverd(session) == 1
        assert [(r.id, r.xml) for r in gi_link.te_versturen(session)] == [(made, GI102)]  # still sent whole
        gi_link.markeer_afgeleverd(session, published, NOW)
        session.commit()
    assert (
        retention.purge(sessions, everything, now=NOW, what=retention.STATUSMELDINGEN) == 1
    )  # now it may go
    assert melding(sessions, published).xml == "" and melding(sessions, made).xml == GI102


def test_the_dry_run_counts_the_statusmeldingen_apart_and_purge_all_clears_both(db: Engine) -> None:
    sessions = session_factory(db)
    with sessions() as session:
        ref = bepaling(session)
        due = [statusmelding(session, ref, delivered=timedelta(days=d)) for d in (91, 365)]
        statusmelding(session, ref, delivered=timedelta(days=30))
        statusmelding(session, ref, delivered=None)
        bericht_id = message(session, delivered=timedelta(days=200))
        assert retention.count_due(session, BEFORE, retention.STATUSMELDINGEN) == 2
        assert retention.count_due(session, BEFORE) == 1  # the retouren are counted on their own
    assert all(melding(sessions, i).xml == GI102 for i in due)  # counting cleared nothing

    assert retention.purge_all(sessions, BEFORE, now=NOW) == (1, 2)

    assert load(sessions, bericht_id).retour_purged_at == NOW
    assert all(melding(sessions, i).xml_purged_at == NOW for i in due)
    assert retention.purge_all(sessions, BEFORE, now=NOW + timedelta(days=1)) == (0, 0)
    assert all(melding(sessions, i).xml_purged_at == NOW for i in due)  # the first time stays
    with sessions() as session:
        assert retention.count_due(session, BEFORE, retention.STATUSMELDINGEN) == 0


def test_statusmeldingen_are_purged_in_batches_too(db: Engine) -> None:
    sessions = session_factory(db)
    with sessions() as session:
        ref = bepaling(session)
        due = {statusmelding(session, ref, delivered=timedelta(days=100)) for _ in range(5)}
        kept = statusmelding(session, ref, delivered=timedelta(days=1))
    assert (
        retention.purge(sessions, BEFORE, now=NOW, batch=2, what=retention.STATUSMELDINGEN) == 5
    )  # 2 + 2 + 1
    assert all(melding(sessions, i).xml == "" for i in due) and melding(sessions, kept).xml == GI102


def test_purge_with_0_days_clears_every_delivered_retour() -> None:
    assert retention.cutoff(0, NOW) == NOW
    with pytest.raises(ValueError):
        retention.cutoff(-1, NOW)


async def until(condition: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_the_loop_purges_and_outlives_a_failed_round(
    db: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    sessions = session_factory(db)
    with sessions() as session:
        bericht_id = message(session, delivered=timedelta(days=100))
        status_id = statusmelding(session, bepaling(session), delivered=timedelta(days=100))
    calls = 0

    def flaky() -> Session:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("store away")
        return sessions()

    loop = asyncio.create_task(
        # A session factory that fails once stands in for the sessionmaker.
        retention.retention_loop(flaky, DAYS, interval=0.01, clock=lambda: NOW)  # type: ignore[arg-type]
    )
    try:
        await until(
            lambda: melding(sessions, status_id).xml == ""
        )  # the retouren go first, in the same round
    finally:
        loop.cancel()
        with pytest.raises(asyncio.CancelledError):
            await loop
    assert (
        load(sessions, bericht_id).retour_purged_at == NOW
        and melding(sessions, status_id).xml_purged_at == NOW
    )
    assert "retour retention postponed" in caplog.text and "999990019" not in caplog.text


def test_what_was_delivered_exactly_the_retention_period_ago_stays(db: Engine) -> None:
    """'Delivered more than DAYS days ago': the cutoff itself is not yet due, for a retour nor for a GI102."""
    sessions = session_factory(db)
    with sessions() as session:
        bericht_id = message(session, delivered=timedelta(days=DAYS))
        status_id = statusmelding(session, bepaling(session), delivered=timedelta(days=DAYS))
        assert retention.count_due(session, BEFORE) == 0
        assert retention.count_due(session, BEFORE, retention.STATUSMELDINGEN) == 0
    assert retention.purge_all(sessions, BEFORE, now=NOW) == (0, 0)
    assert load(sessions, bericht_id).retour == RETOUR and melding(sessions, status_id).xml == GI102


def test_purge_without_a_time_stamps_the_clearing_with_the_current_time(db: Engine) -> None:
    sessions = session_factory(db)
    with sessions() as session:
        bericht_id = message(session, delivered=timedelta(days=100))
    start = datetime.now(UTC)
    assert retention.purge(sessions, BEFORE) == 1
    purged_at = load(sessions, bericht_id).retour_purged_at
    assert purged_at is not None and start <= purged_at <= datetime.now(UTC)  # "removed after the retention"


def test_a_row_another_replica_cleared_meanwhile_keeps_its_first_purge_time(db: Engine) -> None:
    """The clearing statement checks again that a selected row is due: two replicas' rounds may overlap."""
    sessions = session_factory(db)
    with sessions() as session:
        bericht_id = message(session, delivered=timedelta(days=100))
        status_id = statusmelding(session, bepaling(session), delivered=timedelta(days=100))
    assert retention.purge_all(sessions, BEFORE, now=NOW) == (1, 1)
    later = {"before": BEFORE, "purged_at": NOW + timedelta(hours=1)}
    with sessions() as session:  # the other replica selected them before this one's commit
        run(session, retention.RETOUREN.clear, {"ids": [bericht_id], **later})
        run(session, retention.STATUSMELDINGEN.clear, {"ids": [status_id], **later})
        session.commit()
    assert load(sessions, bericht_id).retour_purged_at == NOW
    assert melding(sessions, status_id).xml_purged_at == NOW


def test_the_loop_runs_once_a_day_by_default() -> None:
    """docs/operations.md section 6: the intake clears what is due at start and then every 24 hours."""
    interval = inspect_signature(retention.retention_loop).parameters["interval"].default
    assert interval == 24 * 3600


@pytest.mark.parametrize(("retouren", "meldingen"), [(1, 0), (0, 2)])
async def test_a_round_logs_the_number_it_cleared_of_each_kind_then_waits_its_interval(
    db: Engine, caplog: pytest.LogCaptureFixture, retouren: int, meldingen: int
) -> None:
    """docs/operations.md section 6: one line per kind with the number; a kind with nothing cleared logs nothing."""
    caplog.set_level(logging.INFO, logger="hub.store")
    sessions = session_factory(db)
    with sessions() as session:
        for _ in range(retouren):
            message(session, delivered=timedelta(days=100))
        ref = bepaling(session)
        for _ in range(meldingen):
            statusmelding(session, ref, delivered=timedelta(days=100))
    rounds = 0

    def clock() -> datetime:
        nonlocal rounds
        rounds += 1
        return NOW

    def cleared(line: str) -> list[Any]:
        return [getattr(r, "cleared", None) for r in caplog.records if r.getMessage() == line]

    retour_line, gi102_line = (
        f"{kind} XML cleared after the retention period" for kind in ("retour", "GI102")
    )
    loop = asyncio.create_task(retention.retention_loop(sessions, DAYS, interval=3600, clock=clock))
    try:
        await until(lambda: cleared(retour_line) or cleared(gi102_line))
        await asyncio.sleep(0.2)  # a loop that did not wait would have started more rounds by now
    finally:
        loop.cancel()
        with pytest.raises(asyncio.CancelledError):
            await loop
    assert rounds == 1
    assert cleared(retour_line) == ([retouren] if retouren else [])
    assert cleared(gi102_line) == ([meldingen] if meldingen else [])
    assert all(getattr(r, "days", DAYS) == DAYS for r in caplog.records)


@pytest.fixture(params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated store of its own, for a test that migrates it down and up again."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    with throwaway_postgres("ijw_hub_retention") as engine:
        yield engine


def test_migration_0004_goes_down_and_up_with_state_rows_referring_to_messages(fresh: Engine) -> None:
    with session_factory(fresh)() as session:
        bericht_id = message(session, delivered=timedelta(days=100))
        session.add(  # state the message wrote: a foreign key onto `bericht`
            ToewijzingRecord(
                gemeente="0200",
                aanbieder="12345678",
                client=PS("999990019"),
                toewijzing_nummer=1,
                ingangsdatum=date(2026, 8, 1),
                toewijzingsdatum=date(2026, 8, 1),
                toewijzingstijd=clock_time(10),
                bericht_id=bericht_id,
            )
        )
        session.commit()
    with fresh.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(
            cfg, "0003"
        )  # in place: a rebuilt `bericht` would break the toewijzing's foreign key
        assert "retour_purged_at" not in {c["name"] for c in inspect(connection).get_columns("bericht")}
        command.upgrade(cfg, "head")
    assert retention.purge(session_factory(fresh), BEFORE, now=NOW) == 1


def test_migration_0005_goes_down_and_up_with_statusmeldingen_stored(fresh: Engine) -> None:
    with session_factory(fresh)() as session:
        status_id = statusmelding(session, bepaling(session), delivered=timedelta(days=100))
    with fresh.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0004")
        assert "xml_purged_at" not in {c["name"] for c in inspect(connection).get_columns("gi_statusmelding")}
        command.upgrade(cfg, "head")
    sessions = session_factory(fresh)
    assert melding(sessions, status_id).xml == GI102  # the row went through both untouched
    assert retention.purge(sessions, BEFORE, now=NOW, what=retention.STATUSMELDINGEN) == 1
    assert melding(sessions, status_id).xml_purged_at == NOW
