"""The GI XSDs: they compile, carry the documented code lists and version, and every example is valid."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from hub.gi import codes
from hub.gi.build import to_tree
from hub.gi.catalog import GI_BASIS_NS, GI_BERICHTEN, GI_XSD_VERSION, gi_ns
from hub.gi.schema import GI_BASISSCHEMA, GI_SCHEMA_DIR, load_schema, schema_path
from hub.gi.synth import EXAMPLES_DIR, GI_BERICHTEN_MET_SPEC, examples, spec
from hub.rules.registry import REGISTRY
from hub.synth.build import SpecError

XS = "{http://www.w3.org/2001/XMLSchema}"
CODE_LISTS = {
    "LDT_GiBerichtCode": {k: v for k, v in codes.BERICHTCODES.items() if k in {"901", "902", "903"}},
    "LDT_MaatregelType": codes.MAATREGELTYPES,
    "LDT_Urgentie": codes.URGENTIES,
    "LDT_StatusBepaling": codes.STATUSSEN,
    "LDT_GiRetourCode": codes.RETOURCODES,
    "LDT_RegelCode": codes.REGELCODES,
}


@pytest.mark.parametrize("bericht", sorted(GI_BERICHTEN))
def test_every_xsd_compiles_with_its_namespace_and_version(bericht: str) -> None:
    load_schema(bericht)
    root = etree.parse(str(schema_path(bericht))).getroot()
    assert root.get("targetNamespace") == gi_ns(bericht) == GI_BERICHTEN[bericht].ns
    assert root.findtext(f"{XS}annotation/{XS}appinfo/XsdVersie") == GI_XSD_VERSION
    code = root.find(f".//{XS}element[@name='BerichtCode']//{XS}pattern")
    assert code is not None and code.get("value") == GI_BERICHTEN[bericht].code


def test_the_gi_basisschema_compiles_and_has_no_files_beside_the_messages() -> None:
    etree.XMLSchema(etree.parse(str(GI_BASISSCHEMA)))
    names = {p.name for p in GI_SCHEMA_DIR.glob("*.xsd")}
    assert names == {"gi-basisschema.xsd", *(f"{b.lower()}.xsd" for b in GI_BERICHTEN)}
    assert etree.parse(str(GI_BASISSCHEMA)).getroot().get("targetNamespace") == GI_BASIS_NS


@pytest.mark.parametrize("type_name", sorted(CODE_LISTS))
def test_code_lists_are_the_documented_ones(type_name: str) -> None:
    root = etree.parse(str(GI_BASISSCHEMA)).getroot()
    st = root.find(f"{XS}simpleType[@name='{type_name}']")
    assert st is not None
    values = {
        e.get("value"): e.findtext(f"{XS}annotation/{XS}documentation") for e in st.iter(f"{XS}enumeration")
    }
    assert values == CODE_LISTS[type_name]


def test_every_registered_gi_rule_has_a_documented_code_and_retourcode() -> None:
    gi_rules = {r.code: r for r in REGISTRY.values() if r.berichten & set(GI_BERICHTEN)}
    assert set(gi_rules) == set(codes.REGELCODES)
    assert {r.retourcode for r in gi_rules.values()} <= set(codes.RETOURCODES)


@pytest.mark.parametrize("name", sorted(examples()))
def test_examples_are_valid_and_up_to_date(name: str) -> None:
    # hub.gi.synth.write_examples() rewrites them; rerun it after changing the builders.
    path = EXAMPLES_DIR / name
    assert path.read_bytes() == examples()[name]
    bericht = Path(name).stem
    xsd = load_schema(bericht)
    assert xsd.validate(etree.parse(str(path))), xsd.error_log


@pytest.mark.parametrize("bericht", GI_BERICHTEN_MET_SPEC)
def test_default_specs_are_xsd_valid(bericht: str) -> None:
    xsd = load_schema(bericht)
    assert xsd.validate(to_tree(bericht, spec(bericht))), xsd.error_log


def test_unknown_element_in_a_spec_is_refused() -> None:
    s = spec("GI001")
    s["Client"]["Geslacht"] = "1"  # not in the GI Client
    with pytest.raises(SpecError, match="Geslacht"):
        to_tree("GI001", s)


def test_unknown_bericht_has_no_spec() -> None:
    with pytest.raises(ValueError, match="GI101"):
        spec("GI101")
