"""hub.store.apply, the cases a mutation pass found unpinned: what an accepted message writes into the state."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from hub.store import apply
from hub.store.tables import (
    DELETED,
    IN_FORCE,
    AntwoordRecord,
    DeclaratieRecord,
    PrestatieRecord,
    StopRecord,
    VerzoekRecord,
)
from hub.synth import berichten
from hub.synth.build import Spec, edit
from tests.hub.store.scenario import ASPECIFIEK, DAG, INGANG, PS, SPECIFIEK, accept, record, snapshot, spec

EIND = date(2026, 10, 31)


def _stop(nummer: int, status: str = "1") -> Spec:
    cat, code = ("45", "45A53") if nummer == SPECIFIEK else ("43", None)
    return berichten.stop_product(
        nummer,
        categorie=cat,
        code=code,
        toewijzing_ingangsdatum=INGANG,
        begindatum=INGANG,
        einddatum=EIND,
        status=status,
    )


def _jw307(ident: str, *lines: Spec) -> Spec:
    return edit(spec("JW307", ident), "Client/StopProducten/StopProduct", list(lines))


def test_a_stop_deletion_deletes_the_stop_with_its_own_key_and_no_other(session: Session) -> None:
    """StatusAanlevering 3 deletes the stop in force with the line's key (ToewijzingNummer, Product, Begindatum,
    Einddatum, RedenBeeindiging), not the first stop of the client."""
    accept(session, "JW305", spec("JW305"))
    accept(session, "JW307", _jw307("JW307A", _stop(SPECIFIEK), _stop(ASPECIFIEK)))
    weg = accept(session, "JW307", _jw307("JW307B", _stop(ASPECIFIEK, "3")))
    rows = session.exec(select(StopRecord).order_by(col(StopRecord.id))).all()
    assert [(r.toewijzing_nummer, r.status, r.verwijderd_bericht_id) for r in rows] == [
        (SPECIFIEK, IN_FORCE, None),
        (ASPECIFIEK, DELETED, weg),
    ]


def test_a_jw317_is_stored_as_one_vow_with_its_reden_verzoek(session: Session) -> None:
    """A VOW is one verzoek row of soort VOW carrying its RedenVerzoek (no product columns), not a VOT."""
    bericht_id = accept(session, "JW317", spec("JW317"))
    (row,) = session.exec(select(VerzoekRecord)).all()
    assert (row.soort, row.reden_verzoek, row.categorie, row.toegewezen, row.bericht_id) == (
        "VOW",
        "2",
        None,
        False,
        bericht_id,
    )


def test_a_jw319_stores_its_answer_its_reason_and_the_gemeente_named_responsible(session: Session) -> None:
    """The antwoord row: Afzender as gemeente, Ontvanger as aanbieder, the VerzoekAntwoord, RedenAfwijzingVerzoek
    and, for reason 8, the Woonplaatsbeginsel's gemeente (TR377); without one the column stays empty."""
    a = berichten.antwoord("VOTA", reden_afwijzing="8", woonplaatsbeginsel="0363")
    eerste = accept(session, "JW319", edit(spec("JW319", "JW319A"), "Antwoord", a))
    b = berichten.antwoord("VOTB", verzoek_antwoord="2", reden_afwijzing=None)
    accept(session, "JW319", edit(spec("JW319", "JW319B"), "Antwoord", b))
    rows = session.exec(select(AntwoordRecord).order_by(col(AntwoordRecord.id))).all()
    assert [
        (r.gemeente, r.aanbieder, r.referentie_aanbieder, r.verzoek_antwoord, r.reden, r.woonplaatsbeginsel)
        for r in rows
    ] == [("0200", "12345678", "VOTA", "1", "8", "0363"), ("0200", "12345678", "VOTB", "2", None, None)]
    assert (rows[0].dagtekening, rows[0].bericht_id) == (DAG, eerste)


def _jw323_met(session: Session, ident: str, onderdelen: frozenset[int]) -> DeclaratieRecord:
    m, bericht_id = record(session, "JW323", spec("JW323", ident))
    apply.apply_accepted(session, m, bericht_id, PS, onderdelen)
    session.commit()
    return session.exec(select(DeclaratieRecord).where(DeclaratieRecord.bericht_id == bericht_id)).one()


def test_a_jw323_the_hub_granted_in_part_is_no_rejected_declaratie(session: Session) -> None:
    """Of a JW323 the hub granted in part, the returned lines count as not sent, the declaratie itself stays
    (its DeclaratieNummer is known to the next JW323); with no line granted it is rejected whole (TR337)."""
    deels = _jw323_met(session, "JW323A", frozenset({1}))
    assert deels.afgewezen is False
    toegekend = session.exec(
        select(PrestatieRecord.toegekend)
        .where(PrestatieRecord.declaratie_id == deels.id)
        .order_by(col(PrestatieRecord.id))
    ).all()
    assert toegekend == [False, None]  # the first returned; the second awaits the gemeente's JW325
    nummer = spec("JW323")["Declaratie"]["DeclaratieNummer"]
    assert snapshot(session, "JW323", spec("JW323", "JW323C")).declaratie_nummers == frozenset({nummer})

    niets = _jw323_met(session, "JW323B", frozenset())
    assert niets.afgewezen is True


def test_a_jw325_without_declaratie_antwoord_rejects_the_whole_declaratie(session: Session) -> None:
    """A JW325 that answers the JW323 on its Header alone (no DeclaratieAntwoord, process.md 5.3) rejects every
    line, and the declaratie counts as not sent."""
    accept(session, "JW323", spec("JW323"))
    jw325 = berichten.declaratie_antwoord(spec("JW323"), dagtekening=DAG, identificatie="JW325A")
    antwoord_id = accept(session, "JW325", edit(jw325, "DeclaratieAntwoord", None))
    rows = session.exec(select(PrestatieRecord).order_by(col(PrestatieRecord.id))).all()
    assert [(p.toegekend, p.antwoord_bericht_id) for p in rows] == [(False, antwoord_id)] * 2
    assert session.exec(select(DeclaratieRecord.afgewezen)).all() == [True]
    snap = snapshot(session, "JW323", spec("JW323", "JW323B"))
    assert (snap.declaratie_nummers, snap.laatste_declaratieperiode) == (frozenset(), None)
