"""Claims of docs/operations.md sections 6 to 10 that no other test holds: each test fails when its claim breaks.

Section 6: the consumer groups the restore snippet resets, the log lines of the daily retention and their levels.
Section 7: the XSDs are compiled on first use, so a missing one shows for its message type only.
Sections 6 to 9: every log message the guide quotes is one the hub logs, word for word.
Section 9: the libraries kept at WARNING, and the values of the `outcome` field.
Section 10: what the container image sets, and the example error line of a tariff list.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest.mock import Mock

import pytest
from sqlalchemy.exc import OperationalError

from hub.errors import ConfigError
from hub.logs import configure
from hub.reference.tarieven import load_tarieven
from hub.store import retention
from hub.store.tables import OUTCOMES
from hub.topics import Topics

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


def section(number: int) -> str:
    """The text of one numbered section of the guide (`## 6. ...` up to the next `## `)."""
    match = re.search(rf"^## {number}\. .*?(?=^## |\Z)", GUIDE, flags=re.MULTILINE | re.DOTALL)
    assert match is not None, f"docs/operations.md has no section {number}"
    return match.group(0)


def flat(text: str) -> str:
    """Line breaks as spaces: the guide wraps quoted sentences."""
    return re.sub(r"\s*\n\s*", " ", text)


# ---- section 6: backup, replay and retention ----------------------------------------------------------------


def test_the_restore_snippet_resets_the_consumer_groups_of_the_default_prefix() -> None:
    match = re.search(r"^for group in ([^;]+); do$", section(6), flags=re.MULTILINE)
    assert match is not None
    assert match.group(1).split() == Topics("ijw.").groups.all()


def run_one_round(monkeypatch: pytest.MonkeyPatch, outcome: tuple[int, int] | Exception) -> None:
    """One round of the daily retention loop with purge_all answering `outcome` (a pair, or an exception)."""

    def purge_all(*_: Any, **__: Any) -> tuple[int, int]:
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(retention, "purge_all", purge_all)

    async def once() -> None:
        task = asyncio.create_task(
            # The sessions are never used: purge_all is replaced.
            retention.retention_loop(Mock(), 90, interval=3600, clock=lambda: datetime(2026, 11, 23))
        )
        await asyncio.sleep(0.2)  # the first round runs at once; the next one is an hour away
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(once())


def retention_lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str, Any]]:
    return [
        (r.levelname, r.getMessage(), getattr(r, "cleared", getattr(r, "error", None)))
        for r in caplog.records
        if r.name == "hub.store"
    ]


def test_a_retention_round_logs_what_it_cleared_at_info(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="hub.store")
    run_one_round(monkeypatch, (3, 2))
    assert retention_lines(caplog) == [
        ("INFO", "retour XML cleared after the retention period", 3),
        ("INFO", "GI102 XML cleared after the retention period", 2),
    ]


def test_a_retention_round_that_clears_nothing_logs_nothing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="hub.store")
    run_one_round(monkeypatch, (0, 0))
    assert retention_lines(caplog) == []


def test_a_retention_round_without_the_store_is_postponed_at_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="hub.store")
    run_one_round(monkeypatch, OperationalError("SELECT", {}, Exception("999990019 Jansen")))
    assert retention_lines(caplog) == [("WARNING", "retour retention postponed", "OperationalError")]
    assert "999990019" not in caplog.text and "Jansen" not in caplog.text


# ---- section 7: upgrading to a new iJw release ----------------------------------------------------------------


def test_a_schema_dir_without_one_xsd_fails_only_for_that_message_type(tmp_path: Path) -> None:
    """The XSDs are compiled when first needed: a sample checks the types it holds, and no more."""
    xsd = tmp_path / "xsd"
    shutil.copytree(ROOT / "schemas" / "ijw" / "3.2", xsd)
    (xsd / "jw305.xsd").unlink()

    def validate(example: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "hub", "validate", "--format", "json", "--schema-dir", str(xsd)]
        return subprocess.run(
            [*command, str(ROOT / "examples" / example)], capture_output=True, text=True, timeout=120
        )

    assert validate("JW301.xml").returncode == 0
    missing = validate("JW305.xml")
    assert missing.returncode == 2
    assert missing.stderr.startswith(f"error: no XSD for JW305 (jw305.xsd) in {xsd}")
    assert "error: no XSD for JW305 (jw305.xsd) in ..." in flat(section(7))


# ---- log messages the guide quotes -------------------------------------------------------------------------

QUOTED = [
    "retour XML cleared after the retention period",
    "GI102 XML cleared after the retention period",
    "retour retention postponed",
    "spooled messages found at start; publishing them",
    "broker unreachable at start; the gateway spools until it answers",
    "a spooled message is refused by the broker; kept in the spool, the ones behind it go on",
    "bericht ontvangen",
    "bericht beoordeeld",
    "bericht malformed",
]


def source() -> str:
    return "\n".join(
        p.read_text(encoding="utf-8")
        for d in ("hub", "consumers", "producers")
        for p in (ROOT / d).rglob("*.py")
    )


@pytest.mark.parametrize("message", QUOTED)
def test_every_quoted_log_message_is_logged_word_for_word(message: str) -> None:
    guide = flat("\n".join(section(n) for n in (6, 7, 8, 9)))
    assert f"`{message}`" in guide
    assert re.search(rf'log\.\w+\(\s*"{re.escape(message)}"', source()), message


# ---- section 9: logs -------------------------------------------------------------------------------------


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    quiet = {
        name: logging.getLogger(name).level
        for name in ("aiokafka", "faststream", "alembic", "uvicorn.access")
    }
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.captureWarnings(False)
        for name, was in quiet.items():
            logging.getLogger(name).setLevel(was)


@pytest.mark.usefixtures("restored_logging")
def test_the_libraries_the_guide_names_stay_at_warning_at_debug() -> None:
    text = flat(section(9))
    named = re.search(r"The libraries (.*?) stay at `WARNING` whatever the level", text)
    assert named is not None
    loggers = re.findall(r"`([a-z.]+)`", named.group(1))
    assert sorted(loggers) == ["aiokafka", "alembic", "faststream", "uvicorn.access"]
    configure("json", "DEBUG")
    assert {name: logging.getLogger(name).level for name in loggers} == dict.fromkeys(
        loggers, logging.WARNING
    )
    assert logging.getLogger("alembic.runtime.migration").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("hub.intake").getEffectiveLevel() == logging.DEBUG


def test_the_outcome_field_lists_every_outcome() -> None:
    row = next(line for line in section(9).splitlines() if line.startswith("| `outcome` |"))
    assert set(re.findall(r"`([a-z]+)`", row.split("|")[2])) == set(OUTCOMES)


# ---- section 10: configuration ---------------------------------------------------------------------------


def runtime_env() -> dict[str, str]:
    """The ENV of the Dockerfile's final stage, as name -> value."""
    final = (ROOT / "Dockerfile").read_text(encoding="utf-8").rsplit("\nFROM ", 1)[1]
    env: dict[str, str] = {}
    for block in re.findall(r"^ENV ((?:.*\\\n)*.*)$", final, flags=re.MULTILINE):
        env.update(re.findall(r"(\w+)=(\S+)", block))
    return env


def test_the_image_sets_what_the_guide_says() -> None:
    said = re.search(r"The container image sets (.*?)\. ", flat(section(10)))
    assert said is not None
    documented = dict(re.findall(r"`(HUB_\w+)=([^`]+)`", said.group(1)))
    image = {name: value for name, value in runtime_env().items() if name.startswith("HUB_")}
    assert documented == image


def test_the_tariff_list_error_example_is_what_the_hub_prints(tmp_path: Path) -> None:
    example = re.search(r"`error: (tariff list (\S+), line \d+: [^`]+)`", flat(section(10)))
    assert example is not None
    lijst = tmp_path / "tarieven.csv"
    lijst.write_text("productcode,tarief\n45A53,8000\n43A12,15000\n45A53,8100\n", encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_tarieven(lijst)
    assert str(refused.value) == example.group(1).replace(example.group(2), str(lijst))
