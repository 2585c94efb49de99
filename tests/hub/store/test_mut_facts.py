"""hub.store.facts, the cases a mutation pass found unpinned: which answer to a requested product counts first."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from hub.store import facts
from hub.store.db import session_factory
from tests.hub.store.test_verzoeken_onbeantwoord import AGB, APELDOORN, Rijen


def test_an_answer_whose_acceptance_time_is_unknown_sorts_after_one_with_a_known_time(db: Engine) -> None:
    """eerste_antwoord: of a toewijzing whose message has no validated_at and a JW319 accepted at a known time,
    the JW319 is the first answer, whichever was written first and whichever date is earlier."""
    r = Rijen()
    r.verzoek("R1", date(2026, 10, 1))
    r.toewijzing(1, date(2026, 10, 2), ref="R1")
    r.antwoord("R1", date(2026, 10, 6), "2")
    r.berichten[1]["validated_at"] = None  # the toewijzing's message
    r.schrijf(db)
    with session_factory(db)() as s:
        toewijzing = facts.toegewezen(s, APELDOORN, AGB, "R1")
        assert toewijzing is not None and toewijzing.product.toewijzingsdatum == date(2026, 10, 2)
        assert facts.eerste_antwoord(s, APELDOORN, AGB, "R1", toewijzing) == date(2026, 10, 6)
