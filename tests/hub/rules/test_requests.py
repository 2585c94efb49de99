"""Request and answer rules (rules.md 4.5: JW315 Beschikking and Verwijzer, JW317 Verzoek, JW319 Antwoord)."""

from __future__ import annotations

from typing import Any

import pytest

import hub.rules.requests  # noqa: F401  (registers the rules under test)
from hub.synth.berichten import antwoord, spec, verwijzer
from hub.synth.build import Spec, edit
from tests.hub.rules.level2 import edited, locations, violations

AANGEVRAAGD = "Client/AangevraagdeProducten/AangevraagdProduct"
VERZOEK = "Client/Verzoek"
TYPE_1, TYPE_2 = (f"/Bericht/{AANGEVRAAGD}[{n}]/Verwijzer/Type" for n in (1, 2))


def met_verwijzer(v: Spec, product: int = 1) -> Spec:
    """The default JW315 with this Verwijzer on its first (or `product`th) AangevraagdProduct."""
    return edited("JW315", (f"{AANGEVRAAGD}[{product}]/Verwijzer", v))


def jw317_zonder(*lijsten: str) -> Spec:
    """The default JW317 without these product lists of its Verzoek."""
    return edited("JW317", *((f"{VERZOEK}/{lijst}", None) for lijst in lijsten))


def jw319(**kwargs: Any) -> Spec:
    """The default JW319 with its Antwoord rebuilt from these antwoord() arguments."""
    s = spec("JW319")
    return edit(s, "Antwoord", antwoord(s["Antwoord"]["ReferentieAanbieder"], **kwargs))


# (code, bericht, spec, expected locations); an empty list means the rule passes.
CASES = [
    # CD043: the default's second product has both Beschikking elements, the first neither.
    pytest.param(
        "CD043",
        "JW315",
        edited("JW315", (f"{AANGEVRAAGD}[2]/BeschikkingIngangsdatum", None)),
        [f"/Bericht/{AANGEVRAAGD}[2]/BeschikkingNummer"],
        id="CD043-nummer-zonder-ingangsdatum",
    ),
    pytest.param(
        "CD043",
        "JW315",
        edited("JW315", (f"{AANGEVRAAGD}[2]/BeschikkingNummer", None)),
        [f"/Bericht/{AANGEVRAAGD}[2]/BeschikkingIngangsdatum"],
        id="CD043-ingangsdatum-zonder-nummer",
    ),
    pytest.param("CD043", "JW315", spec("JW315"), [], id="CD043-beide-of-geen-ok"),
    # CD066-CD068: Verwijzer Type, Naam and ZorgverlenerCode.
    pytest.param(
        "CD066",
        "JW315",
        met_verwijzer(verwijzer("04", naam="GI Proefstad")),
        [TYPE_1],
        id="CD066-code-en-naam",
    ),
    pytest.param(
        "CD066",
        "JW315",
        met_verwijzer(verwijzer("02", naam="Dr. Proef"), product=2),
        [TYPE_2],
        id="CD066-tweede-product",
    ),
    pytest.param("CD066", "JW315", met_verwijzer(verwijzer("02")), [], id="CD066-alleen-code-ok"),
    pytest.param(
        "CD066", "JW315", met_verwijzer(verwijzer("01", naam="Gemeente")), [], id="CD066-type-01-ok"
    ),
    pytest.param(
        "CD067",
        "JW315",
        met_verwijzer(verwijzer("03", zorgverlener_code=None)),
        [TYPE_1],
        id="CD067-geen-code-geen-naam",
    ),
    pytest.param(
        "CD067",
        "JW315",
        met_verwijzer(verwijzer("05", zorgverlener_code=None, naam="Dr. Proef")),
        [],
        id="CD067-naam-ok",
    ),
    pytest.param(
        "CD067",
        "JW315",
        met_verwijzer(verwijzer("05", zorgverlener_code=None)),
        [TYPE_1],
        id="CD067-medisch-specialist-geen-code-geen-naam",
    ),
    pytest.param("CD067", "JW315", met_verwijzer(verwijzer("02")), [], id="CD067-code-zonder-naam-ok"),
    pytest.param(
        "CD067",
        "JW315",
        met_verwijzer(verwijzer("06", zorgverlener_code=None)),
        [],
        id="CD067-zelfverwijzer-ok",
    ),
    pytest.param("CD068", "JW315", met_verwijzer(verwijzer("01")), [TYPE_1], id="CD068-gemeente-met-code"),
    pytest.param(
        "CD068", "JW315", met_verwijzer(verwijzer("06"), product=2), [TYPE_2], id="CD068-tweede-product"
    ),
    pytest.param(
        "CD068",
        "JW315",
        met_verwijzer(verwijzer("08", naam="Rechtbank")),
        [TYPE_1],
        id="CD068-rechter-met-code",
    ),
    pytest.param(
        "CD068",
        "JW315",
        met_verwijzer(verwijzer("06", zorgverlener_code=None, naam="Ouder")),
        [],
        id="CD068-naam-vrij-ok",
    ),
    pytest.param("CD068", "JW315", spec("JW315"), [], id="CD068-default-ok"),
    pytest.param("CD068", "JW315", met_verwijzer(verwijzer("05")), [], id="CD068-medisch-specialist-ok"),
    # TR352 / TR353 on the Verzoek.
    pytest.param(
        "TR352",
        "JW317",
        jw317_zonder("OngewijzigdeProducten", "TeWijzigenProducten"),
        [f"/Bericht/{VERZOEK}"],
        id="TR352-alleen-nieuw",
    ),
    pytest.param("TR352", "JW317", jw317_zonder("TeWijzigenProducten"), [], id="TR352-ongewijzigd-ok"),
    pytest.param("TR352", "JW317", jw317_zonder("OngewijzigdeProducten"), [], id="TR352-te-wijzigen-ok"),
    pytest.param(
        "TR353",
        "JW317",
        jw317_zonder("TeWijzigenProducten", "NieuweProducten"),
        [f"/Bericht/{VERZOEK}"],
        id="TR353-alleen-ongewijzigd",
    ),
    pytest.param("TR353", "JW317", jw317_zonder("TeWijzigenProducten"), [], id="TR353-nieuw-ok"),
    pytest.param("TR353", "JW317", jw317_zonder("NieuweProducten"), [], id="TR353-te-wijzigen-ok"),
    # CD085 / CD086 on the Antwoord.
    pytest.param(
        "CD085",
        "JW319",
        jw319(reden_afwijzing=None),
        ["/Bericht/Antwoord/VerzoekAntwoord"],
        id="CD085-afgewezen-zonder-reden",
    ),
    pytest.param("CD085", "JW319", spec("JW319"), [], id="CD085-afgewezen-met-reden-ok"),
    pytest.param(
        "CD085", "JW319", jw319(verzoek_antwoord="2", reden_afwijzing=None), [], id="CD085-onderzoek-ok"
    ),
    pytest.param(
        "CD086",
        "JW319",
        jw319(verzoek_antwoord="2", reden_afwijzing="4"),
        ["/Bericht/Antwoord/VerzoekAntwoord"],
        id="CD086-onderzoek-met-reden",
    ),
    pytest.param(
        "CD086",
        "JW319",
        jw319(verzoek_antwoord="2", reden_afwijzing=None),
        [],
        id="CD086-onderzoek-zonder-reden-ok",
    ),
    # TR377 / TR409: Woonplaatsbeginsel only with reason 8, anchored on RedenAfwijzingVerzoek.
    pytest.param(
        "TR377",
        "JW319",
        jw319(reden_afwijzing="8"),
        ["/Bericht/Antwoord/RedenAfwijzingVerzoek"],
        id="TR377-reden-8-zonder-gemeente",
    ),
    pytest.param(
        "TR377",
        "JW319",
        jw319(reden_afwijzing="8", woonplaatsbeginsel="0363"),
        [],
        id="TR377-reden-8-met-gemeente-ok",
    ),
    pytest.param(
        "TR409",
        "JW319",
        jw319(reden_afwijzing="4", woonplaatsbeginsel="0363"),
        ["/Bericht/Antwoord/RedenAfwijzingVerzoek"],
        id="TR409-andere-reden-met-gemeente",
    ),
    pytest.param(
        "TR409", "JW319", jw319(reden_afwijzing="8", woonplaatsbeginsel="0363"), [], id="TR409-reden-8-ok"
    ),
    pytest.param("TR409", "JW319", spec("JW319"), [], id="TR409-zonder-gemeente-ok"),
    # The XSLT gap: without a reason (VerzoekAntwoord 2) a Woonplaatsbeginsel is not reported.
    pytest.param(
        "TR409",
        "JW319",
        jw319(verzoek_antwoord="2", reden_afwijzing=None, woonplaatsbeginsel="0363"),
        [],
        id="TR409-gat-zonder-reden",
    ),
    pytest.param(
        "TR377",
        "JW319",
        jw319(verzoek_antwoord="2", reden_afwijzing=None, woonplaatsbeginsel="0363"),
        [],
        id="TR377-gat-zonder-reden",
    ),
]


@pytest.mark.parametrize(("code", "bericht", "bericht_spec", "expected"), CASES)
def test_rule(code: str, bericht: str, bericht_spec: Spec, expected: list[str]) -> None:
    assert locations(bericht, bericht_spec, code) == expected


# The finding text of each kind of break: what a report shows next to the location.
TEXTS = {
    "CD043-nummer-zonder-ingangsdatum": "AangevraagdProduct has a BeschikkingNummer but no BeschikkingIngangsdatum.",
    "CD043-ingangsdatum-zonder-nummer": "AangevraagdProduct has a BeschikkingIngangsdatum but no BeschikkingNummer.",
    "CD066-code-en-naam": "Verwijzer/Type 04 has a ZorgverlenerCode, so Naam must be empty.",
    "CD067-geen-code-geen-naam": "Verwijzer/Type 03 has neither ZorgverlenerCode nor Naam.",
    "CD068-gemeente-met-code": "Verwijzer/Type 01 must not have a ZorgverlenerCode.",
    "TR352-alleen-nieuw": "Verzoek has no OngewijzigdProduct and no TeWijzigenProduct.",
    "TR353-alleen-ongewijzigd": "Verzoek has no TeWijzigenProduct and no NieuwProduct.",
    "CD085-afgewezen-zonder-reden": "VerzoekAntwoord is 1 (afgewezen) but RedenAfwijzingVerzoek is empty.",
    "CD086-onderzoek-met-reden": "VerzoekAntwoord is 2 (in onderzoek) but RedenAfwijzingVerzoek is filled.",
    "TR377-reden-8-zonder-gemeente": "RedenAfwijzingVerzoek is 8 (woonplaatsbeginsel) but Woonplaatsbeginsel is absent.",
    "TR409-andere-reden-met-gemeente": "RedenAfwijzingVerzoek is 4, not 8, but Woonplaatsbeginsel is present.",
}
CASE_BY_ID: dict[object, tuple[Any, ...]] = {p.id: tuple(p.values) for p in CASES}


@pytest.mark.parametrize(("case_id", "text"), TEXTS.items(), ids=TEXTS.keys())
def test_finding_text(case_id: str, text: str) -> None:
    code, bericht, bericht_spec, _ = CASE_BY_ID[case_id]
    assert [v.message for v in violations(bericht, bericht_spec, code)] == [text]
