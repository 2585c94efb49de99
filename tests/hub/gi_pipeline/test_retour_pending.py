"""hub_retour_pending counts what is on the outbound path: the intake's retouren and the GI102 statusmeldingen.

Issue 4 sends the statusmeldingen "through the same outbound path as retourberichten", and hub_retour_total and
hub_retour_delivered_total already count them (bericht="GI102"); the gauge of what is in between counts them too.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from sqlalchemy import Engine
from sqlmodel import select

from hub.metrics import HubMetrics
from hub.monitor.collector import install
from hub.settings import HubSettings
from hub.store.db import session_factory
from hub.store.tables import BerichtRecord
from tests.hub.gi_pipeline.helpers import AS_OF, Pipeline
from tests.hub.gi_pipeline.test_status import keten


def test_statusmeldingen_in_flight_are_pending_like_retouren(db: Engine) -> None:
    p = Pipeline(db)
    keten(p)  # four accepted messages, each with its retour; three statusmeldingen made
    reg = CollectorRegistry()
    install(reg, HubMetrics(reg), session_factory(db), HubSettings(), lambda: AS_OF)

    def pending() -> float | None:
        return reg.get_sample_value("hub_retour_pending")

    meldingen = [u.id for u in p.processor.uitgaand()]
    assert len(meldingen) == 3
    assert pending() == 0  # made, not yet on the retour topic: not on the outbound path yet
    p.processor.verstuurd(meldingen)
    assert pending() == 3
    assert p.processor.afgeleverd(meldingen[0])
    assert pending() == 2

    # The intake's retouren add to it, and leave it as they are delivered.
    with p.session() as session:
        retouren = [row.id for row in session.exec(select(BerichtRecord)) if row.retour is not None]
    p.intake.mark_published(*retouren)
    assert pending() == 2 + len(retouren)
    p.intake.mark_delivered_batch(retouren)
    for melding in meldingen[1:]:
        assert p.processor.afgeleverd(melding)
    assert pending() == 0
