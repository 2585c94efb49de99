"""hub.store.gi_link: behaviour of the statusmelding outbox that no other test pins down."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import Engine

from hub.gi.codes import STATUS_BEPALING_INGETROKKEN
from hub.gi.status import status_identificatie
from hub.store import gi_link
from hub.store.db import session_factory
from tests.hub.gi.test_status import MELDINGEN
from tests.hub.gi_pipeline import berichten as m
from tests.hub.store.test_gi_link import CLIENT, DB, NOW, REGELS, START, TW, _keten


def test_afgeleverd_is_true_once_and_false_otherwise(sqlite_db: Engine) -> None:
    _keten(sqlite_db)
    with session_factory(sqlite_db)() as session:
        groep = gi_link.koppel_groep(session, CLIENT, m.GEMEENTE, REGELS, NOW)
        gi_link.maak_meldingen(session, groep.bepalingen, gi_link.groep_meldingen(groep), NOW.date(), NOW)
        eerste = gi_link.te_versturen(session)[0].id
        assert gi_link.markeer_afgeleverd(session, eerste, NOW) is True
        assert gi_link.markeer_afgeleverd(session, eerste, NOW + timedelta(minutes=1)) is False
        assert gi_link.markeer_afgeleverd(session, "onbekend", NOW) is False
        assert eerste not in gi_link.onderweg(session) and len(gi_link.onderweg(session)) == 2


def test_the_identificatie_of_a_reused_bepaling_id_does_not_change_between_releases() -> None:
    # Golden values, as for the first use (tests/hub/gi/test_mut_status.py): version 0 is hub.gi.status's id,
    # a later use of the BepalingId adds its version to the key.
    melding = MELDINGEN[0]
    assert [gi_link._identificatie("87654321", melding, versie) for versie in (0, 1, 2)] == [
        status_identificatie("87654321", melding),
        "S65VYD6KQVPB",
        "STOJUL3SWMCB",
    ]


def test_a_withdrawal_is_dated_by_the_gi001_that_withdrew_it(sqlite_db: Engine) -> None:
    # The 06's StatusDatum is the day of the withdrawal, not the day the bepaling was sent; a row that holds no
    # withdrawal date falls back to the bepaling's own Dagtekening.
    p = _keten(sqlite_db)
    weg = TW + timedelta(days=1)
    p.stuur("GI001", m.gi001(m.kind(1), weg, "B2", m.intrekking("B-1", DB)), verwerk=False)
    with session_factory(sqlite_db)() as session:
        groep = gi_link.koppel_groep(session, CLIENT, m.GEMEENTE, REGELS, NOW)
    [bepaling] = groep.bepalingen
    assert (bepaling.ingetrokken_op, bepaling.dagtekening) == (weg, DB)
    zonder_datum = replace(groep, bepalingen=(replace(bepaling, ingetrokken_op=None),))
    assert [(x.status, x.datum) for x in gi_link.groep_meldingen(groep)] == [
        (STATUS_BEPALING_INGETROKKEN, weg)
    ]
    assert [x.datum for x in gi_link.groep_meldingen(zonder_datum)] == [DB]


def test_nothing_is_made_for_no_bepalingen(sqlite_db: Engine) -> None:
    # The 3-month check asks on days when no bepaling is due: an empty answer, not None.
    with session_factory(sqlite_db)() as session:
        assert gi_link.gemeld(session, []) == set()
        assert gi_link.maak_meldingen(session, [], [], NOW.date(), NOW) == 0


def test_the_stored_statusmelding_holds_the_product_and_the_begindatum(sqlite_db: Engine) -> None:
    # The outbound event (StatusmeldingVerstuurd) is read from these columns, not from the GI102's XML.
    _keten(sqlite_db)
    with session_factory(sqlite_db)() as session:
        groep = gi_link.koppel_groep(session, CLIENT, m.GEMEENTE, REGELS, NOW)
        gi_link.maak_meldingen(session, groep.bepalingen, gi_link.groep_meldingen(groep), NOW.date(), NOW)
        rows = {r.status: (r.categorie, r.code, r.begindatum) for r in gi_link.te_versturen(session)}
    assert rows == {"01": (None, None, None), "02": (m.CAT, m.CODE, None), "03": (None, None, START)}
