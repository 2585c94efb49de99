"""Findings quote a message's dates as the sender sent them (Doc.datum_tekst), also a far year.

XSD's xs:date admits years beyond 9999 and before 1; hub.ijw.doc.xsd_date reads them as date.max and date.min,
which print as 9999-12-31 and 0001-01-01. Each case sends one far date to a rule that reports it and checks
that every finding of that rule names the date as sent and none of those stand-ins (nor a date the rule
computed from one). Dates remembered from earlier messages are quoted as stored (no text is kept for them).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pytest

import hub.gi.rules  # registers the GI rules
import hub.rules.all  # registers the level-2 and level-4 rules
import hub.rules.stateful  # noqa: F401  (registers the stateful rules)
from hub.gi.build import to_xml as gi_xml
from hub.gi.state import GiSnapshot, MaatregelState
from hub.gi.synth import GI_AGB, MAATREGEL_ID
from hub.gi.synth import spec as gi_spec
from hub.ijw.doc import Doc
from hub.reference.contract import Bereik
from hub.reference.producten import Productcodes
from hub.rules.registry import Context, Level, Violation, iter_violations
from hub.state.snapshot import StartRegel, StopRegel
from hub.synth.berichten import SPECIFIEK
from hub.synth.berichten import spec as ijw_spec
from hub.synth.build import Spec, edit
from hub.synth.build import to_xml as ijw_xml
from hub.validate import Validator
from tests.hub.rules.stateful.level3 import CLIENT, INGANG, pseudonym, snapshot, toewijzing

TODAY = date(2026, 11, 23)  # the receiver's date; every default message has Dagtekening 2026-11-02
VALIDATOR = Validator(clock=lambda: TODAY)
LATER = "12026-01-01"  # a typo for 2026-01-01: date.max to the rules
LATER_15 = "12026-01-15"  # the same, on a day that is no month's first
EARLIER = "-0044-03-15"  # a year before 1: date.min to the rules
STAND_INS = ("9999-12-31", "0001-01-01")  # how date.max and date.min print

PRESTATIE = "Declaratie/Clienten/Client/Prestaties/Prestatie[1]"
PERIODE = "Declaratie/DeclaratiePeriode"
TOEGEWEZEN = "Client/ToegewezenProducten/ToegewezenProduct[1]"
START = "Client/StartProducten/StartProduct[1]"
STOP = "Client/StopProducten/StopProduct[1]"
TE_WIJZIGEN = "Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct[1]"
BEPALING = "Client/Bepalingen/Bepaling[1]"
MAATREGEL = "Client/Maatregelen/Maatregel[1]"
NR, CAT, CODE = SPECIFIEK
OKT_EIND = date(2026, 10, 31)
# JW301's product pair is in the list, but only for another gemeente: TR381 names the product's date.
ELDERS = Productcodes({(CAT, CODE): (Bereik(gemeente="0202"),)}, {})


@dataclass(frozen=True)
class Geval:
    """A message with one date set to `sent`, and the rule `code` that reports it."""

    code: str
    bericht: str
    edits: tuple[tuple[str, Any], ...]
    sent: str
    level: Level = Level.XSLT
    context: dict[str, Any] = field(default_factory=dict)  # the Context's state and reference data
    never: tuple[str, ...] = ()  # a date the rule computed from the far one, besides the stand-ins

    @property
    def gi(self) -> bool:
        return self.bericht.startswith("GI")

    def xml(self) -> bytes:
        s: Spec = gi_spec(self.bericht) if self.gi else ijw_spec(self.bericht)
        for path, value in self.edits:
            s = edit(s, path, value)
        return (gi_xml if self.gi else ijw_xml)(self.bericht, s)


def geval(code: str, bericht: str, *edits: tuple[str, Any], sent: str, **kwargs: Any) -> Any:
    return pytest.param(Geval(code, bericht, edits, sent, **kwargs), id=f"{code}-{bericht}-{edits[0][0]}")


def stateful(state: object, **kwargs: Any) -> dict[str, Any]:
    return {"level": Level.STATEFUL, "context": {"state": state}, **kwargs}


def maatregel_bekend(**dates: date) -> GiSnapshot:
    """What earlier GI002s told of the default maatregel: these dates."""
    known = MaatregelState(gi=GI_AGB, maatregel_id=MAATREGEL_ID, client=CLIENT, maatregel_type="02", **dates)
    return GiSnapshot(pseudonym=pseudonym, maatregelen={MAATREGEL_ID: known})


def start_regel(begin: date) -> StartRegel:
    return StartRegel(NR, CAT, CODE, begin, INGANG)


def stop_regel(eind: date, reden: str) -> StopRegel:
    return StopRegel(NR, CAT, CODE, INGANG, eind, reden, INGANG)


GEVALLEN = [
    # --- Level 2: the message on its own -------------------------------------------------------------------
    geval("CS100", "JW323", (f"{PERIODE}/Begindatum", EARLIER), sent=EARLIER),
    geval("CS340", "JW323", (f"{PERIODE}/Begindatum", LATER_15), sent=LATER_15),
    geval("CS337", "JW323", (f"{PRESTATIE}/ProductPeriode/Begindatum", EARLIER), sent=EARLIER),
    geval("TR137", "JW323", (f"{PRESTATIE}/ProductPeriode/Einddatum", LATER), sent=LATER),
    geval("TR319", "JW323", (f"{PRESTATIE}/ProductPeriode/Einddatum", LATER), sent=LATER),
    geval("TR319", "JW323", (f"{PERIODE}/Einddatum", EARLIER), sent=EARLIER),
    geval("TR335", "JW323", (f"{PRESTATIE}/ProductPeriode/Einddatum", EARLIER), sent=EARLIER),
    # 60 months before date.max is 9994-12-31, no date the sender meant.
    geval("TR335", "JW323", ("Declaratie/DeclaratieDagtekening", LATER), sent=LATER, never=("9994-12-31",)),
    geval(
        "CS335",
        "JW301",
        (f"{TOEGEWEZEN}/Einddatum", LATER),
        (f"{TOEGEWEZEN}/RedenWijziging", "13"),
        sent=LATER,
    ),
    geval(
        "CS335",
        "JW301",
        (f"{TOEGEWEZEN}/Ingangsdatum", EARLIER),
        (f"{TOEGEWEZEN}/RedenWijziging", "13"),
        sent=EARLIER,
    ),
    geval("CS003", "JW301", (f"{TOEGEWEZEN}/Ingangsdatum", LATER), sent=LATER),
    geval("TR018", "JW307", (f"{STOP}/Begindatum", LATER), sent=LATER),
    geval("TR134", "JW305", (f"{START}/Begindatum", LATER), sent=LATER),
    geval(
        "TR380",
        "JW317",
        ("Client/Verzoek/NieuweProducten/NieuwProduct[1]/GewensteIngangsdatum", EARLIER),
        sent=EARLIER,
    ),
    geval("GB012", "GI001", (f"{BEPALING}/DatumBepaling", LATER), sent=LATER),
    geval("GB013", "GI001", (f"{BEPALING}/DatumBepaling", EARLIER), sent=EARLIER),
    geval("GB014", "GI001", (f"{BEPALING}/GewensteIngangsdatum", EARLIER), sent=EARLIER),
    geval("GB014", "GI001", (f"{BEPALING}/DatumBepaling", LATER), sent=LATER),
    geval("GB021", "GI002", (f"{MAATREGEL}/DatumVasteJeugdbeschermer", EARLIER), sent=EARLIER),
    geval(
        "GB032",
        "GI003",
        ("Capaciteiten/Capaciteit[1]/Peildatum", EARLIER),
        (
            "Capaciteiten/Capaciteit[2]",
            {**gi_spec("GI003")["Capaciteiten"]["Capaciteit"][0], "Peildatum": EARLIER},
        ),
        sent=EARLIER,
    ),
    # --- Level 4: the product code list --------------------------------------------------------------------
    geval(
        "TR381",
        "JW301",
        (f"{TOEGEWEZEN}/Ingangsdatum", LATER),
        sent=LATER,
        level=Level.EXTERNAL,
        context={"productcodes": ELDERS},
    ),
    # --- Level 3: against what earlier messages left ------------------------------------------------------
    geval(
        "TR318",
        "JW323",
        (f"{PERIODE}/Begindatum", EARLIER),
        sent=EARLIER,
        **stateful(snapshot(laatste_declaratieperiode=INGANG)),
    ),
    geval(
        "TR307",
        "JW323",
        (f"{PRESTATIE}/ProductPeriode/Begindatum", EARLIER),
        sent=EARLIER,
        **stateful(snapshot()),
    ),
    geval(
        "TR308", "JW323", (f"{PRESTATIE}/ProductPeriode/Einddatum", LATER), sent=LATER, **stateful(snapshot())
    ),
    # The first of date.max's month is 9999-12-01; the last day of date.min's month 0001-01-31.
    geval(
        "TR387",
        "JW323",
        (f"{PRESTATIE}/ProductPeriode/Begindatum", LATER_15),
        sent=LATER_15,
        **stateful(snapshot(), never=("9999-12-01",)),
    ),
    geval(
        "TR388",
        "JW323",
        (f"{PRESTATIE}/ProductPeriode/Einddatum", EARLIER),
        sent=EARLIER,
        **stateful(snapshot(), never=("0001-01-31",)),
    ),
    geval(
        "TR357",
        "JW317",
        (f"{TE_WIJZIGEN}/GewensteIngangsdatum", EARLIER),
        sent=EARLIER,
        **stateful(snapshot()),
    ),
    geval(
        "TR373",
        "JW317",
        (f"{TE_WIJZIGEN}/GewensteIngangsdatum", LATER),
        (f"{TE_WIJZIGEN}/Omvang/Volume", 50),
        (f"{TE_WIJZIGEN}/Omvang/Frequentie", "6"),
        sent=LATER,
        **stateful(snapshot(toewijzingen=(toewijzing(volume=40, frequentie="6"),))),
    ),
    geval("TR069", "JW307", (f"{STOP}/Begindatum", LATER), sent=LATER, **stateful(snapshot())),
    geval(
        "TR063",
        "JW307",
        (f"{STOP}/Einddatum", LATER),
        (f"{STOP}/StatusAanlevering", "3"),
        sent=LATER,
        **stateful(snapshot(starts=(start_regel(INGANG),))),
    ),
    geval(
        "TR074",
        "JW305",
        (f"{START}/Begindatum", LATER),
        sent=LATER,
        **stateful(snapshot(starts=(start_regel(date.max),))),
    ),
    geval(
        "TR414",
        "JW307",
        (f"{STOP}/Einddatum", EARLIER),
        sent=EARLIER,
        **stateful(snapshot(starts=(start_regel(INGANG),), stops=(stop_regel(OKT_EIND, "20"),))),
    ),
    geval(
        "TR337",
        "JW325",
        ("Header/DeclaratieIdentificatie/Dagtekening", LATER),
        sent=LATER,
        **stateful(snapshot()),
    ),
    geval(
        "GB105",
        "GI002",
        (f"{MAATREGEL}/DatumVasteJeugdbeschermer", EARLIER),
        (f"{MAATREGEL}/DatumUitspraak", None),
        sent=EARLIER,
        **stateful(maatregel_bekend(datum_uitspraak=date(2026, 10, 5))),
    ),
    geval(
        "GB105",
        "GI002",
        (f"{MAATREGEL}/DatumUitspraak", LATER),
        (f"{MAATREGEL}/DatumGedragenKoers", None),
        sent=LATER,
        **stateful(maatregel_bekend(datum_gedragen_koers=date(2026, 10, 26))),
    ),
]


def doc_of(xml: bytes) -> Doc:
    """The message as a Doc; it must pass the XSD (a far year is a valid xs:date)."""
    verdict = VALIDATOR.validate(xml)
    assert verdict.doc is not None and verdict.level is not Level.XSD, verdict.errors
    return verdict.doc


def findings(g: Geval) -> list[Violation]:
    ctx = Context(today=TODAY, gemeenten=VALIDATOR.gemeenten, **g.context)
    return [v for v in iter_violations(doc_of(g.xml()), ctx, (g.level,)) if v.rule == g.code]


@pytest.mark.parametrize("g", GEVALLEN)
def test_a_finding_quotes_a_far_date_as_sent(g: Geval) -> None:
    found = findings(g)
    assert found, f"{g.code} does not report the far date"
    for v in found:
        assert g.sent in v.message, v.message
        for stand_in in (*STAND_INS, *g.never):
            assert stand_in not in v.message, v.message


def test_tr335_names_its_limit_unless_a_far_declaratiedagtekening_makes_it_no_date() -> None:
    """Within date's range a date as sent is the date's isoformat, so usual messages read as they did."""
    g = Geval("TR335", "JW323", (("Declaratie/DeclaratieDagtekening", date(2032, 11, 2)),), "2032-11-02")
    assert findings(g)[0].message.endswith(
        "ProductPeriode Einddatum 2026-10-31 is before 2027-11-02 (60 months back)."
    )
    g = replace(g, edits=(("Declaratie/DeclaratieDagtekening", LATER),), sent=LATER)
    assert findings(g)[0].message.endswith(
        "ProductPeriode Einddatum 2026-10-31 is more than 60 months before DeclaratieDagtekening 12026-01-01."
    )


def test_a_far_date_on_a_months_first_day_is_on_the_first() -> None:
    """CS340 (a) reads the day as sent: 12026-01-01 is a 1st (as date.max it would read as the 31st)."""
    for begin, expected in ((LATER, 0), (LATER_15, 1)):
        g = Geval("CS340", "JW323", ((f"{PERIODE}/Begindatum", begin),), begin)
        eerste = [v for v in findings(g) if "is not the 1st of a month" in v.message]
        assert len(eerste) == expected, begin


@pytest.mark.parametrize(
    ("begin", "eind", "expected"),
    [
        (
            LATER,
            "12026-01-31",
            [],
        ),  # one month of a far year: both read as 9999-12-31, yet they are one month
        (LATER, "12026-02-28", ["months"]),
        (LATER, "12027-01-31", ["years"]),  # equal as dates (date.max), two years as sent
        (EARLIER, "-0044-03-31", []),
        ("2026-10-01", "2026-11-30", ["months"]),
        ("2026-12-01", "2027-01-31", ["years", "months"]),
    ],
)
def test_cs337_judges_year_and_month_as_sent(begin: str, eind: str, expected: list[str]) -> None:
    g = Geval(
        "CS337",
        "JW323",
        ((f"{PRESTATIE}/ProductPeriode/Begindatum", begin), (f"{PRESTATIE}/ProductPeriode/Einddatum", eind)),
        begin,
    )
    assert [v.message.rsplit(" ", 1)[-1].rstrip(".") for v in findings(g)] == expected
