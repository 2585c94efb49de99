"""The advisory locks of the intake (hub.store.locks): which scope each message takes, their keys, their lifetime."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from hub.familie import familie
from hub.gi import synth as gi_synth
from hub.store.db import session_factory
from hub.store.locks import lock_key, lock_scopes, scope_of
from hub.synth import berichten
from hub.validate import Validator
from tests.hub.intake_helpers import TODAY

GEMEENTE, AANBIEDER, GI = "0200", "12345678", gi_synth.GI_AGB


def _model(raw: bytes) -> Any:
    verdict = Validator().validate(raw, today=TODAY)
    assert verdict.doc is not None and not verdict.errors, verdict.errors
    return familie(verdict.doc.bericht).extract(verdict.doc)


SCOPES = {
    "JW301": ("toewijzingnummers", GEMEENTE),  # TR332: the gemeente's numbers at every aanbieder
    "JW305": None,  # starts and stops: the pair's own
    "JW307": None,
    "JW315": ("verzoeken", AANBIEDER),  # TR347
    "JW317": ("verzoeken", AANBIEDER),
    "JW319": None,  # answers the pair's own verzoek (TR355 compares the gemeente)
    "JW323": ("declaraties", AANBIEDER),  # TR314, TR333
    "JW325": ("declaraties", AANBIEDER),  # the gemeente's answer: its Ontvanger is the aanbieder
}


@pytest.mark.parametrize("bericht", list(SCOPES))
def test_each_ijw_message_takes_the_scope_its_rules_read(bericht: str) -> None:
    model = _model(berichten.xml(bericht, gemeente=GEMEENTE, aanbieder=AANBIEDER))
    assert scope_of(model) == SCOPES[bericht]


@pytest.mark.parametrize(
    ("bericht", "scope"), [("GI001", ("gi", GI)), ("GI002", ("gi", GI)), ("GI003", None)]
)
def test_gi_messages_take_their_gis_scope(bericht: str, scope: tuple[str, str] | None) -> None:
    assert scope_of(_model(gi_synth.xml(bericht))) == scope


def test_keys_are_the_same_in_every_process_and_release() -> None:
    # Replicas of one release, or of two during a rolling update, must compute the same key for a scope.
    assert lock_key(("declaraties", AANBIEDER)) == 19187254984846777
    assert lock_key(("toewijzingnummers", GEMEENTE)) == -3295068621300960835
    assert lock_key(("verzoeken", AANBIEDER)) != lock_key(("declaraties", AANBIEDER))


def _held(conn: Any) -> set[int]:
    """The advisory locks this connection's backend holds, as the bigint keys they were taken with (PostgreSQL
    shows a key's high and low 32 bits as classid and objid)."""
    rows = conn.execute(
        text(
            "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks "
            "WHERE locktype = 'advisory' AND objsubid = 1 AND granted AND pid = pg_backend_pid()"
        )
    )
    return {key for (key,) in rows}


@pytest.mark.postgres
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_the_locks_last_until_the_transaction_ends(db: Engine) -> None:
    models = [
        _model(berichten.xml("JW323", aanbieder=AANBIEDER)),
        _model(berichten.xml("JW325", aanbieder=AANBIEDER)),  # the same scope: one lock
        _model(berichten.xml("JW301", gemeente=GEMEENTE)),
        _model(berichten.xml("JW305")),  # none
    ]
    expected = {lock_key(("declaraties", AANBIEDER)), lock_key(("toewijzingnummers", GEMEENTE))}
    with session_factory(db)() as session:
        lock_scopes(session, models)
        assert _held(session.connection()) == expected
        session.commit()
        assert _held(session.connection()) == set()


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_sqlite_takes_none(db: Engine) -> None:
    """One process, one poll at a time: nothing to wait for, and not a statement sent."""
    sent: list[str] = []
    event.listen(db, "before_cursor_execute", lambda *args: sent.append(args[2]))
    with session_factory(db)() as session:
        lock_scopes(session, [_model(berichten.xml("JW323"))])
    assert sent == []
