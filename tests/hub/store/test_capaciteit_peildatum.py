"""gi_capaciteit at the store (hub.store.gi_monitor.laatste_capaciteit), on SQLite and PostgreSQL: per GI and regio
the figures of the latest Peildatum up to and including today (docs/definities.md 3.4).

Rows are written straight into gi_capaciteit, as the intake leaves them (tests/hub/gi_pipeline has the messages).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Engine, insert

from hub.store import gi_monitor
from hub.store.db import session_factory
from hub.store.tables import BerichtRecord

BERICHT = "0" * 32
GI = "09990001"
REGIO = "Midden IJssel-Oost Veluwe"


def test_the_figures_of_a_peildatum_count_from_that_day_on(db: Engine) -> None:
    with db.begin() as conn:
        conn.execute(
            insert(BerichtRecord),
            [
                {
                    "id": BERICHT,
                    "content_hash": "0" * 64,
                    "outcome": "accepted",
                    "received_at": datetime(2026, 1, 1, tzinfo=UTC),
                }
            ],
        )
        conn.execute(
            gi_monitor.C.insert(),
            [
                {
                    "gi": GI,
                    "regio": REGIO,
                    "jeugdregio": REGIO,
                    "peildatum": peildatum,
                    "jeugdbeschermers": Decimal("12.50"),
                    "caseload": caseload,
                    "beschikbare_plaatsen": 3,
                    "wachtlijst": 4,
                    "bericht_id": BERICHT,
                }
                for peildatum, caseload in ((date(2026, 3, 1), 15), (date(2026, 4, 1), 16))
            ],
        )

    def caseload(vandaag: date) -> list[tuple[str, str, date, int]]:
        with session_factory(db)() as session:
            rows = gi_monitor.laatste_capaciteit(session, vandaag)
        return [(r.gi, r.regio, r.peildatum, r.caseload) for r in rows]

    assert caseload(date(2026, 2, 28)) == []
    assert caseload(date(2026, 3, 31)) == [(GI, REGIO, date(2026, 3, 1), 15)]
    assert caseload(date(2026, 4, 1)) == [(GI, REGIO, date(2026, 4, 1), 16)]  # the Peildatum itself counts
