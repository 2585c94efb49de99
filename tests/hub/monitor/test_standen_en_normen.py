"""Cross-check: the stands of a day and the norm counter agree on that day (docs/definities.md 3.5, 3.6, 4.2).

Both stands promise what the norm counter will say: a request (JW315 product) or maatregel in the stand on day D
whose answer or date then comes dated D counts `buiten` exactly when it is in the boven-norm part, else `binnen`.
Simulated traffic (hub/synth, with GI) runs through the intake and the processors up to D, as a live hub takes it;
then every request in the stand gets a JW319 "in onderzoek" and every waiting maatregel a GI002 with the dates it
lacks, all dated D. The counter's increase per norm, uitkomst and regio must be what the stands said, and the stands
must be empty after.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from lxml import etree
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine
from sqlmodel import select

from hub.monitor import contract
from hub.monitor.norms import ANTWOORD_VERZOEK, GEDRAGEN_KOERS, JEUGDBESCHERMER
from hub.store import facts
from hub.store.gi_tables import GiMaatregelRecord
from hub.store.tables import VerzoekRecord
from hub.synth import berichten as b
from hub.synth.build import edit, to_xml
from hub.synth.simulate import SimConfig, Simulator
from tests.hub.gi_pipeline.helpers import Pipeline
from tests.hub.monitor.helpers import REGIOS

TOT = date(2026, 11, 20)
SIMULATION = SimConfig(
    regios=("Arnhem", "Achterhoek"),
    aanbieders=5,
    clienten=120,
    start=date(2026, 2, 1),
    tot=TOT,
    error_rate=0.05,
)
# Days around Koningsdag (Monday 27 April 2026) on which this traffic leaves requests and maatregelen waiting,
# within their term and past it: on 28 April a maatregel past the 6 weeks, on 6 May a request and two maatregelen
# past the 5 working days.
DAGEN = [date(2026, 4, 28), date(2026, 5, 6)]
# The maatregel's date column per norm, in the order of the GI002's Maatregel (hub.gi.synth.maatregel).
DATUMS = {JEUGDBESCHERMER: "DatumVasteJeugdbeschermer", GEDRAGEN_KOERS: "DatumGedragenKoers"}
KOLOM = {JEUGDBESCHERMER: "datum_vaste_jeugdbeschermer", GEDRAGEN_KOERS: "datum_gedragen_koers"}

Samples = Counter[tuple[str, ...]]
V = VerzoekRecord.__table__  # type: ignore[attr-defined]  # SQLModel declares no __table__


def samples(reg: CollectorRegistry, name: str, labels: tuple[str, ...]) -> Samples:
    """The family's samples by the values of `labels` (summed over the others)."""
    found: Samples = Counter()
    for metric in reg.collect():
        for s in metric.samples:
            if s.name == name:
                found[tuple(s.labels[label] for label in labels)] += int(s.value)
    return found


def normen(reg: CollectorRegistry) -> Samples:
    return samples(reg, "jeugdhulp_norm_total", ("norm", "uitkomst", "regio"))


def verzoeken_in_de_stand(p: Pipeline, dag: date) -> list[tuple[str, str, str, date]]:
    """(gemeente, aanbieder, ReferentieAanbieder, Dagtekening) of the JW315 products without the norm's answer."""
    with p.session() as s:
        rows = s.execute(V.select().where(V.c.soort == "VOT", V.c.dagtekening <= dag)).all()
        return [
            (v.gemeente, v.aanbieder, v.referentie_aanbieder, v.dagtekening)
            for v in rows
            if (antwoord := facts.eerste_antwoord(
                s, v.gemeente, v.aanbieder, v.referentie_aanbieder,
                facts.toegewezen(s, v.gemeente, v.aanbieder, v.referentie_aanbieder),
            )) is None or antwoord > dag
        ]  # fmt: skip


def wachtende_maatregelen(p: Pipeline, dag: date) -> dict[tuple[str, str], list[str]]:
    """Per (GI, MaatregelId) in force as of dag with its uitspraak known: the norms whose date is not."""
    with p.session() as s:
        found = {}
        for m in s.exec(select(GiMaatregelRecord)):
            if m.datum_uitspraak is None or m.datum_uitspraak > dag:
                continue
            if m.einddatum is not None and m.einddatum < dag:
                continue
            open_ = [n for n, k in KOLOM.items() if getattr(m, k) is None or getattr(m, k) > dag]
            if open_:
                found[(m.gi, m.maatregel_id)] = open_
        return found


def jw319(gemeente: str, aanbieder: str, ref: str, dag: date, n: int) -> bytes:
    s = b.spec("JW319", dagtekening=dag, identificatie=f"XC{n}", gemeente=gemeente, aanbieder=aanbieder)
    return to_xml("JW319", edit(s, "Antwoord", b.antwoord(ref, verzoek_antwoord="2", reden_afwijzing=None)))


def gi002(laatste: bytes, maatregel_id: str, open_: list[str], dag: date, n: int) -> bytes:
    """The GI's latest accepted GI002 about the maatregel, for it alone, dated dag and bringing the open dates."""
    root = etree.fromstring(laatste)
    for naam, waarde in (("Identificatie", f"XC{n}"), ("Dagtekening", dag.isoformat())):
        el = root.find(f"{{*}}Header/{{*}}BerichtIdentificatie/{{*}}{naam}")
        assert el is not None
        el.text = waarde
    for m in root.iterfind(".//{*}Maatregel"):
        if m.findtext("{*}MaatregelId") != maatregel_id:
            m.getparent().remove(m)  # type: ignore[union-attr]  # a Maatregel has a parent
            continue
        for norm in open_:
            el = m.find(f"{{*}}{DATUMS[norm]}")
            if el is None:
                el = etree.Element(etree.QName(etree.QName(m).namespace, DATUMS[norm]))
                # After the last date before it in the Maatregel's sequence.
                volgorde = ("DatumUitspraak", *DATUMS.values())
                eerder = [m.find(f"{{*}}{x}") for x in volgorde[: volgorde.index(DATUMS[norm])]]
                [e for e in eerder if e is not None][-1].addnext(el)
            el.text = dag.isoformat()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def verstuur(p: Pipeline, xml: bytes) -> None:
    result = p.intake.verwerk(xml)
    assert result.outcome == "accepted", [(v.rule, v.message) for v in result.errors]
    if result.event is not None:
        assert p.processor.verwerk(result.event)


@pytest.mark.parametrize("dag", DAGEN, ids=str)
def test_what_the_stands_say_of_a_day_is_what_the_norm_counts_for_answers_of_that_day(
    db: Engine, dag: date
) -> None:
    p = Pipeline(db, today=dag)
    laatste_gi002: dict[tuple[str, str], bytes] = {}
    for bericht in Simulator(SIMULATION).run():
        if bericht.dagtekening > dag:
            break
        result = p.intake.verwerk(bericht.xml)
        if result.event is not None:
            assert p.processor.verwerk(result.event)
        if bericht.bericht == "GI002" and result.outcome == "accepted":
            for mid in etree.fromstring(bericht.xml).iterfind(".//{*}Maatregel/{*}MaatregelId"):
                laatste_gi002[(bericht.afzender, mid.text or "")] = bericht.xml

    voor = p.registry(dag)  # a collector: it reads the store when collected
    normen_voor = normen(voor)
    verzoeken = verzoeken_in_de_stand(p, dag)
    maatregelen = wachtende_maatregelen(p, dag)
    boven_verzoeken = samples(voor, contract.VERZOEKEN_ONBEANTWOORD_BOVEN_NORM.name, ("norm", "regio"))
    wachtend = samples(voor, contract.GI_MAATREGELEN_WACHTEND.name, ("norm", "regio"))
    boven_maatregelen = samples(voor, contract.GI_MAATREGELEN_WACHTEND_BOVEN_NORM.name, ("norm", "regio"))
    assert sum(wachtend.values()) == sum(len(n) for n in maatregelen.values())
    assert verzoeken and maatregelen

    for n, (gemeente, aanbieder, ref, _) in enumerate(verzoeken):
        verstuur(p, jw319(gemeente, aanbieder, ref, dag, n))
    for n, ((gi, maatregel_id), open_) in enumerate(sorted(maatregelen.items())):
        verstuur(p, gi002(laatste_gi002[(gi, maatregel_id)], maatregel_id, open_, dag, n))
    na = p.registry(dag)

    erbij = normen(na) - normen_voor
    totaal_verzoeken = Counter((ANTWOORD_VERZOEK, REGIOS(g)) for g, *_ in verzoeken)
    verwacht = Counter(
        {(norm, "buiten", regio): n for (norm, regio), n in (boven_verzoeken + boven_maatregelen).items()}
    )
    verwacht += Counter(
        {
            (norm, "binnen", regio): n - (boven_verzoeken + boven_maatregelen)[(norm, regio)]
            for (norm, regio), n in (totaal_verzoeken + wachtend).items()
        }
    )
    assert +erbij == +verwacht
    assert {uitkomst for _, uitkomst, _ in +erbij} == {"binnen", "buiten"}  # both were there to get wrong
    # Everything answered: no series left, not even at 0.
    for family in (contract.VERZOEKEN_ONBEANTWOORD_BOVEN_NORM, contract.GI_MAATREGELEN_WACHTEND):
        assert list(samples(na, family.name, ("norm", "regio"))) == []
