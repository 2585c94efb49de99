"""`hub validate`, `hub retour` and `hub process` with a product code list (TR381) and tariffs (TR418).

From `--productcodes` / `--tarieven` or HUB_PRODUCTCODES_FILE / HUB_TARIEVEN_FILE (the option wins); a bad file
ends the command with one line and status 2, as any bad configuration does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from typer.testing import CliRunner

import consumers.process
from consumers.cli import app
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from tests.cli_json import JsonLine, lines

runner = CliRunner()
AS_OF = ["--as-of", "2026-11-23"]
# The default JW301 assigns (45, 45A53) and an aspecific 43; the default JW323 declares 45A53 at 8000 cents
# and 43A12 at 15000.
BEKEND = "categorie,code\n45,45A53\n43,43A12\n"
ONBEKEND = "categorie,code\n45,45A54\n43,43A12\n"
TARIEVEN = "productcode,tarief\n45A53,8000\n43A12,15000\n"
ANDER_TARIEF = "productcode,tarief\n45A53,8000\n43A12,14000\n"


pytestmark = pytest.mark.usefixtures("no_hub_env")  # settings come from the test, not from the shell


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def validate(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, list[JsonLine]]:
    result = runner.invoke(app, ["validate", "--format", "json", *AS_OF, *map(str, args)], env=env)
    return result.exit_code, lines(result.output)


def test_without_a_list_no_product_pair_is_checked(tmp_path: Path) -> None:
    msg = write(tmp_path, "jw301.xml", to_xml("JW301", spec("JW301")))
    assert validate(msg) == (0, [{"file": str(msg), "bericht": "JW301", "accepted": True, "errors": []}])


def test_productcodes_reject_an_unknown_pair_with_tr381_and_accept_a_known_one(tmp_path: Path) -> None:
    msg = write(tmp_path, "jw301.xml", to_xml("JW301", spec("JW301")))
    code, [out] = validate("--productcodes", write(tmp_path, "onbekend.csv", ONBEKEND), msg)
    assert code == 1
    assert set(out) == {"file", "bericht", "accepted", "errors"} and out["accepted"] is False
    assert out["errors"] == [
        {
            "rule": "TR381",
            "retourcode": "S329",
            "location": "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[1]/Product/Code",
            "message": "productcode 45A53 does not belong to productcategorie 45",
        }
    ]
    assert validate("--productcodes", write(tmp_path, "bekend.csv", BEKEND), msg) == (
        0, [{"file": str(msg), "bericht": "JW301", "accepted": True, "errors": []}],
    )  # fmt: skip


def test_tarieven_reject_another_producttarief_with_tr418_and_accept_the_contract_tariff(
    tmp_path: Path,
) -> None:
    msg = write(tmp_path, "jw323.xml", to_xml("JW323", spec("JW323")))
    code, [out] = validate("--tarieven", write(tmp_path, "ander.csv", ANDER_TARIEF), msg)
    assert code == 1
    assert out["errors"] == [
        {
            "rule": "TR418",
            "retourcode": "0611",
            "location": "/Bericht/Declaratie/Clienten/Client/Prestaties/Prestatie[2]/ProductTarief",
            "message": "ProductTarief 15000 differs from the contract tariff 14000 for 43A12 (tariff list line 3)",
        }
    ]
    assert validate("--tarieven", write(tmp_path, "tarieven.csv", TARIEVEN), msg)[0] == 0


# Per contract: the jeugdregio of Apeldoorn (0200, the default JW323's gemeente) raised 43A12 from 2026, and the
# aanbieder 12345678 (its sender) agreed 14000 with Arnhem's region only.
PER_CONTRACT = """productcode,tarief,jeugdregio,aanbieder,ingangsdatum,einddatum
43A12,14000,Midden IJssel-Oost Veluwe,,,2025-12-31
43A12,15000,Midden IJssel-Oost Veluwe,,2026-01-01,
43A12,14000,Arnhem,12345678,,
"""


def test_tarieven_per_jeugdregio_aanbieder_and_period(tmp_path: Path) -> None:
    msg = write(tmp_path, "jw323.xml", to_xml("JW323", spec("JW323")))
    assert validate("--tarieven", write(tmp_path, "contract.csv", PER_CONTRACT), msg)[0] == 0
    anders = spec("JW323")
    anders["Header"]["Ontvanger"] = "0202"  # Arnhem
    arnhem = write(tmp_path, "arnhem.xml", to_xml("JW323", anders))
    code, [out] = validate("--tarieven", write(tmp_path, "contract.csv", PER_CONTRACT), arnhem)
    assert code == 1
    assert [(e["rule"], e["message"]) for e in out["errors"]] == [
        ("TR418", "ProductTarief 15000 differs from the contract tariff 14000 for 43A12 (tariff list line 4)")
    ]


def test_the_settings_switch_the_rules_on_and_the_options_override_them(tmp_path: Path) -> None:
    jw301 = write(tmp_path, "jw301.xml", to_xml("JW301", spec("JW301")))
    jw323 = write(tmp_path, "jw323.xml", to_xml("JW323", spec("JW323")))
    env = {
        "HUB_PRODUCTCODES_FILE": str(write(tmp_path, "onbekend.csv", ONBEKEND)),
        "HUB_TARIEVEN_FILE": str(write(tmp_path, "ander.csv", ANDER_TARIEF)),
    }
    code, out = validate(jw301, jw323, env=env)
    assert code == 1
    # The JW323 declares 45A53 too, which that list puts in no categorie.
    assert [[e["rule"] for e in o["errors"]] for o in out] == [["TR381"], ["TR381", "TR418"]]
    overridden: list[str | Path] = [
        "--productcodes", write(tmp_path, "bekend.csv", BEKEND), "--tarieven", write(tmp_path, "t.csv", TARIEVEN),
    ]  # fmt: skip
    code, out = validate(*overridden, jw301, jw323, env=env)
    assert (code, [o["accepted"] for o in out]) == (0, [True, True])


def test_retour_answers_an_unknown_pair_with_s329(tmp_path: Path) -> None:
    msg = write(tmp_path, "jw301.xml", to_xml("JW301", spec("JW301")))
    out = tmp_path / "jw302.xml"
    lijst = write(tmp_path, "onbekend.csv", ONBEKEND)
    result = runner.invoke(app, ["retour", *AS_OF, "--productcodes", str(lijst), str(msg), "-o", str(out)])
    assert result.exit_code == 0, result.output
    codes = etree.fromstring(out.read_bytes()).xpath(
        "//*[local-name()='ToegewezenProduct']/*[local-name()='RetourCodes']/*[local-name()='RetourCode']/text()"
    )
    assert codes == ["S329", "0200"]  # the aspecific product (43, no code) is not judged on TR381


BAD_TARIEVEN = "productcode,tarief\n45A53,8000\n45A53,8100\n"


@pytest.mark.parametrize("command", ["validate", "retour"])
def test_a_bad_file_is_a_usage_error_of_one_line(tmp_path: Path, command: str) -> None:
    msg = write(tmp_path, "jw323.xml", to_xml("JW323", spec("JW323")))
    bad = write(tmp_path, "tarieven.csv", BAD_TARIEVEN)
    env = {name: value for name, value in os.environ.items() if not name.startswith("HUB_")}
    proc = subprocess.run(
        [sys.executable, "-m", "hub", command, *AS_OF, "--tarieven", str(bad), str(msg)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines() == [
        f"error: tariff list {bad}, line 3: productcode 45A53 has tarief 8100 here and 8000 on line 2"
    ]


def test_a_bad_file_in_the_settings_is_a_usage_error_too(tmp_path: Path) -> None:
    msg = write(tmp_path, "jw301.xml", to_xml("JW301", spec("JW301")))
    bad = write(tmp_path, "producten.csv", "categorie;code\n45;45A53\n")
    result = runner.invoke(app, ["validate", str(msg)], env={"HUB_PRODUCTCODES_FILE": str(bad)})
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"error: product code list {bad}, line 1: the header has no column 'categorie' "
        "(columns separated by ';': separate them by commas, categorie,code)"
    ]


def test_process_hands_its_options_to_the_pipeline_over_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Any] = []

    async def pipeline(paths: list[Path], *, settings: Any, **_: Any) -> dict[str, int]:
        seen.append((settings.productcodes_file, settings.tarieven_file))
        return {}

    monkeypatch.setattr(consumers.process, "process", pipeline)
    lijst, tarieven, uit_env = tmp_path / "p.csv", tmp_path / "t.csv", tmp_path / "env.csv"
    env = {"HUB_PRODUCTCODES_FILE": str(uit_env), "HUB_TARIEVEN_FILE": str(uit_env)}
    runs = [
        ["process", str(tmp_path), "--productcodes", str(lijst), "--tarieven", str(tarieven)],
        ["process", str(tmp_path), "--tarieven", str(tarieven)],
        ["process", str(tmp_path)],
    ]
    for args in runs:
        assert runner.invoke(app, args, env=env).exit_code == 0
    assert seen == [(lijst, tarieven), (uit_env, tarieven), (uit_env, uit_env)]


def test_process_refuses_a_bad_file_before_it_starts_anything(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    msg = write(tmp_path / "in", "jw301.xml", to_xml("JW301", spec("JW301")))
    bad = write(tmp_path, "producten.csv", "categorie,code\n")
    database = tmp_path / "hub.sqlite"
    result = runner.invoke(
        app, ["process", str(msg.parent), "--productcodes", str(bad), "--database", f"sqlite:///{database}"]
    )
    assert result.exit_code == 2
    assert result.output.splitlines() == [f"error: product code list {bad}, line 1: no rows below the header"]
    assert not database.exists()
