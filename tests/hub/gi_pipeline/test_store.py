"""The GI messages through the intake into the store, on SQLite and PostgreSQL: rows, snapshot, per-part verdicts."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import col, select

from hub.events.models import BepalingOntvangen, CapaciteitOntvangen, MaatregelVoortgangOntvangen
from hub.gi.catalog import GI_BERICHTEN
from hub.gi.extract import extract_gi
from hub.gi.models import Gi001
from hub.gi.synth import xml as gi_xml
from hub.ijw.catalog import BERICHTEN
from hub.rules.registry import REGISTRY, Level
from hub.store import gi as gi_store
from hub.store.gi_tables import (
    GiBepalingRecord,
    GiCapaciteitRecord,
    GiMaatregelRecord,
    GiVerwijzingRecord,
)
from hub.store.tables import RETOURBERICHTEN
from hub.synth import berichten as ijw
from hub.synth.berichten import omvang
from hub.synth.build import Spec
from hub.validate import Validator
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline.helpers import PSEUDONYM, Pipeline, status_xml, xml

KIND = m.kind(1)
D = date(2026, 9, 1)


def bepalingen(p: Pipeline) -> list[GiBepalingRecord]:
    with p.session() as s:
        return list(s.exec(select(GiBepalingRecord).order_by(col(GiBepalingRecord.id))))


def test_a_bepaling_is_stored_by_pseudonym_and_named_by_the_next_snapshot(db: Engine) -> None:
    p = Pipeline(db)
    result = p.stuur("GI001", m.gi001(KIND, D, "B1", m.bepaling("B-1", D - timedelta(days=2))))
    assert isinstance(result.event, BepalingOntvangen) and result.retour_bericht == "GI101"
    assert result.key == PSEUDONYM(KIND.bsn) == result.event.client
    [row] = bepalingen(p)
    assert (row.gi, row.bepaling_id, row.gemeente, row.categorie, row.code) == (
        m.GI,
        "B-1",
        m.GEMEENTE,
        "45",
        "45A53",
    )
    assert (row.client, row.dagtekening, row.ingetrokken) == (PSEUDONYM(KIND.bsn), D, False)
    assert row.bericht_id == result.bericht_id
    # The snapshot of a later message naming the same id sees it in force, for the same client.
    with p.session() as s:
        snap = gi_store.load_snapshot(s, model(m.gi001(KIND, D, "B2", m.bepaling("B-1", D))), PSEUDONYM)
        again = gi_store.load_snapshot(s, model(m.gi001(KIND, D, "B1", m.bepaling("B-9", D))), PSEUDONYM)
    assert snap.bepalingen["B-1"].lopend and snap.bepalingen["B-1"].client == PSEUDONYM(KIND.bsn)
    assert snap.maatregelen["M-1"].maatregel_type == "02"
    assert not snap.identificatie_bekend and again.identificatie_bekend  # GB101 sees the accepted "B1"


def test_the_omvang_of_a_bepaling_is_stored_as_sent(db: Engine) -> None:
    p = Pipeline(db)
    met_omvang = {**m.bepaling("B-1", D), "Omvang": omvang(6, "04", "2")}  # 6 hours a week
    p.stuur("GI001", m.gi001(KIND, D, "B1", met_omvang, m.bepaling("B-2", D)))
    assert [(r.bepaling_id, r.volume, r.eenheid, r.frequentie) for r in bepalingen(p)] == [
        ("B-1", 6, "04", "2"),
        ("B-2", None, None, None),
    ]


def model(spec: Spec) -> Gi001:
    doc = Validator().validate(xml("GI001", spec)).doc
    assert doc is not None
    found = extract_gi(doc)
    assert isinstance(found, Gi001)
    return found


def test_withdrawal_marks_the_bepaling_and_frees_its_id(db: Engine) -> None:
    p = Pipeline(db)
    p.stuur("GI001", m.gi001(KIND, D, "B1", m.bepaling("B-1", D)))
    p.stuur("GI001", m.gi001(KIND, D + timedelta(days=3), "B2", m.intrekking("B-1", D)))
    [row] = bepalingen(p)
    assert row.ingetrokken and row.ingetrokken_op == D + timedelta(days=3) and row.ingetrokken_bericht_id
    p.stuur("GI001", m.gi001(KIND, D + timedelta(days=4), "B3", m.bepaling("B-1", D + timedelta(days=4))))
    assert [(r.bepaling_id, r.ingetrokken) for r in bepalingen(p)] == [("B-1", True), ("B-1", False)]


def test_a_correction_in_one_message_withdraws_then_adds(db: Engine) -> None:
    p = Pipeline(db)
    p.stuur("GI001", m.gi001(KIND, D, "B1", m.bepaling("B-1", D)))
    result = p.stuur(
        "GI001", m.gi001(KIND, D, "B2", m.intrekking("B-1", D), m.bepaling("B-1", D, categorie=m.CAT_B))
    )
    assert [(r.categorie, r.ingetrokken) for r in bepalingen(p)] == [("45", True), ("43", False)]
    assert isinstance(result.event, BepalingOntvangen)
    assert [b.status_aanlevering for b in result.event.bepalingen] == ["3", "1"]


def test_a_part_rejected_at_level_3_leaves_the_others_processed(db: Engine) -> None:
    p = Pipeline(db)
    p.stuur("GI001", m.gi001(KIND, D, "B1", m.bepaling("B-1", D)))
    spec = m.gi001(KIND, D, "B2", m.bepaling("B-1", D), m.bepaling("B-2", D, categorie=m.CAT_B))
    result = p.intake.verwerk(xml("GI001", spec))
    assert result.outcome == "accepted" and [v.rule for v in result.errors] == ["GB102"]
    assert isinstance(result.event, BepalingOntvangen)
    assert [b.bepaling_id for b in result.event.bepalingen] == ["B-2"]  # only the accepted part travels
    assert [r.bepaling_id for r in bepalingen(p)] == ["B-1", "B-2"]
    assert result.retour is not None
    ack = result.retour.decode()
    assert (
        ack.count("<gi:RetourCode>G102</gi:RetourCode>") == 1
        and ack.count("<gi:RetourCode>0200</gi:RetourCode>") == 2
    )  # Header, B-2


def test_a_message_whose_every_part_is_rejected_is_rejected(db: Engine) -> None:
    p = Pipeline(db)
    p.stuur("GI001", m.gi001(KIND, D, "B1", m.bepaling("B-1", D)))
    result = p.intake.verwerk(xml("GI001", m.gi001(KIND, D, "B2", m.bepaling("B-1", D))))
    assert result.outcome == "rejected" and result.event is None and result.retour is not None
    assert len(bepalingen(p)) == 1


def test_a_header_finding_rejects_the_whole_message(db: Engine) -> None:
    p = Pipeline(db)
    p.stuur("GI001", m.gi001(KIND, D, "B1", m.bepaling("B-1", D)))
    result = p.intake.verwerk(
        xml("GI001", m.gi001(KIND, D, "B1", m.bepaling("B-2", D)))
    )  # same Identificatie
    assert result.outcome == "rejected" and [v.rule for v in result.errors] == ["GB101"]
    assert [r.bepaling_id for r in bepalingen(p)] == ["B-1"]


def test_a_gi003_under_an_identificatie_used_before_is_rejected_by_gb101(db: Engine) -> None:
    # GB101 holds for GI003 too (docs/gi-berichten.md 5.6): other figures under the same Identificatie are not
    # taken, and the figures stay those of the first message.
    p = Pipeline(db)
    p.stuur("GI003", m.gi003(D, "C1", m.capaciteit(D, "40.00", 600, 10, 12)))
    again = p.intake.verwerk(xml("GI003", m.gi003(D, "C1", m.capaciteit(D, "41.00", 610, 11, 13))))
    assert (again.outcome, [v.rule for v in again.errors], again.event) == ("rejected", ["GB101"], None)
    assert again.retour is not None and "<gi:RetourCode>G101</gi:RetourCode>" in again.retour.decode()
    with p.session() as s:
        assert s.exec(select(GiCapaciteitRecord.caseload)).all() == [600]


def test_maatregel_dates_may_arrive_one_by_one(db: Engine) -> None:
    p = Pipeline(db)
    uitspraak = date(2026, 8, 3)
    first = p.stuur("GI002", m.gi002(KIND, D, "V1", m.maatregel(uitspraak=uitspraak)))
    assert isinstance(first.event, MaatregelVoortgangOntvangen)
    p.stuur(
        "GI002",
        m.gi002(KIND, D + timedelta(days=30), "V2", m.maatregel(gedragen_koers=D + timedelta(days=20))),
    )
    with p.session() as s:
        [row] = s.exec(select(GiMaatregelRecord)).all()
    assert (row.datum_uitspraak, row.datum_gedragen_koers, row.datum_vaste_jeugdbeschermer) == (
        uitspraak,
        D + timedelta(days=20),
        None,
    )
    # GB105: a koers before the uitspraak received earlier is rejected and changes nothing.
    bad = p.intake.verwerk(xml("GI002", m.gi002(KIND, D, "V3", m.maatregel(gedragen_koers=date(2026, 7, 1)))))
    assert bad.outcome == "rejected" and [v.rule for v in bad.errors] == ["GB105"]
    with p.session() as s:
        assert s.exec(select(GiMaatregelRecord)).one().datum_gedragen_koers == D + timedelta(days=20)


def test_capaciteit_is_replaced_per_key_and_its_regio_spelled_as_the_gemeente_list(db: Engine) -> None:
    p = Pipeline(db)
    first = p.stuur("GI003", m.gi003(D, "C1", m.capaciteit(D, "40.00", 600, 10, 12)))
    assert isinstance(first.event, CapaciteitOntvangen)
    assert first.key == m.GI and first.event.client is None  # no client: keyed by the GI
    assert first.event.capaciteiten[0].regio == m.REGIO
    p.stuur("GI003", m.gi003(D, "C2", m.capaciteit(D, "42.5", 610, 12, 8, regio="midden ijssel-oost veluwe")))
    with p.session() as s:
        [row] = s.exec(select(GiCapaciteitRecord)).all()
    assert (row.regio, row.jeugdregio, row.jeugdbeschermers, row.caseload, row.wachtlijst) == (
        m.REGIO,
        "midden ijssel-oost veluwe",
        Decimal("42.50"),
        610,
        8,
    )


def test_a_jw315_records_the_verwijzer_of_each_requested_product(db: Engine) -> None:
    p = Pipeline(db)
    spec = ijw.spec(
        "JW315", dagtekening=D, identificatie="VOT1", persoon=KIND
    )  # product A by the GI, B by a huisarts
    p.stuur("JW315", spec)
    with p.session() as s:
        rows = s.exec(select(GiVerwijzingRecord).order_by(col(GiVerwijzingRecord.id))).all()
    assert [(r.referentie_aanbieder, r.verwijzer_type, r.zorgverlener_code) for r in rows] == [
        (f"VOT{D:%Y%m%d}A", "04", m.GI),
        (f"VOT{D:%Y%m%d}B", "02", None),
    ]
    assert {r.client for r in rows} == {PSEUDONYM(KIND.bsn)}


def test_no_gi_row_or_statusmelding_holds_the_bsn(db: Engine) -> None:
    p = Pipeline(db)
    p.stuur("GI001", m.gi001(KIND, D, "B1", m.bepaling("B-1", D)))
    p.stuur("JW301", m.jw301(KIND, D + timedelta(days=5), "T1", m.toegewezen(300201, D + timedelta(days=5))))
    p.stuur("GI002", m.gi002(KIND, D, "V1", m.maatregel(uitspraak=D)))
    [melding] = p.meldingen()
    with p.session() as s:
        dumped = repr([s.exec(select(t)).all() for t in (GiBepalingRecord, GiMaatregelRecord)])
    assert KIND.bsn not in dumped and KIND.bsn not in melding.xml
    assert KIND.achternaam not in melding.xml
    assert status_xml(melding.xml)["Status"] == "02"


def test_a_second_gi102_under_an_identificatie_used_before_is_rejected_by_gb101(db: Engine) -> None:
    """The hub's own statusmelding may reach the intake (a replayed archive). A second one with the gemeente's
    Identificatie and other content was judged accepted, its insert broke the store's one accepted message per
    sender identity on every retry, and it was dead-lettered as a processing failure."""
    p = Pipeline(db)
    first = gi_xml("GI102")
    other = first.replace(b"<gi102:ToewijzingNummer>300201<", b"<gi102:ToewijzingNummer>300202<")
    assert other != first
    assert p.intake.verwerk(first).outcome == "accepted"
    again = p.intake.verwerk(other)
    assert (again.outcome, [v.rule for v in again.errors], again.retour) == ("rejected", ["GB101"], None)
    assert again.errors[0].message == "Identificatie 'GI102261102' was already used by 0200 for GI102."
    assert p.intake.verwerk(first).outcome == "duplicate"


def test_every_type_the_store_keeps_unique_per_sender_has_a_rule_that_rejects_a_second() -> None:
    """Without one, a second message with a used Identificatie is judged accepted and can never be stored."""
    berichten = {*BERICHTEN, *GI_BERICHTEN} - set(RETOURBERICHTEN)
    uniek = REGISTRY["TR056"].berichten | REGISTRY["GB101"].berichten
    assert berichten - uniek == set()
    assert all(REGISTRY[code].level == Level.STATEFUL for code in ("TR056", "GB101"))
