"""The bepaling stage of jeugdhulp_wachtend and its boven-norm part at the store
(hub.store.gi_monitor.wachtende_bepalingen), on SQLite and PostgreSQL: the 3-month cut-off by DatumBepaling, and
a bepaling whose linked verzoek waits itself counts at the verzoek stage instead (docs/definities.md 3.1, 3.2).

Rows are written straight into the tables, as the intake and the processors leave them (tests/hub/gi_pipeline has
the messages).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, insert

from hub.monitor.norms import boven_norm_grens
from hub.store import gi_monitor
from hub.store.db import session_factory
from hub.store.tables import BerichtRecord

BERICHT = "0" * 32
GI, AANBIEDER, APELDOORN = "09990001", "12345678", "0200"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def vul(
    db: Engine,
    bepalingen: Sequence[dict[str, Any]],
    koppelingen: Sequence[dict[str, Any]] = (),
    verzoeken: Sequence[dict[str, Any]] = (),
) -> None:
    """gi_bepaling rows (id, datum_bepaling, dagtekening), gi_koppeling rows (bepaling, verzoek referentie) and
    verzoek rows (referentie, dagtekening) of one client at one gemeente, all of one accepted message."""
    with db.begin() as conn:
        conn.execute(
            insert(BerichtRecord),
            [{"id": BERICHT, "content_hash": "0" * 64, "outcome": "accepted", "received_at": NOW}],
        )
        conn.execute(
            gi_monitor.B.insert(),
            [
                {
                    "id": b["id"],
                    "gi": GI,
                    "bepaling_id": f"B-{b['id']}",
                    "client": "c" * 64,
                    "gemeente": APELDOORN,
                    "maatregel_id": "M-1",
                    "maatregel_type": "01",
                    "categorie": "45",
                    "datum_bepaling": b["datum_bepaling"],
                    "gewenste_ingangsdatum": b["datum_bepaling"],
                    "urgentie": "1",
                    "dagtekening": b["dagtekening"],
                    "ingetrokken": False,
                    "bericht_id": BERICHT,
                }
                for b in bepalingen
            ],
        )
        if verzoeken:
            conn.execute(
                gi_monitor.V.insert(),
                [
                    {
                        "aanbieder": AANBIEDER,
                        "gemeente": APELDOORN,
                        "client": "c" * 64,
                        "referentie_aanbieder": v["referentie"],
                        "soort": "VOT",
                        "dagtekening": v["dagtekening"],
                        "categorie": "45",
                        "toegewezen": False,
                        "bericht_id": BERICHT,
                    }
                    for v in verzoeken
                ],
            )
        if koppelingen:
            conn.execute(
                gi_monitor.K.insert(),
                [
                    {
                        "bepaling_ref": k["bepaling"],
                        "gemeente": APELDOORN,
                        "verzoek_aanbieder": AANBIEDER,
                        "verzoek_referentie": k["referentie"],
                        "verzoek_datum": k["verzoek_datum"],
                        "gewijzigd_op": NOW,
                    }
                    for k in koppelingen
                ],
            )


def wachtend(db: Engine, vandaag: date) -> list[tuple[str, str, str | None, str | None, int, int]]:
    """The bepaling stage's rows as of vandaag, with the cut-off the collector passes."""
    with session_factory(db)() as session:
        rows = gi_monitor.wachtende_bepalingen(session, vandaag, boven_norm_grens(vandaag))
    return [(r.fase, r.gemeente, r.aanbieder, r.productcategorie, r.aantal, r.boven_norm) for r in rows]


def test_a_bepaling_is_above_the_norm_from_the_day_after_the_same_day_3_months_later(db: Engine) -> None:
    """Waiting since 31 January: not above the norm on 30 April, above it from 1 May (docs/definities.md 1.4)."""
    vul(
        db,
        [
            {"id": 1, "datum_bepaling": date(2026, 1, 31), "dagtekening": date(2026, 2, 2)},
            {"id": 2, "datum_bepaling": date(2026, 2, 1), "dagtekening": date(2026, 2, 2)},
        ],
    )
    assert wachtend(db, date(2026, 2, 1)) == []  # the hub knows them from the GI001's Dagtekening
    assert wachtend(db, date(2026, 4, 30)) == [("bepaling", APELDOORN, None, "45", 2, 0)]
    assert wachtend(db, date(2026, 5, 1)) == [("bepaling", APELDOORN, None, "45", 2, 1)]
    assert wachtend(db, date(2026, 5, 2)) == [("bepaling", APELDOORN, None, "45", 2, 2)]


def test_only_its_own_linked_verzoek_moves_a_bepaling_to_the_verzoek_stage(db: Engine) -> None:
    """The aanbieder's other open verzoek, not linked to the bepaling, leaves it waiting at the bepaling stage."""
    vul(
        db,
        [{"id": 1, "datum_bepaling": date(2026, 2, 20), "dagtekening": date(2026, 2, 23)}],
        koppelingen=[{"bepaling": 1, "referentie": "REF-A", "verzoek_datum": date(2026, 3, 10)}],
        verzoeken=[
            {"referentie": "REF-A", "dagtekening": date(2026, 3, 10)},
            {"referentie": "REF-B", "dagtekening": date(2026, 3, 1)},
        ],
    )
    assert wachtend(db, date(2026, 3, 5)) == [("bepaling", APELDOORN, None, "45", 1, 0)]  # REF-A not sent yet
    assert wachtend(db, date(2026, 3, 10)) == []  # REF-A waits: the chain is at the verzoek stage
