"""hub.store.apply, the cases a mutation pass found unpinned: what an accepted message writes into the state."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from hub.store.tables import DELETED, IN_FORCE, StopRecord
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
