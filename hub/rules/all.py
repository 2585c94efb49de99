"""Import every rule module so that each registers its rules; the order is the order rules are reported."""

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
