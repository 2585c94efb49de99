"""GI102 statusmeldingen in the store, as the linking makes them, for the retention tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import Session

from hub.store import audit
from hub.store.gi_tables import GiBepalingRecord, GiStatusmeldingRecord
from tests.hub.store.scenario import PS

GI = "12345678"
GI102 = "<Bericht><Statusmelding><BepalingId>B-1</BepalingId><Status>02</Status></Statusmelding></Bericht>"


def bepaling(session: Session) -> int:
    """A new bepaling of the GI (from a GI001 the intake recorded), for statusmeldingen to be about; its row id."""
    gi001 = audit.record(
        session, content_hash=audit.content_hash(audit.new_id().encode()), outcome="accepted", bericht="GI001",
        afzender=GI, received_at=datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
    )  # fmt: skip
    row = GiBepalingRecord(
        gi=GI, bepaling_id=audit.new_id()[:12], client=PS("999990019"), gemeente="0200", maatregel_id="M-1",
        maatregel_type="01", categorie="01", datum_bepaling=date(2026, 5, 1), gewenste_ingangsdatum=date(2026, 5, 1),
        urgentie="1", dagtekening=date(2026, 5, 1), bericht_id=gi001.id,
    )  # fmt: skip
    session.add(row)
    session.commit()
    assert row.id is not None
    return row.id


def statusmelding(
    session: Session, bepaling_ref: int, *, made: datetime, delivered: datetime | None, published: bool = True
) -> str:
    """A GI102 made at `made`, published then (or not yet) and delivered at `delivered` (None: not yet); its id."""
    row = GiStatusmeldingRecord(
        id=audit.new_id(), bepaling_ref=bepaling_ref, gi=GI, gemeente="0200", client=PS("999990019"),
        bepaling_id="B-1", status="02", onderwerp=audit.new_id(), status_datum=made.date(), identificatie="S0000000001",
        dagtekening=made.date(), xml=GI102, aangemaakt_op=made, verstuurd_op=made if published else None,
        afgeleverd_op=delivered,
    )  # fmt: skip
    session.add(row)
    session.commit()
    return row.id
