"""The core doors know the GI messages: parse, Validator, SchemaSet (also with --schema-dir) and build_retour."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from hub.gi.build import to_xml
from hub.gi.catalog import GI_BERICHTEN
from hub.gi.extract import extract_gi
from hub.gi.models import Gi101
from hub.gi.state import GiSnapshot
from hub.gi.synth import GI_BERICHTEN_MET_SPEC, spec, xml
from hub.ijw.catalog import BERICHTEN, BY_NS
from hub.ijw.doc import Doc
from hub.ijw.parse import parse_bericht
from hub.ijw.schema import BUILTIN_DIR, SchemaSet
from hub.retour.build import build_retour
from hub.synth.build import edit
from hub.validate import Validator
from tests.hub.gi.helpers import TODAY, schema
from tests.hub.gi.rules.test_stateful import bekend, pseudonym
from tests.hub.gi.test_ack import as_fouten, onderdelen

VALIDATOR = Validator(clock=lambda: TODAY)


def test_the_core_catalog_identifies_the_gi_messages() -> None:
    for bericht, info in GI_BERICHTEN.items():
        assert BY_NS[info.ns] is info
        assert bericht not in BERICHTEN  # BERICHTEN stays the iJw catalog
    assert parse_bericht(xml("GI003")).info.bericht == "GI003"


@pytest.mark.parametrize("bericht", GI_BERICHTEN_MET_SPEC)
def test_default_messages_are_accepted(bericht: str) -> None:
    verdict = VALIDATOR.validate(xml(bericht))
    assert (verdict.bericht, verdict.accepted, verdict.errors) == (bericht, True, ())


def test_gi101_is_judged_on_its_xsd_only() -> None:
    gi001 = VALIDATOR.validate(xml("GI001"))
    ack = build_retour(gi001, dagtekening=TODAY)
    assert ack is not None
    verdict = VALIDATOR.validate(ack)
    assert (verdict.bericht, verdict.accepted) == ("GI101", True)
    assert verdict.info is not None and verdict.info.is_retour


def test_rule_findings_carry_gi_codes() -> None:
    verdict = VALIDATOR.validate(to_xml("GI001", edit(spec("GI001"), "Client/Bsn", "123456789")))
    assert [(v.rule, v.retourcode, v.location) for v in verdict.errors] == [
        ("GB001", "0001", "/Bericht/Client/Bsn")
    ]


def test_xsd_errors_get_no_ontvangstbevestiging() -> None:
    verdict = VALIDATOR.validate(
        to_xml("GI003", edit(spec("GI003"), "Capaciteiten/Capaciteit[1]/Caseload", "-1"))
    )
    assert verdict.outcome == "malformed" and {v.rule for v in verdict.errors} == {"XSD"}
    assert build_retour(verdict, dagtekening=TODAY) is None


@pytest.mark.parametrize("bericht", ["GI001", "GI002", "GI003"])
def test_build_retour_dispatches_to_the_ontvangstbevestiging(bericht: str) -> None:
    ack = build_retour(VALIDATOR.validate(xml(bericht)), dagtekening=TODAY)
    assert ack is not None
    root = etree.fromstring(ack)
    assert etree.QName(root).namespace == GI_BERICHTEN["GI101"].ns
    assert schema("GI101").validate(root)


def test_gi102_has_no_answer() -> None:
    assert build_retour(VALIDATOR.validate(xml("GI102")), dagtekening=TODAY) is None


def test_judge_state_adds_the_stateful_gi_rules() -> None:
    verdict = VALIDATOR.validate(xml("GI001"))
    state = GiSnapshot(pseudonym=pseudonym, bepalingen={"B-2026-0001": bekend()})
    judged = VALIDATOR.judge_state(verdict, state)
    assert [(v.rule, v.retourcode) for v in judged.errors] == [("GB102", "G102")]
    ack = build_retour(judged, dagtekening=TODAY)
    assert ack is not None
    model = extract_gi(Doc(etree.fromstring(ack), GI_BERICHTEN["GI101"]))
    assert isinstance(model, Gi101)
    assert [p.retour_codes for p in onderdelen(model)] == [("G102",)]
    assert as_fouten(judged.errors) == sorted(
        (f.code, f.locatie, f.tekst) for p in onderdelen(model) for f in p.fouten
    )


def test_gi_schemas_are_built_in_also_with_another_schema_dir(tmp_path: Path) -> None:
    # An official iJw release directory has no GI XSDs (and may spell names in capitals).
    for f in BUILTIN_DIR.glob("*.xsd"):
        (tmp_path / f.name.upper()).write_bytes(f.read_bytes())
    validator = Validator(SchemaSet(tmp_path), clock=lambda: TODAY)
    for bericht in GI_BERICHTEN_MET_SPEC:
        assert validator.validate(xml(bericht)).accepted
    assert validator.validate(xml("GI003")).bericht == "GI003"
