"""`hub client overzicht`: what the store holds about a client, found by the pseudonym of a BSN read from stdin
(docs/betrokkenen.md); the output never repeats the BSN."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select
from typer.testing import CliRunner

from hub.cli import app
from hub.store import audit, retention
from hub.store import key_fingerprint as fingerprints
from hub.store.db import session_factory
from hub.store.key_fingerprint import Recorded, fingerprint
from hub.store.tables import BerichtRecord
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from tests.hub.intake_helpers import PSEUDONYMISER, new_intake

runner = CliRunner()
KEY = "k" * 32  # the key of tests.hub.intake_helpers.PSEUDONYMISER
BSN = "999999862"  # the client of spec("JW301") and spec("JW305")
NOBODY = "999990019"


@pytest.fixture
def store(db: Engine, no_hub_env: None, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """A store with the client's toewijzing and start, and the settings that find them."""
    intake = new_intake(db)
    # as the intake records it at start (consumers.app.Runtime)
    fingerprints.record_first(
        session_factory(db), Recorded(fingerprint(PSEUDONYMISER), False, datetime.now(UTC))
    )
    for bericht in ("JW301", "JW305"):
        assert intake.verwerk(to_xml(bericht, spec(bericht))).outcome == "accepted"
    monkeypatch.setenv("HUB_DATABASE_URL", db.url.render_as_string(hide_password=False))
    monkeypatch.setenv("HUB_PSEUDONYM_KEY", KEY)
    return db


def test_the_clients_messages_and_rows_are_listed_without_the_bsn(store: Engine) -> None:
    result = runner.invoke(app, ["client", "overzicht", "--format", "json"], input=f"{BSN}\n{NOBODY}\n")
    assert result.exit_code == 0, result.output
    assert BSN not in result.output
    found, nobody = (json.loads(line) for line in result.output.splitlines())
    assert [(b["bericht"], b["outcome"], b["retour"]) for b in found["berichten"]] == [
        ("JW301", "accepted", "bewaard"),
        ("JW305", "accepted", "bewaard"),
    ]
    assert found["rijen"]["bericht"] == 2 and found["rijen"]["toewijzing"] >= 1
    assert found["rijen"]["startregel"] >= 1
    assert nobody == {"client": 2, "pseudoniem": PSEUDONYMISER(NOBODY), "berichten": [], "rijen": {}}
    assert found["pseudoniem"] == PSEUDONYMISER(BSN)


def test_a_cleared_retour_is_shown_as_cleared(store: Engine) -> None:
    with session_factory(store)() as session:
        for record in session.exec(select(BerichtRecord)).all():
            audit.mark(session, record.id, "retour_delivered_at", datetime.now(UTC) - timedelta(days=2))
        session.commit()
    retention.purge_all(session_factory(store), datetime.now(UTC))
    result = runner.invoke(app, ["client", "overzicht"], input=f"{BSN}\n")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"client 1 (pseudoniem {PSEUDONYMISER(BSN)}): 2 berichten\n")
    assert result.output.count("retour: gewist op ") == 2


@pytest.mark.parametrize("stdin", ["", "12345\n", f"{BSN} Jansen\n"])
def test_stdin_must_hold_bsns(store: Engine, stdin: str) -> None:
    result = runner.invoke(app, ["client", "overzicht"], input=stdin)
    assert result.exit_code == 2 and "give BSNs on stdin" in result.output
    assert "Jansen" not in result.output


def test_without_the_key_no_client_can_be_found(store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_PSEUDONYM_KEY")
    result = runner.invoke(app, ["client", "overzicht"], input=f"{BSN}\n")
    assert result.exit_code == 2 and "HUB_PSEUDONYM_KEY is not set" in result.output


def test_the_example_of_the_document_is_what_the_command_prints(store: Engine) -> None:
    """docs/betrokkenen.md 2, its ids aside (the hub's ids are random)."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "betrokkenen.md").read_text(encoding="utf-8")
    command, example = re.findall(r"```(?:sh|text)\n(.*?)```", doc, re.S)[:2]
    assert command == f"printf '%s\\n' {BSN} | hub client overzicht\n"
    result = runner.invoke(app, ["client", "overzicht"], input=f"{BSN}\n")
    assert result.exit_code == 0, result.output

    def without_ids(text: str) -> str:
        return re.sub(r"\b[0-9a-f]{64}\b", "<pseudoniem>", re.sub(r"\b[0-9a-f]{32}\b", "<id>", text))

    assert without_ids(result.output) == without_ids(example)


def test_another_key_than_the_stores_is_refused(store: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under another key every client would seem to have no data: a false answer to a request for inzage."""
    monkeypatch.setenv("HUB_PSEUDONYM_KEY", "another-key-of-32-characters-xyz")
    result = runner.invoke(app, ["client", "overzicht"], input=f"{BSN}\n")
    assert result.exit_code == 2 and "pseudonyms were made under another key" in result.output
