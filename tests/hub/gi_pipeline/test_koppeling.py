"""Linking through the pipeline (intake, store, processors), on SQLite and PostgreSQL: docs/gi-koppeling.md."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from hub.synth import berichten as ijw
from hub.synth.build import Spec
from hub.synth.persons import Persoon
from hub.validate import Validator
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline.helpers import AS_OF, Pipeline

KIND, ANDER_KIND = m.kind(1), m.kind(2)
DB = date(2026, 9, 1)  # DatumBepaling
VOT = DB + timedelta(days=3)
TW = DB + timedelta(days=10)
START = DB + timedelta(days=20)
REF_A = f"VOT{VOT:%Y%m%d}A"  # the default JW315's product referred by the GI (45)
REF_B = f"VOT{VOT:%Y%m%d}B"  # ... and the one referred by a huisarts (43)


def gi001(p: Pipeline, *bepalingen: Spec, ident: str = "B1", dag: date = DB) -> None:
    p.stuur("GI001", m.gi001(KIND, dag, ident, *bepalingen))


def jw315(p: Pipeline) -> None:
    p.stuur("JW315", ijw.spec("JW315", dagtekening=VOT, identificatie="VOT1", persoon=KIND))


def jw301(
    p: Pipeline,
    *producten: Spec,
    dag: date = TW,
    ident: str = "T1",
    persoon: Persoon = KIND,
    gemeente: str = m.GEMEENTE,
) -> None:
    p.stuur("JW301", m.jw301(persoon, dag, ident, *producten, gemeente=gemeente))


def verwijder_300201(p: Pipeline) -> date:
    """The gemeente deletes toewijzing 300201 five days after it was sent (RedenWijziging 13); returns that day."""
    weg = TW + timedelta(days=5)
    ingang = ijw.ingang(TW)
    jw301(
        p,
        m.toegewezen(300201, weg, ingangsdatum=ingang, einddatum=ingang, reden_wijziging="13"),
        dag=weg,
        ident="T2",
    )
    return weg


def test_the_whole_chain_is_linked_and_reported_in_order(db: Engine) -> None:
    p = Pipeline(db)
    gi001(p, m.bepaling("B-1", DB))
    jw315(p)
    jw301(
        p,
        m.toegewezen(300201, TW, referentie=REF_A),
        m.toegewezen(300202, TW, categorie=m.CAT_B, referentie=REF_B),
    )
    p.stuur("JW305", m.jw305(KIND, START, "S1", 300201, TW, START))
    assert p.gekoppeld("B-1") == (300201, REF_A, START)
    assert p.statussen() == [("B-1", "01"), ("B-1", "02"), ("B-1", "03")]


def test_a_toewijzing_answering_the_huisarts_request_is_not_linked(db: Engine) -> None:
    p = Pipeline(db)
    gi001(p, m.bepaling("B-43", DB, categorie=m.CAT_B))
    jw315(p)  # product B (43) referred by a huisarts: not the GI's request
    jw301(p, m.toegewezen(300202, TW, categorie=m.CAT_B, referentie=REF_B))
    assert p.gekoppeld("B-43") == (None, None, None)
    assert p.statussen() == []


def test_another_gemeente_or_another_child_is_never_linked(db: Engine) -> None:
    p = Pipeline(db)
    gi001(p, m.bepaling("B-1", DB))
    jw301(p, m.toegewezen(300201, TW), gemeente=m.ANDERE_GEMEENTE)
    jw301(p, m.toegewezen(300301, TW), ident="T2", persoon=ANDER_KIND)
    assert p.gekoppeld("B-1") == (None, None, None)
    jw301(p, m.toegewezen(300401, TW + timedelta(days=1)), ident="T3", dag=TW + timedelta(days=1))
    assert p.gekoppeld("B-1") == (300401, None, None)


def test_a_bepaling_arriving_after_its_toewijzing_still_links_on_the_dates(db: Engine) -> None:
    p = Pipeline(db)
    jw301(p, m.toegewezen(300201, TW))
    p.stuur("JW305", m.jw305(KIND, START, "S1", 300201, TW, START))
    assert p.statussen() == []
    gi001(p, m.bepaling("B-1", DB), dag=START)  # the GI's message comes late; its DatumBepaling is earlier
    assert p.gekoppeld("B-1") == (300201, None, START)
    assert p.statussen() == [("B-1", "02"), ("B-1", "03")]


def test_two_open_bepalingen_the_oldest_gets_the_toewijzing(db: Engine) -> None:
    p = Pipeline(db)
    gi001(p, m.bepaling("B-2", DB + timedelta(days=2)), m.bepaling("B-1", DB), dag=DB + timedelta(days=2))
    jw301(p, m.toegewezen(300201, TW))
    assert (p.gekoppeld("B-1"), p.gekoppeld("B-2")) == ((300201, None, None), (None, None, None))
    jw301(p, m.toegewezen(300202, TW + timedelta(days=1)), dag=TW + timedelta(days=1), ident="T2")
    assert p.gekoppeld("B-2") == (300202, None, None)


def test_two_toewijzingen_for_one_bepaling_the_earliest_wins(db: Engine) -> None:
    p = Pipeline(db)
    gi001(p, m.bepaling("B-1", DB))
    jw301(p, m.toegewezen(300202, TW + timedelta(days=2)), dag=TW + timedelta(days=2))
    jw301(p, m.toegewezen(300201, TW), ident="T2", dag=TW + timedelta(days=2))  # dated earlier, sent later
    assert p.gekoppeld("B-1") == (300201, None, None)
    # The first link (300202) was reported when it held; the earlier toewijzing is reported too.
    assert p.statussen() == [("B-1", "02"), ("B-1", "02")]


def test_outside_the_window_no_link(db: Engine) -> None:
    p = Pipeline(db, termijn=30)
    gi001(p, m.bepaling("B-1", DB))
    jw301(p, m.toegewezen(300201, DB + timedelta(days=31)), dag=DB + timedelta(days=31))
    assert p.gekoppeld("B-1") == (None, None, None)
    jw301(
        p, m.toegewezen(300202, DB - timedelta(days=1)), ident="T2", dag=DB + timedelta(days=31)
    )  # before it
    assert p.gekoppeld("B-1") == (None, None, None)


def test_another_productcategorie_no_link(db: Engine) -> None:
    p = Pipeline(db)
    gi001(p, m.bepaling("B-1", DB))
    jw301(p, m.toegewezen(300202, TW, categorie=m.CAT_B))
    assert p.gekoppeld("B-1") == (None, None, None)


def test_withdrawal_removes_the_links_and_stops_the_statusmeldingen(db: Engine) -> None:
    p = Pipeline(db)
    gi001(p, m.bepaling("B-1", DB))
    jw301(p, m.toegewezen(300201, TW))
    assert p.gekoppeld("B-1")[0] == 300201
    gi001(p, m.intrekking("B-1", DB), ident="B2", dag=TW + timedelta(days=1))
    assert p.koppeling("B-1") is None
    p.stuur("JW305", m.jw305(KIND, START, "S1", 300201, TW, START))
    assert p.statussen() == [("B-1", "02"), ("B-1", "06")]  # no 03 after the withdrawal


def test_a_correction_takes_over_the_toewijzing(db: Engine) -> None:
    p = Pipeline(db)
    gi001(p, m.bepaling("B-1", DB))
    jw301(p, m.toegewezen(300201, TW))
    gi001(p, m.intrekking("B-1", DB), m.bepaling("B-1", DB), ident="B2", dag=TW + timedelta(days=1))
    assert p.gekoppeld("B-1") == (300201, None, None)
    # The GI hears of the withdrawal of the first and then of the toewijzing for the corrected bepaling: both
    # go by B-1, so a 06 after the new one's 02 would read as the corrected bepaling withdrawn.
    assert p.statussen() == [("B-1", "02"), ("B-1", "06"), ("B-1", "02")]
    ids = {r.identificatie for r in p.meldingen()}
    assert len(ids) == 3  # a reused BepalingId never repeats an Identificatie


def test_a_deleted_toewijzing_reopens_the_bepaling_and_the_gi_hears_so(db: Engine) -> None:
    p = Pipeline(db)
    gi001(p, m.bepaling("B-1", DB))
    jw301(p, m.toegewezen(300201, TW))
    weg = verwijder_300201(p)
    assert p.koppeling("B-1") is None
    jw301(p, m.toegewezen(300202, weg + timedelta(days=1)), dag=weg + timedelta(days=1), ident="T3")
    assert p.gekoppeld("B-1") == (300202, None, None)
    assert p.statussen() == [("B-1", "02"), ("B-1", "05"), ("B-1", "02")]
    vervallen = p.meldingen()[1]
    assert (vervallen.status_datum, vervallen.toewijzing_nummer) == (weg, 300201)


def test_recomputing_changes_nothing(db: Engine) -> None:
    p = Pipeline(db)
    gi001(p, m.bepaling("B-1", DB))
    result = p.stuur("JW301", m.jw301(KIND, TW, "T1", m.toegewezen(300201, TW)))
    before = (p.koppeling("B-1"), p.statussen())
    assert result.event is not None
    assert not p.processor.verwerk(result.event)  # a redelivery is skipped
    jw301(p, m.toegewezen(300201, TW), ident="T2")  # the same toewijzing again: a new event, the same links
    after = (p.koppeling("B-1"), p.statussen())
    assert before[1] == after[1] == [("B-1", "02")]
    assert before[0] is not None and after[0] is not None
    assert (before[0].toewijzing_nummer, before[0].gewijzigd_op) == (
        after[0].toewijzing_nummer,
        after[0].gewijzigd_op,
    )


def test_a_withdrawn_bepaling_hears_nothing_of_its_deleted_toewijzing(db: Engine) -> None:
    # K5: after the withdrawal only its 06; the 05 of K6 is for a bepaling in force.
    p = Pipeline(db)
    gi001(p, m.bepaling("B-1", DB))
    jw301(p, m.toegewezen(300201, TW))
    gi001(p, m.intrekking("B-1", DB), ident="B2", dag=TW + timedelta(days=1))
    verwijder_300201(p)
    assert p.statussen() == [("B-1", "02"), ("B-1", "06")]


def test_a_toewijzing_is_dated_by_its_first_version(db: Engine) -> None:
    # K1, K4 and status 02: the Toewijzingsdatum of the first version, also when a later version is known first.
    p = Pipeline(db)
    ingang = ijw.ingang(TW)
    jw301(p, m.toegewezen(300201, TW, ingangsdatum=ingang))
    later = TW + timedelta(days=3)
    korter = ingang + timedelta(days=60)
    jw301(p, m.toegewezen(300201, later, ingangsdatum=ingang, einddatum=korter), dag=later, ident="T2")
    gi001(p, m.bepaling("B-1", DB))
    k = p.koppeling("B-1")
    assert k is not None and (k.toewijzing_nummer, k.toewijzing_datum) == (300201, TW)
    [toegewezen] = p.meldingen()
    assert (toegewezen.status, toegewezen.status_datum) == ("02", TW)


def test_a_reference_in_a_later_version_answers_that_request(db: Engine) -> None:
    # K3 follows the ReferentieAanbieder any version of the toewijzing carried: here the huisarts's request.
    p = Pipeline(db)
    jw315(p)
    ingang = ijw.ingang(TW)
    jw301(p, m.toegewezen(300201, TW, ingangsdatum=ingang))
    later = TW + timedelta(days=3)
    jw301(
        p,
        m.toegewezen(
            300201, later, ingangsdatum=ingang, einddatum=ingang + timedelta(days=60), referentie=REF_B
        ),
        dag=later,
        ident="T2",
    )
    gi001(p, m.bepaling("B-1", DB))
    assert p.gekoppeld("B-1") == (None, REF_A, None)
    assert p.statussen() == [("B-1", "01")]


def test_the_statusmeldingen_of_a_reused_bepaling_id_are_valid_gi102s(db: Engine) -> None:
    # The versioned Identificatie of a reused BepalingId stays within LDT_IdentificatieBericht (12 characters).
    p = Pipeline(db)
    gi001(p, m.bepaling("B-1", DB))
    jw301(p, m.toegewezen(300201, TW))
    gi001(p, m.intrekking("B-1", DB), m.bepaling("B-1", DB), ident="B2", dag=TW + timedelta(days=1))
    validator = Validator(clock=lambda: AS_OF)
    rows = p.meldingen()
    assert [r.status for r in rows] == ["02", "06", "02"]  # the withdrawal before the corrected bepaling's 02
    for row in rows:
        verdict = validator.validate(row.xml.encode())
        assert verdict.accepted, [v.message for v in verdict.errors]
        assert len(row.identificatie) == 12
