"""The GI002 replay's read-back at the store (hub.store.gi_monitor.gi002_events_terug), on SQLite and PostgreSQL:
a client's accepted GI002s from one GI up to and including one of them, newest first, that one first among equal
times. The jeugdbescherming norms count from the dates known right after that message (docs/definities.md 4.2);
another GI's GI002s about the same client never bring its dates, whatever MaatregelId they reuse.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, insert

from hub.store import gi_monitor
from hub.store.db import session_factory
from hub.store.tables import BerichtRecord

GI, ANDERE_GI = "09990001", "09990002"
CLIENT = "c" * 64
T0, T1, T2 = (datetime(2026, 3, d, 12, tzinfo=UTC) for d in (2, 3, 4))


def bericht_id(naam: str) -> str:
    return naam * 16  # 32 characters, as the hub's ids


def test_the_replay_reads_back_only_this_gis_gi002s_up_to_this_one(db: Engine) -> None:
    berichten = [  # (name, GI, validated_at, outcome)
        ("b0", ANDERE_GI, T0, "accepted"),
        ("a0", GI, T0, "rejected"),
        ("a1", GI, T1, "accepted"),
        ("a2", GI, T2, "accepted"),
        ("a3", GI, T2, "accepted"),  # accepted at the same moment as a2
    ]
    with db.begin() as conn:
        conn.execute(
            insert(BerichtRecord),
            [
                {
                    "id": bericht_id(naam),
                    "bericht": "GI002",
                    "afzender": gi,
                    "client": CLIENT,
                    "content_hash": "0" * 64,
                    "outcome": outcome,
                    "event": f'{{"naam": "{naam}"}}',
                    "received_at": moment,
                    "validated_at": moment,
                }
                for naam, gi, moment, outcome in berichten
            ],
        )

    def terug(naam: str) -> list[str]:
        with (
            session_factory(db)() as session,
            gi_monitor.gi002_events_terug(session, GI, CLIENT, bericht_id(naam)) as events,
        ):
            return [event.split('"')[3] for event in events]

    assert terug("a1") == ["a1"]  # not the other GI's earlier one, not the rejected one, not the later ones
    assert terug("a2")[0] == "a2" and sorted(terug("a2")) == ["a1", "a2", "a3"]
    assert terug("a3")[0] == "a3" and sorted(terug("a3")) == ["a1", "a2", "a3"]
    assert terug("zz") == []  # a message without an audit row: nothing to replay
