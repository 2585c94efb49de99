"""Address and contact rules of a JW301 (rules.md 4.1), on messages that pass the XSD."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import hub.rules.contact  # noqa: F401  (registers the rules under test)
from hub.synth.berichten import adres, contact, spec, telefoon
from hub.synth.build import Spec
from tests.hub.rules.level2 import edited, locations, violations

C = "Client/Contactgegevens/Contact"
R = "Client/Relaties/Relatie/Contact"
LOC_C = "/Bericht/" + C
LOC_R = "/Bericht/" + R
CODES = ("CD005", "CD007", "CD009", "CD025", "CD034", "CS089", "TR006", "TR061")


def jw301(*edits: tuple[str, Any]) -> Spec:
    """The default JW301 with these (path, value) edits applied in order."""
    return edited("JW301", *edits)


def contacten(*items: Spec) -> Spec:
    """The default JW301 with the client's Contactgegevens replaced by these contacts."""
    return jw301((C, list(items)))


PERIODE = {"Begindatum": date(2026, 11, 1), "Einddatum": date(2026, 12, 31)}

BREAKS = [
    # CD005: each side reported on the filled element.
    pytest.param(
        "CD005",
        jw301((f"{C}/Adres/LandCode", None)),
        [f"{LOC_C}/Adres/Postcode"],
        id="CD005-postcode-zonder-landcode",
    ),
    pytest.param(
        "CD005",
        jw301((f"{C}/Adres/Postcode", None)),
        [f"{LOC_C}/Adres/LandCode"],
        id="CD005-landcode-zonder-postcode",
    ),
    pytest.param(
        "CD005", jw301((f"{R}/Adres", {"Postcode": "1000"})), [f"{LOC_R}/Adres/Postcode"], id="CD005-relatie"
    ),
    pytest.param(
        "CD005",
        contacten(
            contact("01", adres=adres()), contact("02", adres={"Huis": {"Huisnummer": 3}, "Postcode": "1000"})
        ),
        [f"{LOC_C}[2]/Adres/Postcode"],
        id="CD005-tweede-contact",
    ),
    # CD007
    pytest.param(
        "CD007",
        jw301(("Client/Communicatie", {"Vorm": "1"})),
        ["/Bericht/Client/Communicatie/Vorm"],
        id="CD007-tolk-zonder-taal",
    ),
    pytest.param(
        "CD007",
        jw301(("Client/Communicatie", {"Vorm": "2", "Taal": "Pools"})),
        ["/Bericht/Client/Communicatie/Vorm"],
        id="CD007-taal-bij-vorm-2",
    ),
    # CD009
    pytest.param(
        "CD009", jw301((f"{C}/Periode", PERIODE)), [f"{LOC_C}/Soort"], id="CD009-periode-bij-soort-01"
    ),
    pytest.param(
        "CD009", jw301((f"{R}/Periode", PERIODE)), [f"{LOC_R}/Soort"], id="CD009-periode-bij-relatie-soort-02"
    ),
    # "present": an empty Periode (both dates are optional) is a Periode too.
    pytest.param("CD009", jw301((f"{C}/Periode", {})), [f"{LOC_C}/Soort"], id="CD009-lege-periode"),
    # CD025
    pytest.param(
        "CD025", jw301((f"{C}/Adres/Huis", None)), [f"{LOC_C}/Adres/LandCode"], id="CD025-nl-zonder-huis"
    ),
    pytest.param(
        "CD025",
        jw301((f"{R}/Adres", {"Postcode": "7311AB", "LandCode": "NL"})),
        [f"{LOC_R}/Adres/LandCode"],
        id="CD025-relatie",
    ),
    # CD034
    pytest.param(
        "CD034",
        contacten(contact("03", telefoon=telefoon())),
        [f"{LOC_C}/Soort"],
        id="CD034-verblijfadres-zonder-postcode",
    ),
    pytest.param(
        "CD034", jw301((f"{R}/Soort", "01")), [f"{LOC_R}/Soort"], id="CD034-relatie-brp-zonder-postcode"
    ),
    pytest.param(
        "CD034",
        contacten(contact("02", adres=adres()), contact("03", telefoon=telefoon())),
        [f"{LOC_C}[2]/Soort"],
        id="CD034-tweede-contact",
    ),
    # CS089: exact format, no space, no leading zero; a missing Postcode is reported on LandCode.
    pytest.param(
        "CS089", jw301((f"{C}/Adres/Postcode", "7311 AB")), [f"{LOC_C}/Adres/Postcode"], id="CS089-spatie"
    ),
    pytest.param(
        "CS089", jw301((f"{C}/Adres/Postcode", "0311AB")), [f"{LOC_C}/Adres/Postcode"], id="CS089-voorloopnul"
    ),
    pytest.param(
        "CS089",
        jw301((f"{C}/Adres/Postcode", "73111A")),
        [f"{LOC_C}/Adres/Postcode"],
        id="CS089-cijfer-als-letter",
    ),
    pytest.param(
        "CS089", jw301((f"{C}/Adres/Postcode", "7311ABC")), [f"{LOC_C}/Adres/Postcode"], id="CS089-te-lang"
    ),
    pytest.param(
        "CS089",
        jw301((f"{C}/Adres/Postcode", None)),
        [f"{LOC_C}/Adres/LandCode"],
        id="CS089-nl-zonder-postcode",
    ),
    pytest.param(
        "CS089",
        contacten(contact("01", adres=adres()), contact("02", adres=adres(postcode="7311 AB"))),
        [f"{LOC_C}[2]/Adres/Postcode"],
        id="CS089-tweede-contact",
    ),
    # A foreign address earlier in the message (relations come first) does not end the check.
    pytest.param(
        "CS089",
        jw301((f"{R}/Adres", adres(postcode="1000", landcode="BE")), (f"{C}/Adres/Postcode", "7311 AB")),
        [f"{LOC_C}/Adres/Postcode"],
        id="CS089-na-buitenlandse-relatie",
    ),
    # TR006: two independent tests, so a contact with neither gives two findings.
    pytest.param("TR006", jw301((f"{C}/Adres/Huis", None)), [LOC_C], id="TR006-geen-telefoon-geen-huis"),
    pytest.param(
        "TR006", jw301((f"{C}/Adres/Postcode", None)), [LOC_C], id="TR006-geen-telefoon-geen-postcode"
    ),
    pytest.param("TR006", jw301((f"{R}/Telefoon", None)), [LOC_R, LOC_R], id="TR006-relatie-onbereikbaar"),
    pytest.param(
        "TR006",
        contacten(contact("01", adres=adres()), contact("02")),
        [f"{LOC_C}[2]", f"{LOC_C}[2]"],
        id="TR006-tweede-contact-onbereikbaar",
    ),
    # TR061
    pytest.param("TR061", jw301((f"{C}/Soort", "04")), [LOC_C], id="TR061-alleen-tijdelijk-adres"),
    pytest.param(
        "TR061",
        contacten(contact("04", adres=adres()), contact("04", telefoon=telefoon())),
        [f"{LOC_C}[1]"],
        id="TR061-twee-tijdelijke-adressen",
    ),
]

PASSES = [
    *[pytest.param(code, spec("JW301"), id=f"{code}-default") for code in CODES],
    pytest.param(
        "CD005", jw301((f"{C}/Adres", adres(postcode="1000", landcode="BE"))), id="CD005-buitenland"
    ),
    pytest.param("CD005", contacten(contact("02", telefoon=telefoon())), id="CD005-geen-adres"),
    pytest.param(
        "CD007", jw301(("Client/Communicatie", {"Vorm": "1", "Taal": "Pools"})), id="CD007-tolk-met-taal"
    ),
    pytest.param("CD007", jw301(("Client/Communicatie", {"Vorm": "3"})), id="CD007-vorm-3-zonder-taal"),
    pytest.param(
        "CD009",
        contacten(contact("01", adres=adres()), contact("04", adres=adres(), periode=PERIODE)),
        id="CD009-periode-bij-soort-04",
    ),
    pytest.param(
        "CD009",
        contacten(contact("01", adres=adres()), contact("04", periode={})),
        id="CD009-lege-periode-bij-04",
    ),
    pytest.param(
        "CD025",
        jw301((f"{C}/Adres", {"Postcode": "1000", "LandCode": "BE"})),
        id="CD025-buitenland-zonder-huis",
    ),
    pytest.param(
        "CD034", contacten(contact("02", telefoon=telefoon())), id="CD034-correspondentie-zonder-postcode"
    ),
    pytest.param(
        "CD034",
        contacten(contact("01", adres=adres()), contact("04", telefoon=telefoon())),
        id="CD034-tijdelijk-zonder-postcode",
    ),
    pytest.param("CS089", jw301((f"{C}/Adres/Postcode", "7311ab")), id="CS089-kleine-letters"),
    pytest.param("CS089", jw301((f"{C}/Adres/Postcode", "1000AA")), id="CS089-laagste"),
    pytest.param("CS089", jw301((f"{C}/Adres/Postcode", "9999ZZ")), id="CS089-hoogste"),
    pytest.param(
        "CS089", jw301((f"{C}/Adres", adres(postcode="1000 AB", landcode="BE"))), id="CS089-buitenland"
    ),
    pytest.param("TR006", contacten(contact("02", telefoon=telefoon())), id="TR006-alleen-telefoon"),
    pytest.param(
        "TR006",
        jw301((f"{C}/Telefoon", telefoon()), (f"{C}/Adres/Huis", None)),
        id="TR006-telefoon-zonder-huis",
    ),
    pytest.param(
        "TR006",
        contacten(contact("01", adres=adres()), contact("02", telefoon=telefoon())),
        id="TR006-twee-bereikbare-contacten",
    ),
    pytest.param(
        "TR061",
        contacten(contact("04", adres=adres()), contact("02", telefoon=telefoon())),
        id="TR061-correspondentie-naast-tijdelijk",
    ),
    pytest.param("TR061", contacten(contact("03", adres=adres())), id="TR061-verblijfadres"),
]


@pytest.mark.parametrize(("code", "bericht_spec", "expected"), BREAKS)
def test_rule_breaks(code: str, bericht_spec: Spec, expected: list[str]) -> None:
    assert locations("JW301", bericht_spec, code) == expected


@pytest.mark.parametrize(("code", "bericht_spec"), PASSES)
def test_rule_passes(code: str, bericht_spec: Spec) -> None:
    assert locations("JW301", bericht_spec, code) == []


def test_findings_are_level_2_with_retourcode_0001() -> None:
    found = violations("JW301", jw301((f"{C}/Adres/Postcode", "7311 AB")), "CS089")
    assert [(v.retourcode, int(v.level)) for v in found] == [("0001", 2)]
    assert "Postcode" in found[0].message
    assert "7311 AB" not in found[0].message  # an address is personal data


# The finding text of each kind of break: what a report shows next to the location.
TEXTS = {
    "CD005-postcode-zonder-landcode": "Adres/Postcode is filled but Adres/LandCode is empty.",
    "CD005-landcode-zonder-postcode": "Adres/LandCode is NL but Adres/Postcode is empty.",
    "CD007-tolk-zonder-taal": "Communicatie/Vorm is 1 (tolk taal) but Taal is empty.",
    "CD007-taal-bij-vorm-2": "Communicatie/Taal is filled but Vorm is 2, not 1.",
    "CD009-periode-bij-soort-01": "Contact has a Periode but its Soort is 01, not 04.",
    "CD025-nl-zonder-huis": "Adres/LandCode is NL but Huis/Huisnummer is empty.",
    "CD034-verblijfadres-zonder-postcode": "Contact/Soort is 03 but Adres/Postcode is empty.",
    "CS089-spatie": "Adres/LandCode is NL but Postcode is not in the form 1234AB (no space, no leading zero).",
    "CS089-nl-zonder-postcode": "Adres/LandCode is NL but Postcode is empty.",
    "TR006-geen-telefoon-geen-huis": "Contact has no Telefoon and no Adres/Huis.",
    "TR006-geen-telefoon-geen-postcode": "Contact has no Telefoon and no Adres/Postcode.",
    "TR061-alleen-tijdelijk-adres": "Client has no Contact with Soort 01, 02 or 03 (only 04).",
}
BREAK_BY_ID: dict[object, tuple[Any, ...]] = {p.id: tuple(p.values) for p in BREAKS}


@pytest.mark.parametrize(("break_id", "text"), TEXTS.items(), ids=TEXTS.keys())
def test_finding_text(break_id: str, text: str) -> None:
    code, bericht_spec, _ = BREAK_BY_ID[break_id]
    assert [v.message for v in violations("JW301", bericht_spec, code)] == [text]
