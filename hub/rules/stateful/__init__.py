"""Level-3 rules (rules.md section 6): each judges a message against a read-only Snapshot in `ctx.state`.

Importing this package registers them; every rule is silent when the pipeline supplies no state.
"""

from hub.rules.stateful import (  # noqa: F401
    antwoord,
    declaratie,
    declaratie_antwoord,
    header,
    prestatie,
    startstop,
    toewijzing,
    verzoek,
)
