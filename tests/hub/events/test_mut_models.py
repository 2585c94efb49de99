"""The event models (hub.events.models): the Kafka key, the UTC moment, what the envelope refuses."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from hub.events.models import CapaciteitOntvangen, CapaciteitRegel, make_event_id, parse_event
from tests.hub.events.samples import PSEUDONYM, event

AGB_GI = "99887766"


def capaciteit(**changes: Any) -> CapaciteitOntvangen:
    fields: dict[str, Any] = {
        "event_id": make_event_id("bericht-9", "CapaciteitOntvangen"),
        "bericht_id": "bericht-9",
        "afzender": AGB_GI,
        "ontvanger": "0200",
        "gemeente": "0200",
        "aanbieder": AGB_GI,
        "identificatie": "GI003-1",
        "dagtekening": date(2026, 11, 2),
        "ontvangen_op": datetime(2026, 11, 2, 10, 30, tzinfo=timezone(timedelta(hours=1))),
        "capaciteiten": (
            CapaciteitRegel(
                jeugdregio="Noord-Veluwe", regio="Noord Veluwe", peildatum=date(2026, 11, 1),
                jeugdbeschermers=Decimal("12.5"), caseload=15, beschikbare_plaatsen=3, wachtlijst=7,
            ),
        ),
    }  # fmt: skip
    return CapaciteitOntvangen(**{**fields, **changes})


def test_a_clients_event_is_keyed_on_the_pseudonym() -> None:
    e = event("JW301")
    assert e.client is not None and e.kafka_key == e.client


def test_an_event_of_no_client_is_keyed_on_the_gis_agb_code() -> None:
    e = capaciteit()
    assert e.client is None and e.kafka_key == AGB_GI


def test_the_moment_of_receipt_is_kept_in_utc() -> None:
    e = capaciteit()
    assert e.ontvangen_op == datetime(2026, 11, 2, 9, 30, tzinfo=UTC) and e.ontvangen_op.tzinfo == UTC
    assert json.loads(e.model_dump_json())["ontvangen_op"] == "2026-11-02T09:30:00Z"
    terug = parse_event(e.model_dump_json())
    assert terug == e and isinstance(terug, CapaciteitOntvangen)
    assert terug.capaciteiten[0].jeugdbeschermers == Decimal("12.5")  # exact


def test_a_moment_without_time_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        capaciteit(ontvangen_op=datetime(2026, 11, 2, 10, 30))


@pytest.mark.parametrize(
    ("field", "value"),
    [("gemeente", "200"), ("gemeente", "02000"), ("aanbieder", "1234567"), ("client", "A" * 64)],
)
def test_the_envelope_refuses_a_code_not_in_its_form(field: str, value: str) -> None:
    data = json.loads(event("JW305").model_dump_json())
    with pytest.raises(ValidationError, match=field):
        parse_event(json.dumps({**data, field: value}))


def test_a_capaciteit_names_no_client() -> None:
    with pytest.raises(ValidationError, match="client"):
        capaciteit(client=PSEUDONYM("999990019"))


def test_the_event_id_is_fixed_by_message_and_type() -> None:
    assert make_event_id("bericht-9", "CapaciteitOntvangen") == uuid.uuid5(
        uuid.UUID("6f0d1d8e-4a53-5c2e-9b7a-3f1e0c2a9d41"), "bericht-9/CapaciteitOntvangen"
    )
