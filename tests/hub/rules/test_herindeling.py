"""TR378 after a herindeling: a gemeente list row with `geldig_tot` keeps a code that a merger ended.

rules.md 7: "After a municipal reorganisation an older CBS list may be used when it was valid on the ToegewezenProduct
Ingangsdatum (JW301) or the AangevraagdProduct ToewijzingIngangsdatum (JW315)." Every message goes through the whole
Validator built from a list file, as `hub validate --gemeenten` and `hub run` build it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.reference import gemeenten as gemeentelijst
from hub.synth.berichten import spec
from hub.synth.build import Spec, edit, to_xml
from hub.synth.wereld import gemeenten_van
from hub.validate import Validator
from tests.hub.gi.helpers import CTX, edited, violations

TODAY = date(2026, 11, 23)
LIJST = (
    "gemeentecode,gemeentenaam,provincie,jeugdregio,geldig_tot\n"
    "0200,Apeldoorn,Gelderland,Noord Veluwe,\n"
    "0999,Oudstad,Gelderland,Noord Veluwe,2025-12-31\n"
)
GEEINDIGD = "was valid until 2025-12-31 (ended by a herindeling)"


@pytest.fixture
def lijst(tmp_path: Path) -> Path:
    path = tmp_path / "gemeenten.csv"
    path.write_text(LIJST, encoding="utf-8")
    return path


@pytest.fixture
def validator(lijst: Path) -> Validator:
    return Validator.from_paths(gemeenten_file=lijst, clock=lambda: TODAY)


def findings(
    validator: Validator, bericht: str, s: Spec, today: date = TODAY
) -> list[tuple[str, str | None, str]]:
    """(rule, Locatie, message) of every finding of the whole validation."""
    verdict = validator.validate(to_xml(bericht, s), today=today)
    return [(v.rule, v.location, v.message) for v in verdict.errors]


def met_starts(bericht: str, *starts: date) -> Spec:
    """A message of the ended gemeente whose products start on these days (JW301 Ingangsdatum, JW315
    ToewijzingIngangsdatum), the other dates of each product moved along so that only the start differs."""
    s = spec(bericht, gemeente="0999", dagtekening=date(2026, 1, 5))
    if bericht == "JW301":
        producten = s["Client"]["ToegewezenProducten"]["ToegewezenProduct"]
        velden = ("Toewijzingsdatum", "Ingangsdatum")
    else:
        producten = s["Client"]["AangevraagdeProducten"]["AangevraagdProduct"]
        velden = ("BeschikkingIngangsdatum", "ToewijzingIngangsdatum")
    assert len(producten) == len(starts)
    for product, start in zip(producten, starts, strict=True):
        for veld in velden:
            if product.get(veld) is not None:
                product[veld] = start
    return s


@pytest.mark.parametrize("bericht", ["JW301", "JW315"])
def test_an_ended_code_serves_products_that_all_started_while_it_was_valid(
    validator: Validator, bericht: str
) -> None:
    assert findings(validator, bericht, met_starts(bericht, date(2025, 11, 1), date(2025, 12, 31))) == []


@pytest.mark.parametrize("bericht", ["JW301", "JW315"])
def test_one_product_starting_after_the_herindeling_rejects_the_ended_code(
    validator: Validator, bericht: str
) -> None:
    veld = "Afzender" if bericht == "JW301" else "Ontvanger"
    assert findings(validator, bericht, met_starts(bericht, date(2025, 12, 31), date(2026, 1, 1))) == [
        ("TR378", f"/Bericht/Header/{veld}", f"gemeentecode 0999 ({veld}) {GEEINDIGD}")
    ]


@pytest.mark.parametrize("bericht", ["JW305", "JW307", "JW317", "JW319", "JW323", "JW325"])
def test_other_messages_take_an_ended_code_only_up_to_its_last_day(
    validator: Validator, bericht: str
) -> None:
    s = spec(bericht, gemeente="0999", dagtekening=date(2025, 12, 1))
    veld = "Afzender" if bericht in {"JW319", "JW325"} else "Ontvanger"
    assert [f for f in findings(validator, bericht, s, today=date(2025, 12, 31)) if f[0] == "TR378"] == []
    assert [f for f in findings(validator, bericht, s) if f[0] == "TR378"] == [
        ("TR378", f"/Bericht/Header/{veld}", f"gemeentecode 0999 ({veld}) {GEEINDIGD}")
    ]


def test_a_woonplaatsbeginsel_of_an_ended_code_is_judged_as_of_today(validator: Validator) -> None:
    s = edit(spec("JW319"), "Antwoord/RedenAfwijzingVerzoek", "8")
    s = edit(s, "Antwoord/Woonplaatsbeginsel", {"Gemeente": "0999"})
    wpb = "/Bericht/Antwoord/Woonplaatsbeginsel/Gemeente"
    assert findings(validator, "JW319", s) == [
        ("TR378", wpb, f"Woonplaatsbeginsel gemeentecode 0999 {GEEINDIGD}")
    ]


def test_a_code_not_in_the_list_is_still_named_as_unknown(validator: Validator) -> None:
    assert findings(validator, "JW301", met_starts("JW301", date(2025, 11, 1), date(2025, 11, 1))) == []
    s = spec("JW301", gemeente="0363")
    assert findings(validator, "JW301", s) == [
        ("TR378", "/Bericht/Header/Afzender", "gemeentecode 0363 (Afzender) is not in the CBS gemeente list")
    ]


def test_the_list_reads_geldig_tot_and_refuses_a_date_it_cannot_read(lijst: Path, tmp_path: Path) -> None:
    assert gemeentelijst.geldig_tot(lijst) == {"0999": date(2025, 12, 31)}
    assert gemeentelijst.load_gemeenten(lijst)["0200"].geldig_tot is None
    assert gemeentelijst.geldig_tot() == {}  # the shipped CBS list of 2026 ends no code
    bad = tmp_path / "bad.csv"
    bad.write_text(LIJST.replace("2025-12-31", "31-12-2025"), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        gemeentelijst.gebruik(bad)
    assert str(raised.value) == (
        f"gemeente list {bad}, line 3: geldig_tot '31-12-2025' is not a date written YYYY-MM-DD"
    )


def test_gb004_takes_an_ended_code_only_up_to_its_last_day() -> None:
    ctx = replace(CTX, gemeenten=frozenset({"0999"}), gemeenten_tot={"0999": date(2026, 6, 30)})
    s = edited("GI001", ("Header/Ontvanger", "0999"))
    assert violations("GI001", s, "GB004", ctx=replace(ctx, today=date(2026, 6, 30))) == []
    assert [(v.location, v.message) for v in violations("GI001", s, "GB004", ctx=ctx)] == [
        (
            "/Bericht/Header/Ontvanger",
            "Gemeentecode 0999 (Ontvanger) was valid until 2026-06-30 (ended by a herindeling).",
        )
    ]


def test_simulated_traffic_leaves_the_ended_codes_out(lijst: Path) -> None:
    gemeentelijst.gebruik(lijst)
    assert [g.code for g in gemeenten_van(["Noord Veluwe"])] == ["0200"]
