"""TR346 (hub/rules/external.py): IngediendBedrag = GeleverdVolume x ProductTarief, minutes under an hourly tariff.

Every message is judged by the whole Validator, so it is XSD-valid and passes level 2 (TotaalIngediendBedrag adds
up, TR358) before level 4 is reached; the findings are the verdict's.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc
from hub.reference.contract import Bereik
from hub.reference.gemeenten import load_gemeenten
from hub.reference.producten import Productcodes
from hub.reference.tarieven import Contracttarief, Tarieven
from hub.rules.external import _past_bij_uurtarief
from hub.rules.registry import Context, Level, iter_violations
from hub.synth.berichten import bedrag, declaratie, spec
from hub.synth.build import Spec, edit, to_tree, to_xml
from hub.validate import Validator
from tests.hub.prestaties import specifieke_prestatie
from tests.hub.rules.level2 import schema

TODAY = date(2026, 11, 23)
EERDER = "P300201202609"  # a debet line of an earlier declaration, credited below
BEDRAG = "/Bericht/Declaratie/Clienten/Client/Prestaties/{}/IngediendBedrag/Bedrag"


def regel(
    referentie: str, *, bedrag_cent: int | None = None, credit_van: str | None = None, **kwargs: Any
) -> Spec:
    """A Prestatie on the default specific toewijzing; `bedrag_cent` overrides the amount the builder computes."""
    p = specifieke_prestatie(referentie, vorig_referentie_nummer=credit_van, **kwargs)
    if bedrag_cent is not None:
        p["IngediendBedrag"] = bedrag(-bedrag_cent if credit_van else bedrag_cent)
    return p


def jw323(*prestaties: Spec) -> Spec:
    """The default JW323 declaring these Prestaties for its client, with a TotaalIngediendBedrag that adds up."""
    s = spec("JW323")
    d = s["Declaratie"]
    s["Declaratie"] = declaratie(
        [(d["Clienten"]["Client"][0]["Bsn"], prestaties)],
        nummer=d["DeclaratieNummer"],
        periode_begin=d["DeclaratiePeriode"]["Begindatum"],
        declaratie_dagtekening=d["DeclaratieDagtekening"],
    )
    return s


def findings(s: Spec) -> list[tuple[str, str | None, str | None, Level]]:
    verdict = Validator(clock=lambda: TODAY).validate(to_xml("JW323", s))
    assert verdict.doc is not None, verdict.errors  # XSD-valid
    return [(v.rule, v.retourcode, v.location, v.level) for v in verdict.errors]


def tr346(*prestaties: str) -> list[tuple[str, str | None, str | None, Level]]:
    """TR346 findings on these Prestaties ("Prestatie" when it is the only one, else "Prestatie[n]")."""
    return [("TR346", "9346", BEDRAG.format(p), Level.EXTERNAL) for p in prestaties]


# Minutes under an hourly tariff of 80.00: ProductTarief 133 (133.33 half-up), 50 minutes = 66.67 (IV081), while
# 50 x 133 = 66.50. 600 minutes: every hourly tariff behind 133 (79.50 .. 80.09) gives a multiple of 10 cents.
PASSES = {
    "default message (hours and etmalen)": (),
    "plain: 16 hours x 8000": (regel("A", bedrag_cent=128000),),
    "plain: zero volume, zero amount": (regel("A", volume=0),),
    "minutes: plain formula": (regel("A", eenheid="01", tarief=133, volume=50),),
    "minutes: hourly tariff 8000 x 50 / 60": (
        regel("A", eenheid="01", tarief=133, volume=50, bedrag_cent=6667),
    ),
    "minutes: hourly tariff 7995 x 600 / 60": (
        regel("A", eenheid="01", tarief=133, volume=600, bedrag_cent=79950),
    ),
    "credit: the debet's amount": (regel("C", credit_van=EERDER, bedrag_cent=128000),),
    "credit minutes: hourly tariff": (
        regel("C", credit_van=EERDER, eenheid="01", tarief=133, volume=50, bedrag_cent=6667),
    ),
    "euro's (83): no tariff, volume is the amount": (regel("A", eenheid="83", tarief=None, volume=4321),),
}

BREAKS = {
    "plain: one cent too much": ((regel("A", bedrag_cent=128001),), tr346("Prestatie")),
    "plain: second line of two": (
        (
            regel("A"),
            regel("B", toewijzing_nummer=300202, categorie="43", code="43A12", volume=3, bedrag_cent=24001),
        ),
        tr346("Prestatie[2]"),
    ),
    "hours do not get the minutes rounding": (
        (regel("A", eenheid="04", tarief=133, volume=50, bedrag_cent=6667),),
        tr346("Prestatie"),
    ),
    "minutes: no hourly tariff behind 133 gives 67.00": (
        (regel("A", eenheid="01", tarief=133, volume=50, bedrag_cent=6700),),
        tr346("Prestatie"),
    ),
    "minutes: 795.05 lies between the amounts of 7950 and 7951 per hour": (
        (regel("A", eenheid="01", tarief=133, volume=600, bedrag_cent=79505),),
        tr346("Prestatie"),
    ),
    "credit: not the debet's amount": (
        (regel("C", credit_van=EERDER, bedrag_cent=127000),),
        tr346("Prestatie"),
    ),
    "minutes: a line that fits an hourly tariff does not end the check": (
        (
            regel("A", eenheid="01", tarief=133, volume=50, bedrag_cent=6667),
            regel("B", toewijzing_nummer=300202, categorie="43", code="43A12", volume=3, bedrag_cent=24001),
        ),
        tr346("Prestatie[2]"),
    ),
    "credit and debet both wrong": (
        (regel("C", credit_van=EERDER, bedrag_cent=1), regel("A", bedrag_cent=2)),
        tr346("Prestatie[1]", "Prestatie[2]"),
    ),
}


@pytest.mark.parametrize("prestaties", PASSES.values(), ids=PASSES.keys())
def test_tr346_passes(prestaties: tuple[Spec, ...]) -> None:
    assert findings(jw323(*prestaties) if prestaties else spec("JW323")) == []


@pytest.mark.parametrize(("prestaties", "expected"), BREAKS.values(), ids=BREAKS.keys())
def test_tr346_breaks(prestaties: tuple[Spec, ...], expected: list[tuple[str, str, str, Level]]) -> None:
    assert findings(jw323(*prestaties)) == expected


def test_tr346_leaves_euro_lines_to_cs339() -> None:
    """Eenheid 83 is exempt even with a ProductTarief (a CD087 finding on level 2, not TR346's)."""
    p = regel("A", eenheid="83", tarief=None, volume=5000)
    p["ProductTarief"] = 100
    doc = Doc(to_tree("JW323", jw323(p)), BERICHTEN["JW323"])
    ctx = Validator(clock=lambda: TODAY).context()
    assert [v.rule for v in iter_violations(doc, ctx, (Level.EXTERNAL,))] == []
    p["Eenheid"] = "84"  # the same line in pieces: 5000 x 100 is not 5000
    doc = Doc(to_tree("JW323", jw323(p)), BERICHTEN["JW323"])
    assert [v.rule for v in iter_violations(doc, ctx, (Level.EXTERNAL,))] == ["TR346"]


def tr346_messages(*prestaties: Spec) -> list[str]:
    doc = Doc(to_tree("JW323", jw323(*prestaties)), BERICHTEN["JW323"])
    return [
        v.message for v in iter_violations(doc, Context(today=TODAY), (Level.EXTERNAL,)) if v.rule == "TR346"
    ]


def test_tr346_names_the_hourly_tariff_only_for_minutes() -> None:
    assert tr346_messages(regel("A", bedrag_cent=128001)) == [
        "IngediendBedrag 128001 differs from GeleverdVolume 16 x ProductTarief 8000 (128000)"
    ]
    assert tr346_messages(regel("A", eenheid="01", tarief=133, volume=50, bedrag_cent=6700)) == [
        "IngediendBedrag 6700 differs from GeleverdVolume 50 x ProductTarief 133 (6650), nor hourly tariff x"
        " minutes / 60 for an hourly tariff of which it is the minute rate"
    ]


@pytest.mark.parametrize(
    ("minuten", "minuuttarief", "bedrag_cent", "past"),
    [
        (3, 134, 402, True),  # plain
        (3, 134, 401, True),  # 8020 per hour: 401.0
        (3, 134, 403, True),  # 8060 per hour: 403.0
        (3, 134, 400, True),  # 8010 per hour (133.5 rounds up to 134): 400.5, a tie either way
        (3, 134, 399, False),
        (3, 134, 404, False),  # 8069 per hour, the highest behind 134: 403.45
        (600, 134, 80090, False),  # would take 8009 per hour, which is behind 133 (133.48 rounds down)
        (600, 134, 80100, True),  # 8010 per hour, the lowest behind 134
        (1, 134, 135, False),  # 8069 per hour gives 134.48: 31/60 of a cent short of 135.5 is not a tie
        (1, 134, 134, True),
        (30, 0, 14, True),  # 29 per hour rounds down to 0 per minute: 14.5
        (30, 0, 15, True),
        (30, 0, 16, False),
        (31, 0, 0, True),  # only 0 per hour gives 0.00 for 31 minutes
        (0, 133, 0, True),
        (0, 133, 1, False),
    ],
)
def test_hourly_tariff_behind_a_minute_rate(
    minuten: int, minuuttarief: int, bedrag_cent: int, past: bool
) -> None:
    assert _past_bij_uurtarief(minuten, minuuttarief, bedrag_cent) is past


# --- TR135, TR378, TR381, TR418: the rule on its own, with the external source given in the Context -----------

HEENBERICHTEN = ("JW301", "JW305", "JW307", "JW315", "JW317", "JW319", "JW323", "JW325")


def external(
    bericht: str, s: Spec, code: str, **sources: Any
) -> list[tuple[str | None, str | None, str | None]]:
    """(retourcode, Locatie, berichtklasse or None for the Header) of rule `code` on an XSD-valid message."""
    tree = to_tree(bericht, s)
    assert schema(bericht).validate(tree)
    doc = Doc(tree, BERICHTEN[bericht])
    ctx = Context(today=TODAY, **sources)
    return [
        (v.retourcode, v.location, None if v.klasse is None else doc.locatie(v.klasse))
        for v in iter_violations(doc, ctx, (Level.EXTERNAL,))
        if v.rule == code
    ]


@pytest.mark.parametrize("bericht", HEENBERICHTEN)
def test_tr135_dagtekening_today_passes_tomorrow_fails(bericht: str) -> None:
    assert external(bericht, spec(bericht, dagtekening=TODAY), "TR135") == []
    tomorrow = spec(bericht, dagtekening=TODAY + timedelta(days=1))
    assert external(bericht, tomorrow, "TR135") == [
        ("8848", "/Bericht/Header/BerichtIdentificatie/Dagtekening", None)
    ]


@pytest.mark.parametrize("bericht", HEENBERICHTEN)
def test_tr378_gemeente_of_the_header(bericht: str) -> None:
    """The Afzender when the gemeente sends (JW301, JW319, JW325), else the Ontvanger; reported on the Header."""
    veld = "Afzender" if bericht in {"JW301", "JW319", "JW325"} else "Ontvanger"
    bekend = frozenset({"0200"})
    assert external(bericht, spec(bericht), "TR378", gemeenten=bekend) == []
    onbekend = spec(bericht, gemeente="0363")
    assert external(bericht, onbekend, "TR378", gemeenten=bekend) == [
        ("S300", f"/Bericht/Header/{veld}", None)
    ]
    assert external(bericht, onbekend, "TR378") == []  # no list configured: not checked


def test_tr378_woonplaatsbeginsel_on_its_class() -> None:
    s = edit(spec("JW319"), "Antwoord/RedenAfwijzingVerzoek", "8")
    s = edit(s, "Antwoord/Woonplaatsbeginsel", {"Gemeente": "0363"})
    wpb = "/Bericht/Antwoord/Woonplaatsbeginsel"
    assert external("JW319", s, "TR378", gemeenten=frozenset({"0200"})) == [("S300", f"{wpb}/Gemeente", wpb)]
    assert external("JW319", s, "TR378", gemeenten=frozenset({"0200", "0363"})) == []


PRODUCTEN = {
    "JW301": ("Client/ToegewezenProducten/ToegewezenProduct", "Product/Categorie", "Product/Code"),
    "JW305": ("Client/StartProducten/StartProduct", "Product/Categorie", "Product/Code"),
    "JW307": ("Client/StopProducten/StopProduct", "Product/Categorie", "Product/Code"),
    "JW315": ("Client/AangevraagdeProducten/AangevraagdProduct", "Product/Categorie", "Product/Code"),
    "JW317": ("Client/Verzoek/NieuweProducten/NieuwProduct", "Product/Categorie", "Product/Code"),
    "JW323": ("Declaratie/Clienten/Client/Prestaties/Prestatie", "ProductCategorie", "ProductCode"),
}


@pytest.mark.parametrize("bericht", PRODUCTEN)
def test_tr381_code_must_belong_to_its_categorie(bericht: str) -> None:
    """Every product with a Code is judged (S329 on the product class); one without a Code is not."""
    s = spec(bericht)
    doc = Doc(to_tree(bericht, s), BERICHTEN[bericht])
    klasse, categorie, code = PRODUCTEN[bericht]
    met_code = [p for p in doc.all(klasse) if doc.text(p, code) is not None]
    assert met_code
    paren = frozenset((doc.text(p, categorie) or "", doc.text(p, code) or "") for p in met_code)
    assert external(bericht, s, "TR381", productcodes=Productcodes.landelijk(paren)) == []
    elders = frozenset(
        (("99" if c != "99" else "98"), k) for c, k in paren
    )  # the codes under another categorie
    assert external(bericht, s, "TR381", productcodes=Productcodes.landelijk(elders)) == [
        # Every p of met_code has the code: doc.child finds it.
        ("S329", doc.locatie(doc.child(p, code)), doc.locatie(p))  # type: ignore[arg-type]
        for p in met_code
    ]


@pytest.mark.parametrize("bericht", PRODUCTEN)
def test_tr381_a_pair_of_a_contract_holds_for_its_gemeente_aanbieder_and_period(bericht: str) -> None:
    """Gemeente 0200 and aanbieder 12345678 exchange every default message (JW301 from the gemeente, the rest
    from the aanbieder); the products' dates lie in 2026."""
    s = spec(bericht)
    doc = Doc(to_tree(bericht, s), BERICHTEN[bericht])
    klasse, categorie, code = PRODUCTEN[bericht]
    paren = {(doc.text(p, categorie) or "", doc.text(p, code) or "") for p in doc.all(klasse)}
    met_code = [p for p in doc.all(klasse) if doc.text(p, code) is not None]

    def lijst(bereik: Bereik) -> Productcodes:
        return Productcodes({paar: (bereik,) for paar in paren}, {"0200": "Midden IJssel-Oost Veluwe"})

    for bereik in (
        Bereik(gemeente="0200"),
        Bereik(jeugdregio="Midden IJssel-Oost Veluwe"),
        Bereik(aanbieder="12345678"),
        Bereik(
            gemeente="0200", aanbieder="12345678", ingangsdatum=date(2020, 1, 1), einddatum=date(2030, 12, 31)
        ),
    ):
        assert external(bericht, s, "TR381", productcodes=lijst(bereik)) == [], bereik
    for bereik in (
        Bereik(gemeente="0202"),
        Bereik(jeugdregio="Arnhem"),
        Bereik(aanbieder="87654321"),
        Bereik(einddatum=date(2020, 12, 31)),
        Bereik(ingangsdatum=date(2030, 1, 1)),
    ):
        assert [finding[0] for finding in external(bericht, s, "TR381", productcodes=lijst(bereik))] == [
            "S329"
        ] * len(met_code), bereik


def test_tr381_says_when_the_pair_is_in_the_list_for_other_contracts() -> None:
    s = spec("JW301")
    ander = Productcodes({("45", "45A53"): (Bereik(gemeente="0202"),)}, {})
    tree = to_tree("JW301", s)
    doc = Doc(tree, BERICHTEN["JW301"])
    [v] = [v for v in iter_violations(doc, Context(today=TODAY, productcodes=ander), (Level.EXTERNAL,))]
    assert v.message == (
        "productcode 45A53 does not belong to productcategorie 45 in the list's rows for gemeente 0200, "
        "aanbieder 12345678 on 2026-10-01"
    )


def test_tr381_names_no_date_for_a_product_without_one() -> None:
    """A JW315 product may leave ToewijzingIngangsdatum out: a row of any period would then do, and the finding
    names none (it said 'on None')."""
    s = spec("JW315")
    for product in s["Client"]["AangevraagdeProducten"]["AangevraagdProduct"]:
        product.pop("ToewijzingIngangsdatum", None)
    doc = Doc(to_tree("JW315", s), BERICHTEN["JW315"])
    klasse, categorie, code = PRODUCTEN["JW315"]
    paren = {(doc.text(p, categorie) or "", doc.text(p, code) or "") for p in doc.all(klasse)}
    ander = Productcodes({paar: (Bereik(gemeente="0202"),) for paar in paren if paar[1]}, {})
    messages = [
        v.message for v in iter_violations(doc, Context(today=TODAY, productcodes=ander), (Level.EXTERNAL,))
    ]
    assert messages and all(m.endswith("for gemeente 0200, aanbieder 12345678") for m in messages), messages


def test_tr381_a_product_without_code_does_not_end_the_check() -> None:
    """The default JW301's products in reverse: the one without a Code first, then 45A53 under another categorie."""
    s = spec("JW301")
    s["Client"]["ToegewezenProducten"]["ToegewezenProduct"].reverse()
    tweede = "/Bericht/Client/ToegewezenProducten/ToegewezenProduct[2]"
    elders = Productcodes.landelijk(frozenset({("99", "45A53")}))
    assert external("JW301", s, "TR381", productcodes=elders) == [("S329", f"{tweede}/Product/Code", tweede)]


@pytest.mark.parametrize(
    ("bericht", "lijst", "klasse"),
    [("JW305", "StartProducten", "StartProduct"), ("JW307", "StopProducten", "StopProduct")],
)
def test_tr381_a_start_is_dated_by_its_toewijzing_where_it_names_one(
    bericht: str, lijst: str, klasse: str
) -> None:
    """A code withdrawn at the end of September still holds for a start (or its stop) in October of a toewijzing
    from September: the toewijzing was made under the list of its day. Without ToewijzingIngangsdatum, Begindatum."""
    tot_oktober = Productcodes({("45", "45A53"): (Bereik(einddatum=date(2026, 9, 30)),)})
    s = spec(bericht)
    product = s["Client"][lijst][klasse][0]
    product["ToewijzingIngangsdatum"] = date(2026, 9, 15)
    assert external(bericht, s, "TR381", productcodes=tot_oktober) == []
    del product["ToewijzingIngangsdatum"]
    assert [f[0] for f in external(bericht, s, "TR381", productcodes=tot_oktober)] == ["S329"]


def test_tr418_tariff_equal_to_the_contract() -> None:
    s = jw323(regel("A"))
    assert external("JW323", s, "TR418", tarieven=Tarieven.per_code({"45A53": 8000})) == []
    assert external("JW323", s, "TR418", tarieven=Tarieven.per_code({"45A53": 8001})) == [
        ("0611", f"{PRESTATIE_PAD}/ProductTarief", PRESTATIE_PAD)
    ]
    assert (
        external("JW323", s, "TR418", tarieven=Tarieven.per_code({"43A12": 1})) == []
    )  # no tariff for this code


PRESTATIE_PAD = "/Bericht/Declaratie/Clienten/Client/Prestaties/Prestatie"
TR418_FOUT = [("0611", f"{PRESTATIE_PAD}/ProductTarief", PRESTATIE_PAD)]


def contract(*rijen: Contracttarief) -> Tarieven:
    return Tarieven.van(rijen, {code: g.jeugdregio for code, g in load_gemeenten().items()})


def test_tr418_judges_every_line_after_a_skipped_or_passed_one() -> None:
    """A euro line without ProductTarief (not judged, even under a row for every unit), one at the contract's
    tariff, then one a cent above it."""
    s = jw323(
        regel("E", eenheid="83", tarief=None, volume=4321),
        regel("A"),
        regel("F", tarief=8001),
    )
    pad = f"{PRESTATIE_PAD}[3]"
    assert external("JW323", s, "TR418", tarieven=contract(Contracttarief("45A53", 8000))) == [
        ("0611", f"{pad}/ProductTarief", pad)
    ]


def test_tr418_takes_the_row_of_the_contract_of_the_declaratie() -> None:
    """The default JW323: aanbieder 12345678 declares to Apeldoorn (0200) for October 2026, 8000 per hour."""
    s = jw323(regel("A"))
    anders = Contracttarief("45A53", 9999)  # the general row, which every row below goes before
    for rij in (
        Contracttarief("45A53", 8000, Bereik(gemeente="0200")),
        Contracttarief("45A53", 8000, Bereik(jeugdregio="Midden IJssel-Oost Veluwe")),
        Contracttarief("45A53", 8000, Bereik(aanbieder="12345678")),
        Contracttarief("45A53", 8000, eenheid="04"),
    ):
        assert external("JW323", s, "TR418", tarieven=contract(anders, rij)) == [], rij
    # A period (of the ProductPeriode's Begindatum) chooses between rows; rows of one contract may not overlap.
    tot_oktober = Contracttarief("45A53", 9999, Bereik(einddatum=date(2026, 9, 30)))
    vanaf_oktober = Contracttarief("45A53", 8000, Bereik(ingangsdatum=date(2026, 10, 1)))
    assert external("JW323", s, "TR418", tarieven=contract(tot_oktober, vanaf_oktober)) == []
    for elders in (
        Contracttarief("45A53", 8000, Bereik(gemeente="0202")),
        Contracttarief("45A53", 8000, Bereik(jeugdregio="Arnhem")),
        Contracttarief("45A53", 8000, Bereik(aanbieder="87654321")),
        Contracttarief("45A53", 8000, eenheid="14"),
        Contracttarief("45A53", 8000, Bereik(ingangsdatum=date(2026, 11, 1))),
    ):
        assert external("JW323", s, "TR418", tarieven=contract(anders, elders)) == TR418_FOUT, elders
        assert external("JW323", s, "TR418", tarieven=contract(elders)) == [], elders  # nothing applies


def test_tr418_and_tr346_minutes_under_the_contracts_hourly_tariff() -> None:
    """A row per hour (eenheid 04) judges a minutes line: ProductTarief H / 60 half-up, the amount H x min / 60."""
    uur = contract(Contracttarief("45A53", 8000, eenheid="04"))
    goed = jw323(regel("A", eenheid="01", tarief=133, volume=50, bedrag_cent=6667))
    assert external("JW323", goed, "TR418", tarieven=uur) == []
    assert external("JW323", goed, "TR346", tarieven=uur) == []
    te_hoog = jw323(regel("A", eenheid="01", tarief=134, volume=50, bedrag_cent=6667))
    assert external("JW323", te_hoog, "TR418", tarieven=uur) == TR418_FOUT
    # 50 x 133 = 66.50 and 66.60 (7992 per hour) pass without the contract's hourly tariff, not with it.
    for bedrag_cent in (6650, 6660):
        s = jw323(regel("A", eenheid="01", tarief=133, volume=50, bedrag_cent=bedrag_cent))
        assert external("JW323", s, "TR346") == []
        assert external("JW323", s, "TR346", tarieven=uur) == [
            ("9346", f"{PRESTATIE_PAD}/IngediendBedrag/Bedrag", PRESTATIE_PAD)
        ]
    # A per-minute contract row agrees no hourly tariff: only GeleverdVolume x ProductTarief passes.
    per_minuut = contract(Contracttarief("45A53", 133, eenheid="01"))
    s = jw323(regel("A", eenheid="01", tarief=133, volume=50, bedrag_cent=6660))
    assert external("JW323", s, "TR346") == []  # without the list some hourly tariff (7992) gives it
    assert external("JW323", s, "TR346", tarieven=per_minuut) == [
        ("9346", f"{PRESTATIE_PAD}/IngediendBedrag/Bedrag", PRESTATIE_PAD)
    ]
    plain = jw323(regel("A", eenheid="01", tarief=133, volume=50))
    assert external("JW323", plain, "TR346", tarieven=per_minuut) == []
    # A row for any unit sets the minutes line's tariff per minute too (TR418 holds its ProductTarief to 133).
    voor_alles = contract(Contracttarief("45A53", 133))
    assert external("JW323", s, "TR418", tarieven=voor_alles) == []
    assert external("JW323", s, "TR346", tarieven=voor_alles) == [
        ("9346", f"{PRESTATIE_PAD}/IngediendBedrag/Bedrag", PRESTATIE_PAD)
    ]
    assert external("JW323", plain, "TR346", tarieven=voor_alles) == []


def test_tr346_judges_every_line_after_a_skipped_passed_or_failed_one() -> None:
    """A euro line, a minutes line right under the hourly tariff, one wrong under it, then a plain wrong line."""
    uur = contract(Contracttarief("45A53", 8000, eenheid="04"))
    s = jw323(
        regel("E", eenheid="83", tarief=None, volume=4321),
        regel("A", eenheid="01", tarief=133, volume=50, bedrag_cent=6667),
        regel("D", eenheid="01", tarief=133, volume=50, bedrag_cent=6650),
        regel("B", toewijzing_nummer=300202, categorie="43", code="43A12", volume=3, bedrag_cent=24001),
    )
    assert external("JW323", s, "TR346", tarieven=uur) == [
        ("9346", f"{PRESTATIE_PAD}[{n}]/IngediendBedrag/Bedrag", f"{PRESTATIE_PAD}[{n}]") for n in (3, 4)
    ]


@pytest.mark.parametrize(
    ("uurtarief", "minuten", "bedrag_cent", "past"),
    [
        (8010, 3, 400, True),  # 400.5: exactly half a cent, both neighbours
        (8010, 3, 401, True),
        (8010, 3, 399, False),
        (8010, 3, 402, False),
        (8011, 1, 134, True),  # 133.52 rounds to 134
        (8011, 1, 133, False),  # 31/60 of a cent off: more than half
    ],
)
def test_tr346_under_the_contracts_hourly_tariff_whole_cents_and_both_at_half(
    uurtarief: int, minuten: int, bedrag_cent: int, past: bool
) -> None:
    """The amount is H x min / 60 rounded to whole cents; at exactly half a cent both neighbours pass."""
    uur = contract(Contracttarief("45A53", uurtarief, eenheid="04"))
    tarief = (uurtarief + 30) // 60  # ProductTarief H / 60, half-up: TR418 agrees
    s = jw323(regel("A", eenheid="01", tarief=tarief, volume=minuten, bedrag_cent=bedrag_cent))
    assert external("JW323", s, "TR418", tarieven=uur) == []
    fout = [("9346", f"{PRESTATIE_PAD}/IngediendBedrag/Bedrag", PRESTATIE_PAD)]
    assert external("JW323", s, "TR346", tarieven=uur) == ([] if past else fout)
