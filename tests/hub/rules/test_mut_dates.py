"""Date rules (hub/rules/dates.py): behaviour the mutation pass found unpinned by test_dates.py."""

from __future__ import annotations

import hub.rules.dates  # noqa: F401  (registers the rules under test)
from tests.hub.rules.level2 import edited, violations
from tests.hub.rules.test_dates import MORGEN


def test_tr134_finding_names_the_class_and_element_with_the_date() -> None:
    message = edited("JW305", ("Client/StartProducten/StartProduct[2]/Begindatum", MORGEN))
    [found] = violations("JW305", message, "TR134")
    assert found.message == "StartProduct/Begindatum 2026-11-03 is after the Dagtekening 2026-11-02."


def test_tr134_birth_date_finding_names_the_element_only() -> None:
    message = edited("JW301", ("Client/Relaties/Relatie/Geboortedatum/Datum", MORGEN))
    [found] = violations("JW301", message, "TR134")
    assert found.message == "Geboortedatum/Datum is after the Dagtekening 2026-11-02."
