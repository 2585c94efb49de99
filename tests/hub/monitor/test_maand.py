"""Monthly norm figures (`hub normen`, docs/definities.md 4.4): the dates each outcome stores, the month it counts
in under either --naar, the outcomes without dates, and the command's formats and refusals, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlmodel import select
from typer.testing import CliRunner

import hub.cli_store
from hub.cli import app
from hub.monitor.maand import Maand, NormCijfer, maandcijfers
from hub.monitor.model import NormUitkomst
from hub.monitor.norms import ANTWOORD_VERZOEK, GEDRAGEN_KOERS, JEUGDBESCHERMER, PASSENDE_HULP, uitkomst
from hub.store.db import alembic_config, session_factory, upgrade
from hub.store.monitor_tables import NormRecord
from hub.store.observations import Waarnemingen
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline import scenario as sc
from tests.hub.gi_pipeline.helpers import AS_OF, Pipeline

pytestmark = pytest.mark.usefixtures("no_hub_env")

R = m.REGIO  # Midden IJssel-Oost Veluwe
ANDERE = "Achterhoek"
NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
NORMEN = [ANTWOORD_VERZOEK, PASSENDE_HULP, JEUGDBESCHERMER, GEDRAGEN_KOERS]
runner = CliRunner()


def url(db: Engine) -> str:
    return db.url.render_as_string(hide_password=False)


def schrijf(db: Engine, *rijen: tuple[str, str, str, date, date]) -> None:
    """Norm outcomes (norm, sleutel, regio, begin, eind) through the processors' own writer, outcome computed."""
    w = Waarnemingen()
    w.observaties(
        (NormUitkomst(n, k, uitkomst(n, b, e), regio, b, e) for n, k, regio, b, e in rijen), "b" * 32, NOW
    )
    with session_factory(db)() as s:
        w.schrijf(s)
        s.commit()


def zonder_datums(db: Engine, *rijen: tuple[str, str, str, str]) -> None:
    """Outcomes (norm, sleutel, uitkomst, regio) as a store before migration 0013 holds them: without dates."""
    with session_factory(db)() as s:
        for n, k, u, regio in rijen:
            s.add(NormRecord(norm=n, sleutel=k, uitkomst=u, regio=regio, observed_at=NOW))
        s.commit()


def normen(db: Engine, *args: str) -> dict[str, object]:
    result = runner.invoke(app, ["normen", "--database", url(db), "--format", "json", *args])
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


def per_norm(report: dict[str, object], regio: str | None = R) -> dict[str, tuple[int, int]]:
    rows = report["normen"]
    assert isinstance(rows, list)
    return {r["norm"]: (r["binnen"], r["buiten"]) for r in rows if r["regio"] == regio}


# ---- the dates stored, through the intake and the processors ---------------------------------------------


def test_each_norm_stores_the_two_dates_it_compared(db: Engine) -> None:
    """The story of tests/hub/gi_pipeline/scenario.py: all four norms, their dates as the definitions name them."""
    p = Pipeline(db)
    for _, bericht, spec in sc.in_volgorde():
        p.stuur(bericht, spec)
    with p.session() as s:
        stored = {
            (r.norm, r.begindatum, r.einddatum, r.uitkomst, r.regio) for r in s.exec(select(NormRecord))
        }
    assert stored == {
        # JW315 Dagtekening -> the Toewijzingsdatum of the toewijzing that answers it
        (ANTWOORD_VERZOEK, sc.VOT_A, sc.TW_A, "binnen", R),
        # DatumBepaling -> Begindatum of the linked start
        (PASSENDE_HULP, date(2026, 8, 28), sc.START_A, "binnen", R),
        (PASSENDE_HULP, date(2026, 5, 1), sc.START_C, "buiten", R),
        # DatumUitspraak -> DatumVasteJeugdbeschermer / DatumGedragenKoers (that of M-A in a later GI002)
        (JEUGDBESCHERMER, date(2026, 8, 3), date(2026, 8, 7), "binnen", R),
        (JEUGDBESCHERMER, date(2026, 5, 4), date(2026, 5, 18), "buiten", R),
        (GEDRAGEN_KOERS, date(2026, 8, 3), date(2026, 9, 21), "buiten", R),
        (GEDRAGEN_KOERS, date(2026, 5, 4), date(2026, 6, 1), "binnen", R),
    }


def test_the_story_by_month_sums_to_the_counter(db: Engine) -> None:
    """Summed over the months, either way, the figures are jeugdhulp_norm_total (every outcome has its dates)."""
    p = Pipeline(db)
    for _, bericht, spec in sc.in_volgorde():
        p.stuur(bericht, spec)
    reg = p.registry(AS_OF)
    teller = {
        (n, u): reg.get_sample_value("jeugdhulp_norm_total", {"norm": n, "uitkomst": u, "regio": R})
        for n in NORMEN
        for u in ("binnen", "buiten")
    }
    for naar in ("einddatum", "begindatum"):
        som = dict.fromkeys(teller, 0)
        maand = Maand(2026, 1)
        with p.session() as s:
            while maand <= Maand(2026, 12):
                cijfers = maandcijfers(s, maand, naar)
                assert cijfers.zonder_datum == 0
                for c in cijfers.normen:
                    som[(c.norm, "binnen")] += c.binnen
                    som[(c.norm, "buiten")] += c.buiten
                maand = maand.volgende
        assert som == teller, naar
    with p.session() as s:
        september = maandcijfers(s, Maand(2026, 9), "einddatum")
        augustus = maandcijfers(s, Maand(2026, 8), "begindatum")
    assert {c.norm: (c.binnen, c.buiten) for c in september.normen} == {
        ANTWOORD_VERZOEK: (1, 0),
        PASSENDE_HULP: (1, 1),  # both starts in September, one bepaling of May
        JEUGDBESCHERMER: (0, 0),
        GEDRAGEN_KOERS: (0, 1),
    }
    assert {c.norm: (c.binnen, c.buiten) for c in augustus.normen} == {
        ANTWOORD_VERZOEK: (0, 0),
        PASSENDE_HULP: (1, 0),  # the bepaling of 28 August, started in September
        JEUGDBESCHERMER: (1, 0),
        GEDRAGEN_KOERS: (0, 1),
    }


# ---- which month -----------------------------------------------------------------------------------------


def test_the_last_day_of_a_month_and_the_first_of_the_next_fall_in_their_own_months(db: Engine) -> None:
    schrijf(
        db,
        # 31 December -> 31 January: 23 days, within 6 weeks
        (GEDRAGEN_KOERS, "gi_maatregel:1", R, date(2025, 12, 31), date(2026, 1, 31)),
        # 1 January -> 1 February (Sunday): 31 days, within 6 weeks
        (GEDRAGEN_KOERS, "gi_maatregel:2", R, date(2026, 1, 1), date(2026, 2, 1)),
        # 1 January -> 31 January: 20 working days, not within 5
        (JEUGDBESCHERMER, "gi_maatregel:2", R, date(2026, 1, 1), date(2026, 1, 31)),
    )
    eind = {maand: per_norm(normen(db, "--maand", maand)) for maand in ("2025-12", "2026-01", "2026-02")}
    assert eind["2025-12"] == {}  # no regio has an outcome: each norm once, without a regio
    assert eind["2026-01"] == {
        ANTWOORD_VERZOEK: (0, 0), PASSENDE_HULP: (0, 0), JEUGDBESCHERMER: (0, 1), GEDRAGEN_KOERS: (1, 0)
    }  # fmt: skip
    assert eind["2026-02"][GEDRAGEN_KOERS] == (1, 0) and eind["2026-02"][JEUGDBESCHERMER] == (0, 0)
    begin = {
        maand: per_norm(normen(db, "--maand", maand, "--naar", "begindatum"))
        for maand in ("2025-12", "2026-01", "2026-02")
    }
    assert begin["2025-12"][GEDRAGEN_KOERS] == (1, 0) and begin["2025-12"][JEUGDBESCHERMER] == (0, 0)
    assert begin["2026-01"][GEDRAGEN_KOERS] == (1, 0) and begin["2026-01"][JEUGDBESCHERMER] == (0, 1)
    assert begin["2026-02"] == {}
    report = normen(db, "--maand", "2025-12")
    assert report["normen"] == [
        {"norm": n, "regio": None, "binnen": 0, "buiten": 0, "totaal": 0, "percentage_binnen": None}
        for n in NORMEN
    ]


def test_the_first_and_the_last_month_a_date_can_have(db: Engine) -> None:
    """December 9999 has no month after it: its last day still counts (it was an internal error)."""
    schrijf(db, (GEDRAGEN_KOERS, "gi_maatregel:1", R, date(9999, 12, 1), date(9999, 12, 31)))
    assert per_norm(normen(db, "--maand", "9999-12"))[GEDRAGEN_KOERS] == (1, 0)
    assert per_norm(normen(db, "--maand", "9999-12", "--naar", "begindatum"))[GEDRAGEN_KOERS] == (1, 0)
    assert per_norm(normen(db, "--maand", "0001-01")) == {}


def test_the_default_month_is_the_one_before_today_in_the_netherlands(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hub.cli_store, "vandaag", lambda: date(2026, 1, 1))
    assert normen(db)["maand"] == "2025-12"
    monkeypatch.setattr(hub.cli_store, "vandaag", lambda: date(2026, 3, 31))
    assert normen(db)["maand"] == "2026-02"
    assert Maand.vorige(date(2026, 1, 15)) == Maand(2025, 12)


def test_the_month_after_december_is_january_of_the_next_year() -> None:
    assert Maand(2026, 12).volgende == Maand(2027, 1)
    assert Maand(2026, 11).volgende == Maand(2026, 12)
    assert str(Maand(2026, 12).volgende) == "2027-01"


@pytest.mark.parametrize(
    "maand", ["2026-13", "2026-00", "2026-1", "26-01", "januari", "2026-01-01", "0000-12"]
)
def test_a_month_that_is_none_is_a_usage_error(maand: str, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["normen", "--database", f"sqlite:///{tmp_path / 'x.sqlite'}", "--maand", maand]
    )
    assert result.exit_code == 2
    assert result.output == f"error: --maand: {maand!r} is not a month (YYYY-MM)\n"


def test_percentage_binnen_to_one_decimal_half_up() -> None:
    assert NormCijfer("n", R, 2, 1).percentage_binnen == 66.7
    assert NormCijfer("n", R, 1, 15).percentage_binnen == 6.3  # 6.25: half up, not to even
    assert NormCijfer("n", R, 3, 0).percentage_binnen == 100.0
    assert NormCijfer("n", R, 0, 0).percentage_binnen is None


# ---- regio's, outcomes without dates ----------------------------------------------------------------------


def test_outcomes_without_dates_are_counted_apart_and_in_no_month(db: Engine) -> None:
    zonder_datums(
        db, (PASSENDE_HULP, "gi_bepaling:1", "buiten", R), (ANTWOORD_VERZOEK, "x:1", "binnen", ANDERE)
    )
    schrijf(db, (PASSENDE_HULP, "gi_bepaling:2", R, date(2026, 3, 2), date(2026, 4, 1)))
    for naar in ("einddatum", "begindatum"):
        report = normen(db, "--maand", "2026-04" if naar == "einddatum" else "2026-03", "--naar", naar)
        assert per_norm(report)[PASSENDE_HULP] == (1, 0)
        assert report["zonder_datum"] == 2
    assert normen(db, "--maand", "2026-04", "--regio", ANDERE)["zonder_datum"] == 1
    text = runner.invoke(app, ["normen", "--database", url(db), "--maand", "2026-04"])
    assert text.exit_code == 0, text.output
    assert "outcomes without dates: 2 (stored before this release" in text.stdout
    assert "`hub process`" in text.stdout
    assert "gi_maatregelen_wachtend_boven_norm" in text.stdout  # where the open cases are
    as_csv = runner.invoke(app, ["normen", "--database", url(db), "--maand", "2026-04", "--format", "csv"])
    assert as_csv.exit_code == 0
    assert as_csv.stderr.startswith("warning: 2 outcomes without dates: stored before this release")


def test_a_regio_asked_for_has_a_row_for_every_norm_also_without_outcomes(db: Engine) -> None:
    schrijf(db, (ANTWOORD_VERZOEK, "a:1", R, date(2026, 4, 1), date(2026, 4, 7)))
    schrijf(db, (ANTWOORD_VERZOEK, "a:2", ANDERE, date(2026, 4, 1), date(2026, 4, 9)))
    alle = normen(db, "--maand", "2026-04")
    assert [(r["norm"], r["regio"]) for r in alle["normen"]] == [  # type: ignore[attr-defined]
        (n, regio) for n in NORMEN for regio in (ANDERE, R)
    ]
    # Spelled as the gemeente list spells it, whatever the case, spaces, dashes and dots.
    gevraagd = normen(
        db, "--maand", "2026-04", "--regio", "FOOD-VALLEY", "--regio", "midden ijssel oost veluwe"
    )
    rows = gevraagd["normen"]
    assert [(r["norm"], r["regio"]) for r in rows] == [  # type: ignore[attr-defined]
        (n, regio) for n in NORMEN for regio in ("Food Valley", R)
    ]
    assert per_norm(gevraagd, "Food Valley") == dict.fromkeys(NORMEN, (0, 0))
    assert per_norm(gevraagd)[ANTWOORD_VERZOEK] == (1, 0)


def test_an_unknown_regio_is_a_usage_error_naming_the_known_ones(db: Engine) -> None:
    result = runner.invoke(app, ["normen", "--database", url(db), "--regio", "Fod Valley"])
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith("error: --regio: unknown regio 'Fod Valley'; did you mean 'Food Valley'")
    assert "(known: Achterhoek, " in line and "onbekend)" in line


def test_a_regio_only_the_store_knows_can_be_asked_for(db: Engine) -> None:
    """A regio renamed in the gemeente list since its outcomes were counted (docs/definities.md 6.14)."""
    schrijf(db, (ANTWOORD_VERZOEK, "a:1", "Oude Regio", date(2026, 4, 1), date(2026, 4, 7)))
    assert per_norm(normen(db, "--maand", "2026-04", "--regio", "oude regio"), "Oude Regio")[
        ANTWOORD_VERZOEK
    ] == (
        1,
        0,
    )


# ---- formats --------------------------------------------------------------------------------------------


def test_the_three_formats_carry_the_same_figures(db: Engine) -> None:
    schrijf(
        db,
        (ANTWOORD_VERZOEK, "a:1", R, date(2026, 4, 1), date(2026, 4, 7)),
        (ANTWOORD_VERZOEK, "a:2", R, date(2026, 4, 13), date(2026, 4, 21)),  # the 6th working day
        (ANTWOORD_VERZOEK, "a:3", R, date(2026, 4, 2), date(2026, 4, 8)),  # over Easter: the 2nd
    )
    args = ["normen", "--database", url(db), "--maand", "2026-04"]
    report = json.loads(runner.invoke(app, [*args, "--format", "json"]).stdout)
    assert set(report) == {"maand", "naar", "normen", "zonder_datum"}
    assert (report["maand"], report["naar"], report["zonder_datum"]) == ("2026-04", "einddatum", 0)
    assert report["normen"][0] == {
        "norm": ANTWOORD_VERZOEK,
        "regio": R,
        "binnen": 2,
        "buiten": 1,
        "totaal": 3,
        "percentage_binnen": 66.7,
    }

    result = runner.invoke(app, [*args, "--format", "csv"])
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "maand,naar,norm,regio,binnen,buiten,totaal,percentage_binnen"
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 4
    assert rows[0] == {
        "maand": "2026-04",
        "naar": "einddatum",
        "norm": ANTWOORD_VERZOEK,
        "regio": R,
        "binnen": "2",
        "buiten": "1",
        "totaal": "3",
        "percentage_binnen": "66.7",
    }
    assert rows[1]["percentage_binnen"] == ""  # no outcome: no percentage

    text = runner.invoke(app, args).stdout.splitlines()
    assert text[0].startswith("norm outcomes of 2026-04, by einddatum")
    assert text[2].split() == ["norm", "regio", "binnen", "buiten", "totaal", "%", "binnen"]
    assert text[3].split() == [ANTWOORD_VERZOEK, *R.split(), "2", "1", "3", "66.7"]
    assert text[4].split()[-4:] == ["0", "0", "0", "-"]


def test_a_month_without_outcomes_lists_each_norm_once_without_a_regio(db: Engine) -> None:
    """No regio has an outcome: one row per norm, regio "-" in the text (the default format), in aligned columns."""
    assert normen(db, "--maand", "2026-04")["normen"] == [
        {"norm": n, "regio": None, "binnen": 0, "buiten": 0, "totaal": 0, "percentage_binnen": None}
        for n in NORMEN
    ]
    text = runner.invoke(app, ["normen", "--database", url(db), "--maand", "2026-04"])
    assert text.exit_code == 0, text.output
    assert text.stdout.splitlines()[2:7] == [
        "norm                          regio  binnen  buiten  totaal  % binnen",
        "antwoord_verzoek_5_werkdagen  -           0       0       0         -",
        "passende_hulp_3_maanden       -           0       0       0         -",
        "jeugdbeschermer_5_werkdagen   -           0       0       0         -",
        "gedragen_koers_6_weken        -           0       0       0         -",
    ]
    assert "\noutcomes without dates: 0\n" in text.stdout  # no note on how to give them dates


# ---- the store ------------------------------------------------------------------------------------------


HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_a_store_not_migrated_to_this_release_is_refused_in_one_line(tmp_path: Path) -> None:
    for name, revision in (("old", "0012"), ("new", None)):
        path = tmp_path / f"{name}.sqlite"
        if revision:
            upgrade(f"sqlite:///{path}", revision)
        else:
            path.write_bytes(b"")  # an empty SQLite file: no revision at all
        result = runner.invoke(app, ["normen", "--database", f"sqlite:///{path}"])
        assert result.exit_code == 2, result.output
        at = f"revision {revision}" if revision else "no revision"
        assert result.output == (
            f"error: the store is not migrated to this release ({at}, this release needs {HEAD}): "
            "run `hub db upgrade` first\n"
        )
    missing = tmp_path / "missing.sqlite"
    result = runner.invoke(app, ["normen", "--database", f"sqlite:///{missing}"])
    assert (result.exit_code, result.output) == (2, f"error: no store at {missing}\n")
    assert not missing.exists()  # not created by asking


@pytest.mark.postgres
def test_a_postgresql_store_not_migrated_to_this_release_is_refused_in_one_line() -> None:
    from tools.postgres import throwaway_database

    with throwaway_database("ijw_hub_normen") as database:
        upgrade(database, "0012")
        result = runner.invoke(app, ["normen", "--database", database])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: the store is not migrated to this release (revision 0012")
    assert "Traceback" not in result.output


def test_an_unreachable_store_is_one_line_exit_1() -> None:
    result = runner.invoke(app, ["normen", "--database", "postgresql+psycopg://nobody:secret@127.0.0.1:9/x"])
    assert result.exit_code == 1
    assert (
        result.output
        == "error: cannot read the store postgresql+psycopg://nobody:********@127.0.0.1:9/x: OperationalError\n"
    )
