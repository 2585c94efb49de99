"""Level-2 product rules (hub/rules/products.py): per rule XSD-valid messages that break it and that pass it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import hub.rules.products  # noqa: F401  (importing registers the rules)
from hub.synth.berichten import adres, contact, omvang, product, telefoon, toegewezen_product
from hub.synth.build import Spec
from tests.hub.rules.level2 import Scenario, assert_breaks, assert_scenarios_cover, default_findings, loc

# Default messages (Dagtekening 2026-11-02): JW301 products run 2026-10-01..2027-03-31, [1] specific 45/45A53
# with 4 hours per week, [2] aspecific 43; JW315 [1] specific, [2] aspecific with Budget, both 2026-12-01..
# 2027-05-31; JW317 one TeWijzigenProduct and one NieuwProduct (45A54), both from 2026-12-01.
TP = "Client/ToegewezenProducten/ToegewezenProduct"
AP = "Client/AangevraagdeProducten/AangevraagdProduct"
TW = "Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct"
NP = "Client/Verzoek/NieuweProducten/NieuwProduct"
INGANG = date(2026, 10, 1)
CODES = frozenset(
    {"CS003", "CD041", "CD075", "CD076", "CD077", "CD078", "CD079", "CD080", "CD095", "CD096"}
    | {"CS338", "CS343", "CS335", "CS336", "TR302", "TR386", "TR410"}
)
EINDE = date(2027, 3, 31)


def same_as_first(nummer: int = 300202, **kwargs: Any) -> Spec:
    """A ToegewezenProduct for the same product as the default [1] (45/45A53), period overridable."""
    values: dict[str, Any] = {
        "categorie": "45",
        "code": "45A53",
        "toewijzingsdatum": date(2026, 11, 2),
        "ingangsdatum": INGANG,
        "einddatum": EINDE,
        "omvang": omvang(4),
    }
    values.update(kwargs)
    return toegewezen_product(nummer, **values)


BREAKS = [
    # CS003
    Scenario(
        "CS003 ToegewezenProduct ends before it starts",
        "JW301",
        ((f"{TP}[2]/Einddatum", date(2026, 9, 30)),),
        (loc(f"{TP}[2]/Ingangsdatum"),),
    ),
    Scenario(
        "CS003 client contact Periode with only an Einddatum",
        "JW301",
        (("Client/Contactgegevens/Contact[2]", contact("04", adres=adres(), periode={"Einddatum": EINDE})),),
        (loc("Client/Contactgegevens/Contact[2]/Periode/Einddatum"),),
    ),
    Scenario(
        "CS003 relation contact Periode ends before it starts",
        "JW301",
        (
            (
                "Client/Relaties/Relatie/Contact",
                contact(
                    "04",
                    telefoon=telefoon(),
                    periode={"Begindatum": date(2026, 12, 1), "Einddatum": date(2026, 11, 30)},
                ),
            ),
        ),
        (loc("Client/Relaties/Relatie/Contact/Periode/Begindatum"),),
    ),
    Scenario(
        "CS003 AangevraagdProduct ends before it starts",
        "JW315",
        ((f"{AP}[1]/ToewijzingEinddatum", date(2026, 11, 30)),),
        (loc(f"{AP}[1]/ToewijzingIngangsdatum"),),
    ),
    Scenario(
        "CS003 TeWijzigenProduct ends before it starts",
        "JW317",
        ((f"{TW}/Einddatum", date(2026, 11, 30)),),
        (loc(f"{TW}/GewensteIngangsdatum"),),
    ),
    Scenario(
        "CS003 NieuwProduct ends before it starts",
        "JW317",
        ((f"{NP}/Einddatum", date(2026, 11, 30)),),
        (loc(f"{NP}/GewensteIngangsdatum"),),
    ),
    # CD041
    Scenario(
        "CD041 specific ToegewezenProduct without Omvang",
        "JW301",
        ((f"{TP}[1]/Omvang", None),),
        (loc(f"{TP}[1]/Product/Code"),),
    ),
    Scenario(
        "CD041 specific AangevraagdProduct without Omvang",
        "JW315",
        ((f"{AP}[1]/Omvang", None),),
        (loc(f"{AP}[1]/Product/Code"),),
    ),
    Scenario(
        "CD041 specific NieuwProduct without Omvang",
        "JW317",
        ((f"{NP}/Omvang", None),),
        (loc(f"{NP}/Product/Code"),),
    ),
    # CD075
    Scenario(
        "CD075 ToegewezenProduct Budget without Einddatum",
        "JW301",
        ((f"{TP}[2]/Budget", 100000), (f"{TP}[2]/Einddatum", None)),
        (loc(f"{TP}[2]/Budget"),),
    ),
    Scenario(
        "CD075 AangevraagdProduct Budget without ToewijzingEinddatum",
        "JW315",
        ((f"{AP}[2]/ToewijzingEinddatum", None),),
        (loc(f"{AP}[2]/Budget"),),
    ),
    Scenario(
        "CD075 TeWijzigenProduct Budget without Einddatum",
        "JW317",
        ((f"{TW}/Omvang", None), (f"{TW}/Budget", 5000), (f"{TW}/Einddatum", None)),
        (loc(f"{TW}/Budget"),),
    ),
    # CD076
    Scenario(
        "CD076 ToegewezenProduct per week without Einddatum",
        "JW301",
        ((f"{TP}[1]/Einddatum", None),),
        (loc(f"{TP}[1]/Omvang/Frequentie"),),
    ),
    Scenario(
        "CD076 NieuwProduct per week without Einddatum",
        "JW317",
        ((f"{NP}/Einddatum", None),),
        (loc(f"{NP}/Omvang/Frequentie"),),
    ),
    # CD077 and CD078: one situation, two codes
    Scenario(
        "CD077 ToegewezenProduct with Budget and Omvang",
        "JW301",
        ((f"{TP}[1]/Budget", 1000),),
        (loc(f"{TP}[1]/Omvang"),),
    ),
    Scenario(
        "CD078 ToegewezenProduct with Budget and Omvang",
        "JW301",
        ((f"{TP}[1]/Budget", 1000),),
        (loc(f"{TP}[1]/Omvang"),),
    ),
    Scenario(
        "CD077 AangevraagdProduct with Budget and Omvang",
        "JW315",
        ((f"{AP}[2]/Omvang", omvang(2, frequentie="6")),),
        (loc(f"{AP}[2]/Omvang"),),
    ),
    Scenario(
        "CD078 TeWijzigenProduct with Budget and Omvang",
        "JW317",
        ((f"{TW}/Budget", 1000),),
        (loc(f"{TW}/Omvang"),),
    ),
    # CD079
    Scenario(
        "CD079 ToegewezenProduct without Product and Budget",
        "JW301",
        ((f"{TP}[2]/Product", None),),
        (loc(f"{TP}[2]"),),
    ),
    Scenario(
        "CD079 NieuwProduct without Product and Budget",
        "JW317",
        ((f"{NP}/Product", None), (f"{NP}/Omvang", None)),
        (loc(NP),),
    ),
    # CD080, CD095, CD096
    Scenario(
        "CD080 aspecific ToegewezenProduct with Omvang ending 2021-01-01",
        "JW301",
        (
            (f"{TP}[2]/Ingangsdatum", date(2020, 1, 1)),
            (f"{TP}[2]/Einddatum", date(2021, 1, 1)),
            (f"{TP}[2]/Omvang", omvang(4)),
        ),
        (loc(f"{TP}[2]/Einddatum"),),
    ),
    Scenario(
        "CD080 open-ended aspecific ToegewezenProduct with Omvang",
        "JW301",
        ((f"{TP}[2]/Einddatum", None), (f"{TP}[2]/Omvang", omvang(4, frequentie="4"))),
        (loc(f"{TP}[2]/Omvang"),),
    ),
    Scenario(
        "CD080 generic ToegewezenProduct with Omvang",
        "JW301",
        ((f"{TP}[2]/Product", None), (f"{TP}[2]/Omvang", omvang(4))),
        (loc(f"{TP}[2]/Einddatum"),),
    ),
    Scenario(
        "CD095 aspecific AangevraagdProduct with Omvang",
        "JW315",
        ((f"{AP}[2]/Budget", None), (f"{AP}[2]/Omvang", omvang(4))),
        (loc(f"{AP}[2]/ToewijzingEinddatum"),),
    ),
    Scenario(
        "CD096 aspecific NieuwProduct with Omvang",
        "JW317",
        ((f"{NP}/Product", product("45")),),
        (loc(f"{NP}/Einddatum"),),
    ),
    # CS338, CS343
    Scenario(
        "CS338 ToegewezenProduct Eenheid 14 per dag",
        "JW301",
        ((f"{TP}[1]/Omvang", omvang(1, "14", "1")),),
        (loc(f"{TP}[1]/Einddatum"),),
    ),
    Scenario(
        "CS338 open-ended TeWijzigenProduct Eenheid 83 per dag",
        "JW317",
        ((f"{TW}/Omvang", omvang(1000, "83", "1")), (f"{TW}/Einddatum", None)),
        (loc(f"{TW}/Omvang/Eenheid"),),
    ),
    Scenario(
        "CS338 NieuwProduct Eenheid 84 per dag ending 2021-01-01",
        "JW317",
        ((f"{NP}/Omvang", omvang(3, "84", "1")), (f"{NP}/Einddatum", date(2021, 1, 1))),
        (loc(f"{NP}/Einddatum"),),
    ),
    Scenario(
        "CS343 AangevraagdProduct Eenheid 16 per dag",
        "JW315",
        ((f"{AP}[1]/Omvang", omvang(2, "16", "1")),),
        (loc(f"{AP}[1]/ToewijzingEinddatum"),),
    ),
    # CS335, CS336
    Scenario(
        "CS335 RedenWijziging 13 with Einddatum after Ingangsdatum",
        "JW301",
        ((f"{TP}[1]/RedenWijziging", "13"),),
        (loc(f"{TP}[1]/Ingangsdatum"),),
    ),
    Scenario(
        "CS336 RedenWijziging 01",
        "JW301",
        ((f"{TP}[2]/RedenWijziging", "01"),),
        (loc(f"{TP}[2]/RedenWijziging"),),
    ),
    # TR302
    Scenario(
        "TR302 same code, same period",
        "JW301",
        ((f"{TP}[2]", same_as_first()),),
        (loc(f"{TP}[1]"),),
    ),
    Scenario(
        "TR302 aspecific stacks with specific of the same Categorie",
        "JW301",
        ((f"{TP}[2]/Product", product("45")),),
        (loc(f"{TP}[1]"),),
    ),
    Scenario(
        "TR302 generic stacks with every product",
        "JW301",
        ((f"{TP}[2]/Product", None), (f"{TP}[2]/Budget", 100000)),
        (loc(f"{TP}[1]"),),
    ),
    Scenario(
        "TR302 touching periods overlap",
        "JW301",
        ((f"{TP}[2]", same_as_first(ingangsdatum=EINDE, einddatum=date(2027, 9, 30))),),
        (loc(f"{TP}[1]"),),
    ),
    Scenario(
        "TR302 touching periods overlap, the later one listed first",
        "JW301",
        ((f"{TP}[2]", same_as_first(ingangsdatum=date(2026, 4, 1), einddatum=INGANG)),),
        (loc(f"{TP}[1]"),),
    ),
    Scenario(
        "TR302 open-ended product against a later closed one",
        "JW301",
        (
            (f"{TP}[1]/Einddatum", None),
            (f"{TP}[1]/Omvang", omvang(4, frequentie="4")),
            (f"{TP}[2]", same_as_first(ingangsdatum=date(2028, 1, 1), einddatum=date(2028, 6, 30))),
        ),
        (loc(f"{TP}[1]"),),
    ),
    Scenario(
        "TR302 every overlapping pair of three",
        "JW301",
        ((f"{TP}[2]", same_as_first()), (f"{TP}[3]", same_as_first(300203))),
        (loc(f"{TP}[1]"), loc(f"{TP}[1]"), loc(f"{TP}[2]")),
    ),
    Scenario(
        "TR302 RedenWijziging 13 with a different Einddatum is not a deletion",
        "JW301",
        ((f"{TP}[2]", same_as_first(reden_wijziging="13", einddatum=date(2026, 10, 2))),),
        (loc(f"{TP}[1]"),),
    ),
    # TR386, TR410
    Scenario(
        "TR386 aspecific and specific request of the same Categorie",
        "JW315",
        ((f"{AP}[2]/Product", product("45")),),
        (loc(f"{AP}[1]"),),
    ),
    Scenario(
        "TR410 two new products with the same code overlap",
        "JW317",
        (
            (
                f"{NP}[2]",
                {
                    "Product": product("45", "45A54"),
                    "GewensteIngangsdatum": date(2027, 3, 31),
                    "Omvang": omvang(2, frequentie="4"),
                },
            ),
        ),
        (loc(f"{NP}[1]"),),
    ),
]

PASSES = [
    Scenario(
        "CS003 Einddatum equal to Ingangsdatum",
        "JW301",
        ((f"{TP}[2]/Einddatum", INGANG),),
    ),
    Scenario(
        "CS003 contact Periode with only a Begindatum",
        "JW301",
        (
            (
                "Client/Contactgegevens/Contact[2]",
                contact("04", adres=adres(), periode={"Begindatum": INGANG}),
            ),
        ),
    ),
    Scenario(
        "CS003 contact Periode ending on its Begindatum",
        "JW301",
        (
            (
                "Client/Contactgegevens/Contact[2]",
                contact("04", adres=adres(), periode={"Begindatum": INGANG, "Einddatum": INGANG}),
            ),
        ),
    ),
    Scenario(
        "CS003 open-ended NieuwProduct",
        "JW317",
        ((f"{NP}/Einddatum", None), (f"{NP}/Omvang", omvang(2, frequentie="4"))),
    ),
    Scenario("CD041 aspecific ToegewezenProduct without Omvang", "JW301", ()),
    Scenario("CD041 specific AangevraagdProduct with Omvang", "JW315", ()),
    Scenario("CD075 Budget with ToewijzingEinddatum", "JW315", ()),
    Scenario(
        "CD076 per maand without Einddatum",
        "JW301",
        ((f"{TP}[1]/Einddatum", None), (f"{TP}[1]/Omvang", omvang(16, frequentie="4"))),
    ),
    Scenario("CD077 Budget without Omvang", "JW315", ()),
    Scenario("CD078 Omvang without Budget", "JW317", ()),
    Scenario(
        "CD079 generic ToegewezenProduct with Budget",
        "JW301",
        ((f"{TP}[2]/Product", None), (f"{TP}[2]/Budget", 100000)),
    ),
    Scenario("CD079 aspecific without Budget", "JW301", ()),
    Scenario(
        "CD080 exempt when ended on 2020-12-31",
        "JW301",
        (
            (f"{TP}[2]/Ingangsdatum", date(2020, 1, 1)),
            (f"{TP}[2]/Einddatum", date(2020, 12, 31)),
            (f"{TP}[2]/Omvang", omvang(4)),
        ),
    ),
    Scenario("CD080 specific product with Omvang", "JW301", ()),
    Scenario(
        "CD095 exempt when ended on 2020-12-31",
        "JW315",
        (
            (f"{AP}[2]/ToewijzingIngangsdatum", date(2020, 6, 1)),
            (f"{AP}[2]/ToewijzingEinddatum", date(2020, 12, 31)),
            (f"{AP}[2]/Budget", None),
            (f"{AP}[2]/Omvang", omvang(4)),
        ),
    ),
    Scenario(
        "CD096 exempt when ended on 2020-12-31",
        "JW317",
        (
            (f"{NP}/Product", product("45")),
            (f"{NP}/GewensteIngangsdatum", date(2020, 1, 1)),
            (f"{NP}/Einddatum", date(2020, 12, 31)),
        ),
    ),
    Scenario("CS338 Eenheid 14 per maand", "JW301", ((f"{TP}[1]/Omvang", omvang(8, "14", "4")),)),
    Scenario("CS338 Eenheid 04 per dag", "JW301", ((f"{TP}[1]/Omvang", omvang(2, "04", "1")),)),
    Scenario(
        "CS338 exempt when ended on 2020-12-31",
        "JW301",
        (
            (f"{TP}[1]/Ingangsdatum", date(2020, 1, 1)),
            (f"{TP}[1]/Einddatum", date(2020, 12, 31)),
            (f"{TP}[1]/Omvang", omvang(1, "14", "1")),
        ),
    ),
    Scenario(
        "CS343 exempt when ended on 2020-12-31",
        "JW315",
        (
            (f"{AP}[1]/ToewijzingIngangsdatum", date(2020, 6, 1)),
            (f"{AP}[1]/ToewijzingEinddatum", date(2020, 12, 31)),
            (f"{AP}[1]/Omvang", omvang(2, "16", "1")),
        ),
    ),
    Scenario("CS343 Eenheid 16 totaal", "JW315", ((f"{AP}[1]/Omvang", omvang(20, "16", "6")),)),
    Scenario(
        "CS335 RedenWijziging 13 with Einddatum equal to Ingangsdatum",
        "JW301",
        ((f"{TP}[1]/RedenWijziging", "13"), (f"{TP}[1]/Einddatum", INGANG)),
    ),
    Scenario(
        "CS335 RedenWijziging 13 without Einddatum is not compared",
        "JW301",
        ((f"{TP}[1]/RedenWijziging", "13"), (f"{TP}[1]/Einddatum", None)),
    ),
    Scenario("CS336 RedenWijziging 14", "JW301", ((f"{TP}[2]/RedenWijziging", "14"),)),
    Scenario("TR302 different Categorie", "JW301", ()),
    Scenario(
        "TR302 same code, different Categorie",
        "JW301",
        ((f"{TP}[2]", same_as_first(categorie="46")),),
    ),
    Scenario(
        "TR302 other codes of the same Categorie are other products",
        "JW301",
        ((f"{TP}[2]", same_as_first(code="45A54")),),
    ),
    Scenario(
        "TR302 adjacent periods do not overlap",
        "JW301",
        ((f"{TP}[2]", same_as_first(ingangsdatum=date(2027, 4, 1), einddatum=date(2027, 9, 30))),),
    ),
    Scenario(
        "TR302 deleted product (RedenWijziging 13) is ignored",
        "JW301",
        ((f"{TP}[2]", same_as_first(reden_wijziging="13", einddatum=INGANG)),),
    ),
    Scenario(
        "TR302 deleted product (RedenWijziging 01) is ignored",
        "JW301",
        ((f"{TP}[2]", same_as_first(reden_wijziging="01", einddatum=INGANG)),),
    ),
    Scenario("TR386 different Categorie", "JW315", ()),
    Scenario(
        "TR386 same product in adjacent periods",
        "JW315",
        (
            (f"{AP}[2]/Product", product("45")),
            (f"{AP}[2]/ToewijzingIngangsdatum", date(2027, 6, 1)),
            (f"{AP}[2]/ToewijzingEinddatum", date(2027, 12, 31)),
        ),
    ),
    Scenario(
        "TR410 new product after the other ended",
        "JW317",
        (
            (
                f"{NP}[2]",
                {
                    "Product": product("45", "45A54"),
                    "GewensteIngangsdatum": date(2027, 4, 1),
                    "Omvang": omvang(2, frequentie="4"),
                },
            ),
        ),
    ),
]


@pytest.mark.parametrize("s", BREAKS, ids=lambda s: s.name)
def test_rule_breaks(s: Scenario) -> None:
    assert_breaks(s)


@pytest.mark.parametrize("s", PASSES, ids=lambda s: s.name)
def test_rule_passes(s: Scenario) -> None:
    assert s.findings() == []


def test_every_rule_has_a_breaking_and_a_passing_scenario() -> None:
    assert_scenarios_cover(CODES, BREAKS, PASSES)


@pytest.mark.parametrize("bericht", ["JW301", "JW315", "JW317"])
def test_default_messages_pass_every_product_rule(bericht: str) -> None:
    assert default_findings(bericht, CODES) == []
