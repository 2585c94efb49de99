"""The key's fingerprint in the store (migration 0016): recorded on first use, a mismatch refused, on both backends."""

from __future__ import annotations

import hashlib
import hmac
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text

from hub.errors import ConfigError
from hub.privacy import Pseudonymiser
from hub.store import key_fingerprint as fingerprints
from hub.store.db import alembic_config, is_current, session_factory
from hub.store.key_fingerprint import LABEL, Recorded
from hub.store.tables import BerichtRecord

KEY = b"fingerprint-test-pseudonym-key-0123"
OTHER = b"fingerprint-test-another-key-456789"
FIRST = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)


def made(key: bytes, *, throwaway: bool = False, at: datetime = FIRST) -> Recorded:
    return Recorded(fingerprints.fingerprint(Pseudonymiser(key)), throwaway, at)


def test_the_fingerprint_is_hmac_of_the_key_over_a_label_no_bsn_equals() -> None:
    assert (
        fingerprints.fingerprint(Pseudonymiser(KEY))
        == hmac.new(KEY, LABEL.encode(), hashlib.sha256).hexdigest()
    )
    assert not re.fullmatch(r"\d{9}", LABEL)  # a BSN is 9 digits: no client's pseudonym is the fingerprint
    assert LABEL.encode() != b"ijw-hub bericht-id"  # producers.ids derives the id key over that one
    assert made(KEY).fingerprint != made(OTHER).fingerprint


def test_the_first_use_records_the_key_and_the_same_key_passes(db: Engine) -> None:
    sessions = session_factory(db)
    assert fingerprints.recorded(sessions) is None
    fingerprints.check(sessions, made(KEY), demo=False)
    assert fingerprints.recorded(sessions) == made(KEY)
    fingerprints.check(sessions, made(KEY, at=LATER), demo=False)
    assert fingerprints.recorded(sessions) == made(KEY)  # kept as first recorded


def test_another_key_is_refused_saying_what_to_do(db: Engine) -> None:
    sessions = session_factory(db)
    fingerprints.check(sessions, made(KEY), demo=False)
    with pytest.raises(ConfigError) as refused:
        fingerprints.check(sessions, made(OTHER, at=LATER), demo=True)  # a configured key: demo mode or not
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith("HUB_PSEUDONYM_KEY is not the key this database's pseudonyms were made with")
    assert "(recorded 2026-12-08)" in message and "`hub db record-key`" in message
    assert made(KEY).fingerprint not in message and made(OTHER).fingerprint not in message
    assert fingerprints.recorded(sessions) == made(KEY)


def test_hub_process_without_a_key_goes_on_and_leaves_the_fingerprint(db: Engine) -> None:
    """Its contract: a throwaway key, so that a replay of recorded messages changes nothing (they are
    recognised by their bytes); the command itself warns that its pseudonyms match no other run's."""
    sessions = session_factory(db)
    fingerprints.check(sessions, made(KEY), demo=False)
    fingerprints.check(sessions, made(OTHER, throwaway=True), demo=False)
    assert fingerprints.recorded(sessions) == made(KEY)


def test_a_configured_key_on_a_throwaway_keys_store_says_so(db: Engine) -> None:
    sessions = session_factory(db)
    fingerprints.check(sessions, made(OTHER, throwaway=True), demo=False)  # `hub process` without a key
    with pytest.raises(ConfigError, match=r"^this database's pseudonyms were made under a throwaway key"):
        fingerprints.check(sessions, made(KEY), demo=False)


def test_demo_modes_throwaway_key_takes_an_earlier_demos_store_over_with_a_warning(
    db: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    sessions = session_factory(db)
    fingerprints.check(sessions, made(KEY, throwaway=True), demo=True)
    throwaway = made(OTHER, throwaway=True, at=LATER)
    fingerprints.check(sessions, throwaway, demo=True)
    assert fingerprints.recorded(sessions) == throwaway
    [warning] = [r for r in caplog.records if r.name == "hub.store"]
    assert warning.levelname == "WARNING" and warning.getMessage().startswith(
        "demo mode: this database's pseudonyms"
    )


def test_demo_modes_throwaway_key_is_refused_on_a_store_of_a_configured_key(db: Engine) -> None:
    sessions = session_factory(db)
    fingerprints.check(sessions, made(KEY), demo=False)
    with pytest.raises(
        ConfigError, match=r"^demo mode refuses this database: its pseudonyms were made under"
    ):
        fingerprints.check(sessions, made(OTHER, throwaway=True, at=LATER), demo=True)
    assert fingerprints.recorded(sessions) == made(KEY)


def test_demo_mode_refuses_a_store_with_messages_and_no_recorded_key(db: Engine) -> None:
    """A store upgraded past 0016 that no intake has used since holds messages but no fingerprint: they may be real
    clients', so a demo does not claim it; a configured key still takes it (as the first intake after the upgrade)."""
    sessions = session_factory(db)
    with sessions() as session:
        session.add(
            BerichtRecord(
                id="b" * 32,
                content_hash="b" * 64,
                outcome="accepted",
                error_codes=[],
                received_at=FIRST,
            )
        )
        session.commit()
    with pytest.raises(ConfigError, match=r"^demo mode refuses this database: it holds messages, and no key"):
        fingerprints.check(sessions, made(OTHER, throwaway=True), demo=True)
    assert fingerprints.recorded(sessions) is None
    fingerprints.check(sessions, made(KEY), demo=False)
    assert fingerprints.recorded(sessions) == made(KEY)


def test_record_replaces_the_fingerprint_and_says_which_it_held(db: Engine) -> None:
    sessions = session_factory(db)
    assert fingerprints.record(sessions, made(KEY)) is None  # a new store: nothing held
    assert fingerprints.record(sessions, made(KEY)) is None  # the same key: nothing changes
    rotated = made(OTHER, at=LATER)
    assert fingerprints.record(sessions, rotated) == made(KEY)
    assert fingerprints.recorded(sessions) == rotated
    fingerprints.check(sessions, made(OTHER), demo=False)  # the new key starts


def test_replicas_starting_together_agree_on_one_fingerprint(db: Engine) -> None:
    sessions = session_factory(db)
    keys = [f"fingerprint-test-replica-key-{n:04d}".encode() for n in range(8)]
    with ThreadPoolExecutor(8) as pool:
        held = list(pool.map(lambda key: fingerprints.record_first(sessions, made(key)), keys))
    assert len(set(held)) == 1 and held[0] == fingerprints.recorded(sessions)


def test_migration_0016_goes_down_and_up(db: Engine) -> None:
    """The table is new and empty after an upgrade; the downgrade drops it (a check lost, no data)."""
    fingerprints.record(session_factory(db), made(KEY))
    with db.begin() as connection:
        cfg = alembic_config()
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0015")
        assert "key_fingerprint" not in inspect(connection).get_table_names()
        command.upgrade(cfg, "head")
        assert "key_fingerprint" in inspect(connection).get_table_names()
        assert connection.execute(text("SELECT count(*) FROM key_fingerprint")).scalar() == 0
    assert is_current(db)
