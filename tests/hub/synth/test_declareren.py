"""The simulated declaraties: a JW323 per aanbieder and gemeente each month, answered by the gemeente's JW325."""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

from lxml import etree
from sqlalchemy import Engine
from sqlmodel import select

from hub.ijw.catalog import BY_NS
from hub.reference.producten import Productcodes
from hub.reference.tarieven import Tarieven
from hub.rules.registry import REGISTRY, Level
from hub.store.db import session_factory
from hub.store.tables import PrestatieRecord
from hub.synth.declareren import RETOURCODE_TE_VEEL, productcodes, tarieven
from hub.synth.maanden import maand_begin, maand_einde, vorige_maand
from hub.synth.simulate import ACCEPTED, REJECTED, SimBericht, SimConfig, Simulator, schrijf
from hub.synth.wereld import Wereld, plus_werkdagen
from hub.validate import Validator
from tests.hub.intake_helpers import new_intake

TOT = date(2026, 11, 20)
CONFIG = SimConfig(
    seed=10, regios=("Arnhem", "Achterhoek"), aanbieders=5, clienten=60, tot=TOT, error_rate=0.1
)
DECLARATIEBERICHTEN = ("JW323", "JW325")
GI_NS = "https://ijw-hub.nl/gi/1.0/gi001/schema"


@cache
def stroom() -> tuple[SimBericht, ...]:
    return tuple(Simulator(CONFIG).run())


@cache
def wereld() -> Wereld:
    return Simulator(CONFIG).wereld


def geldig(bericht: str) -> list[SimBericht]:
    return [b for b in stroom() if b.bericht == bericht and b.expected == ACCEPTED]


def root(b: SimBericht) -> etree._Element:
    return etree.fromstring(b.xml)


def element(el: etree._Element, path: str) -> etree._Element:
    found = el.find(path)
    assert found is not None, path
    return found


def tekst(el: etree._Element, path: str) -> str:
    found = el.find(path)
    assert found is not None and found.text is not None, path
    return found.text


def datum(el: etree._Element, path: str) -> date:
    return date.fromisoformat(tekst(el, path))


def bedrag(el: etree._Element, path: str) -> int:
    """A (Totaal)BedragMetDC as a signed amount."""
    amount = el.find(path)
    assert amount is not None, path
    waarde = amount.findtext("{*}TotaalBedrag") or amount.findtext("{*}Bedrag")
    assert waarde is not None, path
    return -int(waarde) if amount.findtext("{*}DebetCredit") == "C" else int(waarde)


def bladeren(el: etree._Element, pad: str = "") -> dict[str, str]:
    """The text of every element without children below `el`, by its path of local names."""
    uit: dict[str, str] = {}
    for kind in el:
        naam = f"{pad}/{etree.QName(kind).localname}"
        uit |= bladeren(kind, naam) if len(kind) else {naam: kind.text or ""}
    return uit


def identificatie(el: etree._Element, path: str) -> tuple[str, date]:
    return tekst(el, f"{path}/{{*}}Identificatie"), datum(el, f"{path}/{{*}}Dagtekening")


def prestaties(b: SimBericht) -> list[etree._Element]:
    return list(root(b).iterfind(".//{*}Prestatie"))


def referentie(p: etree._Element) -> str:
    return tekst(p, "{*}ProductReferentie/{*}ReferentieNummer")


def retourcodes(b: SimBericht) -> list[str]:
    return [el.text or "" for el in root(b).iterfind(".//{*}Prestatie/{*}RetourCodes/{*}RetourCode")]


# ---- what the stream holds ----------------------------------------------------------------------------


def test_aanbieders_declare_monthly_and_gemeenten_answer_mostly_granting() -> None:
    jw323, jw325 = geldig("JW323"), geldig("JW325")
    assert len(jw323) > 50 and len(jw325) > 50
    antwoorden = Counter(tekst(root(b), "{*}DeclaratieAntwoord/{*}RetourCodes/{*}RetourCode") for b in jw325)
    assert antwoorden["0200"] >= 2 and antwoorden["8001"] > 10 * antwoorden["0200"]  # a small share rejected
    assert set(antwoorden) == {"8001", "0200"}
    assert {c for b in jw325 for c in retourcodes(b)} == {RETOURCODE_TE_VEEL}
    credits = [
        p for b in jw323 for p in prestaties(b) if tekst(p, "{*}IngediendBedrag/{*}DebetCredit") == "C"
    ]
    assert credits
    assert {tekst(p, "{*}Eenheid") for b in jw323 for p in prestaties(b)} >= {"04", "14", "16", "83"}
    assert max(len(root(b).findall(".//{*}Client")) for b in jw323) > 1  # one declaratie for several clients
    per_paar_maand = Counter((b.afzender, b.ontvanger, maand_begin(b.dagtekening)) for b in jw323)
    assert max(per_paar_maand.values()) == 1  # once a month per aanbieder and gemeente


def test_a_jw323_declares_the_month_before_at_the_tariff_of_its_product_code() -> None:
    contract = tarieven(wereld())
    for b in geldig("JW323"):
        d = root(b).find("{*}Declaratie")
        assert d is not None
        periode = datum(d, "{*}DeclaratiePeriode/{*}Begindatum")
        assert periode == vorige_maand(b.dagtekening), b.bestandsnaam
        assert datum(d, "{*}DeclaratiePeriode/{*}Einddatum") == maand_einde(periode)
        totaal = 0
        for p in prestaties(b):
            begin, eind = (
                datum(p, "{*}ProductPeriode/{*}Begindatum"),
                datum(p, "{*}ProductPeriode/{*}Einddatum"),
            )
            assert maand_begin(begin) == maand_begin(eind) and eind <= maand_einde(periode)
            volume, code = int(tekst(p, "{*}GeleverdVolume")), tekst(p, "{*}ProductCode")
            ingediend = bedrag(p, "{*}IngediendBedrag")
            if tekst(p, "{*}Eenheid") == "83":
                assert abs(ingediend) == volume and p.find("{*}ProductTarief") is None
            else:
                assert int(tekst(p, "{*}ProductTarief")) == contract[code], (b.bestandsnaam, code)
                assert abs(ingediend) == volume * contract[code]  # TR346
            totaal += ingediend
        assert bedrag(d, "{*}TotaalIngediendBedrag") == totaal


def test_every_jw325_answers_a_jw323_sent_earlier_within_10_working_days() -> None:
    eerder: dict[tuple[str, str, str, date], tuple[int, SimBericht]] = {}
    beantwoord: Counter[tuple[str, str, str, date]] = Counter()
    for i, b in enumerate(stroom()):
        if b.bericht == "JW323" and b.expected == ACCEPTED:
            eerder[
                (b.afzender, b.ontvanger, *identificatie(root(b), "{*}Header/{*}BerichtIdentificatie"))
            ] = (i, b)
        elif b.bericht == "JW325" and b.expected == ACCEPTED:
            sleutel = (
                b.ontvanger,
                b.afzender,
                *identificatie(root(b), "{*}Header/{*}DeclaratieIdentificatie"),
            )
            assert sleutel in eerder, b.bestandsnaam
            j, jw323 = eerder[sleutel]
            assert j < i and b.dagtekening <= plus_werkdagen(jw323.dagtekening, 10)  # OP090x4
            beantwoord[sleutel] += 1
            assert_antwoord_herhaalt(jw323, b)
    assert max(beantwoord.values()) == 1
    verwacht = {k for k, (_, b) in eerder.items() if plus_werkdagen(b.dagtekening, 10) <= TOT}
    assert verwacht and verwacht <= set(beantwoord)


def assert_antwoord_herhaalt(jw323: SimBericht, jw325: SimBericht) -> None:
    """The JW325 names the JW323's number, total and XSD version, and returns its lines unchanged (TR367)."""
    vraag, antwoord = root(jw323), root(jw325)
    nummer = tekst(vraag, "{*}Declaratie/{*}DeclaratieNummer")
    assert tekst(antwoord, "{*}DeclaratieAntwoord/{*}DeclaratieNummer") == nummer
    totaal = bedrag(vraag, "{*}Declaratie/{*}TotaalIngediendBedrag")
    assert bedrag(antwoord, "{*}DeclaratieAntwoord/{*}TotaalIngediendBedrag") == totaal
    assert bladeren(element(antwoord, "{*}Header/{*}XsdVersieDeclaratie")) == bladeren(
        element(vraag, "{*}Header/{*}XsdVersie")
    )
    gedeclareerd = {referentie(p): bladeren(p) for p in prestaties(jw323)}
    for p in prestaties(jw325):
        velden = bladeren(p)
        assert velden.pop("/RetourCodes/RetourCode") == RETOURCODE_TE_VEEL
        assert gedeclareerd[referentie(p)] == velden


def test_a_returned_line_is_declared_again_corrected_and_granted() -> None:
    teruggestuurd = {(b.ontvanger, referentie(p)) for b in geldig("JW325") for p in prestaties(b)}
    lijnen = {(b.afzender, referentie(p)): (b, p) for b in geldig("JW323") for p in prestaties(b)}
    opnieuw = 0
    for sleutel in teruggestuurd:
        b, p = lijnen[sleutel]
        zelfde = (tekst(p, "{*}ToewijzingNummer"), tekst(p, "{*}ProductPeriode/{*}Begindatum"))
        later = [
            q
            for c in geldig("JW323")
            if c.afzender == b.afzender and c.ontvanger == b.ontvanger and c.dagtekening > b.dagtekening
            for q in prestaties(c)
            if (tekst(q, "{*}ToewijzingNummer"), tekst(q, "{*}ProductPeriode/{*}Begindatum")) == zelfde
        ]
        if later:
            assert int(tekst(later[0], "{*}GeleverdVolume")) < int(tekst(p, "{*}GeleverdVolume"))
            assert referentie(later[0]) != referentie(p)
            assert (b.afzender, referentie(later[0])) not in teruggestuurd  # granted this time
            opnieuw += 1
    assert opnieuw >= 2


# ---- the hub's verdict ----------------------------------------------------------------------------------


def gi_in_pipeline() -> bool:
    return GI_NS in BY_NS


def test_the_intake_accepts_the_declaraties_and_rejects_each_deliberate_error_on_its_rule(db: Engine) -> None:
    intake = new_intake(db, TOT)
    mismatches: list[tuple[str, str, str | None, str, list[str]]] = []
    afgekeurd: Counter[str] = Counter()
    for b in stroom():
        if b.bericht.startswith("GI") and not gi_in_pipeline():
            continue
        result = intake.verwerk(b.xml)
        rules = {v.rule for v in result.errors}
        # An accepted JW323 may have rejected lines (hub.oordeel): the simulated ones have none.
        wrong = result.outcome != b.expected or (b.expected == ACCEPTED and rules)
        if wrong or (b.rule is not None and b.rule not in rules):
            mismatches.append((b.bestandsnaam, b.expected, b.rule, result.outcome, sorted(rules)))
        if b.bericht in DECLARATIEBERICHTEN and b.expected == REJECTED:
            afgekeurd[f"{b.bericht} {b.rule}"] += 1
    assert mismatches == []
    assert len([k for k in afgekeurd if k.startswith("JW323")]) >= 4, afgekeurd
    assert len([k for k in afgekeurd if k.startswith("JW325")]) >= 4, afgekeurd
    # The store holds every declared line with the gemeente's answer: granted, returned, or not answered yet.
    with session_factory(db)() as session:
        opgeslagen = Counter(
            ((p.aanbieder, p.referentie_nummer), p.toegekend) for p in session.exec(select(PrestatieRecord))
        )
    verwacht = Counter(verwachte_uitkomsten().items())
    # A copy rejected within its Declaratie (levels 3 and 4, not TR056 on the Header) was sent all the same: the
    # hub keeps its lines as returned (hub.oordeel, vastleggen), beside the valid lines with the same reference.
    for b in stroom():
        if b.bericht == "JW323" and b.expected == REJECTED and b.rule not in (None, "TR056"):
            assert b.rule is not None
            if REGISTRY[b.rule].level >= Level.STATEFUL:
                verwacht.update(((b.afzender, referentie(p)), False) for p in prestaties(b))
    assert opgeslagen == verwacht
    assert {True, False} <= {toegekend for _, toegekend in opgeslagen}


def verwachte_uitkomsten() -> dict[tuple[str, str], bool | None]:
    """Per valid declared line (aanbieder, ReferentieNummer): what the JW325s in the stream said of it."""
    uitkomst: dict[tuple[str, str], bool | None] = {}
    per_identificatie: dict[tuple[str, str, date], list[str]] = {}
    for b in geldig("JW323"):
        refs = [referentie(p) for p in prestaties(b)]
        per_identificatie[(b.afzender, *identificatie(root(b), "{*}Header/{*}BerichtIdentificatie"))] = refs
        uitkomst |= {(b.afzender, ref): None for ref in refs}
    for b in geldig("JW325"):
        refs = per_identificatie[
            (b.ontvanger, *identificatie(root(b), "{*}Header/{*}DeclaratieIdentificatie"))
        ]
        terug = {referentie(p) for p in prestaties(b)}
        uitkomst |= {(b.ontvanger, ref): ref not in terug for ref in refs}
    return uitkomst


def test_the_declaraties_pass_tr381_and_tr418_with_the_simulations_codes_and_tariffs(tmp_path: Path) -> None:
    validator = Validator(
        clock=lambda: TOT,
        productcodes=Productcodes.landelijk(productcodes(wereld())),
        tarieven=Tarieven.per_code(tarieven(wereld())),
    )
    for b in stroom():
        if b.expected == ACCEPTED and not b.bericht.startswith("GI"):
            verdict = validator.validate(b.xml)
            assert verdict.accepted, (b.bestandsnaam, [(v.rule, v.message) for v in verdict.errors])
    data = schrijf(Simulator(CONFIG), tmp_path)
    assert data["tarieven"] == tarieven(wereld())
    assert [(c["categorie"], c["code"]) for c in data["productcodes"]] == productcodes(wereld())


def test_wrong_tariffs_are_caught_so_the_check_above_can_fail() -> None:
    anders = {code: t + 1 for code, t in tarieven(wereld()).items()}
    validator = Validator(clock=lambda: TOT, tarieven=Tarieven.per_code(anders))
    b = geldig("JW323")[0]
    assert "TR418" in {v.rule for v in validator.validate(b.xml).errors}


def test_level_2_errors_in_declaraties_are_rejected_by_the_validator_alone() -> None:
    validator = Validator(clock=lambda: TOT)
    fout = [b for b in stroom() if b.bericht in DECLARATIEBERICHTEN and b.rule in {"CS002", "TR358", "TR342"}]
    assert len({b.rule for b in fout}) >= 2
    for b in fout:
        assert b.rule in {v.rule for v in validator.validate(b.xml).errors}, b.bestandsnaam


def test_only_toewijzingen_whose_start_was_reported_are_declared_from_the_month_of_that_start() -> None:
    start: dict[tuple[str, str], date] = {}  # (gemeente, ToewijzingNummer) -> Begindatum of the first start
    regels = 0
    for b in stroom():
        if b.expected != ACCEPTED:
            continue
        if b.bericht == "JW305":
            for sp in root(b).iterfind(".//{*}StartProduct"):
                start.setdefault((b.ontvanger, tekst(sp, "{*}ToewijzingNummer")), datum(sp, "{*}Begindatum"))
        elif b.bericht == "JW323":
            for p in prestaties(b):
                begonnen = start[(b.ontvanger, tekst(p, "{*}ToewijzingNummer"))]
                assert maand_begin(datum(p, "{*}ProductPeriode/{*}Begindatum")) >= maand_begin(begonnen)
                regels += 1
    assert regels > 100
