"""The JW325 against the JW323 it answers (rules.md 6.6): TR337, TR371, TR376, TR304, TR366, TR367."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType
from typing import Any

import pytest

from hub.state.snapshot import DeclaratieState, PrestatieState, Snapshot
from hub.synth.berichten import declaratie_antwoord, spec
from hub.synth.build import Spec, edit
from hub.synth.declaratie import prestaties_van
from tests.hub.rules.stateful.jw323 import ANDER_BSN, REF_1, default_lines, jw323, lijn
from tests.hub.rules.stateful.level3 import BSN, DAG, found, judge, pseudonym, rules_of, snapshot

JW323 = spec("JW323")
REF_2 = JW323["Declaratie"]["Clienten"]["Client"][0]["Prestaties"]["Prestatie"][1]["ProductReferentie"][
    "ReferentieNummer"
]
ANTWOORD_KLASSE = "/Bericht/DeclaratieAntwoord"
CLIENT_KLASSE = ANTWOORD_KLASSE + "/Clienten/Client"
PRESTATIE_PATH = "DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie"
PRESTATIE = "/Bericht/" + PRESTATIE_PATH


def regel(bsn: str, p: Spec) -> PrestatieState:
    """A line of a JW323 spec as the store keeps it."""
    bedrag = p["IngediendBedrag"]
    return PrestatieState(
        client=pseudonym(bsn),
        referentie_nummer=p["ProductReferentie"]["ReferentieNummer"],
        vorig_referentie_nummer=p["ProductReferentie"].get("VorigReferentieNummer"),
        toewijzing_nummer=p["ToewijzingNummer"],
        categorie=p["ProductCategorie"],
        code=p["ProductCode"],
        begindatum=p["ProductPeriode"]["Begindatum"],
        einddatum=p["ProductPeriode"]["Einddatum"],
        volume=p["GeleverdVolume"],
        eenheid=p["Eenheid"],
        bedrag=bedrag["Bedrag"],
        debet=bedrag["DebetCredit"] == "D",
        tarief=p["ProductTarief"],
    )


def gedeclareerd(jw323_spec: Spec = JW323) -> DeclaratieState:
    """The JW323 spec as the snapshot knows the declaratie a JW325 answers."""
    d, xsd = jw323_spec["Declaratie"], jw323_spec["Header"]["XsdVersie"]
    per_referentie: dict[str, tuple[PrestatieState, ...]] = {}
    for bsn, p in prestaties_van(d):
        r = regel(bsn, p)
        per_referentie[r.referentie_nummer] = (*per_referentie.get(r.referentie_nummer, ()), r)
    return DeclaratieState(
        d["DeclaratieNummer"],
        MappingProxyType(per_referentie),
        (xsd["BasisschemaXsdVersie"], xsd["BerichtXsdVersie"]),
    )


def beantwoord(declaratie: DeclaratieState | None = None) -> Snapshot:
    return snapshot(beantwoorde_declaratie=declaratie or gedeclareerd())


def jw325(afgewezen: dict[str, str] | None = None, jw323_spec: Spec = JW323) -> Spec:
    """The JW325 the gemeente sends on a JW323 spec, the lines in `afgewezen` returned with their code."""
    return declaratie_antwoord(jw323_spec, dagtekening=DAG, identificatie="JW325A", afgewezen=afgewezen)


def met_prestatie(path: str, value: Any) -> Spec:
    """A JW325 returning the first default line, with one value of it changed."""
    return edit(jw325({REF_1: "9307"}), f"{PRESTATIE_PATH}[1]/{path}", value)


def test_an_answer_that_repeats_its_jw323_passes() -> None:
    assert judge("JW325", jw325(), beantwoord()) == []
    assert judge("JW325", jw325({REF_1: "9307", REF_2: "9341"}), beantwoord()) == []


def test_no_state_no_findings() -> None:
    assert judge("JW325", jw325({REF_1: "9307"}), None) == []


# --- TR337 ---------------------------------------------------------------------------------------------


def test_tr337_unknown_jw323_on_the_header_without_retourcode() -> None:
    violations = judge("JW325", jw325({REF_1: "9307"}), snapshot())
    assert found(violations) == [("TR337", None, None)]  # rules.md: "-", no WJ001 code
    assert violations[0].location == "/Bericht/Header/DeclaratieIdentificatie"
    assert BSN not in violations[0].message
    # Nothing else is judged against a JW323 that is not there.
    assert rules_of(
        judge("JW325", edit(jw325(), "DeclaratieAntwoord/DeclaratieNummer", "X1"), snapshot())
    ) == ["TR337"]


# --- TR371 ---------------------------------------------------------------------------------------------


def test_tr371_xsd_versie_of_another_release_on_the_header_without_retourcode() -> None:
    anders = edit(jw325(), "Header/XsdVersieDeclaratie/BerichtXsdVersie", "3.1.9")
    violations = judge("JW325", anders, beantwoord())
    assert found(violations) == [("TR371", None, None)]  # rules.md: "-", no WJ001 code; on the Header
    assert violations[0].location == "/Bericht/Header/XsdVersieDeclaratie"
    assert "3.1.9" in violations[0].message
    basisschema = edit(jw325(), "Header/XsdVersieDeclaratie/BasisschemaXsdVersie", "3.1.9")
    assert rules_of(judge("JW325", basisschema, beantwoord())) == ["TR371"]


def test_tr371_not_judged_when_the_store_did_not_keep_the_version() -> None:
    """A declaratie stored before migration 0007 has no XsdVersie: unknown is not a difference."""
    zonder = replace(gedeclareerd(), xsd_versie=None)
    anders = edit(jw325(), "Header/XsdVersieDeclaratie/BerichtXsdVersie", "3.1.9")
    assert judge("JW325", anders, beantwoord(zonder)) == []


# --- TR376 ---------------------------------------------------------------------------------------------


def test_tr376_declaratienummer_of_another_declaratie() -> None:
    violations = judge(
        "JW325", edit(jw325(), "DeclaratieAntwoord/DeclaratieNummer", "D202610999"), beantwoord()
    )
    assert found(violations) == [("TR376", None, ANTWOORD_KLASSE)]
    assert violations[0].location == ANTWOORD_KLASSE + "/DeclaratieNummer"


def test_tr376_no_declaratieantwoord_nothing_to_compare() -> None:
    zonder = edit(jw325(), "DeclaratieAntwoord", None)
    assert judge("JW325", zonder, beantwoord()) == []


# --- TR304 ---------------------------------------------------------------------------------------------


def test_tr304_client_not_in_the_jw323_and_its_lines_not_assessed() -> None:
    s = edit(jw325({REF_1: "9307"}), "DeclaratieAntwoord/Clienten/Client[1]/Bsn", ANDER_BSN)
    violations = judge("JW325", s, beantwoord())
    assert found(violations) == [("TR304", "8187", CLIENT_KLASSE)]
    assert violations[0].location == CLIENT_KLASSE + "/Bsn"
    assert ANDER_BSN not in violations[0].message and BSN not in violations[0].message


def test_tr304_judged_per_client() -> None:
    twee = jw323((BSN, default_lines()), (ANDER_BSN, [lijn("Q1")]))
    s = jw325({REF_1: "9307", "Q1": "9307"}, twee)
    assert judge("JW325", s, beantwoord(gedeclareerd(twee))) == []
    # Answered against the declaratie of the first client only: the second is unknown.
    violations = judge("JW325", s, beantwoord())
    assert found(violations) == [("TR304", "8187", CLIENT_KLASSE + "[2]")]


# --- TR366 ---------------------------------------------------------------------------------------------


def test_tr366_prestatie_not_in_the_jw323() -> None:
    s = met_prestatie("ProductReferentie/ReferentieNummer", "ONBEKEND1")
    violations = judge("JW325", s, beantwoord())
    assert found(violations) == [("TR366", "9366", PRESTATIE)]
    assert violations[0].location == PRESTATIE + "/ProductReferentie"


def test_tr366_a_line_of_another_declaratie_is_not_one_of_this_jw323() -> None:
    # REF_2 was declared, but the answered JW323 (in this snapshot) holds REF_1 only.
    alle = gedeclareerd()
    alleen_ref_1 = DeclaratieState(alle.declaratie_nummer, MappingProxyType({REF_1: alle.prestaties[REF_1]}))
    s = jw325({REF_1: "9307", REF_2: "9341"})
    violations = judge("JW325", s, beantwoord(alleen_ref_1))
    assert found(violations) == [("TR366", "9366", PRESTATIE + "[2]")]


# --- TR367 ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "level2"),
    [
        ("ToewijzingNummer", 300299, True),
        ("ProductCode", "45A54", True),
        ("ProductPeriode/Einddatum", "2026-10-30", True),
        ("GeleverdVolume", 15, True),
        ("Eenheid", "01", True),
        ("ProductTarief", 8001, True),
        # Behind level 2 on purpose: alone, these values break TR342 (the totals) and CD060 (a debet's Vorig).
        ("IngediendBedrag/Bedrag", 127999, False),
        ("ProductReferentie/VorigReferentieNummer", "P0", False),
    ],
)
def test_tr367_a_value_differs_from_the_declared_line(path: str, value: object, level2: bool) -> None:
    violations = judge("JW325", met_prestatie(path, value), beantwoord(), level2=level2)
    assert found(violations) == [("TR367", "9367", PRESTATIE)]
    assert violations[0].location == f"{PRESTATIE}/{path}"
    assert path in violations[0].message


def test_tr367_all_differences_in_one_finding() -> None:
    s = edit(met_prestatie("GeleverdVolume", 15), f"{PRESTATIE_PATH}[1]/Eenheid", "01")
    violations = judge("JW325", s, beantwoord())
    assert rules_of(violations) == ["TR367"]
    assert violations[0].location == PRESTATIE + "/GeleverdVolume"
    assert "GeleverdVolume, Eenheid" in violations[0].message


def test_a_referentienummer_the_jw323_repeated_under_another_client_is_compared_with_that_clients_line() -> (
    None
):
    """TR314 returned the repeat, yet it is a line of the JW323: each Client occurs in it (TR304), each returned
    line equals the one of its own Client (TR367)."""
    twee = jw323((BSN, default_lines()), (ANDER_BSN, [lijn(REF_1, volume=8)]))
    state = beantwoord(gedeclareerd(twee))
    assert judge("JW325", jw325({REF_1: "8021"}, twee), state) == []
    # The second client's line with the first one's volume: it differs from its own Client's line, in that.
    tweede = "DeclaratieAntwoord/Clienten/Client[2]/Prestaties/Prestatie"
    s = edit(jw325({REF_1: "8021"}, twee), f"{tweede}/GeleverdVolume", 16)
    violations = judge("JW325", s, state, level2=False)
    assert found(violations) == [("TR367", "9367", f"/Bericht/{tweede}")]
    assert "in GeleverdVolume." in violations[0].message


def test_tr367_a_line_returned_under_another_declared_client() -> None:
    twee = jw323((BSN, default_lines()), (ANDER_BSN, [lijn("Q1")]))
    # REF_1 of the first client returned under the second one, which the JW323 did declare.
    s = edit(jw325({"Q1": "9307"}, twee), f"{PRESTATIE_PATH}[1]/ProductReferentie/ReferentieNummer", REF_1)
    violations = judge("JW325", s, beantwoord(gedeclareerd(twee)))
    assert found(violations) == [("TR367", "9367", PRESTATIE)]
    assert violations[0].location == PRESTATIE
    assert "Client" in violations[0].message and ANDER_BSN not in violations[0].message
