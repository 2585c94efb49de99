"""Property-based: the parser and validator return a verdict for any input, and every retour is XSD-valid."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from hub.ijw.catalog import BERICHTEN
from hub.ijw.schema import SchemaSet
from hub.retour.build import build_retour
from hub.synth.berichten import HEENBERICHTEN, spec
from hub.synth.build import to_xml
from hub.validate import Validator
from tests.mutations import BYTE_EDITS, FAST, leaf_values, mutate_bytes, mutated_xml

TODAY = date(2026, 11, 23)
VALIDATOR = Validator(clock=lambda: TODAY)
SCHEMAS = SchemaSet()
VALID = {b: to_xml(b, spec(b)) for b in HEENBERICHTEN}
KNOWN_RULES_PREFIX = ("XML", "XSD", "CD", "CS", "TR")


def check_verdict_and_retour(data: bytes) -> None:
    verdict = VALIDATOR.validate(data)
    assert verdict.accepted == (not verdict.errors)
    assert all(v.rule.startswith(KNOWN_RULES_PREFIX) and v.message for v in verdict.errors)
    xml = build_retour(verdict, dagtekening=TODAY)
    if xml is not None:
        assert verdict.info is not None and verdict.info.retour is not None
        assert SCHEMAS.validate(BERICHTEN[verdict.info.retour].bericht, etree.fromstring(xml)) == []


@FAST
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_get_a_verdict(data: bytes) -> None:
    check_verdict_and_retour(data)


@FAST
@given(
    st.sampled_from(HEENBERICHTEN),
    BYTE_EDITS,
)
def test_byte_mutations_of_valid_messages_get_a_verdict(
    bericht: str, edits: list[tuple[int, int, bytes]]
) -> None:
    check_verdict_and_retour(mutate_bytes(VALID[bericht], edits))


values = leaf_values("8", "13", "20", "83", "NL", "C", "D")


@FAST
@given(st.sampled_from(HEENBERICHTEN), st.data())
def test_element_mutations_get_a_verdict_and_a_valid_retour(bericht: str, data: st.DataObject) -> None:
    xml = mutated_xml(to_xml, bericht, spec(bericht), data, values)
    if xml is not None:
        check_verdict_and_retour(xml)


def test_every_default_message_is_accepted() -> None:
    for bericht, data in VALID.items():
        verdict = VALIDATOR.validate(data)
        assert verdict.accepted, (bericht, verdict.errors)
