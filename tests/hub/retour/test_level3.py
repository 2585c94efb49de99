"""Retouren on a level-3 (stateful) finding, judged end to end (rules.md section 1, process.md 5.2 and 5.3).

The published examples: a JW305 deleting a start never received (IV028: Header 0200, Client 0200, StartProduct
9063), a JW317 missing a current toewijzing and naming an ended one (JW318: Verzoek 9349, OngewijzigdProduct 9350),
a second 'in onderzoek' (JW320: Antwoord 9360); a Header finding (TR056) gives the Header only. On a JW323 the
JW325 returns a rejected Client with its Prestaties 0233, or rejects the Declaratie whole (IV087).
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc, children, text
from hub.ijw.schema import SchemaSet
from hub.retour.build import build_retour
from hub.rules.registry import Level
from hub.state.snapshot import Snapshot, VerzoekState
from hub.synth.berichten import ASPECIFIEK, antwoord, spec, start_product
from hub.synth.build import Spec, edit, to_xml
from hub.validate import Validator, Verdict
from tests.hub.rules.stateful.jw323 import ANDER_BSN, default_lines, jw323, lijn
from tests.hub.rules.stateful.level3 import (
    AANBIEDER,
    BSN,
    CLIENT,
    DAG,
    GEMEENTE,
    SPECIFIEKE,
    TODAY,
    snapshot,
    toewijzing,
)

SCHEMAS = SchemaSet()


def judged(bericht: str, s: Spec, state: Snapshot) -> tuple[Verdict, Doc]:
    """Levels 1, 2 and 4 (passed), then level 3 against `state`; the retour, valid against its XSD."""
    validator = Validator(clock=lambda: TODAY)
    verdict = validator.validate(to_xml(bericht, s))
    assert verdict.accepted, verdict.errors
    verdict = validator.judge_state(verdict, state, today=TODAY)
    assert verdict.level == Level.STATEFUL
    xml = build_retour(verdict, dagtekening=TODAY)
    assert xml is not None
    root = etree.fromstring(xml)
    retour = BERICHTEN[BERICHTEN[bericht].retour or ""]
    assert SCHEMAS.validate(retour.bericht, root) == [], xml.decode()
    return verdict, Doc(root, retour)


def codes(el: etree._Element | None) -> list[str]:
    assert el is not None
    return [c.text or "" for c in children(children(el, "RetourCodes")[0], "RetourCode")]


def test_iv028_deleting_a_start_never_received() -> None:
    s = spec("JW305")
    lines = s["Client"]["StartProducten"]["StartProduct"]
    lines[0] = {**lines[0], "StatusAanlevering": "3"}
    verdict, retour = judged("JW305", s, snapshot())
    assert [(v.rule, v.retourcode) for v in verdict.errors] == [("TR063", "9063")]
    assert codes(retour.first("Header")) == ["0200"]
    assert retour.first("Header/XsltVersie") is None
    assert codes(retour.first("Client")) == ["0200"]
    starts = retour.all("Client/StartProducten/StartProduct")
    assert [codes(p) for p in starts] == [["9063"], ["0200"]]


def test_jw318_verzoek_9349_and_ongewijzigd_product_9350() -> None:
    afgelopen = toewijzing(
        ASPECIFIEK[0], "43", None, volume=None, eenheid=None, frequentie=None, einddatum=date(2026, 10, 31)
    )
    derde = toewijzing(300203, "45", "45A54")
    verdict, retour = judged("JW317", spec("JW317"), snapshot(toewijzingen=(SPECIFIEKE, afgelopen, derde)))
    assert sorted(v.retourcode or "" for v in verdict.errors) == ["9349", "9350"]
    assert codes(retour.first("Header")) == ["0200"]
    assert codes(retour.first("Client")) == ["0200"]
    assert codes(retour.first("Client/Verzoek")) == ["9349"]
    assert codes(retour.first("Client/Verzoek/OngewijzigdeProducten/OngewijzigdProduct")) == ["9350"]
    # The classes below the rejected Verzoek without a code of their own: not assessed.
    others = retour.all("Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct") + retour.all(
        "Client/Verzoek/NieuweProducten/NieuwProduct"
    )
    assert others and all(codes(p) == ["0233"] for p in others)


def test_jw320_antwoord_9360() -> None:
    ref = "VOT20261102A"  # the default JW319 answers this reference
    in_onderzoek = VerzoekState(AANBIEDER, GEMEENTE, CLIENT, ref, "VOT", DAG, antwoorden=("2",))
    s = edit(spec("JW319"), "Antwoord", antwoord(ref, verzoek_antwoord="2", reden_afwijzing=None))
    verdict, retour = judged("JW319", s, snapshot(referenties={ref: in_onderzoek}))
    assert [(v.rule, v.retourcode) for v in verdict.errors] == [("TR360", "9360")]
    assert codes(retour.first("Header")) == ["0200"]
    assert codes(retour.first("Antwoord")) == ["9360"]


def test_tr056_gives_the_header_only_also_with_class_findings() -> None:
    s = spec("JW305")
    s["Client"]["StartProducten"]["StartProduct"] = [
        start_product(300201, categorie="45", code="45A53", begindatum=date(2026, 10, 1), status="3")
    ]
    verdict, retour = judged("JW305", s, snapshot(identificatie_bekend=True))
    assert sorted(v.retourcode or "" for v in verdict.errors) == ["9056", "9063"]
    assert codes(retour.first("Header")) == ["9056"]
    assert retour.first("Client") is None


def _bedrag(retour: Doc, path: str) -> int:
    return int(text(retour.first(f"DeclaratieAntwoord/{path}/TotaalBedrag")) or "")


def test_jw325_on_tr304_returns_the_client_with_its_prestaties_not_assessed() -> None:
    """IV087: a rejected Client gets its code, all its Prestaties 0233; the other client's lines are granted."""
    s = jw323((BSN, default_lines()), (ANDER_BSN, [lijn("Q1")]))
    verdict, retour = judged("JW323", s, snapshot())
    assert [(v.rule, v.retourcode) for v in verdict.errors] == [("TR304", "8187")]
    assert codes(retour.first("Header")) == ["0200"]
    assert codes(retour.first("DeclaratieAntwoord")) == ["0200"]
    clienten = retour.all("DeclaratieAntwoord/Clienten/Client")
    assert [(text(c, "Bsn"), codes(c)) for c in clienten] == [(ANDER_BSN, ["8187"])]
    assert [codes(p) for p in children(children(clienten[0], "Prestaties")[0], "Prestatie")] == [["0233"]]
    afgewezen = lijn("Q1")["IngediendBedrag"]["Bedrag"]
    ingediend = _bedrag(retour, "TotaalIngediendBedrag")
    assert _bedrag(retour, "TotaalToegekendBedrag") == ingediend - afgewezen


def test_jw325_on_tr333_rejects_the_declaratie_whole() -> None:
    """process.md 5.3: DeclaratieAntwoord with 9333, TotaalToegekendBedrag 0, no Clients."""
    verdict, retour = judged("JW323", spec("JW323"), snapshot(declaratie_nummers=frozenset({"D202610001"})))
    assert [(v.rule, v.retourcode) for v in verdict.errors] == [("TR333", "9333")]
    assert codes(retour.first("Header")) == ["0200"]
    assert codes(retour.first("DeclaratieAntwoord")) == ["9333"]
    assert _bedrag(retour, "TotaalToegekendBedrag") == 0
    assert text(retour.first("DeclaratieAntwoord/TotaalToegekendBedrag"), "DebetCredit") == "D"  # CS325
    assert retour.first("DeclaratieAntwoord/Clienten") is None
    # A JW325 is judged by the in-message rules as a heenbericht: this one passes them all (CS325, TR342, ...).
    assert Validator(clock=lambda: TODAY).validate(etree.tostring(retour.root)).accepted
