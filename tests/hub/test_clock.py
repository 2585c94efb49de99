"""The hub's today is the Dutch calendar day, also where the host runs on UTC."""

from __future__ import annotations

import inspect
from datetime import UTC, date, datetime, tzinfo

import pytest

from hub import clock
from hub.clock import vandaag
from hub.intake import Intake
from hub.validate import Validator


def test_just_after_midnight_in_amsterdam_is_already_today_there() -> None:
    # 23:30 UTC in winter (CET, +1) and 22:30 UTC in summer (CEST, +2) are 00:30 the next day in Amsterdam.
    assert vandaag(datetime(2026, 12, 5, 23, 30, tzinfo=UTC)) == date(2026, 12, 6)
    assert vandaag(datetime(2026, 7, 1, 22, 30, tzinfo=UTC)) == date(2026, 7, 2)


def test_the_rest_of_the_day_is_the_same_day() -> None:
    assert vandaag(datetime(2026, 12, 5, 22, 59, tzinfo=UTC)) == date(2026, 12, 5)
    assert vandaag(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == date(2026, 7, 1)


def test_without_an_argument_it_is_the_dutch_day_of_the_current_moment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Frozen(datetime):
        """The current moment is 22:30 UTC on 1 July: already 2 July in Amsterdam (CEST)."""

        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Frozen:
            moment = datetime(2026, 7, 1, 22, 30, tzinfo=UTC).astimezone(tz)
            return cls.fromtimestamp(moment.timestamp(), tz)

    monkeypatch.setattr(clock, "datetime", Frozen)
    assert vandaag() == date(2026, 7, 2)


def test_the_validator_and_the_intake_judge_by_the_dutch_day() -> None:
    """TR135 (Dagtekening not in the future) and the intake's today are the Dutch day unless a clock is given."""
    assert Validator().clock is vandaag
    assert inspect.signature(Intake).parameters["clock"].default is vandaag
