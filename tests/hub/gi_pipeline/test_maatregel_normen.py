"""The jeugdbescherming norms (issue 5): counted once, from the dates known when the later date became known.

A GI002 may replace a date sent earlier (docs/gi-berichten.md 2.5), so the maatregel row in the store changes.
The count must not depend on when the processors get to the GI002 that completed the pair: at once, or after the
intake already accepted the correction (a replica lagging behind, a replay with `hub process`).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from hub.synth.build import Spec
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline.helpers import Pipeline

KIND = m.kind(7)
# Uitspraak Monday 2 March 2026, vaste jeugdbeschermer Wednesday 4 March: 2 working days, within the norm.
# Then the GI moves the uitspraak to Monday 16 February (GB105 allows it: not after the jeugdbeschermer).
EERSTE = m.gi002(
    KIND, date(2026, 3, 5), "VN1",
    m.maatregel("M-N", uitspraak=date(2026, 3, 2), vaste_jeugdbeschermer=date(2026, 3, 4)),
)  # fmt: skip
CORRECTIE = m.gi002(KIND, date(2026, 3, 20), "VN2", m.maatregel("M-N", uitspraak=date(2026, 2, 16)))


def _normen(p: Pipeline, norm: str) -> dict[str, float | None]:
    reg = p.registry()
    return {
        u: reg.get_sample_value("jeugdhulp_norm_total", {"norm": norm, "uitkomst": u, "regio": m.REGIO})
        for u in ("binnen", "buiten")
    }


def stuur_paar(p: Pipeline, eerste: Spec, correctie: Spec, verwerkt: str) -> None:
    """Both GI002s through the intake; the processors reach their events at once ("direct"), or only after the
    intake accepted both messages."""
    direct = verwerkt == "direct"
    results = [p.stuur("GI002", s, verwerk=direct) for s in (eerste, correctie)]
    if not direct:
        for result in results:
            assert result.event is not None
            assert p.processor.verwerk(result.event)


@pytest.mark.parametrize("verwerkt", ["direct", "na_de_correctie"])
def test_the_jeugdbeschermer_norm_counts_the_dates_of_the_message_that_completed_the_pair(
    db: Engine, verwerkt: str
) -> None:
    p = Pipeline(db)
    stuur_paar(p, EERSTE, CORRECTIE, verwerkt)
    assert _normen(p, "jeugdbeschermer_5_werkdagen") == {"binnen": 1.0, "buiten": 0.0}


@pytest.mark.parametrize("verwerkt", ["direct", "na_de_correctie"])
def test_the_gedragen_koers_norm_counts_the_dates_of_the_message_that_completed_the_pair(
    db: Engine, verwerkt: str
) -> None:
    """Uitspraak 2 March, koers 10 April (39 days, within 6 weeks); the later uitspraak of 16 Feb makes 53."""
    p = Pipeline(db)
    koers = m.maatregel("M-K", uitspraak=date(2026, 3, 2), gedragen_koers=date(2026, 4, 10))
    correctie = m.maatregel("M-K", uitspraak=date(2026, 2, 16))
    stuur_paar(
        p,
        m.gi002(KIND, date(2026, 4, 10), "VK1", koers),
        m.gi002(KIND, date(2026, 4, 20), "VK2", correctie),
        verwerkt,
    )
    assert _normen(p, "gedragen_koers_6_weken") == {"binnen": 1.0, "buiten": 0.0}


def test_a_date_sent_earlier_completes_the_pair_with_the_date_this_message_brings(db: Engine) -> None:
    """Uitspraak in one GI002, jeugdbeschermer in the next: counted when the second comes, from both messages."""
    p = Pipeline(db)
    p.stuur(
        "GI002",
        m.gi002(KIND, date(2026, 3, 2), "VP1", m.maatregel("M-P", uitspraak=date(2026, 3, 2))),
        verwerk=False,
    )
    tweede = p.stuur(
        "GI002",
        m.gi002(KIND, date(2026, 3, 10), "VP2", m.maatregel("M-P", vaste_jeugdbeschermer=date(2026, 3, 10))),
    )
    assert tweede.event is not None
    # 2 March -> 10 March: 6 working days, above the norm.
    assert _normen(p, "jeugdbeschermer_5_werkdagen") == {"binnen": 0.0, "buiten": 1.0}
