"""Property-based: the parser and validator return a verdict for any mutation of a valid GI message, and every
Ontvangstbevestiging built on it is XSD-valid and lists every error."""

from __future__ import annotations

import copy

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from hub.gi.build import to_xml
from hub.gi.catalog import GI_BERICHTEN, HEENBERICHTEN, ONDERDELEN
from hub.gi.synth import GI_BERICHTEN_MET_SPEC, spec
from hub.retour.build import build_retour
from hub.validate import Validator
from tests.hub.gi.helpers import TODAY, schema
from tests.mutations import (
    BYTE_EDITS,
    FAST,
    leaf_values,
    leaves,
    mutate_bytes,
    mutated_xml,
    set_leaf,
    to_xml_or_none,
)

VALIDATOR = Validator(clock=lambda: TODAY)
VALID = {b: to_xml(b, spec(b)) for b in GI_BERICHTEN_MET_SPEC}
KNOWN_RULES_PREFIX = ("XML", "XSD", "GB")


def check_verdict_and_answer(data: bytes) -> None:
    verdict = VALIDATOR.validate(data)
    assert verdict.accepted == (not verdict.errors)
    assert all(v.rule.startswith(KNOWN_RULES_PREFIX) and v.message for v in verdict.errors)
    ack = build_retour(verdict, dagtekening=TODAY)
    if verdict.doc is not None and verdict.bericht in HEENBERICHTEN:
        assert ack is not None
        root = etree.fromstring(ack)
        assert etree.QName(root).namespace == GI_BERICHTEN["GI101"].ns
        assert schema("GI101").validate(root), schema("GI101").error_log
        codes = [c.text or "" for c in root.iter("{*}Code")]
        assert sorted(codes) == sorted(v.rule for v in verdict.errors)  # every error, once
    elif verdict.bericht in GI_BERICHTEN:
        assert ack is None


@FAST
@given(
    st.sampled_from(GI_BERICHTEN_MET_SPEC),
    BYTE_EDITS,
)
def test_byte_mutations_of_valid_gi_messages_get_a_verdict(
    bericht: str, edits: list[tuple[int, int, bytes]]
) -> None:
    check_verdict_and_answer(mutate_bytes(VALID[bericht], edits))


values = leaf_values(
    "9", "01", "06", "07", "31", "47", "45", "0.00", "12.345", "0200", "Atlantis", "Achterhoek", "B-2026-0001"
)


@FAST
@given(st.sampled_from(GI_BERICHTEN_MET_SPEC), st.data())
def test_element_mutations_get_a_verdict_and_a_valid_answer(bericht: str, data: st.DataObject) -> None:
    xml = mutated_xml(to_xml, bericht, spec(bericht), data, values)
    if xml is not None:
        check_verdict_and_answer(xml)


@FAST
@given(st.sampled_from(sorted(HEENBERICHTEN)), st.integers(min_value=2, max_value=6), st.data())
def test_repeated_parts_get_one_verdict_each(bericht: str, n: int, data: st.DataObject) -> None:
    s = spec(bericht)
    *wrapper_path, item = ONDERDELEN[bericht].split("/")
    holder = s
    for step in wrapper_path:
        holder = holder[step]
    # n copies of the part (duplicates: GB011, GB025 or GB032 on all but the first), each with one leaf changed.
    parts = [copy.deepcopy(holder[item][0]) for _ in range(n)]
    for part in parts:
        set_leaf(part, data.draw(st.sampled_from(leaves(part))), data.draw(values))
    holder[item] = parts
    xml = to_xml_or_none(to_xml, bericht, s)
    if xml is None:
        return
    check_verdict_and_answer(xml)
    verdict = VALIDATOR.validate(xml)
    if verdict.doc is not None:
        ack = build_retour(verdict, dagtekening=TODAY)
        assert ack is not None
        assert len(etree.fromstring(ack)[1]) == n  # one verdict per part, in the GI101's part list
