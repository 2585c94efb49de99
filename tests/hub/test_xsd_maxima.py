"""Every value the XSD accepts fits the store, the events and the monitor: each message type of the iJw and GI
stories with every bounded string element at its maxLength (an unbounded one long), every integer at its
maxInclusive and every decimal at its totalDigits, through the intake (verdict, store, event), the processors
and, for a retour, the intake again. A value the XSD accepts but a column cannot hold failed the intake on
PostgreSQL (VARCHAR overflow, integer or numeric out of range): the message was retried and dead-lettered
without a retour."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from hub.events.models import HubEvent
from hub.gi.catalog import is_gi
from hub.gi.structure import gi_structure
from hub.gi.synth import spec as gi_spec
from hub.ijw.structure import Structure, structure
from hub.intake import IntakeResult
from hub.store import audit
from hub.store.db import session_factory
from hub.store.gi_tables import GiBepalingRecord, GiCapaciteitRecord, GiStatusmeldingRecord
from hub.store.tables import DeclaratieRecord, PrestatieRecord, ToewijzingRecord, VerzoekRecord
from hub.synth.berichten import spec
from hub.synth.build import Spec, edit
from hub.synth.declaratie import declaratie_antwoord, signed, totaal_bedrag
from tests.hub.column_capacity import columns_hold_their_values
from tests.hub.gi_pipeline.helpers import Pipeline, xml
from tests.hub.xsd_facets import NUMMERS, UNBOUNDED, facets_of, maximaal

# Elements whose maximum a rule refuses in the story (the value is neither stored nor in an event).
BY_RULE = {"Postcode": "CS089: with LandCode NL a Postcode is 1234AB"}


def maximise(bericht: str, s: Spec, unbounded: int = UNBOUNDED) -> Spec:
    """A copy of `s` with every element at its maximum; `unbounded`: the length of a string without maxLength."""
    st: Structure = gi_structure(bericht) if is_gi(bericht) else structure(bericht)
    facets = facets_of(bericht)
    out = copy.deepcopy(s)

    def walk(node: dict[str, Any], type_key: str | None) -> None:
        kids = {c.name: c for c in st.children_of(type_key)}
        for name, value in node.items():
            items = value if isinstance(value, list) else [value]
            for i, item in enumerate(items):
                if isinstance(item, dict):
                    walk(item, kids[name].type)
                elif (
                    item is not None
                    and name not in BY_RULE
                    and (f := facets.get(type_key or "", {}).get(name)) is not None
                ):
                    new = maximaal(item, f, unbounded)
                    if isinstance(value, list):
                        value[i] = new
                    else:
                        node[name] = new

    walk(out, st.root_type)
    return out


# ---- the stories, maximal, through the intake and the processors --------------------------------------

# Each verzoek answered before the next is sent (TR374); the JW319 for the VOW goes under its own Identificatie.
IJW_STORY = ("JW301", "JW305", "JW307", "JW317", "JW319-VOW", "JW323", "JW325", "JW315", "JW319")
# The JW315 names the GI as Verwijzer: the processors link it to the bepaling and write a GI102 at the maxima.
GI_STORY = ("JW315", "GI001", "GI002", "GI102")


def _send(pipeline: Pipeline, bericht: str, s: Spec) -> IntakeResult:
    """Accepted, recorded, its event processed and read back; its retour, if any, judged and recorded too."""
    result = pipeline.intake.verwerk(xml(bericht, s))
    assert result.outcome == "accepted", (bericht, [(v.rule, v.message) for v in result.errors])
    if result.event is not None:
        assert pipeline.processor.verwerk(result.event)
        assert HubEvent.parse_event(result.event.model_dump_json()) == result.event
    with session_factory(pipeline.db)() as session:
        assert audit.get(session, result.bericht_id) is not None
    if result.retour is not None:
        answer = pipeline.intake.verwerk(result.retour)
        assert answer.outcome in {"accepted", "rejected"}, answer.errors
    return result


def _declaratie(s: Spec) -> Spec:
    """A maximal JW323 whose totals add up: TotaalIngediendBedrag is the sum of its lines (TR358; LDT_TotaalBedrag's
    maximum would take 10001 lines, see test_a_totaalbedrag_at_its_maximum_is_answered)."""
    d = s["Declaratie"]
    lines = [p for c in d["Clienten"]["Client"] for p in c["Prestaties"]["Prestatie"]]
    # IngediendBedrag is GeleverdVolume x ProductTarief (TR346): the one at its maximum, the other 1.
    for i, line in enumerate(lines):
        line["GeleverdVolume" if i % 2 else "ProductTarief"] = 1
    d["TotaalIngediendBedrag"] = totaal_bedrag(sum(signed(p["IngediendBedrag"]) for p in lines))
    return s


def maximal(bericht: str, versie: int = UNBOUNDED) -> Spec:
    """The story's message at the XSD maxima, its totals consistent; `versie`: the length of an LDT_Versie."""
    if is_gi(bericht):
        return maximise(bericht, gi_spec(bericht), versie)
    if bericht == "JW323":
        return _declaratie(maximise(bericht, spec(bericht), versie))
    if bericht == "JW325":  # the answer to the maximal JW323, granted
        h = spec("JW325")["Header"]["BerichtIdentificatie"]
        antwoord = declaratie_antwoord(
            maximal("JW323", versie), dagtekening=h["Dagtekening"], identificatie=h["Identificatie"]
        )
        m = maximise(bericht, antwoord, versie)
        m["DeclaratieAntwoord"].update(antwoord["DeclaratieAntwoord"])  # its totals as the JW323's
        return m
    if bericht == "JW319-VOW":
        vow = spec("JW317")["Client"]["Verzoek"]["ReferentieAanbieder"]
        s = edit(spec("JW319", identificatie="JW319VOW"), "Antwoord/ReferentieAanbieder", vow)
        return maximise("JW319", s, versie)
    return maximise(bericht, spec(bericht), versie)


@pytest.mark.parametrize(
    "versie",
    [pytest.param(20, id="versie20"), pytest.param(UNBOUNDED, id="versie100")],
)
def test_the_ijw_story_at_the_xsd_maxima(db: Engine, versie: int) -> None:
    pipeline = Pipeline(db)
    for bericht in IJW_STORY:
        _send(pipeline, bericht[:5], maximal(bericht, versie))
    columns_hold_their_values(db)
    with session_factory(db)() as session:
        toewijzingen = session.exec(select(ToewijzingRecord)).all()
        assert {t.toewijzing_nummer for t in toewijzingen} == set(NUMMERS.values())
        assert {t.volume for t in toewijzingen} == {99_999_999, None}
        prestaties = session.exec(select(PrestatieRecord)).all()
        assert {(p.volume, p.tarief, p.bedrag) for p in prestaties} == {
            (99_999_999, 1, 99_999_999),
            (1, 99_999_999, 99_999_999),
        }
        assert {len(p.referentie_nummer) for p in prestaties} == {20}
        declaratie = session.exec(select(DeclaratieRecord)).one()
        assert (len(declaratie.declaratie_nummer), len(declaratie.bericht_xsd_versie or "")) == (12, versie)
        assert {len(v.referentie_aanbieder) for v in session.exec(select(VerzoekRecord))} == {36}


def test_the_gi_story_at_the_xsd_maxima(db: Engine) -> None:
    pipeline = Pipeline(db)
    for bericht in GI_STORY:
        _send(pipeline, bericht, maximal(bericht))
    columns_hold_their_values(db)
    with session_factory(db)() as session:
        bepaling = session.exec(select(GiBepalingRecord)).one()
        assert (len(bepaling.bepaling_id), len(bepaling.maatregel_id), bepaling.volume) == (
            36,
            36,
            99_999_999,
        )
        melding = session.exec(select(GiStatusmeldingRecord)).first()
        assert melding is not None and melding.onderwerp.endswith(
            "." * 20
        )  # the verzoek's ReferentieAanbieder


@pytest.mark.parametrize("fte", [pytest.param("9999.99", id="9999.99"), pytest.param("999999", id="999999")])
def test_a_capaciteit_at_the_xsd_maxima(db: Engine, fte: str) -> None:
    s = edit(maximal("GI003"), "Capaciteiten/Capaciteit[1]/Jeugdbeschermers", fte)
    _send(Pipeline(db), "GI003", s)
    columns_hold_their_values(db)
    with session_factory(db)() as session:
        capaciteit = session.exec(select(GiCapaciteitRecord)).one()
        assert (capaciteit.jeugdbeschermers, len(capaciteit.jeugdregio)) == (Decimal(fte), 80)
        assert (capaciteit.caseload, capaciteit.beschikbare_plaatsen, capaciteit.wachtlijst) == (99_999,) * 3


def test_a_totaalbedrag_at_its_maximum_is_answered(db: Engine) -> None:
    """No column holds a TotaalBedrag; its maximum, not the sum of the lines, is refused (TR358) with a JW325,
    which the intake reads in turn."""
    pipeline = Pipeline(db)
    _send(pipeline, "JW301", maximal("JW301"))
    s = maximal("JW323")
    s["Declaratie"]["TotaalIngediendBedrag"] = totaal_bedrag(999_999_999_999)
    result = pipeline.intake.verwerk(xml("JW323", s))
    assert (result.outcome, [v.rule for v in result.errors]) == ("rejected", ["TR358"])
    assert result.retour is not None
    assert pipeline.intake.verwerk(result.retour).outcome in {"accepted", "rejected"}
    columns_hold_their_values(db)
