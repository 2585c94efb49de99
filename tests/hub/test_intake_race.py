"""Two intakes racing on two messages with one Identificatie: one is accepted, the other judged TR056 again.

Each intake finds no earlier message when it looks (they judge at the same moment, on two partitions); the store
keeps one accepted message per sender identity (migration 0011), so the second insert fails and its poll is
handled again, now against the first. Simulated here by hiding the first from the second's lookup.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from hub.intake import Intake
from hub.privacy import Pseudonymiser
from hub.store import audit
from hub.store.db import session_factory
from hub.synth.berichten import spec
from hub.synth.build import edit, to_xml
from hub.validate import Validator

TODAY = date(2026, 11, 23)


def _intake(db: Engine) -> Intake:
    return Intake(
        Validator(clock=lambda: TODAY),
        session_factory(db),
        Pseudonymiser(b"k" * 32),
        clock=lambda: TODAY,
        now=lambda: datetime(2026, 11, 23, 12, tzinfo=UTC),
    )


def test_the_second_of_two_racing_messages_fails_to_commit_and_is_then_judged_tr056(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = to_xml("JW301", spec("JW301"))
    # Same sender and Identificatie, other content (another client's Bsn would do as well).
    second = to_xml(
        "JW301", edit(spec("JW301"), "Client/ToegewezenProducten/ToegewezenProduct/Commentaar", "x")
    )
    assert first != second
    intake = _intake(db)
    assert intake.verwerk(first).outcome == "accepted"

    real_seen = audit.seen

    def blind(*args: Any, **kwargs: Any) -> audit.Seen:
        return audit.Seen(
            None, identificatie_bekend=False
        )  # as the second intake saw it, before the first commit

    monkeypatch.setattr(audit, "seen", blind)
    with pytest.raises(IntegrityError):
        intake.verwerk(second)
    monkeypatch.setattr(audit, "seen", real_seen)

    again = intake.verwerk(second)  # the consumer handles the failed poll's messages again, one by one
    assert again.outcome == "rejected"
    assert [v.rule for v in again.errors] == ["TR056"]
