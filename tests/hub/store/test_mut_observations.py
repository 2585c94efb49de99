"""hub.store.observations, the cases a mutation pass found unpinned: the lookup's chunks, the bucket bounds, the
statement cache and what a batch's observations store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from sqlalchemy import event
from sqlmodel import Session, select

from hub.monitor.model import Beeindiging, Doorlooptijd, NormUitkomst
from hub.store import observations
from hub.store.monitor_tables import BeeindigdRecord, DoorlooptijdRecord, NormRecord, VerwerktEventRecord

NU = datetime(2026, 11, 23, 12, tzinfo=UTC)


@contextmanager
def lookups(session: Session) -> Iterator[list[str]]:
    """The statements run on the session's connection that read monitor_event."""
    seen: list[str] = []

    def before(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "monitor_event" in statement:
            seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_the_lookup_of_handled_events_runs_one_query_per_500_ids(session: Session) -> None:
    ids = [uuid.uuid4() for _ in range(1001)]
    observations.mark_verwerkt(session, ids[500], "StartOntvangen", None, NU)
    for n, queries in ((500, 1), (501, 2), (1000, 2), (1001, 3)):
        with lookups(session) as seen:
            found = observations.verwerkt(session, ids[:n])
        assert len(seen) == queries, n
        assert found == ({str(ids[500])} if n > 500 else set())


def test_the_idempotent_insert_is_built_once_per_dialect_table_and_key(session: Session) -> None:
    dialect = session.get_bind().dialect.name
    first = observations._insert_statement(dialect, NormRecord, ("norm", "sleutel"))
    assert observations._insert_statement(dialect, NormRecord, ("norm", "sleutel")) is first
    assert observations._insert_statement(dialect, BeeindigdRecord, ("sleutel",)) is not first


def test_a_waiting_time_equal_to_a_bound_is_in_that_bucket(session: Session) -> None:
    """Prometheus buckets are `le`: an observation of exactly the bound counts in it (and in every later one)."""
    w = observations.Waarnemingen()
    w.observaties(
        [
            Doorlooptijd("verzoek_antwoord", "k1", "Regio A", "10", 86400),
            Doorlooptijd("verzoek_antwoord", "k2", "Regio A", "10", 86401),
            Doorlooptijd("verzoek_antwoord", "k3", "Regio A", "10", 0),
            Doorlooptijd("verzoek_antwoord", "k4", "Regio B", "10", 172800),
        ],
        "B1",
        NU,
    )
    w.schrijf(session)
    assert sorted(observations.doorlooptijd_buckets(session, [0, 86400, 172800])) == [
        ("verzoek_antwoord", "Regio A", "10", 3, 172801, (1, 2, 3)),
        ("verzoek_antwoord", "Regio B", "10", 1, 172800, (0, 0, 1)),
    ]
    assert sorted(observations.doorlooptijd_buckets(session, [])) == [
        ("verzoek_antwoord", "Regio A", "10", 3, 172801, ()),
        ("verzoek_antwoord", "Regio B", "10", 1, 172800, ()),
    ]


def test_a_batch_stores_every_field_of_its_observations_and_the_first_of_a_key_wins(session: Session) -> None:
    w = observations.Waarnemingen()
    w.observaties(
        [
            Doorlooptijd("toewijzing_start", "k1", "Regio A", "45", 3600),
            NormUitkomst(
                "start_binnen_termijn", "k1", "binnen", "Regio A", date(2026, 10, 1), date(2026, 10, 9)
            ),
            Beeindiging("s1", "02", "Regio A", "45"),
        ],
        "B1",
        NU,
    )
    w.observaties(
        [
            Doorlooptijd("toewijzing_start", "k1", "Regio B", "10", 7200),
            NormUitkomst(
                "start_binnen_termijn", "k1", "buiten", "Regio B", date(2026, 10, 2), date(2026, 12, 9)
            ),
            Beeindiging("s1", "01", "Regio B", "10"),
        ],
        "B2",
        NU,
    )
    w.schrijf(session)
    d = session.exec(select(DoorlooptijdRecord)).one()
    assert (d.fase, d.sleutel, d.regio, d.productcategorie, d.seconden, d.bericht_id) == (
        "toewijzing_start",
        "k1",
        "Regio A",
        "45",
        3600,
        "B1",
    )
    n = session.exec(select(NormRecord)).one()
    assert (n.norm, n.sleutel, n.uitkomst, n.regio, n.begindatum, n.einddatum, n.bericht_id) == (
        "start_binnen_termijn",
        "k1",
        "binnen",
        "Regio A",
        date(2026, 10, 1),
        date(2026, 10, 9),
        "B1",
    )
    b = session.exec(select(BeeindigdRecord)).one()
    assert (b.sleutel, b.reden, b.regio, b.productcategorie, b.bericht_id) == (
        "s1",
        "02",
        "Regio A",
        "45",
        "B1",
    )
    assert observations.norm_aantallen(session) == [("start_binnen_termijn", "binnen", "Regio A", 1)]
    assert observations.beeindigd_aantallen(session) == [("Regio A", "45", "02", 1)]


def test_a_handled_event_is_stored_with_its_type_message_and_time_once(session: Session) -> None:
    event_id = uuid.uuid4()
    observations.mark_verwerkt(session, event_id, "StartOntvangen", "B1", NU)
    observations.mark_verwerkt(session, event_id, "StopOntvangen", "B2", NU.replace(hour=13))  # a redelivery
    r = session.exec(select(VerwerktEventRecord)).one()
    assert (r.event_id, r.type, r.bericht_id, r.verwerkt_op) == (str(event_id), "StartOntvangen", "B1", NU)
