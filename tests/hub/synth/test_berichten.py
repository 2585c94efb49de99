import importlib
import pkgutil
import random
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

import hub.rules
from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc
from hub.rules import Context, iter_violations
from hub.synth import berichten as b
from hub.synth.berichten import HEENBERICHTEN, declaratie_antwoord, spec, xml
from hub.synth.build import SpecError, edit, to_tree, to_xml
from hub.synth.persons import is_elfproef, kind
from tests.hub.prestaties import specifieke_prestatie

ROOT = Path(__file__).resolve().parents[3]
SCHEMAS = ROOT / "schemas" / "ijw" / "3.2"
EXAMPLES = ROOT / "examples"

# Dagtekeningen around month and year ends and a leap day: the defaults derive their dates from it.
DAGTEKENINGEN = [
    date(2026, 11, 2),
    date(2026, 12, 31),
    date(2027, 1, 1),
    date(2028, 2, 29),
    date(2028, 3, 31),
]


@cache
def schema(bericht: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / f"{bericht.lower()}.xsd")))


def assert_xsd_valid(bericht: str, data: bytes) -> None:
    s = schema(bericht)
    ok = s.validate(etree.fromstring(data))
    assert ok, [e.message for e in s.error_log]


@pytest.mark.parametrize("bericht", HEENBERICHTEN)
def test_default_spec_is_xsd_valid(bericht: str) -> None:
    assert_xsd_valid(bericht, xml(bericht))


@pytest.mark.parametrize("dagtekening", DAGTEKENINGEN)
@pytest.mark.parametrize("bericht", HEENBERICHTEN)
def test_spec_for_other_dagtekening_is_xsd_valid(bericht: str, dagtekening: date) -> None:
    s = spec(bericht, dagtekening=dagtekening)
    assert s["Header"]["BerichtIdentificatie"]["Dagtekening"] == dagtekening
    assert_xsd_valid(bericht, to_xml(bericht, s))


@pytest.mark.parametrize("bericht", HEENBERICHTEN)
def test_spec_returns_a_new_dict_each_time(bericht: str) -> None:
    first = spec(bericht)
    first["Header"]["BerichtIdentificatie"]["Identificatie"] = "changed"
    assert spec(bericht)["Header"]["BerichtIdentificatie"]["Identificatie"] != "changed"
    assert spec(bericht) == spec(bericht)


@pytest.mark.parametrize("bericht", HEENBERICHTEN)
def test_header_direction_and_parameters(bericht: str) -> None:
    h = spec(bericht, gemeente="0363", aanbieder="87654321", identificatie="ID-1")["Header"]
    gemeente_stuurt = bericht in {"JW301", "JW319", "JW325"}
    assert (h["Afzender"], h["Ontvanger"]) == (
        ("0363", "87654321") if gemeente_stuurt else ("87654321", "0363")
    )
    assert h["BerichtIdentificatie"]["Identificatie"] == "ID-1"
    assert h["BerichtCode"] == BERICHTEN[bericht].code


def bsns(node: Any) -> list[str]:
    """Every Bsn value in a spec."""
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "Bsn"] + [x for v in node.values() for x in bsns(v)]
    if isinstance(node, list):
        return [x for v in node for x in bsns(v)]
    return []


@pytest.mark.parametrize("bericht", [x for x in HEENBERICHTEN if x not in {"JW319", "JW325"}])
def test_every_bsn_is_synthetic(bericht: str) -> None:
    found = bsns(spec(bericht))
    assert found
    assert all(is_elfproef(n) and n.startswith("99999") for n in found)


@pytest.mark.parametrize("bericht", ["JW301", "JW305", "JW307", "JW315", "JW317", "JW323"])
def test_given_persoon_is_used(bericht: str) -> None:
    p = kind(random.Random(99), date(2026, 11, 2))
    assert bsns(spec(bericht, persoon=p)) == [p.bsn]


def test_unknown_bericht_is_refused() -> None:
    with pytest.raises(ValueError, match="JW302"):
        spec("JW302")


def test_builder_parts_use_only_schema_elements() -> None:
    # The builder raises on unknown keys; a misspelt part would fail here rather than in a rule test.
    s = edit(
        spec("JW301"),
        "Client/ToegewezenProducten/ToegewezenProduct[3]",
        b.toegewezen_product(
            300203,
            categorie=None,
            toewijzingsdatum=date(2026, 11, 2),
            ingangsdatum=date(2026, 11, 1),
            einddatum=date(2026, 12, 31),
            budget=100000,
            reden_wijziging="04",
            commentaar="Generiek budget",
        ),
    )
    assert_xsd_valid("JW301", to_xml("JW301", s))
    with pytest.raises(SpecError):
        to_xml("JW301", edit(s, "Client/Onbekend", "x"))


# ---- the level-2 facts the defaults must respect (checked directly until every rule module exists) ----


@pytest.mark.parametrize("dagtekening", DAGTEKENINGEN)
def test_jw301_dates_and_products(dagtekening: date) -> None:
    producten = spec("JW301", dagtekening=dagtekening)["Client"]["ToegewezenProducten"]["ToegewezenProduct"]
    specifiek, aspecifiek = producten
    assert all(p["Toewijzingsdatum"] <= dagtekening for p in producten)  # TR134
    assert all(p["Ingangsdatum"] <= p["Einddatum"] for p in producten)  # CS003
    # CD041, CD077
    assert specifiek["Product"]["Code"] and specifiek["Omvang"] and specifiek["Budget"] is None
    assert aspecifiek["Product"]["Code"] is None and aspecifiek["Omvang"] is None  # CD080


def test_jw301_contacts() -> None:
    client = spec("JW301")["Client"]
    (contact,) = client["Contactgegevens"]["Contact"]
    assert contact["Soort"] == "01"
    assert contact["Adres"]["LandCode"] == "NL" and contact["Adres"]["Huis"]["Huisnummer"]
    assert len(contact["Adres"]["Postcode"]) == 6 and " " not in contact["Adres"]["Postcode"]  # CS089
    assert client["Naam"]["NaamGebruik"] == "1" and "Partnernaam" not in client["Naam"]  # CS050, CS318
    (relatie,) = client["Relaties"]["Relatie"]
    assert relatie["Contact"]["Telefoon"]["Telefoon01"]["Telefoonnummer"]  # TR006 without address


@pytest.mark.parametrize("dagtekening", DAGTEKENINGEN)
def test_start_and_stop_not_after_dagtekening(dagtekening: date) -> None:
    starts = spec("JW305", dagtekening=dagtekening)["Client"]["StartProducten"]["StartProduct"]
    stops = spec("JW307", dagtekening=dagtekening)["Client"]["StopProducten"]["StopProduct"]
    assert all(s["Begindatum"] <= dagtekening and s["StatusAanlevering"] == "1" for s in starts)
    assert all(s["Begindatum"] <= s["Einddatum"] <= dagtekening for s in stops)  # TR018, TR134
    assert {s["ToewijzingNummer"] for s in stops} <= {s["ToewijzingNummer"] for s in starts}


def test_jw315_verwijzers() -> None:
    eerste, tweede = spec("JW315")["Client"]["AangevraagdeProducten"]["AangevraagdProduct"]
    assert eerste["Verwijzer"] == {"Type": "04", "Naam": None, "ZorgverlenerCode": "87654321"}  # CD066
    assert tweede["Verwijzer"]["Naam"] and tweede["Verwijzer"]["ZorgverlenerCode"] is None  # CD067
    assert tweede["Budget"] and tweede["ToewijzingEinddatum"] and tweede["Omvang"] is None  # CD075, CD077
    assert eerste["ReferentieAanbieder"] != tweede["ReferentieAanbieder"]  # TR383


@pytest.mark.parametrize("dagtekening", DAGTEKENINGEN)
def test_jw317_request(dagtekening: date) -> None:
    verzoek = spec("JW317", dagtekening=dagtekening)["Client"]["Verzoek"]
    assert verzoek["OngewijzigdeProducten"] or verzoek["TeWijzigenProducten"]  # TR352
    assert verzoek["TeWijzigenProducten"] or verzoek["NieuweProducten"]  # TR353
    nieuw = verzoek["NieuweProducten"]["NieuwProduct"]
    assert all(n["GewensteIngangsdatum"] > dagtekening for n in nieuw)  # TR380


@pytest.mark.parametrize(
    ("antwoord", "reden", "gemeente"), [("1", "4", None), ("2", None, None), ("1", "8", "0363")]
)
def test_jw319_antwoord_variants_are_valid(antwoord: str, reden: str | None, gemeente: str | None) -> None:
    s = edit(
        spec("JW319"),
        "Antwoord",
        b.antwoord("VOT1", verzoek_antwoord=antwoord, reden_afwijzing=reden, woonplaatsbeginsel=gemeente),
    )
    assert_xsd_valid("JW319", to_xml("JW319", s))
    assert (s["Antwoord"]["Woonplaatsbeginsel"] is not None) == (reden == "8")


def signed_sum(prestaties: list[dict[str, Any]]) -> int:
    return sum(b.signed(p["IngediendBedrag"]) for p in prestaties)


@pytest.mark.parametrize("dagtekening", DAGTEKENINGEN)
def test_jw323_declaratie_adds_up(dagtekening: date) -> None:
    d = spec("JW323", dagtekening=dagtekening)["Declaratie"]
    periode = d["DeclaratiePeriode"]
    assert periode["Begindatum"].day == 1  # CS340
    assert periode["Einddatum"] == b.maand_einde(periode["Begindatum"]) <= dagtekening  # CS340, TR137
    assert periode["Begindatum"] >= date(2021, 1, 1)  # CS100
    prestaties = [p for _, p in b.prestaties_van(d)]
    assert b.signed(d["TotaalIngediendBedrag"]) == signed_sum(prestaties) > 0  # TR358
    for p in prestaties:
        pp = p["ProductPeriode"]
        # TR319, CS337
        assert periode["Begindatum"] <= pp["Begindatum"] <= pp["Einddatum"] <= periode["Einddatum"]
        assert (
            p["ProductTarief"] and p["IngediendBedrag"]["Bedrag"] == p["GeleverdVolume"] * p["ProductTarief"]
        )


def test_jw325_answers_default_jw323_fully_granted() -> None:
    jw323, jw325 = spec("JW323"), spec("JW325")
    antwoord = jw325["DeclaratieAntwoord"]
    assert jw325["Header"]["DeclaratieIdentificatie"] == jw323["Header"]["BerichtIdentificatie"]
    assert antwoord["DeclaratieNummer"] == jw323["Declaratie"]["DeclaratieNummer"]
    assert antwoord["TotaalToegekendBedrag"] == antwoord["TotaalIngediendBedrag"]  # TR342
    assert antwoord["RetourCodes"] == {"RetourCode": "8001"}
    assert antwoord["Clienten"] is None


def test_jw325_with_rejected_prestatie() -> None:
    jw323 = spec("JW323")
    bsn, eerste = b.prestaties_van(jw323["Declaratie"])[0]
    ref = eerste["ProductReferentie"]["ReferentieNummer"]
    s = declaratie_antwoord(jw323, dagtekening=date(2026, 11, 9), identificatie="A1", afgewezen={ref: "0233"})
    assert_xsd_valid("JW325", to_xml("JW325", s))
    antwoord = s["DeclaratieAntwoord"]
    (client,) = antwoord["Clienten"]["Client"]
    assert client["Bsn"] == bsn and client["Prestaties"]["Prestatie"][0]["RetourCodes"] == {
        "RetourCode": "0233"
    }
    ingediend, toegekend = (
        b.signed(antwoord["TotaalIngediendBedrag"]),
        b.signed(antwoord["TotaalToegekendBedrag"]),
    )
    assert ingediend - toegekend == signed_sum(client["Prestaties"]["Prestatie"])  # TR342
    assert antwoord["RetourCodes"] == {"RetourCode": "0200"}


def test_credit_prestatie_is_negative() -> None:
    p = specifieke_prestatie("P2", volume=2, vorig_referentie_nummer="P1")
    assert p["IngediendBedrag"] == {"Bedrag": 16000, "DebetCredit": "C"}  # CD060
    euro = specifieke_prestatie("P3", volume=12345, eenheid="83")
    assert euro["ProductTarief"] is None and euro["IngediendBedrag"]["Bedrag"] == 12345  # CD087, CS339


@pytest.mark.parametrize("bericht", HEENBERICHTEN)
def test_examples_are_up_to_date(bericht: str) -> None:
    # tools/gen_examples.py writes these; rerun it after changing the builders.
    assert (EXAMPLES / f"{bericht}.xml").read_bytes() == xml(bericht)


def load_rule_modules() -> None:
    """Import every rule module that exists so far (the set grows; `all` lists them once complete)."""
    for m in pkgutil.iter_modules(hub.rules.__path__):
        if m.name not in {"all", "registry"}:
            importlib.import_module(f"hub.rules.{m.name}")


def level2_violations(bericht: str, s: dict[str, Any]) -> list[str]:
    load_rule_modules()
    doc = Doc(to_tree(bericht, s), BERICHTEN[bericht])
    return [
        f"{v.rule} {v.location}: {v.message}" for v in iter_violations(doc, Context(today=date(2030, 1, 1)))
    ]


@pytest.mark.parametrize("dagtekening", DAGTEKENINGEN)
@pytest.mark.parametrize("bericht", HEENBERICHTEN)
def test_defaults_pass_the_level2_rules(bericht: str, dagtekening: date) -> None:
    assert level2_violations(bericht, spec(bericht, dagtekening=dagtekening)) == []


def test_jw325_with_rejection_passes_the_level2_rules() -> None:
    jw323 = spec("JW323")
    ref = b.prestaties_van(jw323["Declaratie"])[1][1]["ProductReferentie"]["ReferentieNummer"]
    s = declaratie_antwoord(jw323, dagtekening=date(2026, 11, 9), identificatie="A1", afgewezen={ref: "0233"})
    assert level2_violations("JW325", s) == []


@pytest.mark.parametrize("family", ["klassen", "maanden", "toewijzing", "verzoeken", "declaratie"])
def test_every_part_builder_is_offered_by_berichten(family: str) -> None:
    """The builders live in a module per message family; hub.synth.berichten keeps offering each of them."""
    module = importlib.import_module(f"hub.synth.{family}")
    public = [
        name
        for name, value in vars(module).items()
        if callable(value)
        and getattr(value, "__module__", None) == module.__name__
        and not name.startswith("_")
    ]
    assert public
    for name in public:
        assert name in b.__all__
        assert getattr(b, name) is getattr(module, name)
