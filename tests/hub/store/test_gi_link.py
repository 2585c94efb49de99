"""hub.store.gi_link: one client's group at one gemeente is read by indexes on (client, gemeente), whatever the
store's size; a start without ToewijzingNummer is no candidate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, insert, select
from sqlmodel import col

from hub.gi import link
from hub.store import gi_link
from hub.store.db import session_factory
from hub.store.gi_tables import GiStatusmeldingRecord
from hub.store.tables import IN_FORCE, StartRecord
from hub.synth import berichten as ijw
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline.helpers import PSEUDONYM, Pipeline
from tests.hub.store.plans import plans

KIND = m.kind(1)
CLIENT = PSEUDONYM(KIND.bsn)
DB = date(2026, 9, 1)  # DatumBepaling
VOT, TW, START = DB + timedelta(days=3), DB + timedelta(days=10), DB + timedelta(days=20)
REF_A = f"VOT{VOT:%Y%m%d}A"  # the default JW315's product the GI referred
NOW = datetime(2027, 1, 15, 12, tzinfo=UTC)
REGELS = link.KoppelRegels(365)


@pytest.fixture
def store(sqlite_db: Engine) -> Engine:
    return sqlite_db


def _keten(store: Engine) -> Pipeline:
    """A bepaling, the JW315 the GI referred, its toewijzing and the start: every table the group reads has a row."""
    p = Pipeline(store)
    p.stuur("GI001", m.gi001(KIND, DB, "B1", m.bepaling("B-1", DB)), verwerk=False)
    p.stuur("JW315", ijw.spec("JW315", dagtekening=VOT, identificatie="VOT1", persoon=KIND), verwerk=False)
    p.stuur("JW301", m.jw301(KIND, TW, "T1", m.toegewezen(300201, TW, referentie=REF_A)), verwerk=False)
    p.stuur("JW305", m.jw305(KIND, START, "S1", 300201, TW, START), verwerk=False)
    return p


def test_a_group_is_read_by_indexes_on_client_and_gemeente(store: Engine) -> None:
    # Until migration 0006 the toewijzing, verzoek and start searches bound only the gemeente (every row of it);
    # the GI snapshot's search of the bepalingen by BepalingId was a SCAN.
    _keten(store)
    with session_factory(store)() as session:
        groepen: list[gi_link.Groep] = []
        found = plans(
            store, lambda: groepen.append(gi_link.koppel_groep(session, CLIENT, m.GEMEENTE, REGELS, NOW))
        )
    [k] = groepen[0].koppelingen.values()  # the group was read: the bepaling is linked up to its start
    assert (k.toewijzing and k.toewijzing.nummer, k.start and k.start.begindatum) == (300201, START)
    assert found == {
        "gi_bepaling": ["SEARCH gi_bepaling USING INDEX ix_gi_bepaling_client (client=? AND gemeente=?)"],
        "toewijzing": [
            "SEARCH toewijzing USING INDEX ix_toewijzing_client_gemeente (client=? AND gemeente=?)"
        ],
        "verzoek": [
            "SEARCH verzoek USING INDEX ix_verzoek_client_gemeente (client=? AND gemeente=?)",
            "SEARCH gi_verwijzing USING INDEX ux_gi_verwijzing_referentie (aanbieder=? AND referentie_aanbieder=?)"
            " LEFT-JOIN",
        ],
        "startregel": [
            "SEARCH startregel USING INDEX ix_startregel_client_gemeente (client=? AND gemeente=?)"
        ],
        "gi_statusmelding": [
            "SEARCH gi_statusmelding USING COVERING INDEX ux_gi_statusmelding_status (bepaling_ref=?)"
        ],
        "gi_koppeling": ["SEARCH gi_koppeling USING INDEX ux_gi_koppeling_bepaling (bepaling_ref=?)"],
    }


def test_the_version_of_a_reused_bepaling_id_is_counted_on_its_index(store: Engine) -> None:
    p = _keten(store)
    p.stuur("GI001", m.gi001(KIND, DB, "B2", m.intrekking("B-1", DB), m.bepaling("B-1", DB)), verwerk=False)
    with session_factory(store)() as session:
        eerste, tweede = gi_link._bepalingen(session, {"client": CLIENT, "gemeente": m.GEMEENTE})
        versies: list[int] = []
        found = plans(store, lambda: versies.extend(gi_link._versie(session, b) for b in (eerste, tweede)))
    assert versies == [0, 1]
    assert found == {
        "gi_bepaling": [
            "SEARCH gi_bepaling USING COVERING INDEX ix_gi_bepaling_bepaling_id (gi=? AND bepaling_id=? AND rowid<?)"
        ]
    }


def test_a_start_without_toewijzingnummer_is_no_candidate(store: Engine) -> None:
    # ToewijzingNummer is optional in a StartProduct (0..1); the linking follows a start by its number.
    _keten(store)
    with session_factory(store)() as session:
        bericht_id = session.execute(select(col(StartRecord.bericht_id))).scalar_one()
        ongenummerd = {"gemeente": m.GEMEENTE, "aanbieder": m.AANBIEDER, "client": CLIENT, "toewijzing_nummer": None,
                       "categorie": m.CAT, "begindatum": START, "status": IN_FORCE, "bericht_id": bericht_id}  # fmt: skip
        session.execute(insert(StartRecord), [ongenummerd])
        starts = gi_link._starts(session, {"client": CLIENT, "gemeente": m.GEMEENTE})
    assert [(s.nummer, s.begindatum) for s in starts] == [(300201, START)]


def test_the_link_row_holds_the_verzoek_the_toewijzing_and_the_start(store: Engine) -> None:
    _keten(store)
    with session_factory(store)() as session:
        gi_link.koppel_groep(session, CLIENT, m.GEMEENTE, REGELS, NOW)
        start_id = session.execute(select(col(StartRecord.id))).scalar_one()
        row = session.execute(select(gi_link.K)).one()
    assert (row.verzoek_aanbieder, row.verzoek_referentie, row.verzoek_datum) == (m.AANBIEDER, REF_A, VOT)
    assert (row.toewijzing_aanbieder, row.toewijzing_nummer, row.toewijzing_datum) == (
        m.AANBIEDER,
        300201,
        TW,
    )
    assert (row.start_ref, row.start_datum) == (start_id, START)


def test_maak_meldingen_counts_the_new_statuses_only(store: Engine) -> None:
    # "returns how many are new": a status made before, or twice in one call, is neither stored nor counted again.
    _keten(store)
    with session_factory(store)() as session:
        groep = gi_link.koppel_groep(session, CLIENT, m.GEMEENTE, REGELS, NOW)
        meldingen = gi_link.groep_meldingen(groep)
        assert sorted(x.status for x in meldingen) == ["01", "02", "03"]
        assert gi_link.maak_meldingen(session, groep.bepalingen, meldingen + meldingen, NOW.date(), NOW) == 3
        assert gi_link.maak_meldingen(session, groep.bepalingen, meldingen, NOW.date(), NOW) == 0
        assert len(gi_link.gemeld(session, [b.id for b in groep.bepalingen])) == 3


def test_a_statusmelding_keeps_the_time_it_was_first_published(store: Engine) -> None:
    _keten(store)
    later = NOW + timedelta(minutes=5)
    with session_factory(store)() as session:
        groep = gi_link.koppel_groep(session, CLIENT, m.GEMEENTE, REGELS, NOW)
        gi_link.maak_meldingen(session, groep.bepalingen, gi_link.groep_meldingen(groep), NOW.date(), NOW)
        ids = [r.id for r in gi_link.te_versturen(session)]
        assert len(ids) == 3
        gi_link.markeer_verstuurd(session, ids[:1], NOW)
        gi_link.markeer_verstuurd(session, ids, later)  # a second replica publishing the same batch
        session.commit()
        rows = {r.id: r.verstuurd_op for r in session.scalars(select(GiStatusmeldingRecord))}
        assert gi_link.te_versturen(session) == [] and gi_link.verstuurd_niet_afgeleverd(session) == 3
    assert [rows[i] for i in ids] == [NOW, later, later]


def test_a_group_finds_each_bepaling_by_its_row_id(store: Engine) -> None:
    # Groep.bepaling gives the processors the DatumBepaling and categorie of the bepaling a link is about.
    p = _keten(store)
    p.stuur("GI001", m.gi001(KIND, VOT, "B2", m.bepaling("B-2", VOT, categorie=m.CAT_B)), verwerk=False)
    with session_factory(store)() as session:
        groep = gi_link.koppel_groep(session, CLIENT, m.GEMEENTE, REGELS, NOW)
    assert [b.bepaling_id for b in groep.bepalingen] == ["B-1", "B-2"]
    for b in groep.bepalingen:
        assert groep.bepaling(b.id) == b
