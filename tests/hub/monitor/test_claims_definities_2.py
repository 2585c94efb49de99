"""Claims of docs/definities.md sections 4-6 that no other test held, each test naming the section it holds.

State rows are written as the intake leaves them (tests.hub.monitor.test_collector.Store), norm outcomes through
the processors' own writer (tests.hub.monitor.test_maand.schrijf), GI messages through the intake and processors
(tests.hub.gi_pipeline.helpers.Pipeline); the collector reads them as a scrape does.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine
from typer.testing import CliRunner

from hub.cli import app
from hub.monitor.collector import MonitorCollector
from hub.monitor.norms import ANTWOORD_VERZOEK, PASSENDE_HULP
from hub.monitor.registry import Regios
from hub.store import facts
from hub.store.db import session_factory
from hub.store.tables import AntwoordRecord
from tests.hub.gi_pipeline import berichten as gm
from tests.hub.gi_pipeline.helpers import Pipeline
from tests.hub.monitor.helpers import registry
from tests.hub.monitor.test_collector import AGB, APELDOORN, NOW, Store
from tests.hub.monitor.test_maand import NORMEN, R, per_norm, schrijf, url, zonder_datums

pytestmark = pytest.mark.usefixtures("no_hub_env")

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[3]
RECORDING_RULES = ROOT / "deploy" / "prometheus" / "recording_rules.yml"
PROMTOOL = shutil.which("promtool")


@pytest.fixture
def store(db: Engine) -> Iterator[Store]:
    with session_factory(db)() as session:
        yield Store(session)
        session.commit()


# ---- 4.2 and 6.9: the first answer to a verzoek -----------------------------------------------------


def antwoord(store: Store, ref: str, dag: date, validated: datetime) -> None:
    """A JW319 "in onderzoek" about `ref`, accepted at `validated`."""
    store.s.add(
        AntwoordRecord(
            gemeente=APELDOORN, aanbieder=AGB, referentie_aanbieder=ref, verzoek_antwoord="2", dagtekening=dag,
            bericht_id=store.bericht(validated),
        )
    )  # fmt: skip


def test_the_answer_accepted_first_wins_and_at_an_equal_moment_the_toewijzing(store: Store) -> None:
    """docs/definities.md 4.2 and 6.9: the first answer is the one the hub accepted first, whatever its date; at an
    equal moment of acceptance the toewijzing goes first (A), else the earlier accepted JW319 (B)."""
    for ref in ("A", "B"):
        store.verzoek(ref, date(2026, 10, 1))
    store.toewijzing(1, date(2026, 10, 12), referentie_aanbieder="A")  # accepted at NOW
    antwoord(store, "A", date(2026, 10, 5), NOW)  # dated earlier, accepted at the same moment
    store.toewijzing(2, date(2026, 10, 12), referentie_aanbieder="B")  # accepted at NOW
    antwoord(store, "B", date(2026, 10, 14), NOW - timedelta(seconds=1))  # dated later, accepted before
    store.s.commit()

    def eerste(ref: str) -> date | None:
        toewijzing = facts.toegewezen(store.s, APELDOORN, AGB, ref)
        return facts.eerste_antwoord(store.s, APELDOORN, AGB, ref, toewijzing)

    assert eerste("A") == date(2026, 10, 12)
    assert eerste("B") == date(2026, 10, 14)


# ---- 4.3 and 6.6: gi_bepalingen_total -------------------------------------------------------------


def bepalingen(db: Engine, regios: Regios) -> dict[tuple[str, str, str], float]:
    reg = CollectorRegistry()
    reg.register(MonitorCollector(session_factory(db), regios, clock=lambda: date(2026, 11, 1)))
    return {
        (s.labels["gi"], s.labels["regio"], s.labels["productcategorie"]): s.value
        for m in reg.collect()
        if m.name == "gi_bepalingen"
        for s in m.samples
    }


def test_every_new_bepaling_counts_once_a_withdrawal_never_and_the_regio_is_read_at_the_scrape(
    db: Engine,
) -> None:
    """docs/definities.md 4.3 and 6.6: each accepted new bepaling counts once under the Categorie of its Product;
    a correction (withdrawal plus the bepaling again) counts twice, a withdrawal alone takes nothing off; the regio
    is that of the GI001's gemeente in the gemeente list of the scrape (6.14)."""
    p, kind, dag = Pipeline(db), gm.kind(1), date(2026, 10, 1)
    p.stuur("GI001", gm.gi001(kind, dag, "B1", gm.bepaling("B-1", dag)))
    p.stuur("GI001", gm.gi001(kind, dag, "B2", gm.intrekking("B-1", dag), gm.bepaling("B-1", dag)))
    p.stuur(
        "GI001", gm.gi001(kind, dag, "B3", gm.bepaling("B-2", dag, categorie=gm.CAT_B, maatregel_id="M-2"))
    )
    p.stuur(
        "GI001", gm.gi001(kind, dag, "B4", gm.intrekking("B-2", dag, categorie=gm.CAT_B, maatregel_id="M-2"))
    )
    assert bepalingen(db, Regios.from_file()) == {(gm.GI, R, gm.CAT): 2, (gm.GI, R, gm.CAT_B): 1}
    # The same store, scraped with a gemeente list that has moved the gemeente to another regio since.
    assert bepalingen(db, Regios({gm.GEMEENTE: "Elders"})) == {
        (gm.GI, "Elders", gm.CAT): 2,
        (gm.GI, "Elders", gm.CAT_B): 1,
    }


# ---- 4.4: hub normen ------------------------------------------------------------------------------


def test_an_einddatum_before_its_begindatum_counts_in_the_month_of_each_date(db: Engine) -> None:
    """docs/definities.md 4.4 (and 6.5): an outcome whose einddatum lies before its begindatum is binnen, and counts
    in the month of its einddatum by einddatum and in that of its begindatum by begindatum."""
    schrijf(db, (ANTWOORD_VERZOEK, "a:1", R, date(2026, 4, 2), date(2026, 3, 30)))
    maart = json.loads(
        runner.invoke(app, ["normen", "--database", url(db), "--maand", "2026-03", "--format", "json"]).stdout
    )
    april = json.loads(
        runner.invoke(
            app,
            [
                "normen",
                "--database",
                url(db),
                "--maand",
                "2026-04",
                "--naar",
                "begindatum",
                "--format",
                "json",
            ],
        ).stdout
    )
    assert per_norm(maart)[ANTWOORD_VERZOEK] == (1, 0)
    assert per_norm(april)[ANTWOORD_VERZOEK] == (1, 0)
    for leeg in (("--maand", "2026-04"), ("--maand", "2026-03", "--naar", "begindatum")):
        report = json.loads(
            runner.invoke(app, ["normen", "--database", url(db), *leeg, "--format", "json"]).stdout
        )
        assert per_norm(report) == {}


def test_json_and_csv_name_the_outcomes_without_dates_on_stderr_the_text_in_its_table(db: Engine) -> None:
    """docs/definities.md 4.4: both machine formats warn on stderr (their stdout stays parseable), the text says it
    below the table; with none there is no warning."""
    args = ["normen", "--database", url(db), "--maand", "2026-04"]
    leeg = runner.invoke(app, [*args, "--format", "json"])
    assert leeg.exit_code == 0 and leeg.stderr == ""
    zonder_datums(db, (PASSENDE_HULP, "gi_bepaling:1", "buiten", R))
    for fmt in ("json", "csv"):
        result = runner.invoke(app, [*args, "--format", fmt])
        assert result.exit_code == 0, result.output
        assert result.stderr.startswith("warning: 1 outcomes without dates: stored before this release"), fmt
    as_json = runner.invoke(app, [*args, "--format", "json"])
    assert json.loads(as_json.stdout)["zonder_datum"] == 1
    text = runner.invoke(app, args)
    assert text.stderr == "" and "outcomes without dates: 1 (" in text.stdout


def test_without_database_hub_normen_reads_hub_database_url(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/definities.md 4.4: --database, else HUB_DATABASE_URL."""
    schrijf(db, (ANTWOORD_VERZOEK, "a:1", R, date(2026, 4, 1), date(2026, 4, 7)))
    monkeypatch.setenv("HUB_DATABASE_URL", url(db))
    result = runner.invoke(app, ["normen", "--maand", "2026-04", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert per_norm(json.loads(result.stdout))[ANTWOORD_VERZOEK] == (1, 0)
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:9/x")
    assert runner.invoke(app, ["normen", "--maand", "2026-04", "--database", url(db)]).exit_code == 0


# ---- 4.5: jeugdhulp_norm_maand --------------------------------------------------------------------


def test_a_regio_the_gemeente_list_no_longer_names_keeps_its_series(db: Engine) -> None:
    """docs/definities.md 4.5 and 6.14: the gauge's regio is the one stored with the outcome, so a regio the
    gemeente list no longer names (after a herindeling) has its series beside those of the list."""
    schrijf(
        db,
        (ANTWOORD_VERZOEK, "a:1", "Oude Regio", date(2026, 4, 1), date(2026, 4, 7)),
        (ANTWOORD_VERZOEK, "a:2", R, date(2026, 4, 1), date(2026, 4, 14)),  # 7 working days
    )
    reg = registry(db, date(2026, 4, 30))
    maand = {
        (s.labels["norm"], s.labels["uitkomst"], s.labels["regio"]): s.value
        for m in reg.collect()
        if m.name == "jeugdhulp_norm_maand"
        for s in m.samples
        if s.labels["maand"] == "2026-04"
    }
    assert {regio for _, _, regio in maand} == {"Oude Regio", R}
    assert len(maand) == len(NORMEN) * 2 * 2
    assert maand[(ANTWOORD_VERZOEK, "binnen", "Oude Regio")] == 1
    assert maand[(ANTWOORD_VERZOEK, "buiten", R)] == 1
    assert (
        reg.get_sample_value(
            "jeugdhulp_norm_total", {"norm": ANTWOORD_VERZOEK, "uitkomst": "binnen", "regio": "Oude Regio"}
        )
        == 1
    )


# ---- 5: a percentile above 365 days ---------------------------------------------------------------


RULE_TEST = """
rule_files:
  - {rules}
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'jeugdhulp_doorlooptijd_seconds_bucket{{fase="bepaling_tot_start",regio="Arnhem",productcategorie="45",le="86400.0",instance="a"}}'
        values: '1x10'
      - series: 'jeugdhulp_doorlooptijd_seconds_bucket{{fase="bepaling_tot_start",regio="Arnhem",productcategorie="45",le="3.1536e+07",instance="a"}}'
        values: '1x10'
      - series: 'jeugdhulp_doorlooptijd_seconds_bucket{{fase="bepaling_tot_start",regio="Arnhem",productcategorie="45",le="+Inf",instance="a"}}'
        values: '4x10'
      - series: 'jeugdhulp_doorlooptijd_seconds_count{{fase="bepaling_tot_start",regio="Arnhem",productcategorie="45",instance="a"}}'
        values: '4x10'
    promql_expr_test:
      - expr: fase_regio:jeugdhulp_doorlooptijd_seconds:p50
        eval_time: 5m
        exp_samples:
          - labels: 'fase_regio:jeugdhulp_doorlooptijd_seconds:p50{{fase="bepaling_tot_start",regio="Arnhem"}}'
            value: 31536000
"""


@pytest.mark.prometheus
@pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (apt-get install -y prometheus)")
def test_a_median_above_365_days_shows_365_days(tmp_path: Path) -> None:
    """docs/definities.md 5: histogram_quantile puts a percentile that falls above the last bucket on its bound:
    one observation of a day and three of over a year give a median of 365 days, not more."""
    assert PROMTOOL is not None
    unit_test = tmp_path / "p50_test.yml"
    unit_test.write_text(RULE_TEST.format(rules=RECORDING_RULES), encoding="utf-8")
    result = subprocess.run(
        [PROMTOOL, "test", "rules", str(unit_test)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
