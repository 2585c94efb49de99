"""load_snapshot: a JW323 kept without its XsdVersie gives the JW325 no version to judge (pinned by a mutation pass).

The verzoeken query (_verzoeken_stmt) is already pinned by test_mut_snapshot and the stateful rule tests; left
was the NULL check on the declaratie's kept XsdVersie (migration 0007: older rows keep NULL and TR371 skips them).
"""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from hub.state.snapshot import DeclaratieState
from hub.store.snapshot import load_snapshot
from hub.store.tables import DeclaratieRecord
from hub.synth import berichten
from tests.hub.store.scenario import DAG, PS, accept, model, spec


def _kept_as(session: Session, basisschema: str | None, bericht: str | None) -> DeclaratieState:
    """The declaratie a JW325 sees of an accepted JW323 whose kept XsdVersie is set to these parts."""
    jw323 = spec("JW323")
    accept(session, "JW323", jw323)
    record = session.exec(select(DeclaratieRecord)).one()
    record.basisschema_xsd_versie, record.bericht_xsd_versie = basisschema, bericht
    session.commit()
    session.expunge_all()
    m = model("JW325", berichten.declaratie_antwoord(jw323, dagtekening=DAG, identificatie="JW325A"))
    declaratie = load_snapshot(session, m, PS, DAG, bekend=False).beantwoorde_declaratie
    assert declaratie is not None and declaratie.declaratie_nummer == jw323["Declaratie"]["DeclaratieNummer"]
    return declaratie


@pytest.mark.parametrize(
    ("basisschema", "bericht"),
    [
        (None, None),  # a declaratie stored before migration 0007
        (None, "8"),  # half a version is no version
        ("9", None),
    ],
)
def test_a_jw325_sees_no_xsd_versie_when_the_jw323_kept_none(
    session: Session, basisschema: str | None, bericht: str | None
) -> None:
    assert _kept_as(session, basisschema, bericht).xsd_versie is None


def test_a_jw325_sees_both_parts_of_the_kept_xsd_versie_in_order(session: Session) -> None:
    assert _kept_as(session, "9", "8").xsd_versie == ("9", "8")
