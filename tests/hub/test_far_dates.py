"""Dates at the edges of Python's date: XSD-valid years beyond 9999 or before 1 (hub.ijw.doc.xsd_date reads them
as date.max and date.min) and the ends 9999-12-31 and 0001-01-01 themselves, in every date element of every
message: a verdict (every level, also against a store holding far dates), a model, an event and a retour."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

import hub.rules.stateful  # noqa: F401  (registers the stateful rules run below)
from hub.events.normalise import normalise
from hub.gi.build import to_xml as gi_xml
from hub.gi.extract import extract_gi
from hub.gi.synth import GI_BERICHTEN_MET_SPEC
from hub.gi.synth import spec as gi_spec
from hub.ijw.catalog import BERICHTEN
from hub.ijw.extract import extract
from hub.ijw.schema import SchemaSet
from hub.retour.build import build_retour
from hub.rules.registry import Context, Level, iter_violations
from hub.synth.berichten import HEENBERICHTEN, spec
from hub.synth.build import edit, to_xml
from hub.validate import Validator, Verdict
from tests.hub.rules.stateful.level3 import DEFAULT_TOEWIJZINGEN, snapshot
from tests.mutations import FAST, leaves, set_leaf

TODAY = date(2026, 11, 23)
VALIDATOR = Validator(clock=lambda: TODAY)
SCHEMAS = SchemaSet()
FAR = ("12026-01-01", "-0001-01-01", "9999-12-31", "0001-01-01")
ALL_LEVELS = (Level.XSLT, Level.EXTERNAL, Level.STATEFUL)
# The store may hold far dates too: toewijzingen from date.min to date.max.
FAR_STATE = snapshot(
    toewijzingen=tuple(replace(t, ingangsdatum=date.min, einddatum=date.max) for t in DEFAULT_TOEWIJZINGEN)
)


def date_leaves(s: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Paths to every date value of a spec."""
    found = []
    for path in leaves(s):
        node: Any = s
        for step in path:
            node = node[step]
        if isinstance(node, date) or (isinstance(node, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", node)):
            found.append(path)
    return found


def variants(s: dict[str, Any], value: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """The spec with one date element at a time set to `value`."""
    out = []
    for path in date_leaves(s):
        edited = copy.deepcopy(s)
        set_leaf(edited, path, value)
        out.append((path, edited))
    return out


def accepted_by_xsd(verdict: Verdict) -> None:
    assert verdict.doc is not None and verdict.level is not Level.XSD, verdict.errors


def far_verdicts(
    bericht: str, s: dict[str, Any], xml: Callable[[str, dict[str, Any]], bytes], value: str
) -> Iterator[tuple[tuple[Any, ...], Verdict]]:
    """The verdict on each variant of the spec with one date set to `value`; there is one, and the XSD takes each."""
    cases = variants(s, value)
    assert cases
    for path, variant in cases:
        verdict = VALIDATOR.validate(xml(bericht, variant))
        accepted_by_xsd(verdict)
        yield path, verdict


def check_retour(verdict: Verdict) -> None:
    """The retour builds, is XSD-valid, and is itself read into a model (JW325, itself an answer, gets none)."""
    xml = build_retour(verdict, dagtekening=TODAY)
    assert verdict.info is not None
    if verdict.info.retour is None:
        assert xml is None
        return
    assert xml is not None
    assert SCHEMAS.validate(BERICHTEN[verdict.info.retour].bericht, etree.fromstring(xml)) == []
    retour = VALIDATOR.validate(xml)
    assert retour.doc is not None and retour.accepted, retour.errors
    assert extract(retour.doc).header.bericht_code


@pytest.mark.parametrize("value", FAR)
@pytest.mark.parametrize("bericht", HEENBERICHTEN)
def test_ijw_far_dates_get_a_verdict_a_model_an_event_and_a_retour(bericht: str, value: str) -> None:
    for path, verdict in far_verdicts(bericht, spec(bericht), to_xml, value):
        assert verdict.doc is not None
        for state in (snapshot(), FAR_STATE):
            list(iter_violations(verdict.doc, Context(today=TODAY, state=state), ALL_LEVELS))
        model = extract(verdict.doc)
        normalise(model, bericht_id="f" * 32, pseudonym=lambda bsn: "a" * 64, ontvangen_op=datetime.now(UTC))
        check_retour(verdict)
        assert path


@pytest.mark.parametrize("value", FAR)
@pytest.mark.parametrize("bericht", GI_BERICHTEN_MET_SPEC)
def test_gi_far_dates_get_a_verdict_a_model_and_an_answer(bericht: str, value: str) -> None:
    for _, verdict in far_verdicts(bericht, gi_spec(bericht), gi_xml, value):
        assert verdict.doc is not None
        assert extract_gi(verdict.doc).header.afzender
        ack = build_retour(verdict, dagtekening=TODAY)
        if bericht == "GI102":  # sent by the gemeente; the hub answers none
            continue
        assert ack is not None
        answer = VALIDATOR.validate(ack)
        assert answer.doc is not None and answer.accepted, answer.errors
        assert extract_gi(answer.doc).header.afzender


# Any xs:date: within Python's date, or a far year (beyond 9999, or negative) on a day of a leap year.
dagen = st.dates(date(2000, 1, 1), date(2000, 12, 31))
xsd_dates = st.one_of(
    st.dates().map(date.isoformat),
    st.builds(lambda j, d: f"{j}{d.isoformat()[4:]}", st.integers(10_000, 10**12), dagen),
    st.builds(lambda j, d: f"-{j:04d}{d.isoformat()[4:]}", st.integers(1, 10**6), dagen),
)


@FAST
@given(st.sampled_from(HEENBERICHTEN), st.data())
def test_any_dates_in_a_valid_message_get_a_verdict_a_model_and_a_retour(
    bericht: str, data: st.DataObject
) -> None:
    s = spec(bericht)
    for path in data.draw(st.lists(st.sampled_from(date_leaves(s)), min_size=1, max_size=3)):
        set_leaf(s, path, data.draw(xsd_dates))
    verdict = VALIDATOR.validate(to_xml(bericht, s))
    if verdict.doc is None:  # 29 February of a far year that is no leap year: the XSD refuses it
        return
    list(iter_violations(verdict.doc, Context(today=TODAY, state=FAR_STATE), ALL_LEVELS))
    extract(verdict.doc)
    check_retour(verdict)


def rules(verdict: Verdict) -> dict[str, str | None]:
    return {v.rule: v.location for v in verdict.errors}


@pytest.mark.parametrize("bericht", ["JW319", "JW323", "JW325"])
def test_a_dagtekening_of_12026_is_in_the_future(bericht: str) -> None:
    verdict = VALIDATOR.validate(xml_with(bericht, "Header/BerichtIdentificatie/Dagtekening", "12026-01-01"))
    assert rules(verdict) == {"TR135": "/Bericht/Header/BerichtIdentificatie/Dagtekening"}
    # The finding quotes the date as sent, not date.max, which the rules compare with.
    assert "Dagtekening 12026-01-01 is later" in verdict.errors[0].message


def test_a_dagtekening_of_12026_is_more_than_120_years_after_a_birth() -> None:
    # Level 2 fails first, so TR135 (level 4) is not reached, as in the official XSLT's order.
    verdict = VALIDATOR.validate(xml_with("JW305", "Header/BerichtIdentificatie/Dagtekening", "12026-01-01"))
    assert rules(verdict) == {"TR002": "/Bericht/Client/Geboortedatum/Datum"}
    assert verdict.errors[0].message.endswith("before the Dagtekening 12026-01-01.")


def test_a_dagtekening_of_minus_0001_is_not_in_the_future() -> None:
    verdict = VALIDATOR.validate(xml_with("JW319", "Header/BerichtIdentificatie/Dagtekening", "-0001-01-01"))
    assert verdict.accepted, verdict.errors


def test_a_geboortedatum_of_12026_is_after_the_dagtekening() -> None:
    verdict = VALIDATOR.validate(xml_with("JW305", "Client/Geboortedatum/Datum", "12026-01-01"))
    assert rules(verdict)["TR134"] == "/Bericht/Client/Geboortedatum/Datum"


def test_a_far_date_after_the_dagtekening_is_quoted_as_sent() -> None:
    path = "Client/StartProducten/StartProduct/Begindatum"
    verdict = VALIDATOR.validate(xml_with("JW305", path, "12026-01-01"))
    [tr134] = [v for v in verdict.errors if v.rule == "TR134"]
    assert tr134.message == "StartProduct/Begindatum 12026-01-01 is after the Dagtekening 2026-11-02."


def xml_with(bericht: str, path: str, value: str) -> bytes:
    return to_xml(bericht, edit(spec(bericht), path, value))
