"""The event models: JSON round trips, the discriminated union, topics, privacy by construction, schemas."""

from __future__ import annotations

import importlib.util
import json
import re
import typing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel, ValidationError

from hub.events.models import (
    SCHEMA_MODELS,
    TOPIC_KIND,
    AntwoordOntvangen,
    DeadLetter,
    HubEvent,
    NormalisedEvent,
    StartOntvangen,
    ToewijzingOntvangen,
    parse_event,
)
from tests.hub.events.samples import EVENT_BERICHTEN, event

ROOT = Path(__file__).resolve().parents[3]


def _tool() -> ModuleType:
    """tools/ is not a package: load the generator from its file."""
    spec = importlib.util.spec_from_file_location(
        "gen_event_schemas", ROOT / "tools" / "gen_event_schemas.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- JSON -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("bericht", EVENT_BERICHTEN)
def test_event_round_trips_through_json(bericht: str) -> None:
    e = event(bericht)
    data = e.model_dump_json()
    assert type(e).model_validate_json(data) == e
    assert parse_event(data) == e  # the union picks the class from `type`
    assert type(parse_event(data)) is type(e)
    assert HubEvent.parse_event(data.encode()) == e


def test_json_shape_of_the_envelope() -> None:
    data = json.loads(event("JW305").model_dump_json())
    assert data["schema_version"] == 1
    assert data["type"] == "StartOntvangen"
    assert data["dagtekening"] == "2026-11-02"
    assert data["ontvangen_op"].endswith("Z")
    assert len(data["event_id"]) == 36


def test_an_unknown_type_is_not_an_event() -> None:
    data = json.loads(event("JW305").model_dump_json())
    data["type"] = "Onbekend"
    with pytest.raises(ValidationError):
        parse_event(json.dumps(data))


def test_a_field_outside_the_model_is_refused() -> None:
    data: dict[str, Any] = json.loads(event("JW305").model_dump_json())
    with pytest.raises(ValidationError, match="bsn"):
        StartOntvangen.model_validate({**data, "bsn": "999990019"})


def test_events_are_frozen() -> None:
    e = event("JW305")
    with pytest.raises(ValidationError):
        e.client = "0" * 64  # type: ignore[misc]  # frozen: the write must fail


# --- the union and the topics ---------------------------------------------------------------------


def test_every_event_has_a_topic_and_its_class_name_as_type() -> None:
    union = typing.get_args(typing.get_args(NormalisedEvent)[0])
    assert set(union) == set(TOPIC_KIND)
    for cls in TOPIC_KIND:
        assert cls.model_fields["type"].default == cls.__name__
    assert list(TOPIC_KIND.values()) == [
        "toewijzing",
        "start",
        "stop",
        "verzoek-om-toewijzing",
        "verzoek-om-wijziging",
        "antwoord",
        "gi.bepaling",
        "gi.maatregel-voortgang",
        "gi.capaciteit",
        "gi.status",
    ]


@pytest.mark.parametrize("bericht", EVENT_BERICHTEN)
def test_each_message_has_its_own_event_type(bericht: str) -> None:
    e = event(bericht)
    assert type(e) in TOPIC_KIND
    assert type(e).model_fields["bericht"].default == bericht


# --- privacy by construction ----------------------------------------------------------------------

PERSOONLIJKE_VELDEN = {"bsn", "naam", "achternaam", "voornamen", "voorletters", "geboortedatum", "geslacht"}
PERSOONLIJKE_VELDEN |= {"adres", "postcode", "straatnaam", "huisnummer", "telefoon", "telefoonnummer"}
PERSOONLIJKE_VELDEN |= {"emailadres", "commentaar", "verwijzer_naam", "relaties", "contactgegevens"}


def _fields(model: type[BaseModel]) -> set[str]:
    """Every field name of the model and of the models nested in it."""
    names: set[str] = set()
    for name, info in model.model_fields.items():
        names.add(name)
        for arg in _flatten(info.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                names |= _fields(arg)
    return names


def _flatten(annotation: Any) -> list[Any]:
    args = typing.get_args(annotation)
    return [annotation] if not args else [a for arg in args for a in _flatten(arg)]


@pytest.mark.parametrize("model", SCHEMA_MODELS, ids=lambda m: m.__name__)
def test_no_model_has_a_field_for_personal_data(model: type[BaseModel]) -> None:
    fields = _fields(model)
    assert fields & PERSOONLIJKE_VELDEN == set()
    assert len(fields) > 5  # the walk did reach the fields


def test_nested_fields_are_walked() -> None:
    assert {"toewijzing_nummer", "volume"} <= _fields(ToewijzingOntvangen)


# --- AntwoordOntvangen and DeadLetter -------------------------------------------------------------


def test_antwoord_without_client_round_trips() -> None:
    e = event("JW319")
    assert isinstance(e, AntwoordOntvangen) and e.client is None
    assert '"client":null' in e.model_dump_json()
    assert parse_event(e.model_dump_json()) == e


def test_dead_letter_round_trips_in_utc() -> None:
    seen = datetime(2026, 11, 2, 11, 0, tzinfo=timezone(timedelta(hours=1)))
    dl = DeadLetter(
        reason="unreadable",
        error="not well-formed XML",
        bericht_id="b",
        raw_size=12,
        first_seen=seen,
        attempts=1,
    )
    assert dl.first_seen.tzinfo == UTC
    assert DeadLetter.model_validate_json(dl.model_dump_json()) == dl
    assert json.loads(dl.model_dump_json())["type"] == "DeadLetter"


@pytest.mark.parametrize("bad", [{"attempts": 0}, {"raw_size": -1}, {"error": "x" * 2001}])
def test_dead_letter_bounds(bad: dict[str, Any]) -> None:
    fields: dict[str, Any] = {
        "reason": "retries-exhausted",
        "error": "store unavailable",
        "raw_size": 10,
        "first_seen": datetime(2026, 11, 2, tzinfo=UTC),
        "attempts": 3,
    }
    DeadLetter(**fields)  # the base is valid
    with pytest.raises(ValidationError):
        DeadLetter(**{**fields, **bad})


def test_hub_event_is_the_base_of_every_event() -> None:
    assert all(issubclass(cls, HubEvent) for cls in TOPIC_KIND)
    assert not issubclass(DeadLetter, HubEvent)


# --- JSON Schemas ---------------------------------------------------------------------------------


def test_committed_schemas_are_current() -> None:
    tool = _tool()
    files = tool.build()
    assert set(files) == {f"{m.__name__}.v1.json" for m in SCHEMA_MODELS}
    assert tool.stale(ROOT / "schemas" / "events", files) == []  # else: python tools/gen_event_schemas.py


def test_check_mode_reports_stale_and_current(tmp_path: Path) -> None:
    tool = _tool()
    assert tool.main(["--check", "--out", str(tmp_path)]) == 1
    assert tool.main(["--out", str(tmp_path)]) == 0
    assert tool.main(["--check", "--out", str(tmp_path)]) == 0
    (tmp_path / "StartOntvangen.v1.json").write_text("{}\n", encoding="utf-8")
    assert tool.main(["--check", "--out", str(tmp_path)]) == 1


def test_schema_requires_the_envelope_and_forbids_extra_fields() -> None:
    schema = json.loads((ROOT / "schemas" / "events" / "StartOntvangen.v1.json").read_text(encoding="utf-8"))
    assert schema["additionalProperties"] is False
    assert {"schema_version", "type", "event_id", "client", "gemeente", "aanbieder"} <= set(
        schema["required"]
    )
    assert schema["properties"]["client"]["pattern"] == "^[0-9a-f]{64}$"
    assert schema["properties"]["type"]["const"] == "StartOntvangen"


# RFC 3339 as JSON Schema 2020-12 defines its formats: a time and a date-time carry a UTC offset. A consumer's
# validator that checks formats (ajv-formats 3, jsonschema with rfc3339-validator) applies these.
_OFFSET = r"(Z|[+-][0-9]{2}:[0-9]{2})"
_FULL_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_FULL_TIME = r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?" + _OFFSET
RFC3339 = jsonschema.FormatChecker(formats=())
RFC3339.checks("date")(lambda v: not isinstance(v, str) or re.fullmatch(_FULL_DATE, v) is not None)
RFC3339.checks("time")(lambda v: not isinstance(v, str) or re.fullmatch(_FULL_TIME, v, re.I) is not None)
RFC3339.checks("date-time")(
    lambda v: not isinstance(v, str) or re.fullmatch(f"{_FULL_DATE}T{_FULL_TIME}", v, re.I) is not None
)


@pytest.mark.parametrize("bericht", EVENT_BERICHTEN)
def test_every_event_meets_its_committed_schema_with_formats_checked(bericht: str) -> None:
    """A toewijzingstijd once had format "time", which RFC 3339 gives an offset an iJw time never has."""
    e = event(bericht)
    schema = json.loads(
        (ROOT / "schemas" / "events" / f"{type(e).__name__}.v1.json").read_text(encoding="utf-8")
    )
    jsonschema.validate(e.model_dump(mode="json"), schema, format_checker=RFC3339)


def test_a_toewijzingstijd_is_a_local_time_in_the_schema() -> None:
    schema = json.loads(
        (ROOT / "schemas" / "events" / "ToewijzingOntvangen.v1.json").read_text(encoding="utf-8")
    )
    tijd = schema["$defs"]["ToegewezenProductRegel"]["properties"]["toewijzingstijd"]
    assert "format" not in tijd
    for ok in ("10:00:00", "23:59:30.250000", "00:00:00"):
        assert re.fullmatch(tijd["pattern"][1:-1], ok)
    for bad in ("10:00:00+01:00", "10:00:00Z", "24:00:01", "1:00:00"):
        assert not re.fullmatch(tijd["pattern"][1:-1], bad)
