"""Advisory locks that make messages whose stateful rules reach beyond their own pair wait for each other.

The inbound topic is keyed by gemeente:aanbieder, so one pair's messages are judged in order by one intake. A few
rules read state that other pairs write, and intake replicas judge other pairs at the same moment: each would see
a store without the other's uncommitted rows, and both messages could be accepted where one must be rejected.

- ("declaraties", aanbieder): JW323 and JW325. TR314 and TR333, and TR323, TR389 and TR390, read the aanbieder's
  lines and declaraties at every gemeente; a JW325 returns or credits lines that they read.
- ("verzoeken", aanbieder): JW315 and JW317. TR347 reads the aanbieder's ReferentieAanbieders at every gemeente
  (ux_verzoek_referentie holds it as well, but only by failing the later batch).
- ("toewijzingnummers", gemeente): JW301. TR332 reads the client of a ToewijzingNummer at every aanbieder.
- ("gi", GI): GI001 and GI002. GB102-GB105 read the GI's bepalingen and maatregelen at every gemeente.

TR056 and GB101 (per Afzender) are held by ux_bericht_identificatie (migration 0011) instead: nearly every
message would wait under a lock per Afzender.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import BigInteger, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session

from hub.gi.models import Gi001, Gi002
from hub.ijw.models import Jw301, Jw315, Jw317, Jw323, Jw325
from hub.store.db import run

Scope = tuple[str, str]  # (what is shared, whose: an AGB code or a gemeentecode)

# Sorted (the caller sorts the keys, ORDER BY keeps them so): two replicas that each need several locks take
# them in the same order, so neither can hold one the other waits for while waiting for one the other holds.
# pg_advisory_xact_lock is volatile, which PostgreSQL evaluates after the sort, one row at a time.
_LOCK = text(
    "SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:keys AS BIGINT[])) AS k ORDER BY k"
).bindparams(bindparam("keys", type_=ARRAY(BigInteger)))


def scope_of(model: Any) -> Scope | None:
    """The scope wider than its pair whose state this message's rules read (the list above), if any."""
    match model:
        case Jw323():
            return ("declaraties", model.header.afzender)
        case Jw325():
            return ("declaraties", model.header.ontvanger)  # the aanbieder whose JW323 it answers
        case Jw315() | Jw317():
            return ("verzoeken", model.header.afzender)
        case Jw301():
            return ("toewijzingnummers", model.header.afzender)
        case Gi001() | Gi002():
            return ("gi", model.header.afzender)
    return None


def lock_key(scope: Scope) -> int:
    """A stable signed 64-bit key for a scope: the same in every process (Python's hash() is salted)."""
    digest = hashlib.blake2b(f"ijw-hub:{scope[0]}:{scope[1]}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_scopes(session: Session, models: Iterable[Any]) -> None:
    """Take the transaction's advisory locks for these messages' scopes; call it before anything is read.

    Released at commit or rollback, so a batch that fails and is handled one by one takes them again per message.
    Read committed (PostgreSQL's default, which the hub keeps) gives every later statement a snapshot from after
    the lock was granted: it sees what the previous holder committed. SQLite takes none: it is for one process,
    whose intake handles one poll at a time, so no other intake judges meanwhile.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({lock_key(scope) for model in models if (scope := scope_of(model)) is not None})
    if keys:
        run(session, _LOCK, {"keys": keys})
