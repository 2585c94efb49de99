"""`hub client wis`: erasing the rows of clients whose BSNs are on stdin, on the controller's decision
(docs/betrokkenen.md 3), on a store filled through the real intake and processors; the output never repeats a BSN."""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlmodel import SQLModel
from typer.testing import CliRunner

from hub.cli import app
from hub.intake import Intake
from hub.monitor.processor import Processor
from hub.store import key_fingerprint as fingerprints
from hub.store.db import session_factory
from hub.store.key_fingerprint import Recorded, fingerprint
from hub.store.tables import DeclaratieRecord, PrestatieRecord
from hub.synth import berichten as ijw
from hub.synth.build import Spec, edit
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline import scenario
from tests.hub.gi_pipeline.helpers import AS_OF, xml
from tests.hub.intake_helpers import PSEUDONYMISER, new_intake
from tests.hub.monitor.helpers import REGIOS, ticking

runner = CliRunner()
KEY = "k" * 32  # the key of tests.hub.intake_helpers.PSEUDONYMISER
A, B, C, D = (p.bsn for p in (scenario.A, scenario.B, scenario.C, scenario.D))
ERASED = PSEUDONYMISER(A)
JW307_DAG, JW319_DAG = date(2027, 1, 5), date(2026, 9, 10)

Rows = dict[str, Counter[tuple[Any, ...]]]


class Pipeline:
    """The intake (under the key of KEY) and the processors on one store, every event processed at once."""

    def __init__(self, db: Engine) -> None:
        self.intake: Intake = new_intake(db, clock=lambda: AS_OF, now=ticking(), pseudonym=PSEUDONYMISER)
        self.processor = Processor(session_factory(db), REGIOS, now=ticking(), clock=lambda: AS_OF)

    def stuur(self, bericht: str, spec: Spec) -> Any:
        result = self.intake.verwerk(xml(bericht, spec))
        if result.event is not None:
            assert self.processor.verwerk(result.event)
        return result


def jw319(dag: date, referentie: str) -> Spec:
    """The gemeente turns down A's request referred by a huisarts (the JW315's other product)."""
    spec = ijw.spec("JW319", dagtekening=dag, identificatie="AWA")
    return edit(spec, "Antwoord/ReferentieAanbieder", referentie)


def jw307(dag: date) -> Spec:
    """A stops toewijzing 300201 at the end of 2026."""
    spec = ijw.spec("JW307", dagtekening=dag, identificatie="SPA", persoon=scenario.A)
    stop = ijw.stop_product(
        300201,
        categorie=m.CAT,
        code=m.CODE,
        toewijzing_ingangsdatum=ijw.ingang(scenario.TW_A),
        begindatum=scenario.START_A,
        einddatum=date(2026, 12, 31),
    )
    return edit(spec, "Client/StopProducten/StopProduct", [stop])


@pytest.fixture
def store(db: Engine, no_hub_env: None, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The GI story of tests.hub.gi_pipeline.scenario (children A to D), with for A also a JW319 answering its
    request and a JW307 stopping its start; the settings that find them."""
    fingerprints.record_first(
        session_factory(db), Recorded(fingerprint(PSEUDONYMISER), False, datetime.now(UTC))
    )
    p = Pipeline(db)
    for _, bericht, spec in scenario.in_volgorde():
        assert p.stuur(bericht, spec).outcome == "accepted", bericht
    for bericht, spec in (("JW319", jw319(JW319_DAG, scenario.REF_A_HUISARTS)), ("JW307", jw307(JW307_DAG))):
        result = p.stuur(bericht, spec)
        assert result.outcome == "accepted", (bericht, [v.rule for v in result.errors])
    monkeypatch.setenv("HUB_DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("HUB_PSEUDONYM_KEY", KEY)
    return db


def dump(db: Engine) -> Rows:
    """Every row of every table, as a multiset of value tuples per table."""
    with db.connect() as conn:
        return {
            t.name: Counter(tuple(map(_hashable, row)) for row in conn.execute(select(t)))
            for t in SQLModel.metadata.sorted_tables
        }


def _hashable(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list | dict) else value


def overzicht(*bsns: str) -> list[dict[str, Any]]:
    result = runner.invoke(
        app, ["client", "overzicht", "--format", "json"], input="".join(f"{b}\n" for b in bsns)
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines()]


def wis(*args: str, stdin: str = f"{A}\n") -> Any:
    result = runner.invoke(app, ["client", "wis", *args], input=stdin)
    for bsn in (A, B, C, D):
        assert bsn not in result.output
    return result


def test_without_ja_nothing_is_erased_and_the_rows_are_listed(store: Engine) -> None:
    before = dump(store)
    [found] = overzicht(A)
    result = wis()
    assert result.exit_code == 0, result.output
    assert dump(store) == before
    lines = result.output.splitlines()
    assert lines[0] == f"client 1 (pseudoniem {ERASED}): {len(found['berichten'])} berichten"
    assert [line.split()[0] for line in lines[1 : 1 + len(found["berichten"])]] == [
        b["id"] for b in found["berichten"]
    ]
    assert {f"  {table}: {n}" for table, n in found["rijen"].items()} <= set(lines)
    assert lines[-1] == f"nothing erased: repeat with --ja to erase these {sum(found['rijen'].values())} rows"


def test_ja_erases_the_clients_rows_and_only_those(store: Engine) -> None:
    others = overzicht(B, C, D)
    before = dump(store)
    [found] = overzicht(A)
    ids = {b["id"] for b in found["berichten"]}
    # Linked by a message id only (antwoord: the JW319; the monitor), or by a row of A (gi_koppeling).
    assert {"antwoord", "gi_koppeling", "monitor_norm", "monitor_event", "stopregel"} <= set(found["rijen"])
    assert {"bericht", "toewijzing", "startregel", "verzoek", "gi_bepaling", "gi_statusmelding"} <= set(
        found["rijen"]
    )

    result = wis("--ja", "--format", "json")
    assert result.exit_code == 0, result.output
    [erased] = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert erased == {**found, "client": 1}
    assert result.output.splitlines()[-1] == f"erased {sum(found['rijen'].values())} rows of 1 client"

    assert overzicht(A) == [{"client": 1, "pseudoniem": ERASED, "berichten": [], "rijen": {}}]
    assert overzicht(B, C, D) == others
    after = dump(store)
    gone = {name: before[name] - after[name] for name in before}
    assert all(not after[name] - before[name] for name in before)  # nothing changed or added
    assert sum(sum(rows.values()) for rows in gone.values()) == sum(found["rijen"].values())
    for name, rows in after.items():  # no row left names A or one of its messages
        for row in rows:
            assert ERASED not in repr(row) and not any(i in repr(row) for i in ids), (name, row)
    for name, rows in gone.items():  # every row gone named A or one of its messages, or a row gone with it
        for row in rows:
            assert ERASED in row or ids & set(row) or _refers_to_gone(name, row, gone), (name, row)


def _refers_to_gone(name: str, row: tuple[Any, ...], gone: Rows) -> bool:
    table = SQLModel.metadata.tables[name]
    values = dict(zip(table.c.keys(), row, strict=True))
    for fk in table.foreign_keys:
        target = fk.column.table
        position = list(target.c.keys()).index(fk.column.name)
        if values[fk.parent.name] in {r[position] for r in gone[target.name]}:
            return True
    return False


def test_later_messages_about_an_erased_client_are_judged_as_about_a_stranger(store: Engine) -> None:
    """docs/betrokkenen.md 3: a start on an erased toewijzing (TR019), an answer to an erased request (TR355);
    a message recorded before the erasure, sent again, is judged anew instead of answered as a duplicate."""
    p = Pipeline(store)
    _, vot = scenario.BERICHTEN["ijw-a-vot"]
    assert p.stuur("JW315", vot).outcome == "duplicate"
    assert wis("--ja").exit_code == 0
    start = m.jw305(scenario.A, date(2027, 1, 10), "STA2", 300201, scenario.TW_A, date(2027, 1, 4))
    result = p.stuur("JW305", start)
    assert result.outcome == "rejected" and {v.rule for v in result.errors} == {"TR019"}
    antwoord = edit(
        jw319(date(2027, 1, 10), scenario.REF_A_HUISARTS), "Header/BerichtIdentificatie/Identificatie", "AWA2"
    )
    result = p.stuur("JW319", antwoord)
    assert result.outcome == "rejected" and {v.rule for v in result.errors} == {"TR355"}
    assert p.stuur("JW315", vot).outcome == "accepted"


def test_the_norms_lose_the_erased_client(store: Engine) -> None:
    """`hub normen` of a month gone by: A's two answers within five working days, its start within three months
    and its gedragen koers after six weeks leave September; C's late start stays."""

    def september() -> dict[str, tuple[int, int]]:
        result = runner.invoke(app, ["normen", "--maand", "2026-09", "--format", "json"])
        assert result.exit_code == 0, result.output
        return {n["norm"]: (n["binnen"], n["buiten"]) for n in json.loads(result.output)["normen"]}

    assert september() == {
        "antwoord_verzoek_5_werkdagen": (2, 0),
        "passende_hulp_3_maanden": (1, 1),
        "jeugdbeschermer_5_werkdagen": (0, 0),
        "gedragen_koers_6_weken": (0, 1),
    }
    assert wis("--ja").exit_code == 0
    assert september() == {
        "antwoord_verzoek_5_werkdagen": (0, 0),
        "passende_hulp_3_maanden": (0, 1),
        "jeugdbeschermer_5_werkdagen": (0, 0),
        "gedragen_koers_6_weken": (0, 0),
    }


def test_the_run_is_logged_with_counts_only(store: Engine, caplog: pytest.LogCaptureFixture) -> None:
    [found] = overzicht(A)
    with caplog.at_level(logging.INFO, logger="hub.store"):
        assert wis("--ja", stdin=f"{A}\n{B}\n").exit_code == 0
    [record] = [r for r in caplog.records if r.name == "hub.store"]
    assert record.getMessage() == "client rows erased" and record.levelno == logging.INFO
    assert record.clients == 2 and record.berichten > len(found["berichten"])  # type: ignore[attr-defined]
    line = repr(record.__dict__)
    assert not any(secret in line for secret in (A, B, ERASED, PSEUDONYMISER(B)))


def test_a_row_of_another_client_naming_a_message_of_the_client_stops_the_erasure(store: Engine) -> None:
    """A row with another client's pseudonym is never erased with this one: its foreign key stops the erasure,
    and nothing is erased (here B's prestatie, answered by one of A's messages, which no JW325 ever is)."""
    [found] = overzicht(A)
    with session_factory(store)() as session:
        [(b_bericht,)] = session.execute(
            text("SELECT id FROM bericht WHERE client = :c AND bericht = 'GI002'"), {"c": PSEUDONYMISER(B)}
        ).all()
        declaratie = DeclaratieRecord(
            aanbieder=m.AANBIEDER,
            gemeente=m.GEMEENTE,
            declaratie_nummer="D1",
            periode_begin=date(2026, 9, 1),
            periode_eind=date(2026, 9, 30),
            declaratie_dagtekening=date(2026, 10, 1),
            bericht_id=b_bericht,
        )
        session.add(declaratie)
        session.flush()
        assert declaratie.id is not None
        session.add(
            PrestatieRecord(
                declaratie_id=declaratie.id,
                aanbieder=m.AANBIEDER,
                gemeente=m.GEMEENTE,
                client=PSEUDONYMISER(B),
                referentie_nummer="P1",
                toewijzing_nummer=300201,
                categorie=m.CAT,
                begindatum=date(2026, 9, 1),
                einddatum=date(2026, 9, 30),
                volume=1,
                eenheid="04",
                bedrag=100,
                debet=True,
                antwoord_bericht_id=found["berichten"][0]["id"],
            )
        )
        session.commit()
    before = dump(store)
    result = wis("--ja")
    assert result.exit_code == 1 and result.output.startswith("error: the store refused the erasure")
    assert result.output.endswith("nothing was erased\n") and len(result.output.splitlines()) == 1
    assert dump(store) == before


def test_another_key_than_the_stores_is_refused(store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under another key every client would seem to have no rows: nothing erased, while the command says done."""
    before = dump(store)
    monkeypatch.setenv("HUB_PSEUDONYM_KEY", "another-key-of-32-characters-xyz")
    result = wis("--ja")
    assert result.exit_code == 2 and "pseudonyms were made under another key" in result.output
    assert dump(store) == before


@pytest.mark.parametrize("stdin", ["", "\n\n", "12345\n", f"{A}\n{B} Jansen\n", f"{A}x\n"])
def test_stdin_must_hold_bsns_and_nothing_is_erased_otherwise(store: Engine, stdin: str) -> None:
    before = dump(store)
    result = wis("--ja", stdin=stdin)
    assert (
        result.exit_code == 2 and result.output == "error: give BSNs on stdin, one per line, each 9 digits\n"
    )
    assert dump(store) == before


def test_without_the_key_no_client_can_be_found(store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_PSEUDONYM_KEY")
    result = wis("--ja")
    assert result.exit_code == 2 and "HUB_PSEUDONYM_KEY is not set" in result.output


def test_a_store_at_another_revision_is_refused(store: Engine) -> None:
    """A later release's store may hold tables this release does not know: their rows of the client would stay."""
    before = dump(store)
    with store.begin() as conn:
        [revision] = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
        conn.execute(text("UPDATE alembic_version SET version_num = 'later'"))
    try:
        result = wis("--ja")
        assert result.exit_code == 2 and "not at this release's revision (revision later" in result.output
        assert dump(store) == before
    finally:
        with store.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def test_no_store_at_a_sqlite_path(no_hub_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HUB_PSEUDONYM_KEY", KEY)
    missing = tmp_path / "none.sqlite"
    result = wis("--ja", "--database", f"sqlite:///{missing}")
    assert result.exit_code == 2 and result.output == f"error: no store at {missing}\n"
    assert not missing.exists()


def test_an_unreachable_database_is_one_line(no_hub_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_PSEUDONYM_KEY", KEY)
    result = wis("--ja", "--database", "postgresql+psycopg://hub@127.0.0.1:1/hub?connect_timeout=2")
    assert result.exit_code == 1 and result.output.startswith("error: the store failed: OperationalError")
    assert len(result.output.splitlines()) == 1


def test_an_unusable_database_url_is_one_line(no_hub_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_PSEUDONYM_KEY", KEY)
    result = wis("--ja", "--database", "nosuchdialect://x")
    assert result.exit_code == 2 and result.output.startswith("error: database URL nosuchdialect://x")
    assert len(result.output.splitlines()) == 1


def test_the_help_says_what_follows(no_hub_env: None) -> None:
    result = runner.invoke(app, ["client", "wis", "--help"], terminal_width=200)
    assert result.exit_code == 0
    help_text = " ".join(result.output.split())
    for said in ("TR019", "Kafka", "outbox", "dead row versions", "docs/operations.md, section 6", "--ja"):
        assert said in help_text, said


def test_the_document_says_what_the_command_prints(store: Engine) -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "betrokkenen.md").read_text(encoding="utf-8")
    section = doc[doc.index("## 3. Verwijdering") :]
    assert "  printf '%s\\n' 999999862 | hub client wis\n" in section
    [last] = re.findall(r"`(nothing erased: [^`]+)`", section)
    [found] = overzicht(A)
    output = wis().output
    assert output.splitlines()[-1] == last.replace("N", str(sum(found["rijen"].values())))
