"""`hub simulate`: deterministic, realistic traffic the hub accepts, except the deliberate errors."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import Engine
from typer.testing import CliRunner

from consumers.cli import app
from hub.ijw.catalog import BY_NS
from hub.ijw.doc import Doc
from hub.intake import Intake
from hub.reference.gemeenten import load_gemeenten
from hub.rules.registry import Context, Level, iter_violations
from hub.synth.persons import is_elfproef
from hub.synth.simulate import ACCEPTED, REJECTED, SimBericht, SimConfig, Simulator, schrijf
from hub.synth.wereld import GELDERLAND, kies_regios
from hub.validate import Validator
from tests.hub.intake_helpers import new_intake

TOT = date(2026, 11, 20)
REGIOS = ("Arnhem", "Achterhoek")
MODERATE = SimConfig(seed=3, regios=REGIOS, aanbieders=5, clienten=60, tot=TOT, error_rate=0.1)
SMALL = SimConfig(
    seed=7, regios=("Rivierenland",), aanbieders=3, clienten=20, start=date(2026, 8, 1), tot=TOT
)
GI_NS = "https://ijw-hub.nl/gi/1.0/gi001/schema"
runner = CliRunner()


@cache
def moderate() -> tuple[SimBericht, ...]:
    return tuple(Simulator(MODERATE).run())


def root(b: SimBericht) -> etree._Element:
    return etree.fromstring(b.xml)


def texts(b: SimBericht, path: str) -> list[str]:
    return [el.text or "" for el in root(b).iterfind(path)]


def gi_in_pipeline() -> bool:
    """The core validator and intake know the GI messages (issue 4 merges them into the catalog)."""
    return GI_NS in BY_NS


# ---- determinism -----------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_ones() -> None:
    een = [(b.bestandsnaam, b.xml) for b in Simulator(SMALL).run()]
    twee = [(b.bestandsnaam, b.xml) for b in Simulator(SMALL).run()]
    ander = [(b.bestandsnaam, b.xml) for b in Simulator(replace(SMALL, seed=8)).run()]
    assert een and een == twee
    assert ander != een


def test_the_bytes_do_not_depend_on_the_process() -> None:
    """Another PYTHONHASHSEED (set and dict order of strings) gives the same messages."""
    script = (
        "import hashlib, sys; from datetime import date; from hub.synth.simulate import SimConfig, Simulator\n"
        "h = hashlib.sha256()\n"
        "for b in Simulator(SimConfig(seed=7, regios=('Rivierenland',), aanbieders=3, clienten=20,"
        " start=date(2026, 8, 1), tot=date(2026, 11, 20))).run(): h.update(b.xml)\n"
        "print(h.hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    other = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    here = hashlib.sha256(b"".join(b.xml for b in Simulator(SMALL).run())).hexdigest()
    assert other.stdout.strip() == here


def test_written_files_and_manifest_are_identical_for_one_seed(tmp_path: Path) -> None:
    for name in ("a", "b"):
        schrijf(Simulator(SMALL), tmp_path / name)
    a = {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()}
    b = {p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
    assert a == b and "manifest.json" in a and len(a) > 20


# ---- every valid message is accepted, every deliberate error rejected with its rule -------------------


def test_every_valid_message_passes_levels_1_2_and_4() -> None:
    validator = Validator(clock=lambda: TOT)
    gi_context = Context(today=TOT, gemeenten=validator.gemeenten)
    for b in moderate():
        if b.expected != ACCEPTED:
            continue
        if b.bericht.startswith("GI") and not gi_in_pipeline():
            assert gi_findings(b, gi_context) == [], b.bestandsnaam
            continue
        verdict = validator.validate(b.xml)
        assert verdict.accepted, (b.bestandsnaam, [(v.rule, v.message) for v in verdict.errors])


def gi_findings(b: SimBericht, ctx: Context) -> list[str]:
    """XSD and in-message rules of a GI message, for as long as the core validator does not know them."""
    import hub.gi.rules  # noqa: F401  (registers the GI rules)
    from hub.gi.catalog import GI_BERICHTEN
    from hub.gi.schema import load_schema

    tree = root(b)
    schema = load_schema(b.bericht)
    if not schema.validate(tree):
        return [str(e) for e in schema.error_log]
    return [v.rule for v in iter_violations(Doc(tree, GI_BERICHTEN[b.bericht]), ctx, (Level.XSLT,))]


@pytest.fixture
def intake(db: Engine) -> Intake:
    return new_intake(db, TOT)


def test_the_intake_accepts_the_traffic_in_order_and_rejects_each_error_on_its_rule(intake: Intake) -> None:
    mismatches = []
    for b in moderate():
        if b.bericht.startswith("GI") and not gi_in_pipeline():
            continue
        result = intake.verwerk(b.xml)
        rules = {v.rule for v in result.errors}
        if result.outcome != b.expected or (b.rule is not None and b.rule not in rules):
            mismatches.append((b.bestandsnaam, b.expected, b.rule, result.outcome, sorted(rules)))
    assert mismatches == []


def test_deliberate_errors_break_a_variety_of_rules_and_are_in_the_manifest(tmp_path: Path) -> None:
    fout = [b for b in moderate() if b.expected == REJECTED]
    assert all(b.rule and b.reason for b in fout)
    assert len({b.rule for b in fout}) >= 6, Counter(b.rule for b in fout)
    data = schrijf(Simulator(MODERATE), tmp_path)
    assert [(d["file"], d["rule"]) for d in data["deliberate"]] == [(b.bestandsnaam, b.rule) for b in fout]
    assert data["expected"] == {ACCEPTED: len(moderate()) - len(fout), REJECTED: len(fout)}


def test_a_level_2_error_is_rejected_by_the_validator_with_its_rule() -> None:
    validator = Validator(clock=lambda: TOT)
    in_message = {"CS002", "CD076", "CS003", "TR134", "TR018", "CD085", "TR380", "TR378"}
    checked = 0
    for b in moderate():
        if b.rule in in_message:
            assert b.rule in {v.rule for v in validator.validate(b.xml).errors}, b.bestandsnaam
            checked += 1
    assert checked >= 3


# ---- what the traffic looks like ---------------------------------------------------------------------


def test_bsns_are_synthetic_and_valid_outside_the_deliberate_errors() -> None:
    bsns = {(b.expected, b.rule, bsn) for b in moderate() for bsn in texts(b, ".//{*}Client/{*}Bsn")}
    assert len(bsns) > 40
    for expected, rule, bsn in bsns:
        assert bsn.startswith("99999")
        assert is_elfproef(bsn) == (rule not in ("CS002", "GB001")), (expected, rule, bsn)


def test_only_gemeenten_and_regions_of_the_chosen_regios() -> None:
    gemeenten = load_gemeenten()
    regios = set()
    for b in moderate():
        codes = [c for c in (b.afzender, b.ontvanger) if len(c) == 4]
        codes += texts(b, ".//{*}Woonplaatsbeginsel/{*}Gemeente")
        if b.rule == "TR378":
            continue
        regios |= {gemeenten[c].jeugdregio for c in codes}
        regios |= set(texts(b, ".//{*}Capaciteit/{*}Jeugdregio"))
    assert regios == set(REGIOS)


def test_unknown_regio_is_refused_and_names_are_matched_loosely() -> None:
    assert kies_regios(["food-valley", "ARNHEM"]) == ("Food Valley", "Arnhem")
    with pytest.raises(ValueError, match="Veluwezoom"):
        kies_regios(["Veluwezoom"])


def test_dagtekeningen_run_from_start_to_tot_in_file_name_order() -> None:
    uit = moderate()
    assert [b.bestandsnaam for b in uit] == sorted(b.bestandsnaam for b in uit)
    assert all(date(2026, 2, 20) <= b.dagtekening <= TOT for b in uit)
    dagtekeningen = {
        b.bestandsnaam: texts(b, "{*}Header/{*}BerichtIdentificatie/{*}Dagtekening") for b in uit
    }
    assert all(d == [name[:10]] for name, d in dagtekeningen.items())


def test_identificatie_is_unique_per_sender_and_type_except_for_tr056() -> None:
    seen = Counter(
        (b.afzender, b.bericht, texts(b, "{*}Header/{*}BerichtIdentificatie/{*}Identificatie")[0])
        for b in moderate()
        if b.rule != "TR056"
    )
    assert seen and max(seen.values()) == 1


def test_the_stories_cover_what_the_metrics_need() -> None:
    uit = [b for b in moderate() if b.expected == ACCEPTED]
    kinds = Counter(b.bericht for b in uit)
    assert {"JW301", "JW305", "JW307", "JW315", "JW319", "GI001", "GI002", "GI003"} <= set(kinds)
    antwoorden = {v for b in uit for v in texts(b, ".//{*}VerzoekAntwoord")}
    redenen = {v for b in uit for v in texts(b, ".//{*}RedenBeeindiging")}
    verwijzers = {v for b in uit for v in texts(b, ".//{*}Verwijzer/{*}Type")}
    assert antwoorden == {"1", "2"}
    assert "20" in redenen and len(redenen - {"20"}) >= 3
    assert "04" in verwijzers and len(verwijzers) >= 4
    producten = [
        tp for b in uit if b.bericht == "JW301" for tp in root(b).iterfind(".//{*}ToegewezenProduct")
    ]
    referenties = {tp.findtext("{*}ReferentieAanbieder") is None for tp in producten}
    assert referenties == {True, False}  # gemeente-initiated toewijzingen and answers to a verzoek


def waiting_days(uit: tuple[SimBericht, ...]) -> list[int]:
    """Toewijzingsdatum of the first version -> Begindatum of the first start, per toewijzing."""
    toegewezen: dict[tuple[str, str], date] = {}
    gestart: dict[tuple[str, str], int] = {}
    for b in uit:
        if b.expected != ACCEPTED:
            continue
        for tp in root(b).iterfind(".//{*}ToegewezenProduct"):
            key = (b.afzender, tp.findtext("{*}ToewijzingNummer") or "")
            toegewezen.setdefault(key, date.fromisoformat(tp.findtext("{*}Toewijzingsdatum") or ""))
        for sp in root(b).iterfind(".//{*}StartProduct"):
            key = (b.ontvanger, sp.findtext("{*}ToewijzingNummer") or "")
            begin = date.fromisoformat(sp.findtext("{*}Begindatum") or "")
            gestart.setdefault(key, (begin - toegewezen[key]).days)
    return sorted(gestart.values())


def test_waiting_times_have_a_long_tail() -> None:
    wachten = waiting_days(moderate())
    assert len(wachten) > 20
    assert wachten[len(wachten) // 2] < 45  # most start within weeks
    assert wachten[-1] > 91  # and some wait longer than three months


def test_live_traffic_is_dated_today_after_the_history() -> None:
    vandaag = date(2026, 11, 26)  # a Thursday, a week after the history ends
    sim = Simulator(SimConfig(seed=4, regios=("Arnhem",), aanbieders=4, clienten=20, tot=TOT))
    uit = list(itertools.islice(sim.live(today=lambda: vandaag), 600))
    assert all(b.dagtekening <= vandaag for b in uit)
    live = [b for b in uit if b.dagtekening == vandaag]
    assert len(live) > 200 and {"JW315", "JW301"} <= {b.bericht for b in live}
    assert [b.volgnummer for b in uit] == list(range(1, len(uit) + 1))


# ---- the command -------------------------------------------------------------------------------------


def simulate_args(*extra: str) -> list[str]:
    return ["simulate", "--seed", "5", "--regio", "Noord Veluwe", "--aanbieders", "3", "--clienten", "15",
            "--start", "2026-09-01", "--tot", "2026-11-20", *extra]  # fmt: skip


def test_cli_writes_files_and_a_manifest(tmp_path: Path) -> None:
    (tmp_path / "2026-01-02_000001_JW301.xml").write_bytes(b"from an earlier simulation")
    (tmp_path / "notities.txt").write_text("not ours")
    result = runner.invoke(app, simulate_args("--out", str(tmp_path)))
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    files = sorted(p.name for p in tmp_path.glob("*.xml"))
    assert manifest["messages"] == len(files) == sum(manifest["counts"].values()) > 10
    assert manifest["regios"] == ["Noord Veluwe"] and manifest["tot"] == "2026-11-20"
    assert Counter(name[-9:-4] for name in files) == Counter(manifest["counts"])
    assert "2026-01-02_000001_JW301.xml" not in files and (tmp_path / "notities.txt").exists()


@pytest.fixture
def posted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, Any]]:
    """What the command POSTs, with the moment on a fake clock that only sleeping advances."""
    import producers.ingest

    sent: list[tuple[float, Any]] = []
    clock = [0.0]

    def fake_send(inputs: list[Any], url: str, api_key: str | None, **_: Any) -> list[producers.ingest.Sent]:
        assert (url, api_key) == ("http://hub.test", "k")
        sent.extend((clock[0], i) for i in inputs)
        return [producers.ingest.Sent(i.path, 202, "id") for i in inputs]

    def fake_sleep(seconds: float) -> None:
        clock[0] += seconds

    monkeypatch.setattr(producers.ingest, "send_http", fake_send)
    monkeypatch.setattr(time, "sleep", fake_sleep)
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    return sent


def test_cli_posts_every_message_in_order(posted: list[tuple[float, Any]]) -> None:
    result = runner.invoke(app, simulate_args("--to", "http://hub.test", "--api-key", "k"))
    assert result.exit_code == 0, result.output
    names = [i.path.name for _, i in posted]
    assert len(names) > 10 and names == sorted(names)
    assert [i.data for _, i in posted] == [b.xml for b in Simulator(cli_config()).run()]


def test_cli_paces_posts_at_the_given_speed(posted: list[tuple[float, Any]]) -> None:
    result = runner.invoke(app, simulate_args("--to", "http://hub.test", "--api-key", "k", "--speed", "4"))
    assert result.exit_code == 0, result.output
    assert [t for t, _ in posted] == [pytest.approx(i / 4) for i in range(len(posted))]


def cli_config() -> SimConfig:
    return SimConfig(
        seed=5,
        regios=("Noord Veluwe",),
        aanbieders=3,
        clienten=15,
        start=date(2026, 9, 1),
        tot=TOT,
        error_rate=0.02,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["--out", "x", "--to", "http://hub.test"],
        [],
        ["--out", "x", "--live"],
        ["--regio", "Atlantis", "--out", "x"],
        ["--start", "2026-12-01", "--out", "x"],
    ],
)
def test_cli_refuses_wrong_arguments_with_exit_2(args: list[str], tmp_path: Path) -> None:
    args = [str(tmp_path / a) if a == "x" else a for a in args]
    result = runner.invoke(app, [*simulate_args()[:-4], "--tot", "2026-11-20", *args])
    assert result.exit_code == 2, result.output


def test_default_regios_are_the_seven_of_gelderland() -> None:
    assert SimConfig().regios == GELDERLAND and len(GELDERLAND) == 7
    assert set(kies_regios(GELDERLAND)) == set(GELDERLAND)
