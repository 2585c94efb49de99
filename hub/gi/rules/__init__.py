"""The rules of the GI messages (docs/gi-berichten.md section 5); importing this package registers them all.

The order is the order rules are reported: Header and Client, then the parts of each message, then level 3.
"""

from hub.gi.rules import (  # noqa: F401
    algemeen,
    bepaling,
    capaciteit,
    stateful,
    status,
    voortgang,
)
