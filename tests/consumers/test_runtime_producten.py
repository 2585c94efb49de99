"""`hub run` and `hub process` judge with the configured product code list (TR381) and tariffs (TR418).

The Runtime both build loads HUB_PRODUCTCODES_FILE and HUB_TARIEVEN_FILE into the one Validator its intake and
gateway share, and refuses to start, before it touches the database, when a file is malformed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from pydantic import SecretStr

from consumers.app import Runtime
from consumers.broker import BrokerSettings
from consumers.embedded import EmbeddedBroker
from consumers.process import process
from hub.errors import ConfigError
from hub.reference.contract import ALLES
from hub.reference.tarieven import Contracttarief
from hub.settings import HubSettings
from hub.synth.berichten import spec
from hub.synth.build import to_xml
from tests.tansu import tansu_settings

# An address nothing listens on: prepare() builds the broker client without connecting.
NOWHERE = BrokerSettings(bootstrap_servers="127.0.0.1:9")


def settings(tmp_path: Path, **files: Path) -> HubSettings:
    return HubSettings(
        database_url=f"sqlite:///{tmp_path / 'hub.sqlite'}",
        pseudonym_key=SecretStr("producten-test-pseudonym-key-0123456789"),
        **files,  # type: ignore[arg-type]  # files are HubSettings' own keywords
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_the_runtime_validator_has_the_configured_lists(tmp_path: Path) -> None:
    s = settings(
        tmp_path,
        productcodes_file=write(tmp_path / "p.csv", "categorie,code\n45,45A53\n"),
        tarieven_file=write(tmp_path / "t.csv", "productcode,tarief\n45A53,8000\n"),
    )
    runtime = Runtime(s, NOWHERE, s.database_url, roles=("all",), serves_http=True)
    runtime.prepare()
    try:
        assert runtime.validator.productcodes is not None
        assert runtime.validator.productcodes.rijen == {("45", "45A53"): (ALLES,)}
        assert runtime.validator.tarieven is not None
        assert runtime.validator.tarieven.rijen == {"45A53": (Contracttarief("45A53", 8000, regel=2),)}
        assert runtime.intake.validator is runtime.validator  # the gateway is given runtime.validator as well
    finally:
        runtime.engine.dispose()


def test_unset_the_rules_are_not_checked(tmp_path: Path) -> None:
    s = settings(tmp_path)
    runtime = Runtime(s, NOWHERE, s.database_url, roles=("intake",))
    runtime.prepare()
    try:
        assert (runtime.validator.productcodes, runtime.validator.tarieven) == (None, None)
    finally:
        runtime.engine.dispose()


def test_a_malformed_file_refuses_the_start_before_the_database(tmp_path: Path) -> None:
    bad = write(tmp_path / "t.csv", "productcode,tarief\n45A53,80,00\n")
    s = settings(tmp_path, tarieven_file=bad)
    with pytest.raises(ConfigError, match=r", line 2: 3 values for 2 columns"):
        Runtime(s, NOWHERE, s.database_url, roles=("intake",)).prepare()
    assert not (tmp_path / "hub.sqlite").exists()


def test_hub_run_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = write(tmp_path / "p.csv", "categorie,code\n45,45A53\n4,45A54\n")
    env = {name: value for name, value in os.environ.items() if not name.startswith("HUB_")}
    env.update(
        HUB_KAFKA_BOOTSTRAP_SERVERS=NOWHERE.bootstrap_servers or "",
        HUB_DATABASE_URL=f"sqlite:///{tmp_path / 'hub.sqlite'}",
        HUB_PSEUDONYM_KEY="producten-test-pseudonym-key-0123456789",
        HUB_PRODUCTCODES_FILE=str(bad),
    )
    result = subprocess.run(
        [sys.executable, "-m", "hub", "run", "--role", "intake"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"error: product code list {bad}, line 3: categorie '4' is not a two-digit productcategorie"
    ]
    assert not (tmp_path / "hub.sqlite").exists()


@pytest.mark.kafka
async def test_the_intake_rejects_an_unknown_pair_with_s329(
    tmp_path: Path, tansu: EmbeddedBroker, topic_prefix: str
) -> None:
    berichten = tmp_path / "berichten"
    berichten.mkdir()
    (berichten / "jw301.xml").write_bytes(to_xml("JW301", spec("JW301")))
    s = settings(tmp_path, productcodes_file=write(tmp_path / "p.csv", "categorie,code\n45,45A54\n"))
    retouren = tmp_path / "retouren"
    counts = await process(
        [berichten],
        settings=s,
        broker_settings=tansu_settings(tansu, topic_prefix),
        retour_out=retouren,
        database=s.database_url,
        timeout=120,
    )
    assert counts == {"rejected": 1}
    [retour] = retouren.iterdir()
    codes = etree.fromstring(retour.read_bytes()).xpath(
        "//*[local-name()='ToegewezenProduct']/*[local-name()='RetourCodes']/*[local-name()='RetourCode']/text()"
    )
    assert codes == ["S329", "0200"]
