"""The transport-free intake the intake tests share: judging on a fixed day, with a fixed pseudonym key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from hub.intake import Intake
from hub.privacy import Pseudonymiser
from hub.store.db import session_factory
from hub.validate import Validator, VerdictMemory

TODAY = date(2026, 11, 23)
PSEUDONYMISER = Pseudonymiser(b"k" * 32)


def new_intake(
    db: Engine,
    today: date = TODAY,
    *,
    clock: Callable[[], date] | None = None,
    now: Callable[[], datetime] | None = None,
    memory: VerdictMemory | None = None,
    pseudonym: Pseudonymiser = PSEUDONYMISER,
) -> Intake:
    """An Intake on `db` whose rules judge on `today` and whose records are received at its noon.

    `clock` replaces the fixed `today` with a day that may move; `now` the fixed noon (a ticking or a real clock);
    `memory` is the validator's verdict memory; `pseudonym` the pseudonymiser whose values a test compares.
    """
    day = clock if clock is not None else lambda: today
    noon = datetime(today.year, today.month, today.day, 12, tzinfo=UTC)
    return Intake(
        Validator(clock=day, memory=memory),
        session_factory(db),
        pseudonym,
        clock=day,
        now=now if now is not None else lambda: noon,
    )
