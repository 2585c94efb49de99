"""The transport-free intake the intake tests share: judging on a fixed day, with a fixed pseudonym key."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine

from hub.intake import Intake
from hub.privacy import Pseudonymiser
from hub.store.db import session_factory
from hub.validate import Validator

TODAY = date(2026, 11, 23)


def new_intake(db: Engine, today: date = TODAY) -> Intake:
    """An Intake on `db` whose rules judge on `today` and whose records are received at its noon."""
    return Intake(
        Validator(clock=lambda: today),
        session_factory(db),
        Pseudonymiser(b"k" * 32),
        clock=lambda: today,
        now=lambda: datetime(today.year, today.month, today.day, 12, tzinfo=UTC),
    )
