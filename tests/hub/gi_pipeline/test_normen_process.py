"""`hub normen` after `hub process`, end to end: the monthly figures of a replayed archive add up to
jeugdhulp_norm_total of --metrics-out, under either --naar (docs/definities.md 4.4)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consumers.cli import app
from consumers.embedded import EmbeddedBroker
from tests.hub.gi_pipeline import scenario as sc
from tests.hub.gi_pipeline.helpers import AS_OF

pytestmark = [pytest.mark.kafka, pytest.mark.usefixtures("no_hub_env")]
MAANDEN = [f"2026-{n:02d}" for n in range(1, 13)]  # the story's dates lie from May to October 2026


def test_the_months_of_a_replayed_archive_add_up_to_the_counter(
    tmp_path: Path, tansu: EmbeddedBroker, topic_prefix: str
) -> None:
    runner = CliRunner()
    env = {
        "HUB_KAFKA_BOOTSTRAP_SERVERS": tansu.bootstrap,
        "HUB_KAFKA_TOPIC_PREFIX": topic_prefix,
        "HUB_KAFKA_SESSION_TIMEOUT_MS": "1000",  # Tansu answers a join after half of it
    }
    database = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    metrics = tmp_path / "metrics.prom"
    source = sc.write(tmp_path / "berichten")
    result = runner.invoke(
        app,
        [
            "process",
            str(source),
            "--as-of",
            AS_OF.isoformat(),
            "--database",
            database,
            "--metrics-out",
            str(metrics),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    counter = {
        (dict(labels)["norm"], dict(labels)["uitkomst"], dict(labels)["regio"]): value
        for (name, labels), value in sc.domain_samples(metrics.read_text()).items()
        if name == "jeugdhulp_norm_total" and value
    }
    assert sum(counter.values()) == 7

    for naar in ("einddatum", "begindatum"):
        som: Counter[tuple[str, str, str]] = Counter()
        met_uitkomsten = set()
        for maand in MAANDEN:
            out = runner.invoke(
                app, ["normen", "--database", database, "--format", "json", "--maand", maand, "--naar", naar]
            )
            assert out.exit_code == 0, out.output
            report = json.loads(out.stdout)
            assert (report["maand"], report["naar"], report["zonder_datum"]) == (maand, naar, 0)
            for row in report["normen"]:
                som[(row["norm"], "binnen", row["regio"])] += row["binnen"]
                som[(row["norm"], "buiten", row["regio"])] += row["buiten"]
                if row["totaal"]:
                    met_uitkomsten.add(maand)
        assert {k: float(v) for k, v in som.items() if v} == counter, naar
        assert len(met_uitkomsten) >= 2, naar  # the archive spans months: the sum is over more than one
