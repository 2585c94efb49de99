"""What users of `hub validate`, `hub retour` and the console script's main() rely on, beyond the JSON contract.

Pinned after a mutation pass over hub/cli.py: the text format's columns, where `hub retour` writes, the usage
error of a date that is none, and the exit statuses main() turns every ending into.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import hub.cli
from consumers.cli import app, main
from hub.errors import ConfigError, InputError
from hub.synth.berichten import spec
from hub.synth.build import edit, to_xml
from tests.cli_json import lines

runner = CliRunner()
AS_OF = ["--as-of", "2026-11-23"]


def test_text_format_has_a_line_per_file_in_fixed_columns(tmp_path: Path) -> None:
    """Status padded to 8, bericht to 5 ('-' when unknown), the path; a finding without code or place is bare."""
    good = tmp_path / "a.xml"
    good.write_bytes(to_xml("JW301", spec("JW301")))
    garbage = tmp_path / "b.xml"
    garbage.write_bytes(b"\x00\x01not xml")
    result = runner.invoke(app, ["validate", *AS_OF, str(good), str(garbage)])
    assert result.exit_code == 1
    out = result.stdout.splitlines()
    assert out[0] == f"accepted JW301 {good}"
    assert out[1] == f"REJECTED -     {garbage}"
    assert out[2].startswith("    XML: ") and len(out) == 3


def test_json_lines_keep_non_ascii_as_written(tmp_path: Path) -> None:
    msg = tmp_path / "cliënt-één.xml"
    msg.write_bytes(to_xml("JW301", spec("JW301")))
    result = runner.invoke(app, ["validate", "--format", "json", *AS_OF, str(msg)])
    assert result.exit_code == 0
    assert result.stdout == f'{{"file": "{msg}", "bericht": "JW301", "accepted": true, "errors": []}}\n'


def test_one_rejected_file_among_accepted_ones_is_exit_1(tmp_path: Path) -> None:
    for name in ("a", "c"):
        (tmp_path / f"{name}.xml").write_bytes(to_xml("JW301", spec("JW301")))
    (tmp_path / "b.xml").write_bytes(to_xml("JW305", edit(spec("JW305"), "Client/Bsn", "123456789")))
    assert runner.invoke(app, ["validate", *AS_OF, str(tmp_path)]).exit_code == 1
    (tmp_path / "b.xml").unlink()
    assert runner.invoke(app, ["validate", *AS_OF, str(tmp_path)]).exit_code == 0


def test_a_message_of_exactly_the_size_limit_is_judged_one_byte_more_is_not(tmp_path: Path) -> None:
    data = to_xml("JW301", spec("JW301"))
    exact, over = tmp_path / "exact.xml", tmp_path / "over.xml"
    exact.write_bytes(data)
    over.write_bytes(data + b"\n")
    env = {"HUB_MAX_MESSAGE_BYTES": str(len(data))}
    result = runner.invoke(app, ["validate", "--format", "json", *AS_OF, str(exact), str(over)], env=env)
    assert result.exit_code == 1
    first, second = lines(result.stdout)
    assert first["accepted"] is True
    assert second["errors"][0]["message"] == (
        f"file of {len(data) + 1} bytes exceeds the size limit of {len(data)} bytes"
    )


def test_an_unreadable_file_is_named_with_the_reason(tmp_path: Path) -> None:
    missing = tmp_path / "missing.xml"
    result = runner.invoke(app, ["validate", *AS_OF, str(missing)])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1] == f"    IO: cannot read {missing}: No such file or directory"


@pytest.mark.parametrize("command", ["validate", "retour"])
def test_an_as_of_that_is_no_date_is_a_usage_error(tmp_path: Path, command: str) -> None:
    msg = tmp_path / "m.xml"
    msg.write_bytes(to_xml("JW301", spec("JW301")))
    result = runner.invoke(app, [command, "--as-of", "23-11-2026", str(msg)])
    assert result.exit_code == 2
    assert "'23-11-2026' is not a date (YYYY-MM-DD)" in result.stderr
    assert result.stdout == "" and "Traceback" not in result.output


def test_retour_writes_to_stdout_without_out_and_names_the_file_with_it(tmp_path: Path) -> None:
    src = tmp_path / "jw305.xml"
    src.write_bytes(to_xml("JW305", spec("JW305")))
    out = tmp_path / "jw306.xml"
    to_file = runner.invoke(app, ["retour", *AS_OF, str(src), "-o", str(out)])
    assert to_file.exit_code == 0
    assert (to_file.stdout, to_file.stderr) == ("", f"JW306 answering JW305 -> {out}\n")
    to_stdout = runner.invoke(app, ["retour", *AS_OF, str(src)])
    assert to_stdout.exit_code == 0 and to_stdout.stderr == ""
    assert to_stdout.stdout_bytes == out.read_bytes() and out.read_bytes().startswith(b"<?xml")


def test_retour_without_one_lists_the_findings_on_stderr(tmp_path: Path) -> None:
    src = tmp_path / "jw305.xml"
    src.write_bytes(to_xml("JW305", edit(spec("JW305"), "Client/Bsn", "12345")))
    result = runner.invoke(app, ["retour", *AS_OF, str(src)])
    assert result.exit_code == 1 and result.stdout == ""
    assert isinstance(result.exception, SystemExit)  # ended on purpose, nothing written after the reason
    reason, finding, *_ = result.stderr.splitlines()
    assert reason == "no retourbericht: the message is not XSD-valid; the standard sends none"
    assert finding.startswith("    XSD at /Bericht/Client/Bsn: ")
    garbage = tmp_path / "garbage.xml"
    garbage.write_bytes(b"not xml")
    assert runner.invoke(app, ["retour", *AS_OF, str(garbage)]).stderr.splitlines()[1].startswith("    XML: ")


def _main(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr(sys, "argv", ["hub", *args])
    return main()


@pytest.mark.parametrize(
    ("raised", "status", "said"),
    [
        (KeyboardInterrupt(), 130, ""),
        (ConfigError("HUB_X is wrong"), 2, "error: HUB_X is wrong\n"),
        (InputError("cannot read x"), 2, "error: cannot read x\n"),
    ],
)
def test_main_turns_what_a_command_did_not_catch_into_a_status(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    raised: BaseException,
    status: int,
    said: str,
) -> None:
    def judge(*_: object) -> object:
        raise raised

    monkeypatch.setattr(hub.cli, "judge_file", judge)
    assert _main(monkeypatch, "validate", str(tmp_path / "m.xml")) == status
    assert capsys.readouterr().err == said


def test_main_ends_an_interrupt_outside_any_command_with_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C while the command line is being set up: no traceback, the shell's status for SIGINT."""

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(hub.cli, "app", interrupted)
    assert main() == 130
    assert capsys.readouterr() == ("", "")


def test_main_returns_the_commands_exit_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = tmp_path / "good.xml"
    good.write_bytes(to_xml("JW301", spec("JW301")))
    assert _main(monkeypatch, "validate", *AS_OF, str(good)) == 0
    assert _main(monkeypatch, "validate", *AS_OF, str(tmp_path / "missing.xml")) == 1
    assert _main(monkeypatch, "validate", "--format", "yaml", str(good)) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_an_invalid_setting_goes_to_stderr_and_leaves_stdout_to_the_verdicts(tmp_path: Path) -> None:
    """`hub validate --format json | tool`: the tool gets JSON lines or nothing, never the error."""
    msg = tmp_path / "m.xml"
    msg.write_bytes(to_xml("JW301", spec("JW301")))
    result = runner.invoke(
        app, ["validate", "--format", "json", str(msg)], env={"HUB_MAX_MESSAGE_BYTES": "0"}
    )
    assert result.exit_code == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("error: invalid configuration HUB_MAX_MESSAGE_BYTES: ")
    missing = tmp_path / "nope"
    result = runner.invoke(app, ["validate", "--format", "json", "--schema-dir", str(missing), str(msg)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: schema directory {missing} does not exist\n"


@pytest.mark.parametrize(
    ("group", "commands"),
    [
        ([], ["validate", "retour", "process", "ingest", "run", "db", "config"]),
        (["db"], ["upgrade", "purge"]),
        (["config"], ["show"]),
    ],
)
def test_a_command_group_without_a_command_shows_its_commands(group: list[str], commands: list[str]) -> None:
    result = runner.invoke(app, group, prog_name="hub")
    assert result.exit_code in (0, 2) and "Traceback" not in result.output
    assert " ".join(["Usage: hub", *group, "[OPTIONS] COMMAND"]) in result.output
    assert all(f" {command} " in result.output for command in commands), result.output


def test_db_purge_with_retention_off_says_so_and_how_to_clear_anyway() -> None:
    result = runner.invoke(
        app,
        ["db", "purge", "--database", "sqlite:////nonexistent/hub.sqlite"],
        env={"HUB_RETOUR_RETENTION_DAYS": "0"},
    )
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == (
        "retention is off (HUB_RETOUR_RETENTION_DAYS=0): nothing cleared; --older-than DAYS clears anyway\n"
    )


def test_db_purge_on_a_store_it_cannot_read_ends_on_stderr_with_status_1(tmp_path: Path) -> None:
    unmigrated = tmp_path / "hub.sqlite"
    unmigrated.touch()
    result = runner.invoke(
        app,
        ["db", "purge", "--database", f"sqlite:///{unmigrated}"],
        env={"HUB_RETOUR_RETENTION_DAYS": "90"},
    )
    assert (result.exit_code, result.stdout) == (1, "")
    assert isinstance(result.exception, SystemExit)  # nothing counted after the failure
    assert result.stderr == (
        "error: the store failed: OperationalError (is it reachable and at `hub db upgrade`?)\n"
    )


@pytest.fixture
def store(tmp_path: Path) -> str:
    """An empty store migrated to this release."""
    from hub.store.db import upgrade

    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    upgrade(url)
    return url


def test_normen_formats_end_with_one_newline(store: str) -> None:
    """`hub normen --format csv > file`: no blank line after the last row; text the same, named or by default."""
    outputs = {}
    for fmt in ("csv", "text", "json"):
        result = runner.invoke(app, ["normen", "--database", store, "--maand", "2026-04", "--format", fmt])
        assert (result.exit_code, result.stderr) == (0, ""), result.output
        assert result.stdout.endswith("\n") and not result.stdout.endswith("\n\n"), fmt
        outputs[fmt] = result.stdout
    assert runner.invoke(app, ["normen", "--database", store, "--maand", "2026-04"]).stdout == outputs["text"]


def test_normen_usage_errors_go_to_stderr(store: str) -> None:
    result = runner.invoke(app, ["normen", "--database", store, "--regio", "Atlantis"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("error: --regio: unknown regio 'Atlantis'")
    result = runner.invoke(app, ["normen", "--database", "nosuchdialect://x"])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("error: database URL nosuchdialect://x is not usable")
    assert len(result.stderr.splitlines()) == 1


def test_a_store_that_cannot_serve_normen_ends_on_stderr(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite"
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    unreachable = "postgresql+psycopg://nobody:secret@127.0.0.1:9/x"
    for url, status in ((f"sqlite:///{missing}", 2), (f"sqlite:///{empty}", 2), (unreachable, 1)):
        result = runner.invoke(app, ["normen", "--database", url])
        assert (result.exit_code, result.stdout) == (status, ""), url
        assert isinstance(result.exception, SystemExit), url  # ended there, nothing read after it
        assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1, url


def test_a_store_failing_while_read_is_one_line_without_the_statements_parameters(
    store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    import hub.monitor.maand

    def failing(*_: object) -> object:
        raise OperationalError("SELECT * FROM x WHERE bsn = ?", {"bsn": "999990019"}, Exception("gone"))

    monkeypatch.setattr(hub.monitor.maand, "maandcijfers", failing)
    result = runner.invoke(app, ["normen", "--database", store, "--maand", "2026-04"])
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        "error: the store failed: OperationalError\n",
    )
    assert isinstance(result.exception, SystemExit)


def test_format_text_is_the_default_and_can_be_named(tmp_path: Path) -> None:
    msg = tmp_path / "m.xml"
    msg.write_bytes(to_xml("JW301", spec("JW301")))
    named = runner.invoke(app, ["validate", "--format", "text", *AS_OF, str(msg)])
    assert named.exit_code == 0
    assert (
        named.stdout == runner.invoke(app, ["validate", *AS_OF, str(msg)]).stdout == f"accepted JW301 {msg}\n"
    )


def test_the_help_offers_no_shell_completion_install() -> None:
    """The hub is installed in images and services; it does not touch a user's shell configuration."""
    result = runner.invoke(app, ["--help"], prog_name="hub")
    assert result.exit_code == 0 and "Usage: hub" in result.output
    assert "--install-completion" not in result.output
