"""Product rules (hub/rules/products.py): behaviour the mutation pass found unpinned by test_products.py."""

from __future__ import annotations

from datetime import date

import pytest

import hub.rules.products  # noqa: F401  (importing registers the rules)
from hub.synth.berichten import adres, contact, omvang
from tests.hub.rules.level2 import Scenario, edited, violations
from tests.hub.rules.test_products import INGANG, TP


@pytest.mark.parametrize("eenheid", ["14", "16", "83", "84"])
@pytest.mark.parametrize("frequentie", ["2", "4", "6"])
def test_cs338_allows_every_listed_frequentie_with_every_listed_eenheid(
    eenheid: str, frequentie: str
) -> None:
    """rules.md CS338: Eenheid 14/16/83/84 needs Frequentie 2 (per week), 4 (per maand) or 6 (totaal)."""
    s = Scenario("CS338 listed pair", "JW301", ((f"{TP}[1]/Omvang", omvang(3, eenheid, frequentie)),))
    assert s.findings() == []


def test_cs003_contact_periode_finding_names_the_periode_dates() -> None:
    periode = {"Begindatum": date(2026, 12, 1), "Einddatum": date(2026, 11, 30)}
    message = edited(
        "JW301", ("Client/Contactgegevens/Contact[2]", contact("04", adres=adres(), periode=periode))
    )
    [found] = violations("JW301", message, "CS003")
    assert found.message.endswith("Einddatum 2026-11-30 is before Begindatum 2026-12-01.")


def test_cs003_contact_periode_without_begindatum_says_so() -> None:
    periode = {"Einddatum": date(2026, 11, 30)}
    message = edited(
        "JW301", ("Client/Contactgegevens/Contact[2]", contact("04", adres=adres(), periode=periode))
    )
    [found] = violations("JW301", message, "CS003")
    assert found.message.endswith("Einddatum 2026-11-30 has no Begindatum.")


def test_cd080_open_ended_finding_says_open_ended() -> None:
    message = edited("JW301", (f"{TP}[2]/Einddatum", None), (f"{TP}[2]/Omvang", omvang(4, frequentie="4")))
    [found] = violations("JW301", message, "CD080")
    assert "Einddatum open-ended (after 2020-12-31)" in found.message


def test_cd080_finding_quotes_a_filled_einddatum() -> None:
    message = edited("JW301", (f"{TP}[2]/Ingangsdatum", INGANG), (f"{TP}[2]/Omvang", omvang(4)))
    [found] = violations("JW301", message, "CD080")
    assert "Einddatum 2027-03-31 (after 2020-12-31)" in found.message
