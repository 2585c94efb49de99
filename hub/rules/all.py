"""Import every rule module so that each registers its rules; the order is the order rules are reported."""

# ruff: noqa: I001  (the iJw rules register first: registration order is reporting order)
from hub.rules import (  # noqa: F401
    contact,
    dates,
    declaratie,
    duplicates,
    external,
    person,
    products,
    requests,
    startstop,
    stateful,
)
import hub.gi.rules  # noqa: F401  (the GI messages, docs/gi-berichten.md section 5)
