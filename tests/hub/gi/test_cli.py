"""`hub validate` and `hub retour` on GI messages keep the CLI contract (JSON lines, exit codes)."""

from __future__ import annotations

from pathlib import Path

from lxml import etree
from typer.testing import CliRunner

from hub.cli import app
from hub.gi.build import to_xml
from hub.gi.synth import EXAMPLES_DIR, spec
from hub.synth.build import edit
from tests.cli_json import lines
from tests.hub.gi.helpers import schema

runner = CliRunner()
AS_OF = ["--as-of", "2026-11-23"]


def test_validate_examples_gi_as_json() -> None:
    result = runner.invoke(app, ["validate", "--format", "json", *AS_OF, str(EXAMPLES_DIR)])
    assert result.exit_code == 0, result.output
    out = lines(result.output)
    assert [o["bericht"] for o in out] == ["GI001", "GI002", "GI003", "GI101", "GI102"]
    assert all(o["accepted"] is True and o["errors"] == [] for o in out)


def test_validate_reports_gi_rule_codes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(
        to_xml("GI002", edit(spec("GI002"), "Client/Maatregelen/Maatregel[1]/DatumUitspraak", "2026-11-20"))
    )
    result = runner.invoke(app, ["validate", "--format", "json", *AS_OF, str(bad)])
    assert result.exit_code == 1
    (o,) = lines(result.output)
    assert o["bericht"] == "GI002" and o["accepted"] is False
    assert [(e["rule"], e["retourcode"]) for e in o["errors"]] == [
        ("GB020", "0001"),
        ("GB021", "0001"),
        ("GB022", "0001"),
    ]


def test_retour_writes_the_ontvangstbevestiging(tmp_path: Path) -> None:
    out = tmp_path / "gi101.xml"
    result = runner.invoke(app, ["retour", *AS_OF, str(EXAMPLES_DIR / "GI001.xml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    root = etree.parse(str(out)).getroot()
    assert schema("GI101").validate(root)
    assert root.findtext(".//{*}DagtekeningRetour") == "2026-11-23"
    assert root.findtext("{*}Header/{*}RetourCodes/{*}RetourCode") == "0200"


def test_retour_on_a_statusmelding_has_no_answer() -> None:
    result = runner.invoke(app, ["retour", *AS_OF, str(EXAMPLES_DIR / "GI102.xml")])
    assert result.exit_code == 1
