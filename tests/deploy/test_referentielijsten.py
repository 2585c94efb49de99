"""deploy/k8s/components: the lists they ship read as the hub reads them, and a pod gets what its settings name.

The example product code list and tariffs load with the hub's own loaders and mean what docs/operations.md
section 10 says; the gemeente component starts from the shipped list; the check deploy/k8s/README.md advises
(`hub validate` with the new lists on sample messages) accepts the examples and catches a changed tariff. A pod is
played without a cluster: its ConfigMap volumes written to a directory as the kubelet writes them, its container's
args and environment taken from the rendered Deployment.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from consumers.app import Role, Runtime
from consumers.broker import BrokerSettings
from hub.cli import app
from hub.reference import gemeenten
from hub.reference.producten import load_productcodes
from hub.reference.tarieven import load_tarieven
from hub.settings import HubSettings
from tests.cli_json import lines
from tests.deploy.contract import ROOT
from tests.deploy.test_k8s import (
    COMPONENTS,
    KUSTOMIZE,
    OPTED_IN,
    config_map_files,
    container,
    deployment,
    hub_config,
    render,
)

REFERENTIELIJSTEN = COMPONENTS / "referentielijsten"
PRODUCTCODES = REFERENTIELIJSTEN / "productcodes.csv"
TARIEVEN = REFERENTIELIJSTEN / "tarieven.csv"
GEMEENTEN = COMPONENTS / "gemeentelijst" / "gemeenten.csv"
EXAMPLES = ROOT / "examples"
AS_OF = ["--as-of", "2026-12-31"]  # after every example's Dagtekening (TR135)
# The production overlay with both components: every list setting in the pods.
BOTH = OPTED_IN[-1]
# An address nothing listens on: prepare() builds the broker client without connecting.
NOWHERE = BrokerSettings(bootstrap_servers="127.0.0.1:9")

needs_kustomize = pytest.mark.skipif(
    KUSTOMIZE is None, reason="neither kubectl (kubectl kustomize) nor kustomize installed"
)
runner = CliRunner()


@pytest.mark.parametrize("gemeentelijst", [None, GEMEENTEN], ids=["shipped", "component"])
def test_the_example_lists_load_with_the_hubs_loaders_and_mean_what_the_guide_says(
    gemeentelijst: Path | None,
) -> None:
    """Against the shipped gemeente list and the gemeente component's (the jeugdregio column needs one)."""
    producten = load_productcodes(PRODUCTCODES, gemeentelijst)
    tarieven = load_tarieven(TARIEVEN, gemeentelijst)

    def holds(categorie: str, code: str, gemeente: str, aanbieder: str, datum: date) -> bool:
        return producten.bevat(categorie, code, gemeente=gemeente, aanbieder=aanbieder, datum=datum)

    # A national row holds for everyone; a gemeente's own code only for it, from its ingangsdatum.
    assert holds("45", "45A53", "0363", "87654321", date(2025, 6, 1))
    assert not holds("45", "45X01", "0363", "87654321", date(2026, 6, 1))
    assert holds("45", "45X01", "0200", "87654321", date(2026, 1, 1))
    assert not holds("45", "45X01", "0200", "87654321", date(2025, 12, 31))
    # The regional contract: a gemeente of Noord Veluwe (Elburg), its one aanbieder, up to its einddatum.
    assert holds("43", "43X12", "0230", "12345678", date(2026, 12, 31))
    assert not holds("43", "43X12", "0230", "12345678", date(2027, 1, 1))
    assert not holds("43", "43X12", "0230", "87654321", date(2026, 6, 1))
    assert not holds("43", "43X12", "0200", "12345678", date(2026, 6, 1))

    def tarief(gemeente: str, datum: date, eenheid: str = "04") -> int | None:
        rij = tarieven.voor("45A53", gemeente=gemeente, aanbieder="12345678", datum=datum, eenheid=eenheid)
        return None if rij is None else rij.verwacht(eenheid)

    # The region's indexed tariff from 2026, the national one elsewhere; minutes under the hourly tariff.
    assert tarief("0230", date(2026, 3, 1)) == 8240
    assert tarief("0230", date(2025, 3, 1)) == tarief("0200", date(2026, 3, 1)) == 8000
    assert tarief("0200", date(2026, 3, 1), eenheid="01") == 133
    assert tarief("0200", date(2026, 3, 1), eenheid="14") is None


def test_the_gemeente_component_starts_from_the_shipped_list() -> None:
    """Opting in changes nothing until the operator edits the copy; a new shipped list must reach it too."""
    assert gemeenten.load_gemeenten(GEMEENTEN) == gemeenten.load_gemeenten(gemeenten.DEFAULT_FILE)


@pytest.mark.usefixtures("no_hub_env")
def test_the_advised_check_accepts_the_examples_and_catches_a_changed_tariff(tmp_path: Path) -> None:
    """deploy/k8s/README.md: try new lists with `hub validate` on sample messages before they go in."""
    options = ["--productcodes", str(PRODUCTCODES), "--gemeenten", str(GEMEENTEN)]
    result = runner.invoke(
        app, ["validate", "--format", "json", *AS_OF, *options, "--tarieven", str(TARIEVEN), str(EXAMPLES)]
    )
    assert result.exit_code == 0, result.output
    verdicts = lines(result.output)
    assert len(verdicts) == len(list(EXAMPLES.rglob("*.xml"))) and all(v["accepted"] for v in verdicts)

    indexed = tmp_path / "tarieven.csv"
    indexed.write_text(TARIEVEN.read_text(encoding="utf-8").replace("45A53,8000,04", "45A53,8250,04"))
    result = runner.invoke(
        app, ["validate", "--format", "json", *AS_OF, *options, "--tarieven", str(indexed), str(EXAMPLES)]
    )
    assert result.exit_code == 1
    rejected = {v["bericht"]: v["errors"] for v in lines(result.output) if not v["accepted"]}
    assert {bericht: [e["rule"] for e in errors] for bericht, errors in rejected.items()} == {
        "JW323": ["TR418"]
    }


def play_pod(role: str, root: Path) -> tuple[list[str], dict[str, str]]:
    """The rendered hub container of `role` (production, both components) as its pod runs it: its ConfigMap
    volumes written under root, read-only as the kubelet writes them; its args; its environment (envFrom, then its
    own values, the list paths moved under root), secrets replaced by test values."""
    manifests = render(BOTH)
    hub = container(deployment(BOTH, role))
    for path, content in config_map_files(deployment(BOTH, role), manifests).items():
        file = root / path.lstrip("/")
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(content.encode())
        file.chmod(0o444)
    env = {name: value for name, value in os.environ.items() if not name.startswith("HUB_")}
    env |= hub_config(manifests)["data"]
    env |= {item["name"]: item["value"] for item in hub["env"] if "value" in item}
    env |= {name: str(root) + value for name, value in env.items() if value.startswith("/etc/hub/")}
    env |= {
        "HUB_PSEUDONYM_KEY": "deploy-test-pseudonym-key-0123456789",
        "HUB_DATABASE_URL": f"sqlite:///{root / 'hub.sqlite'}",
        "HUB_API_KEYS": '{"deploy-test-key": ["0200"]}',
        "HUB_KAFKA_SASL_PASSWORD": "deploy-test-password",
    }
    return hub["args"], env


@needs_kustomize
@pytest.mark.parametrize("role", ["intake", "gateway"])
def test_a_pod_judges_with_the_lists_mounted_where_its_settings_point(
    role: Role, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, env = play_pod(role, tmp_path)
    for name in [name for name in os.environ if name.startswith("HUB_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("HUB_"):
            monkeypatch.setenv(name, value)
    settings = HubSettings()
    assert settings.productcodes_file is not None and settings.tarieven_file is not None
    assert stat.S_IMODE(settings.tarieven_file.stat().st_mode) == 0o444
    runtime = Runtime(settings, NOWHERE, settings.database_url, roles=(role,), serves_http=True)
    runtime.prepare()
    try:
        assert runtime.validator.productcodes == load_productcodes(PRODUCTCODES, GEMEENTEN)
        assert runtime.validator.tarieven == load_tarieven(TARIEVEN, GEMEENTEN)
        assert gemeenten.in_gebruik() == settings.gemeenten_file
    finally:
        runtime.engine.dispose()


@needs_kustomize
@pytest.mark.parametrize("role", ["intake", "gateway"])
def test_a_malformed_list_stops_the_pod_with_one_line(role: str, tmp_path: Path) -> None:
    """What `kubectl logs` shows of the new pod of a roll whose list does not read, and the exit that keeps it
    from becoming ready (the old pods go on with the old list)."""
    args, env = play_pod(role, tmp_path)
    tarieven = Path(env["HUB_TARIEVEN_FILE"])
    tarieven.chmod(0o644)
    tarieven.write_text("productcode,tarief\n45A53,80,00\n", encoding="utf-8")  # a decimal comma
    result = subprocess.run(
        [sys.executable, "-m", "hub", *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: tariff list {tarieven}, line 2: 3 values for 2 columns "
        "(a decimal comma, or a comma in an unquoted value?)"
    ]
    assert not (tmp_path / "hub.sqlite").exists()
