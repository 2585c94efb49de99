"""The Ontvangstbevestiging (GI101): valid against its XSD, the right codes per part, every error listed once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from lxml import etree

from hub.gi.ack import build_ontvangstbevestiging, ontvangst_identificatie
from hub.gi.catalog import GI_BERICHTEN
from hub.gi.extract import extract_gi
from hub.gi.models import BepalingOntvangst, CapaciteitOntvangst, Fout, Gi101, MaatregelOntvangst
from hub.gi.state import GiSnapshot
from hub.gi.synth import BEPALING_ID, bepaling, capaciteit, maatregel, spec
from hub.ijw.doc import Doc
from hub.rules.registry import Level, Violation, iter_violations
from hub.synth.berichten import DEFAULT_DAGTEKENING
from hub.synth.build import Spec, edit
from hub.validate import Verdict
from tests.hub.gi.helpers import CTX, TODAY, doc, schema
from tests.hub.gi.rules.test_stateful import bekend, pseudonym

DAG = DEFAULT_DAGTEKENING


def verdict_for(bericht: str, s: Spec, state: GiSnapshot | None = None) -> Verdict:
    """What the Validator decides for a schema-valid message: level 2, then level 3 when level 2 passed."""
    d = doc(bericht, s)
    errors = tuple(iter_violations(d, CTX))
    if not errors and state is not None:
        errors = tuple(iter_violations(d, replace(CTX, state=state), (Level.STATEFUL,)))
    return Verdict(d.info, errors, d)


def answer(verdict: Verdict) -> Gi101:
    xml = build_ontvangstbevestiging(verdict, TODAY)
    assert xml is not None
    root = etree.fromstring(xml)
    xsd = schema("GI101")
    assert xsd.validate(root), [e.message for e in xsd.error_log]
    model = extract_gi(Doc(root, GI_BERICHTEN["GI101"]))
    assert isinstance(model, Gi101)
    return model


Onderdeel = BepalingOntvangst | MaatregelOntvangst | CapaciteitOntvangst


def onderdelen(ack: Gi101) -> list[Onderdeel]:
    return [*ack.bepalingen, *ack.maatregelen, *ack.capaciteiten]


def all_fouten(ack: Gi101) -> list[Fout]:
    parts = onderdelen(ack)
    return [*ack.header.fouten, *(f for p in parts for f in p.fouten)]


def as_fouten(errors: tuple[Violation, ...]) -> list[tuple[str, str | None, str]]:
    return sorted((v.rule, v.location, v.message) for v in errors)


@pytest.mark.parametrize("bericht", ["GI001", "GI002", "GI003"])
def test_accepted_message_gets_0200_everywhere(bericht: str) -> None:
    verdict = verdict_for(bericht, spec(bericht))
    assert verdict.accepted
    ack = answer(verdict)
    assert ack.header.retour_codes == ("0200",)
    assert ack.header.bericht_code == "911"
    assert ack.header.bericht_code_heenbericht == GI_BERICHTEN[bericht].code
    assert ack.header.dagtekening_retour == TODAY
    parts = onderdelen(ack)
    assert len(parts) == 1 and parts[0].retour_codes == ("0200",) and all_fouten(ack) == []


def test_header_echoes_the_received_header() -> None:
    s = spec("GI001", identificatie="ID-42")
    verdict = verdict_for("GI001", s)
    ack = answer(verdict)
    h = s["Header"]
    assert (ack.header.afzender, ack.header.ontvanger) == (h["Afzender"], h["Ontvanger"])
    assert (ack.header.identificatie, ack.header.dagtekening) == ("ID-42", DAG)
    assert verdict.doc is not None
    assert ack.header.identificatie_retour == ontvangst_identificatie(verdict.doc)
    assert (
        answer(verdict_for("GI001", s)).header.identificatie_retour == ack.header.identificatie_retour
    )  # stable


def test_explicit_identificatie() -> None:
    xml = build_ontvangstbevestiging(verdict_for("GI003", spec("GI003")), TODAY, "MY-ACK-1")
    assert xml is not None and b"<gi101:IdentificatieRetour>MY-ACK-1<" in xml


def test_level2_rejection_lists_every_error_once_with_location() -> None:
    s = edit(spec("GI001"), "Client/Bsn", "123456789")  # GB001, outside any part
    s = edit(
        s,
        "Client/Bepalingen/Bepaling",
        [
            bepaling("B1", datum_bepaling=DAG - timedelta(days=3), gewenste_ingangsdatum=DAG),
            bepaling(
                "B2",
                datum_bepaling=DAG + timedelta(days=1),
                gewenste_ingangsdatum=DAG,
                categorie="48",
                code=None,
            ),
        ],
    )
    verdict = verdict_for("GI001", s)
    assert {v.rule for v in verdict.errors} == {"GB001", "GB012", "GB014", "GB015"}
    ack = answer(verdict)
    assert ack.header.retour_codes == ("0001",)
    assert [f.code for f in ack.header.fouten] == ["GB001"]
    b1, b2 = ack.bepalingen
    assert (b1.bepaling_id, b1.retour_codes, b1.fouten) == ("B1", ("0233",), ())
    assert (b2.bepaling_id, b2.status_aanlevering, b2.retour_codes) == ("B2", "1", ("0001",))
    assert as_fouten(verdict.errors) == sorted((f.code, f.locatie, f.tekst) for f in all_fouten(ack))
    assert all(
        f.locatie and f.locatie.startswith("/Bericht/Client/Bepalingen/Bepaling[2]/") for f in b2.fouten
    )


def test_level2_rejection_of_capaciteit_and_voortgang() -> None:
    gi003 = edit(
        spec("GI003"),
        "Capaciteiten/Capaciteit",
        [capaciteit(peildatum=DAG), capaciteit("Atlantis", peildatum=DAG)],
    )
    ack = answer(verdict_for("GI003", gi003))
    assert [c.retour_codes for c in ack.capaciteiten] == [("0233",), ("0001",)]
    assert [f.code for f in ack.capaciteiten[1].fouten] == ["GB031"]
    gi002 = edit(spec("GI002"), "Client/Maatregelen/Maatregel", [maatregel("M1")])
    ack = answer(verdict_for("GI002", gi002))
    assert ack.header.retour_codes == ("0001",) and [f.code for f in ack.maatregelen[0].fouten] == ["GB024"]


def test_stateful_rejection_on_a_part_keeps_the_others() -> None:
    s = edit(
        spec("GI001"),
        "Client/Bepalingen/Bepaling",
        [
            bepaling(BEPALING_ID, datum_bepaling=DAG, gewenste_ingangsdatum=DAG),
            bepaling("B-NIEUW", datum_bepaling=DAG, gewenste_ingangsdatum=DAG),
        ],
    )
    state = GiSnapshot(pseudonym=pseudonym, bepalingen={BEPALING_ID: bekend()})
    verdict = verdict_for("GI001", s, state)
    assert [v.rule for v in verdict.errors] == ["GB102"]
    ack = answer(verdict)
    assert ack.header.retour_codes == ("0200",) and ack.header.fouten == ()
    assert [(b.bepaling_id, b.retour_codes) for b in ack.bepalingen] == [
        (BEPALING_ID, ("G102",)),
        ("B-NIEUW", ("0200",)),
    ]
    assert [(f.code, f.locatie) for f in ack.bepalingen[0].fouten] == [
        ("GB102", "/Bericht/Client/Bepalingen/Bepaling[1]/BepalingId")
    ]


def test_stateful_rejection_on_the_header_leaves_parts_unjudged() -> None:
    verdict = verdict_for("GI002", spec("GI002"), GiSnapshot(pseudonym=pseudonym, identificatie_bekend=True))
    ack = answer(verdict)
    assert ack.header.retour_codes == ("G101",)
    assert [f.code for f in ack.header.fouten] == ["GB101"]
    assert [m.retour_codes for m in ack.maatregelen] == [("0233",)]


def test_long_texts_are_cut_to_the_schema() -> None:
    d = doc("GI003", spec("GI003"))
    lang = Violation("GB031", "0001", "/Bericht/" + "x" * 400, "y" * 800)
    ack = answer(Verdict(d.info, (lang,), d))
    (fout,) = ack.header.fouten
    assert len(fout.tekst) == 500 and fout.locatie is not None and len(fout.locatie) == 300


def test_no_answer_without_a_valid_message() -> None:
    assert (
        build_ontvangstbevestiging(
            Verdict(None, (Violation("XML", None, None, "not xml", Level.XSD),)), TODAY
        )
        is None
    )
    d = doc("GI102", spec("GI102"))  # the hub's own Statusmelding is not answered
    assert build_ontvangstbevestiging(Verdict(d.info, (), d), TODAY) is None


def test_the_hubs_own_failure_is_0001_without_a_fout() -> None:
    # The intake answers a message it gave up on with a finding of its own (hub.intake.dead_letter): no GIC05
    # rule, so no Fout, and the answer stays valid against the GI101 XSD.
    d = doc("GI001", spec("GI001"))
    failed = Violation("HUB", "0001", None, "the hub could not process the message", Level.XSLT)
    ack = answer(Verdict(d.info, (failed,), d))
    assert (ack.header.retour_codes, ack.header.fouten) == (("0001",), ())
    assert [(b.retour_codes, b.fouten) for b in ack.bepalingen] == [(("0233",), ())]


def test_a_finding_goes_to_the_part_its_rule_names_also_without_a_location() -> None:
    # A level-3 finding belongs to the part the rule names (its klasse) even when it points at no element; its
    # Fout then has no Locatie (0..1 in CDT_Fout) and the answer stays valid against the GI101 XSD.
    s = edit(
        spec("GI001"),
        "Client/Bepalingen/Bepaling",
        [
            bepaling("B1", datum_bepaling=DAG, gewenste_ingangsdatum=DAG),
            bepaling("B2", datum_bepaling=DAG, gewenste_ingangsdatum=DAG),
        ],
    )
    d = doc("GI001", s)
    tweede = d.all("Client/Bepalingen/Bepaling")[1]
    v = Violation("GB102", "G102", None, "BepalingId B2 is in use.", Level.STATEFUL, klasse=tweede)
    ack = answer(Verdict(d.info, (v,), d))
    assert (ack.header.retour_codes, ack.header.fouten) == (("0200",), ())
    assert [(b.bepaling_id, b.retour_codes) for b in ack.bepalingen] == [("B1", ("0200",)), ("B2", ("G102",))]
    assert [(f.code, f.locatie, f.tekst) for f in ack.bepalingen[1].fouten] == [
        ("GB102", None, "BepalingId B2 is in use.")
    ]
