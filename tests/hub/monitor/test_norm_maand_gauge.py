"""The gauge jeugdhulp_norm_maand (docs/definities.md 4.5): the figures of `hub normen --format json` by einddatum
for the current calendar month and the one before as of the collector's today, on SQLite and PostgreSQL, and a
scrape's cost (two statements through the index on (norm, einddatum)).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine, event

from hub.monitor.collector import normen_per_maand
from hub.monitor.maand import Maand, gauge_maanden
from hub.monitor.norms import ANTWOORD_VERZOEK, GEDRAGEN_KOERS, JEUGDBESCHERMER, PASSENDE_HULP
from hub.store.db import session_factory
from tests.hub.gi_pipeline import scenario as sc
from tests.hub.gi_pipeline.helpers import Pipeline
from tests.hub.monitor.helpers import registry
from tests.hub.monitor.test_maand import ANDERE, R, normen, schrijf, zonder_datums
from tests.hub.store.plans import plans

pytestmark = pytest.mark.usefixtures("no_hub_env")

NAME = "jeugdhulp_norm_maand"
Series = tuple[str, str, str, str]  # norm, uitkomst, regio, maand


def gauge(reg: CollectorRegistry) -> dict[Series, float]:
    return {
        (s.labels["norm"], s.labels["uitkomst"], s.labels["regio"], s.labels["maand"]): s.value
        for m in reg.collect()
        if m.name == NAME
        for s in m.samples
    }


def hub_normen(db: Engine, *maanden: str) -> dict[Series, float]:
    """`hub normen --format json --maand M` per month, as the gauge's series: the rows that have a regio."""
    found: dict[Series, float] = {}
    for maand in maanden:
        report = normen(db, "--maand", maand)
        assert report["maand"] == maand and report["naar"] == "einddatum"
        rows: Any = report["normen"]
        for row in rows:
            if row["regio"] is not None:
                found[(row["norm"], "binnen", row["regio"], maand)] = row["binnen"]
                found[(row["norm"], "buiten", row["regio"], maand)] = row["buiten"]
    return found


def outcomes_around_march(db: Engine) -> None:
    """Outcomes on either side of the edges of February and March 2026, in two regio's, and two without dates."""
    schrijf(
        db,
        # 31 January and 1 April: neither month.
        (GEDRAGEN_KOERS, "gi_maatregel:1", R, date(2026, 1, 1), date(2026, 1, 31)),
        (ANTWOORD_VERZOEK, "v:1", R, date(2026, 3, 30), date(2026, 4, 1)),
        # 1 and 28 February.
        (GEDRAGEN_KOERS, "gi_maatregel:2", R, date(2026, 1, 1), date(2026, 2, 1)),  # 31 days: binnen
        (JEUGDBESCHERMER, "gi_maatregel:2", R, date(2026, 1, 1), date(2026, 2, 28)),  # buiten
        (ANTWOORD_VERZOEK, "v:2", ANDERE, date(2026, 2, 2), date(2026, 2, 28)),  # buiten
        # 1 and 31 March.
        (PASSENDE_HULP, "gi_bepaling:1", R, date(2025, 12, 31), date(2026, 3, 1)),  # binnen
        (PASSENDE_HULP, "gi_bepaling:2", R, date(2025, 11, 30), date(2026, 3, 31)),  # buiten
        (ANTWOORD_VERZOEK, "v:3", R, date(2026, 3, 26), date(2026, 3, 31)),  # 3 working days: binnen
    )
    zonder_datums(
        db, (PASSENDE_HULP, "gi_bepaling:9", "buiten", R), (ANTWOORD_VERZOEK, "v:9", "binnen", ANDERE)
    )


def test_as_of_the_first_of_march_february_and_march_as_hub_normen_gives_them(db: Engine) -> None:
    outcomes_around_march(db)
    found = gauge(registry(db, date(2026, 3, 1)))
    assert found == hub_normen(db, "2026-02", "2026-03")
    assert {maand for *_, maand in found} == {"2026-02", "2026-03"}
    # Every norm, both outcomes, for each regio with an outcome that month; nothing for a regio without one.
    assert len(found) == 4 * 2 * 2 + 4 * 2  # February: both regio's; March: R alone
    assert found[(GEDRAGEN_KOERS, "binnen", R, "2026-02")] == 1
    assert found[(JEUGDBESCHERMER, "buiten", R, "2026-02")] == 1
    assert found[(ANTWOORD_VERZOEK, "buiten", ANDERE, "2026-02")] == 1
    assert found[(PASSENDE_HULP, "binnen", R, "2026-03")] == 1
    assert found[(PASSENDE_HULP, "buiten", R, "2026-03")] == 1
    assert found[(ANTWOORD_VERZOEK, "binnen", R, "2026-03")] == 1
    assert (ANTWOORD_VERZOEK, "binnen", ANDERE, "2026-03") not in found
    # Summed, the two months hold every dated outcome but those of 31 January and 1 April; none without dates.
    assert sum(found.values()) == 6


def test_today_moves_the_two_months_along(db: Engine) -> None:
    """Like the other gauges, `hub process --as-of` (the collector's clock) picks the months."""
    outcomes_around_march(db)
    for today, months in (
        (date(2026, 3, 31), ("2026-02", "2026-03")),
        (date(2026, 4, 1), ("2026-03", "2026-04")),
        (date(2026, 2, 15), ("2026-01", "2026-02")),
    ):
        found = gauge(registry(db, today))
        assert found == hub_normen(db, *months), today
        assert {maand for *_, maand in found} == set(months)


def test_many_months_of_outcomes_still_give_two_maand_values(db: Engine) -> None:
    schrijf(
        db,
        *(
            (ANTWOORD_VERZOEK, f"v:{jaar}-{maand}", R, date(jaar, maand, 1), date(jaar, maand, 2))
            for jaar in (2025, 2026)
            for maand in range(1, 13)
        ),
    )
    found = gauge(registry(db, date(2026, 7, 10)))
    assert {maand for *_, maand in found} == {"2026-06", "2026-07"}
    assert found == hub_normen(db, "2026-06", "2026-07")


def test_a_month_without_outcomes_has_no_series(db: Engine) -> None:
    """On the 1st, before any outcome of the new month, only the month before is there (docs: Grafana's table
    then has no row of this month); an empty store exposes the family without samples."""
    assert gauge(registry(db, date(2026, 3, 1))) == {}
    schrijf(db, (ANTWOORD_VERZOEK, "v:1", R, date(2026, 2, 20), date(2026, 2, 26)))
    found = gauge(registry(db, date(2026, 3, 1)))
    assert {maand for *_, maand in found} == {"2026-02"}
    assert found[(ANTWOORD_VERZOEK, "binnen", R, "2026-02")] == 1
    assert hub_normen(db, "2026-03") == {}


def test_the_first_of_january_shows_december_of_the_year_before(db: Engine) -> None:
    schrijf(db, (GEDRAGEN_KOERS, "gi_maatregel:1", R, date(2026, 12, 1), date(2026, 12, 31)))
    schrijf(db, (GEDRAGEN_KOERS, "gi_maatregel:2", R, date(2026, 12, 1), date(2027, 1, 1)))
    found = gauge(registry(db, date(2027, 1, 1)))
    assert found == hub_normen(db, "2026-12", "2027-01")
    assert (
        found[(GEDRAGEN_KOERS, "binnen", R, "2026-12")]
        == found[(GEDRAGEN_KOERS, "binnen", R, "2027-01")]
        == 1
    )
    assert gauge_maanden(date(2027, 1, 1)) == (Maand(2026, 12), Maand(2027, 1))
    assert gauge_maanden(date(2026, 3, 31)) == (Maand(2026, 2), Maand(2026, 3))
    assert gauge_maanden(date(1, 1, 1)) == (Maand(1, 1),)  # no month before the first a date can hold


def test_no_label_is_dropped(db: Engine) -> None:
    """HUB_METRICS_DROP_LABELS drops only gemeente and aanbieder; the gauge has neither, and regio stays."""
    outcomes_around_march(db)
    as_of = date(2026, 3, 1)
    assert gauge(registry(db, as_of, drop=("gemeente", "aanbieder", "regio", "maand"))) == gauge(
        registry(db, as_of)
    )


def test_the_story_through_intake_and_processors(db: Engine) -> None:
    """The story of tests/hub/gi_pipeline/scenario.py as of 1 October 2026: September's outcomes, as hub normen."""
    p = Pipeline(db)
    for _, bericht, spec in sc.in_volgorde():
        p.stuur(bericht, spec)
    found = gauge(p.registry(date(2026, 10, 1)))
    assert found == hub_normen(db, "2026-09", "2026-10")
    september = {(n, u): v for (n, u, _, maand), v in found.items() if maand == "2026-09"}
    assert september == {
        (ANTWOORD_VERZOEK, "binnen"): 1, (ANTWOORD_VERZOEK, "buiten"): 0,
        (PASSENDE_HULP, "binnen"): 1, (PASSENDE_HULP, "buiten"): 1,
        (JEUGDBESCHERMER, "binnen"): 0, (JEUGDBESCHERMER, "buiten"): 0,
        (GEDRAGEN_KOERS, "binnen"): 0, (GEDRAGEN_KOERS, "buiten"): 1,
    }  # fmt: skip


def test_a_scrape_reads_the_two_months_through_the_einddatum_index(sqlite_db: Engine) -> None:
    """Two statements per scrape for this gauge, each a SEARCH of (norm, einddatum): the cost of a month, not of
    every outcome ever counted. SQLite plans from the schema alone, as a large store would."""
    outcomes_around_march(sqlite_db)
    ran: list[str] = []

    def on_execute(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "monitor_norm" in statement and "einddatum" in statement:
            ran.append(statement)

    event.listen(sqlite_db, "before_cursor_execute", on_execute)
    try:
        list(registry(sqlite_db, date(2026, 3, 1)).collect())
    finally:
        event.remove(sqlite_db, "before_cursor_execute", on_execute)
    assert len(ran) == 2
    with session_factory(sqlite_db)() as s:
        found = plans(sqlite_db, lambda: normen_per_maand(s, date(2026, 3, 1)))
    assert found == {
        "monitor_norm": [
            "SEARCH monitor_norm USING INDEX ix_monitor_norm_einddatum (norm=? AND einddatum>? AND einddatum<?)"
        ]
    }
