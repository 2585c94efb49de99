"""Person rules (rules.md 4.2): BSN 11-proef, NaamGebruik and birth dates, on XSD-valid messages."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

import hub.rules.person  # noqa: F401  (registers the rules under test)
from hub.rules.person import elfproef
from hub.synth.berichten import spec
from hub.synth.build import Spec, edit
from tests.hub.rules.level2 import edited, jw325_met_afwijzing, locations, violations

FOUTE_BSN = "123456789"  # fails the 11-proef (verified against the XSLT)
GEBOORTE = "/Bericht/Client/Geboortedatum/Datum"
RELATIE_GEBOORTE = "/Bericht/Client/Relaties/Relatie/Geboortedatum/Datum"
NAAM = "/Bericht/Client/Naam"
RELATIE_NAAM = "/Bericht/Client/Relaties/Relatie/Naam"
PARTNERNAAM = {"Achternaam": "Partnerveld"}
RELATIE = "Client/Relaties/Relatie"


def jw323_twee_clienten(tweede_bsn: str) -> Spec:
    """The default JW323 with a second client (a copy of the first) under another Bsn."""
    s = spec("JW323")
    client = s["Declaratie"]["Clienten"]["Client"][0]
    s["Declaratie"]["Clienten"]["Client"].append({**client, "Bsn": tweede_bsn})
    return s


def jw301_twee_relaties(*edits: tuple[str, Any]) -> Spec:
    """The default JW301 with a second Relatie (a copy of the first, Nummer 2), then these edits on it."""
    s = spec("JW301")
    relaties = s["Client"]["Relaties"]["Relatie"]
    relaties.append({**copy.deepcopy(relaties[0]), "Nummer": "2"})
    for path, value in edits:
        s = edit(s, f"Client/Relaties/Relatie[2]/{path}", value)
    return s


def naamgebruik(gebruik: str, *, partnernaam: bool = False, pad: str = "Client") -> Spec:
    """The default JW301 with this NaamGebruik on the client's Naam (or the Naam at `pad`), with a Partnernaam or not."""
    partner = [(f"{pad}/Naam/Partnernaam", PARTNERNAAM)] if partnernaam else []
    return edited("JW301", *partner, (f"{pad}/Naam/NaamGebruik", gebruik))


def geboortedatum(datum: date, gebruik: str | None = None) -> dict[str, Any]:
    return {"Datum": datum, "DatumGebruik": gebruik}


def geboren(bericht: str, datum: date, gebruik: str | None = None, *, pad: str = "Client") -> Spec:
    """The default `bericht` with this Geboortedatum (and DatumGebruik) on the client, or on the element at `pad`."""
    return edited(bericht, (f"{pad}/Geboortedatum", geboortedatum(datum, gebruik)))


def test_elfproef() -> None:
    assert elfproef("000000000")
    assert elfproef("999990019")
    assert not elfproef(FOUTE_BSN)
    assert not elfproef("12345678")
    assert not elfproef("１２３４５６７８９")  # fullwidth digits: not [0-9]


def test_elfproef_needs_exactly_nine_ascii_digits() -> None:
    # Each would pass on its first nine characters' weighted sum, so only the form check rejects them.
    assert elfproef("000000000") is True
    assert elfproef("0000000000") is False  # ten digits
    assert elfproef(";00000000") is False  # ";" is "0" + 11 in ASCII: 9 x 11 is divisible by 11
    assert elfproef("12345678") is False


CS002_BREAKS = [
    *[
        pytest.param(b, edited(b, ("Client/Bsn", FOUTE_BSN)), ["/Bericht/Client/Bsn"], id=f"CS002-{b}")
        for b in ("JW301", "JW305", "JW307", "JW315", "JW317")
    ],
    pytest.param(
        "JW323",
        edited("JW323", ("Declaratie/Clienten/Client/Bsn", FOUTE_BSN)),
        ["/Bericht/Declaratie/Clienten/Client/Bsn"],
        id="CS002-JW323",
    ),
    pytest.param(
        "JW323",
        jw323_twee_clienten(FOUTE_BSN),
        ["/Bericht/Declaratie/Clienten/Client[2]/Bsn"],
        id="CS002-JW323-tweede-client",
    ),
    pytest.param(
        "JW325",
        edit(jw325_met_afwijzing(spec("JW323")), "DeclaratieAntwoord/Clienten/Client/Bsn", FOUTE_BSN),
        ["/Bericht/DeclaratieAntwoord/Clienten/Client/Bsn"],
        id="CS002-JW325",
    ),
]

CS002_PASSES = [
    *[
        pytest.param(b, spec(b), id=f"CS002-{b}-default")
        for b in ("JW301", "JW305", "JW307", "JW315", "JW317", "JW323")
    ],
    pytest.param("JW325", jw325_met_afwijzing(spec("JW323")), id="CS002-JW325-met-client"),
    pytest.param(
        "JW305", edited("JW305", ("Client/Bsn", "000000000")), id="CS002-nullen-zonder-uitzondering"
    ),
    pytest.param("JW323", jw323_twee_clienten("999990019"), id="CS002-JW323-twee-geldige"),
]


@pytest.mark.parametrize(("bericht", "bericht_spec", "expected"), CS002_BREAKS)
def test_cs002_breaks(bericht: str, bericht_spec: Spec, expected: list[str]) -> None:
    assert locations(bericht, bericht_spec, "CS002") == expected


@pytest.mark.parametrize(("bericht", "bericht_spec"), CS002_PASSES)
def test_cs002_passes(bericht: str, bericht_spec: Spec) -> None:
    assert locations(bericht, bericht_spec, "CS002") == []


def test_cs002_message_does_not_show_the_bsn() -> None:
    found = violations("JW301", edited("JW301", ("Client/Bsn", FOUTE_BSN)), "CS002")
    assert len(found) == 1
    assert FOUTE_BSN not in found[0].message


# (code, bericht, spec, expected locations); an empty list means the rule passes.
JW301_NAAM_CASES = [
    # CS050: with Partnernaam 1-4, without it 1 or 6; 5 never passes.
    pytest.param("CS050", naamgebruik("5"), [f"{NAAM}/NaamGebruik"], id="CS050-5-zonder-partnernaam"),
    pytest.param(
        "CS050", naamgebruik("5", partnernaam=True), [f"{NAAM}/Partnernaam"], id="CS050-5-met-partnernaam"
    ),
    pytest.param(
        "CS050", naamgebruik("6", partnernaam=True), [f"{NAAM}/Partnernaam"], id="CS050-6-met-partnernaam"
    ),
    pytest.param("CS050", naamgebruik("2"), [f"{NAAM}/NaamGebruik"], id="CS050-2-zonder-partnernaam"),
    pytest.param(
        "CS050",
        naamgebruik("3", pad=RELATIE),
        [f"{RELATIE_NAAM}/NaamGebruik"],
        id="CS050-relatie-3-zonder-partnernaam",
    ),
    pytest.param(
        "CS050",
        jw301_twee_relaties(("Naam/NaamGebruik", "5")),
        [f"{RELATIE_NAAM.replace('Relatie/', 'Relatie[2]/')}/NaamGebruik"],
        id="CS050-tweede-relatie",
    ),
    *[
        pytest.param("CS050", naamgebruik(g, partnernaam=True), [], id=f"CS050-{g}-met-partnernaam-ok")
        for g in ("1", "2", "3", "4")
    ],
    pytest.param("CS050", spec("JW301"), [], id="CS050-1-zonder-partnernaam-ok"),
    pytest.param("CS050", naamgebruik("6", pad=RELATIE), [], id="CS050-relatie-6-ok"),
    # CS318: the client may not be a niet-natuurlijk persoon, a relation may.
    pytest.param("CS318", naamgebruik("6"), [f"{NAAM}/NaamGebruik"], id="CS318-client-6"),
    pytest.param("CS318", spec("JW301"), [], id="CS318-default-ok"),
    pytest.param("CS318", naamgebruik("6", pad=RELATIE), [], id="CS318-relatie-6-ok"),
]


@pytest.mark.parametrize(("code", "bericht_spec", "expected"), JW301_NAAM_CASES)
def test_naamgebruik(code: str, bericht_spec: Spec, expected: list[str]) -> None:
    assert locations("JW301", bericht_spec, code) == expected


GEBOORTE_BERICHTEN = ("JW301", "JW305", "JW307", "JW315")

CS139_CASES = [
    *[
        pytest.param(b, geboren(b, date(2015, 3, 14), "1"), [GEBOORTE], id=f"CS139-{b}-dag-1")
        for b in GEBOORTE_BERICHTEN
    ],
    pytest.param("JW305", geboren("JW305", date(2015, 3, 1), "2"), [GEBOORTE], id="CS139-2-maand-niet-01"),
    pytest.param("JW305", geboren("JW305", date(2015, 1, 15), "2"), [GEBOORTE], id="CS139-2-dag-niet-01"),
    pytest.param("JW305", geboren("JW305", date(2015, 1, 1), "3"), [GEBOORTE], id="CS139-3-niet-1900"),
    pytest.param(
        "JW301", geboren("JW301", date(1985, 6, 30), "2", pad=RELATIE), [RELATIE_GEBOORTE], id="CS139-relatie"
    ),
    pytest.param(
        "JW301",
        jw301_twee_relaties(("Geboortedatum", geboortedatum(date(1985, 6, 30), "1"))),
        [RELATIE_GEBOORTE.replace("Relatie/", "Relatie[2]/")],
        id="CS139-tweede-relatie",
    ),
    pytest.param("JW305", geboren("JW305", date(2015, 3, 1), "1"), [], id="CS139-1-ok"),
    pytest.param("JW305", geboren("JW305", date(2015, 1, 1), "2"), [], id="CS139-2-ok"),
    pytest.param("JW305", geboren("JW305", date(1900, 1, 1), "3"), [], id="CS139-3-ok"),
    pytest.param("JW305", geboren("JW305", date(2015, 3, 14)), [], id="CS139-zonder-gebruik-ok"),
]


@pytest.mark.parametrize(("bericht", "bericht_spec", "expected"), CS139_CASES)
def test_cs139(bericht: str, bericht_spec: Spec, expected: list[str]) -> None:
    assert locations(bericht, bericht_spec, "CS139") == expected


# The default Dagtekening is 2026-11-02: exactly 120 years earlier is 1906-11-02.
TR002_CASES = [
    *[
        pytest.param(b, geboren(b, date(1906, 11, 1)), [GEBOORTE], id=f"TR002-{b}-een-dag-te-oud")
        for b in GEBOORTE_BERICHTEN
    ],
    pytest.param(
        "JW301", geboren("JW301", date(1901, 5, 1), pad=RELATIE), [RELATIE_GEBOORTE], id="TR002-relatie"
    ),
    pytest.param(
        "JW301",
        jw301_twee_relaties(("Geboortedatum", geboortedatum(date(1906, 11, 1)))),
        [RELATIE_GEBOORTE.replace("Relatie/", "Relatie[2]/")],
        id="TR002-tweede-relatie",
    ),
    pytest.param(
        "JW305", geboren("JW305", date(1900, 1, 1), "2"), [GEBOORTE], id="TR002-1900-zonder-gebruik-3"
    ),
    pytest.param(
        "JW305", geboren("JW305", date(1900, 1, 2), "3"), [GEBOORTE], id="TR002-gebruik-3-niet-1900-01-01"
    ),
    *[
        pytest.param(b, geboren(b, date(1906, 11, 2)), [], id=f"TR002-{b}-precies-120-ok")
        for b in GEBOORTE_BERICHTEN
    ],
    pytest.param("JW305", geboren("JW305", date(1900, 1, 1), "3"), [], id="TR002-onbekend-overgeslagen"),
    pytest.param(
        "JW301",
        edited(
            "JW301",
            ("Client/Geboortedatum", geboortedatum(date(1900, 1, 1), "3")),
            (f"{RELATIE}/Geboortedatum", geboortedatum(date(1901, 5, 1))),
        ),
        [RELATIE_GEBOORTE],
        id="TR002-relatie-na-onbekende-client",
    ),
    # The month counts too, not only the year and the day.
    pytest.param("JW305", geboren("JW305", date(1906, 12, 1)), [], id="TR002-maand-later-ok"),
    pytest.param("JW305", geboren("JW305", date(1906, 10, 31)), [GEBOORTE], id="TR002-maand-eerder"),
    pytest.param("JW301", spec("JW301"), [], id="TR002-default-ok"),
]


@pytest.mark.parametrize(("bericht", "bericht_spec", "expected"), TR002_CASES)
def test_tr002(bericht: str, bericht_spec: Spec, expected: list[str]) -> None:
    assert locations(bericht, bericht_spec, "TR002") == expected


# The finding text of each kind of break: what a report shows next to the location (never the Bsn itself).
TEXTS = [
    pytest.param(
        "CS002",
        "JW301",
        edited("JW301", ("Client/Bsn", FOUTE_BSN)),
        "Bsn does not pass the 11-proef.",
        id="CS002",
    ),
    pytest.param(
        "CS318",
        "JW301",
        naamgebruik("6"),
        "Client/Naam/NaamGebruik is 6 (niet-natuurlijk persoon).",
        id="CS318",
    ),
    pytest.param(
        "CS139",
        "JW305",
        geboren("JW305", date(2015, 3, 14), "1"),
        "DatumGebruik is 1 (day unknown) but the day of Datum is not 01.",
        id="CS139-1",
    ),
    pytest.param(
        "CS139",
        "JW305",
        geboren("JW305", date(2015, 3, 1), "2"),
        "DatumGebruik is 2 (day and month unknown) but Datum does not end in 01-01.",
        id="CS139-2",
    ),
    pytest.param(
        "CS139",
        "JW305",
        geboren("JW305", date(2015, 1, 1), "3"),
        "DatumGebruik is 3 (unknown) but Datum is not 1900-01-01.",
        id="CS139-3",
    ),
]


@pytest.mark.parametrize(("code", "bericht", "bericht_spec", "text"), TEXTS)
def test_finding_text(code: str, bericht: str, bericht_spec: Spec, text: str) -> None:
    assert [v.message for v in violations(bericht, bericht_spec, code)] == [text]
