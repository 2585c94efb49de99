"""hub.store.apply, the cases a mutation pass found unpinned: what an accepted message writes into the state."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from hub.store.tables import DELETED, IN_FORCE, StopRecord, VerzoekRecord
from hub.synth import berichten
from hub.synth.build import Spec, edit
from tests.hub.store.scenario import ASPECIFIEK, INGANG, SPECIFIEK, accept, spec

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
