"""hub.store.gi_link: behaviour of the statusmelding outbox that no other test pins down."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from hub.gi.status import status_identificatie
from hub.store import gi_link
from hub.store.db import session_factory
from tests.hub.gi.test_status import MELDINGEN
from tests.hub.gi_pipeline import berichten as m
from tests.hub.store.test_gi_link import CLIENT, NOW, REGELS, _keten


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
