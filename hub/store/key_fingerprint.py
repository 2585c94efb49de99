"""The fingerprint of the key the store's pseudonyms were made with, so a process under another key refuses to start.

A client is known only by its pseudonym (HMAC-SHA256 of the BSN under HUB_PSEUDONYM_KEY). A process that started
under another key would match none of the clients the store holds, without a word: the next JW305 of a known client
would be rejected with TR019. So the first process that pseudonymises records the key's fingerprint here, and each
later one compares its own at start (consumers.app.Runtime, migration 0016). The fingerprint is the same HMAC over
LABEL, a text no BSN equals (a BSN is 9 digits by the XSD): it tells keys apart, and it is neither the key nor any
client's pseudonym. `hub db record-key` records a new key after a deliberate rotation (docs/operations.md, section 5).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel

from hub.errors import ConfigError
from hub.store.db import SessionFactory, run
from hub.store.tables import BerichtRecord, UtcDateTime, _s, table_of

__all__ = ["LABEL", "KeyFingerprintRecord", "Recorded", "check", "fingerprint", "record", "recorded"]

LABEL = "ijw-hub pseudonym key fingerprint"
PSEUDONYM = "pseudonym"  # the row of HUB_PSEUDONYM_KEY; one row per key the store depends on
RECORD_KEY = "`hub db record-key`"
SECTION = "docs/operations.md, section 5"

log = logging.getLogger("hub.store")


class KeyFingerprintRecord(SQLModel, table=True):
    """The fingerprint of a key, and whether it was a throwaway key of one run (that no later run can have)."""

    __tablename__ = "key_fingerprint"

    purpose: str = Field(sa_type=String(32), primary_key=True)
    fingerprint: str = _s(64)  # hex of HMAC-SHA256(key, LABEL)
    throwaway: bool  # demo mode, or `hub process` without HUB_PSEUDONYM_KEY
    recorded_at: datetime = Field(sa_type=UtcDateTime)


_T = table_of(KeyFingerprintRecord)
_READ = select(_T.c.fingerprint, _T.c.throwaway, _T.c.recorded_at).where(_T.c.purpose == bindparam("purpose"))
_FIRST = insert(_T)
_ANY_MESSAGE = select(table_of(BerichtRecord).c.id).limit(1)
_REPLACE = update(_T).where(_T.c.purpose == bindparam("key_purpose"))


@dataclass(frozen=True, slots=True)
class Recorded:
    """A fingerprint as the store holds it."""

    fingerprint: str
    throwaway: bool
    recorded_at: datetime


def fingerprint(pseudonym: Callable[[str], str]) -> str:
    """The key's fingerprint, made by its own pseudonymiser (hub.privacy) over LABEL, which no BSN equals."""
    return pseudonym(LABEL)


def recorded(sessions: SessionFactory) -> Recorded | None:
    """The fingerprint the store holds, or None (a new store, or one migrated to 0016 and not used since)."""
    with sessions() as session:
        row = run(session, _READ, {"purpose": PSEUDONYM}).first()
    return None if row is None else Recorded(row.fingerprint, row.throwaway, row.recorded_at)


def record_first(sessions: SessionFactory, new: Recorded) -> Recorded:
    """The fingerprint the store holds; `new` is recorded when it held none. Replicas starting together agree."""
    found = recorded(sessions)
    if found is not None:
        return found
    try:
        with sessions() as session:
            run(session, _FIRST, [_row(new)])
            session.commit()
    except IntegrityError:  # another process recorded its key in between: that one is the store's
        found = recorded(sessions)
    return found or new


def record(sessions: SessionFactory, new: Recorded) -> Recorded | None:
    """Record `new` in place of any fingerprint the store held (a deliberate rotation); the one it held, if any."""
    earlier = record_first(sessions, new)
    if earlier == new:
        return None
    with sessions() as session:
        run(session, _REPLACE, {"key_purpose": PSEUDONYM, **_row(new)})
        session.commit()
    return earlier


def check(sessions: SessionFactory, new: Recorded, *, demo: bool) -> None:
    """Refuse (ConfigError) a key other than the one the store's pseudonyms were made with; record it on first use.

    Demo mode's throwaway key takes over a store of an earlier throwaway key with a warning (the demo's pseudonyms
    are lost at every start anyway), and is refused on one made under a configured key: demo traffic and a store
    of real clients must not mix, nor its key be dropped by a demo. `hub process` without a key (its contract: a throwaway key) goes on and leaves the fingerprint as it
    is: a replay of messages the store recorded still changes nothing, and the command warns that its pseudonyms
    match no other run's. A configured key is checked in demo mode as anywhere.
    """
    if new.throwaway and demo and recorded(sessions) is None and _holds_messages(sessions):
        # Messages, but no fingerprint yet (a store upgraded past 0016 that no intake has used since): they
        # may be real clients', under a key the store does not know; a demo must not claim them.
        raise ConfigError(_demo_refused(None))
    held = record_first(sessions, new)
    if held.fingerprint == new.fingerprint:
        return
    if new.throwaway and demo and not held.throwaway:
        raise ConfigError(_demo_refused(held))
    if new.throwaway and demo:
        record(sessions, new)
        log.warning(
            "demo mode: this database's pseudonyms were made under another key and match no client of this run; "
            "its fingerprint is replaced by the throwaway key's"
        )
        return
    if new.throwaway:
        return
    raise ConfigError(_mismatch(held, new))


def _demo_refused(held: Recorded | None) -> str:
    made = (
        f"its pseudonyms were made under HUB_PSEUDONYM_KEY (recorded {held.recorded_at.date().isoformat()})"
        if held is not None
        else "it holds messages, and no key of theirs is recorded"
    )
    return (
        f"demo mode refuses this database: {made}, and a demo's throwaway key would mix strangers into it. Use "
        f"another database (`hub demo` makes its own), or set the key it was made with and leave demo mode off "
        f"({SECTION})"
    )


def _holds_messages(sessions: SessionFactory) -> bool:
    with sessions() as session:
        return run(session, _ANY_MESSAGE, {}).first() is not None


def _mismatch(held: Recorded, new: Recorded) -> str:
    """One line: what happened, and what to do."""
    at = held.recorded_at.date().isoformat()
    if held.throwaway:
        return (
            f"this database's pseudonyms were made under a throwaway key (demo mode, or `hub process` without "
            f"HUB_PSEUDONYM_KEY; recorded {at}) that HUB_PSEUDONYM_KEY cannot match: use another database, or "
            f"keep this one under HUB_PSEUDONYM_KEY with {RECORD_KEY} ({SECTION})"
        )
    return (
        f"HUB_PSEUDONYM_KEY is not the key this database's pseudonyms were made with (recorded {at}): every "
        "known client would be a stranger to it (TR019 on its next JW305). Set the key it was made with; after a "
        f"deliberate rotation record the new one with {RECORD_KEY} ({SECTION})"
    )


def _row(r: Recorded) -> dict[str, object]:
    return {
        "purpose": PSEUDONYM,
        "fingerprint": r.fingerprint,
        "throwaway": r.throwaway,
        "recorded_at": r.recorded_at,
    }
