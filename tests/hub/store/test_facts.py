"""hub.store.facts: every fact an observer reads is found by an index that binds its whole key, so the processors'
cost per event does not grow with the store (tests/hub/store/plans.py: SQLite plans from the schema alone)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from hub.events.models import StopOntvangen
from hub.store import facts
from hub.store.db import session_factory
from tests.hub.monitor import scenario as sc
from tests.hub.monitor.helpers import accept_all
from tests.hub.store.plans import plans

NUMMER_A = 300201


@pytest.fixture
def store(sqlite_db: Engine) -> Engine:
    """The migrated schema (migration 0008 added ix_stopregel_bericht_id: before it, a SCAN of every stop line)."""
    return sqlite_db


def _plan(
    store: Engine, session: Session, fact: Callable[[Session], Any]
) -> tuple[Any, dict[str, list[str]]]:
    """What `fact` answers, and the plans of the statements it ran."""
    found: list[Any] = []
    steps = plans(store, lambda: found.append(fact(session)))
    return found[0], steps


def test_each_fact_is_found_by_its_whole_key(store: Engine) -> None:
    events = accept_all(store, sc.xml_berichten())
    [stop] = [e for e in events if isinstance(e, StopOntvangen)]
    g, a = sc.GEMEENTE, sc.AANBIEDER
    with session_factory(store)() as session:
        versie, versie_plan = _plan(store, session, lambda s: facts.eerste_versie(s, g, NUMMER_A))
        verzoek, verzoek_plan = _plan(
            store, session, lambda s: facts.verzoek_om_toewijzing(s, g, a, sc.REF_A)
        )
        toegewezen, toegewezen_plan = _plan(
            store, session, lambda s: facts.eerste_toewijzing_met_referentie(s, g, a, sc.REF_A)
        )
        antwoord, antwoord_plan = _plan(
            store, session, lambda s: facts.eerste_antwoord(s, g, a, sc.REF_B, None)
        )
        begin, begin_plan = _plan(store, session, lambda s: facts.eerste_begindatum(s, g, NUMMER_A))
        regels, regels_plan = _plan(store, session, lambda s: facts.stopregels(s, stop.bericht_id))
    # The facts were there to find: each search below found its row.
    assert (versie.toewijzing_nummer, versie.toewijzingsdatum) == (NUMMER_A, sc.TOEWIJZING_DAG)
    assert verzoek == facts.Verzoek(g, sc.VOT_DAG)
    assert toegewezen is not None and toegewezen.toewijzing_nummer == NUMMER_A
    assert antwoord == sc.ANTWOORD_DAG
    assert begin == sc.START_A
    assert [(r.toewijzing_nummer, r.reden_beeindiging) for r in regels] == [(NUMMER_A, "31")]
    assert versie_plan == {
        "toewijzing": [
            "SEARCH toewijzing USING INDEX ix_toewijzing_nummer (gemeente=? AND toewijzing_nummer=?)"
        ]
    }
    assert verzoek_plan == {
        "verzoek": [
            "SEARCH verzoek USING INDEX ux_verzoek_referentie (aanbieder=? AND referentie_aanbieder=?)"
        ]
    }
    assert toegewezen_plan == {
        "toewijzing": [
            "SEARCH toewijzing USING INDEX ix_toewijzing_referentie (aanbieder=? AND referentie_aanbieder=?)"
        ]
    }
    assert antwoord_plan == {
        "antwoord": [
            "SEARCH antwoord USING INDEX ix_antwoord_referentie (aanbieder=? AND referentie_aanbieder=?)",
            "SEARCH bericht USING INDEX sqlite_autoindex_bericht_1 (id=?)",
        ]
    }
    assert begin_plan == {
        "startregel": [
            "SEARCH startregel USING INDEX ix_startregel_nummer (gemeente=? AND toewijzing_nummer=?)"
        ]
    }
    assert regels_plan == {
        "stopregel": ["SEARCH stopregel USING INDEX ix_stopregel_bericht_id (bericht_id=?)"]
    }
