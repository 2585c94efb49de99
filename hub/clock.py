"""The hub's "today": the calendar day in the Netherlands, whatever time zone the host or container runs in.

Dates in iJw messages (Dagtekening, Ingangsdatum) are Dutch calendar days. A container runs on UTC by default,
which is yesterday in Amsterdam between midnight and 01:00 or 02:00: TR135 would then reject a message dated
today as dated in the future, and the norms would count from the wrong day. Timestamps stay in UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

# The tzdata package is a dependency, so this resolves where the host has no time zone database (slim images).
NEDERLAND = ZoneInfo("Europe/Amsterdam")


def vandaag(now: datetime | None = None) -> date:
    """The Dutch calendar day of `now` (an aware datetime; default: the current moment)."""
    return (now or datetime.now(NEDERLAND)).astimezone(NEDERLAND).date()
