"""docs/gi-berichten.md documents every element, code and rule of the GI messages, and its examples are true."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree

from hub.gi import codes
from hub.gi.catalog import GI_BERICHTEN
from hub.gi.schema import GI_BASISSCHEMA, schema_path
from hub.gi.synth import bepaling, spec
from hub.synth.berichten import DEFAULT_DAGTEKENING
from hub.synth.build import edit
from tests.hub.gi.helpers import violations

DOC = (Path(__file__).resolve().parents[3] / "docs" / "gi-berichten.md").read_text(encoding="utf-8")
XS = "{http://www.w3.org/2001/XMLSchema}"
DAG = DEFAULT_DAGTEKENING


def element_names(path: Path) -> set[str]:
    return {el.get("name", "") for el in etree.parse(str(path)).getroot().iter(f"{XS}element")}


@pytest.mark.parametrize("bericht", sorted(GI_BERICHTEN))
def test_every_element_is_documented(bericht: str) -> None:
    names = element_names(schema_path(bericht)) | element_names(GI_BASISSCHEMA)
    # Named in code style, as a whole path step: `Bepaling/DatumBepaling` documents both names.
    missing = {n for n in names if not re.search(rf"`(?:[^`]*/)?{n}(?:/[^`]*)?`", DOC)}
    assert missing == set()


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("GIC00", codes.BERICHTCODES),
        ("GIC01", codes.MAATREGELTYPES),
        ("GIC02", codes.URGENTIES),
        ("GIC03", codes.STATUSSEN),
        ("GIC04", codes.RETOURCODES),
    ],
)
def test_every_code_is_documented_with_its_label(name: str, values: dict[str, str]) -> None:
    section = DOC.split(f"**{name} ")[1].split("**GIC")[0]
    for code, label in values.items():
        assert f"| {code} | {label} |" in section


@pytest.mark.parametrize("code", sorted(codes.REGELCODES))
def test_every_rule_is_in_a_rules_table(code: str) -> None:
    rules = DOC.split("## 5. Regels")[1].split("## 6.")[0]
    assert re.search(rf"^\| {code} \|", rules, re.M)


def test_the_rejected_example_is_what_the_hub_reports() -> None:
    s = edit(
        spec("GI001"),
        "Client/Bepalingen/Bepaling",
        [
            bepaling("B1", datum_bepaling=DAG - timedelta(days=3), gewenste_ingangsdatum=DAG),
            bepaling(
                "B2",
                datum_bepaling=DAG + timedelta(days=1),
                gewenste_ingangsdatum=DAG + timedelta(days=29),
                categorie="48",
                code=None,
            ),
        ],
    )
    found = violations("GI001", s)
    assert [v.rule for v in found] == ["GB012", "GB015"]
    for v in found:
        assert f"<gi:Locatie>{v.location}</gi:Locatie>" in DOC
        assert f"<gi:Tekst>{v.message}</gi:Tekst>" in DOC
