"""hub.store.gi: the GI snapshot takes GB101 from the intake's identity lookup, and finds bepalingen by index."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from hub.gi.extract import extract_gi
from hub.gi.models import GiBericht
from hub.gi.state import GiSnapshot
from hub.store import audit
from hub.store import gi as gi_store
from hub.store.db import session_factory
from hub.synth.build import Spec
from hub.validate import Validator
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline.helpers import PSEUDONYM, Pipeline, xml
from tests.hub.store.plans import plans

KIND = m.kind(1)
D = date(2026, 9, 1)


def model(bericht: str, spec: Spec) -> GiBericht:
    doc = Validator().validate(xml(bericht, spec)).doc
    assert doc is not None
    return extract_gi(doc)


def test_the_intake_hands_gb101_over_without_a_second_lookup(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = Pipeline(db)
    p.stuur("GI001", m.gi001(KIND, D, "B1", m.bepaling("B-1", D)))

    def looked_up(*args: object) -> bool:
        raise AssertionError("the intake's identity lookup answered GB101 already")

    monkeypatch.setattr(gi_store, "identificatie_bekend", looked_up)
    again = p.intake.verwerk(xml("GI001", m.gi001(KIND, D, "B1", m.bepaling("B-2", D))))  # same Identificatie
    assert (again.outcome, [v.rule for v in again.errors]) == ("rejected", ["GB101"])
    fresh = p.intake.verwerk(xml("GI001", m.gi001(KIND, D, "B2", m.bepaling("B-2", D))))
    assert (fresh.outcome, fresh.errors) == ("accepted", ())


def test_a_given_bekend_is_used_as_given(db: Engine) -> None:
    p = Pipeline(db)
    p.stuur("GI001", m.gi001(KIND, D, "B1", m.bepaling("B-1", D)))
    resend = model("GI001", m.gi001(KIND, D, "B1", m.bepaling("B-1", D)))
    with p.session() as s:
        assert gi_store.load_snapshot(s, resend, PSEUDONYM).identificatie_bekend  # looked up
        assert not gi_store.load_snapshot(s, resend, PSEUDONYM, bekend=False).identificatie_bekend
        assert (
            gi_store.load_snapshot(s, resend, PSEUDONYM, bekend=True).bepalingen["B-1"].lopend
        )  # the rest loads


def _record(session: Session, bericht: str, spec: Spec, outcome: audit.Outcome) -> None:
    g = model(bericht, spec)
    h = g.header
    audit.record(session, content_hash=audit.content_hash(xml(bericht, spec)), outcome=outcome, bericht=bericht,
                 afzender=h.afzender, ontvanger=h.ontvanger, identificatie=h.identificatie)  # fmt: skip
    session.commit()


def test_gb101_asks_what_the_intakes_identity_lookup_answers(session: Session) -> None:
    """The same key (afzender, message type, Identificatie) and the same meaning (accepted before) as TR056."""
    spec = m.gi001(KIND, D, "B1", m.bepaling("B-1", D))
    g = model("GI001", spec)

    def both() -> tuple[bool, bool]:
        h = g.header
        seen = audit.seen(
            session, h.afzender, g.bericht, h.identificatie, audit.content_hash(xml("GI001", spec))
        )
        return gi_store.identificatie_bekend(session, g), seen.identificatie_bekend

    assert both() == (False, False)
    _record(session, "GI001", m.gi001(KIND, D, "B1", m.bepaling("B-1", D), gi=m.ANDERE_GI), "accepted")
    _record(session, "GI002", m.gi002(KIND, D, "B1", m.maatregel(uitspraak=D)), "accepted")
    _record(session, "GI001", spec, "rejected")
    assert both() == (False, False)  # another GI, another message type, a rejected one: not sent
    _record(session, "GI001", m.gi001(KIND, D, "B1", m.bepaling("B-2", D)), "accepted")
    assert both() == (True, True)


@pytest.fixture
def store(sqlite_db: Engine) -> Engine:
    return sqlite_db


def test_the_snapshot_finds_the_bepalingen_it_names_by_their_index(store: Engine) -> None:
    # Withdrawn bepalingen count too (GB103 says "was already withdrawn"), so the partial unique index on the ones
    # in force does not serve: until migration 0006 this was a SCAN of every bepaling.
    p = Pipeline(store)
    p.stuur("GI001", m.gi001(KIND, D, "B1", m.bepaling("B-1", D)))
    p.stuur("GI001", m.gi001(KIND, D, "B2", m.intrekking("B-1", D)))
    named = model("GI001", m.gi001(KIND, D, "B3", m.bepaling("B-1", D)))
    with session_factory(store)() as s:
        snaps: list[GiSnapshot] = []
        found = plans(store, lambda: snaps.append(gi_store.load_snapshot(s, named, PSEUDONYM)))
    assert snaps[0].bepalingen["B-1"].ingetrokken
    assert found == {
        "bericht": [
            "SEARCH bericht USING INDEX ix_bericht_identificatie (afzender=? AND bericht=? AND identificatie=?)"
        ],
        "gi_bepaling": ["SEARCH gi_bepaling USING INDEX ix_gi_bepaling_bepaling_id (gi=? AND bepaling_id=?)"],
        "gi_maatregel": ["SEARCH gi_maatregel USING INDEX ux_gi_maatregel_id (gi=? AND maatregel_id=?)"],
    }
