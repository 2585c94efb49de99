"""gi_maatregelen_wachtend{norm,gi,regio} and its _boven_norm part through intake, processors and /metrics.

Maatregelen under a judge's decision still without a vaste jeugdbeschermer or a gedragen koers, as of a day:
the GI002s go through the transport-free pipeline and the gauges are read by the collector a scrape uses.
The definitions are docs/definities.md 3.5 and 6.15.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from hub.gi import synth as gs
from hub.monitor.collector import MonitorCollector
from hub.monitor.contract import GI_MAATREGELEN_WACHTEND, GI_MAATREGELEN_WACHTEND_BOVEN_NORM
from hub.store.db import session_factory
from hub.synth.build import Spec
from hub.synth.persons import Persoon
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline.helpers import Pipeline
from tests.hub.monitor.helpers import REGIOS

WACHTEND, BOVEN = GI_MAATREGELEN_WACHTEND.name, GI_MAATREGELEN_WACHTEND_BOVEN_NORM.name
JB, GK = "jeugdbeschermer_5_werkdagen", "gedragen_koers_6_weken"
MIJOV, ARNHEM = m.REGIO, "Arnhem"
ZUTPHEN = "0301"  # in Midden IJssel-Oost Veluwe, as Apeldoorn
Gauges = dict[tuple[str, str, str, str], float]


def gi002(
    p: Persoon,
    dagtekening: date,
    ident: str,
    *maatregelen: Spec,
    gi: str = m.GI,
    gemeente: str = m.GEMEENTE,
) -> Spec:
    return {
        "Header": gs.header("GI002", dagtekening=dagtekening, identificatie=ident, gi=gi, gemeente=gemeente),
        "Client": gs.client(p, Maatregelen={"Maatregel": list(maatregelen)}),
    }


def maatregel(
    maatregel_id: str,
    uitspraak: date | None = None,
    *,
    jb: date | None = None,
    gk: date | None = None,
    einde: date | None = None,
) -> Spec:
    return gs.maatregel(
        maatregel_id, uitspraak=uitspraak, vaste_jeugdbeschermer=jb, gedragen_koers=gk, einddatum=einde
    )


def gauges(db: Engine, as_of: date, drop: Iterable[str] = ()) -> Gauges:
    """(family, norm, gi, regio) -> value of both families as a scrape exposes them as of `as_of`."""
    reg = CollectorRegistry()
    reg.register(MonitorCollector(session_factory(db), REGIOS, clock=lambda: as_of, drop_labels=drop))
    found: Gauges = {}
    for metric in reg.collect():
        if metric.name in (WACHTEND, BOVEN):
            for s in metric.samples:
                assert set(s.labels) == {"norm", "gi", "regio"}
                found[(s.name, s.labels["norm"], s.labels["gi"], s.labels["regio"])] = s.value
    return found


def serie(norm: str, wachtend: float, boven: float, gi: str = m.GI, regio: str = MIJOV) -> Gauges:
    return {(WACHTEND, norm, gi, regio): wachtend, (BOVEN, norm, gi, regio): boven}


def test_counted_per_norm_gi_and_regio_of_the_gemeente_past_the_term_from_the_day_after_it(
    db: Engine,
) -> None:
    p = Pipeline(db)
    # Uitspraak Thu 1 Oct 2026: its 5th working day is Thu 8 Oct, its 6 weeks end on 12 Nov.
    p.stuur("GI002", gi002(m.kind(21), date(2026, 10, 2), "W1", maatregel("M-1", date(2026, 10, 1))))
    p.stuur(  # another GI, the same MaatregelId: its own maatregel
        "GI002",
        gi002(m.kind(22), date(2026, 10, 2), "W2", maatregel("M-1", date(2026, 10, 1), jb=date(2026, 10, 2)),
              gi=m.ANDERE_GI),
    )  # fmt: skip
    p.stuur("GI002", gi002(m.kind(23), date(2026, 10, 2), "W3", maatregel("M-3", date(2026, 10, 1)),
                           gemeente=m.ANDERE_GEMEENTE))  # fmt: skip
    # Uitspraak Thu 24 Sep, jeugdbeschermer the next day; its 6 weeks end on 5 Nov. Zutphen: Apeldoorn's regio.
    p.stuur(
        "GI002",
        gi002(m.kind(24), date(2026, 9, 28), "W4", maatregel("M-4", date(2026, 9, 24), jb=date(2026, 9, 25)),
              gemeente=ZUTPHEN),
    )  # fmt: skip
    assert gauges(db, date(2026, 9, 23)) == {}
    assert gauges(db, date(2026, 10, 8)) == (
        serie(JB, 1, 0) | serie(GK, 2, 0)
        | serie(GK, 1, 0, gi=m.ANDERE_GI)
        | serie(JB, 1, 0, regio=ARNHEM) | serie(GK, 1, 0, regio=ARNHEM)
    )  # fmt: skip
    assert gauges(db, date(2026, 10, 9)) == (
        serie(JB, 1, 1) | serie(GK, 2, 0)
        | serie(GK, 1, 0, gi=m.ANDERE_GI)
        | serie(JB, 1, 1, regio=ARNHEM) | serie(GK, 1, 0, regio=ARNHEM)
    )  # fmt: skip
    assert gauges(db, date(2026, 11, 6))[(BOVEN, GK, m.GI, MIJOV)] == 1  # M-4 past 6 weeks, M-1 not yet
    assert gauges(db, date(2026, 11, 13))[(BOVEN, GK, m.GI, MIJOV)] == 2
    # gemeente and aanbieder are no labels of these families: dropping them changes nothing.
    assert gauges(db, date(2026, 10, 9), drop=("gemeente", "aanbieder")) == gauges(db, date(2026, 10, 9))


def test_a_corrected_uitspraak_counts_from_the_corrected_date(db: Engine) -> None:
    """GI002 has no StatusAanlevering: a later one replaces a date (docs/gi-berichten.md 2.5); the gauges read
    the dates as they stand now."""
    p = Pipeline(db)
    kind = m.kind(25)
    # Uitspraak Mon 2 Mar 2026: on Mon 9 Mar the 5th working day, within the term.
    p.stuur("GI002", gi002(kind, date(2026, 3, 3), "C1", maatregel("M-C", date(2026, 3, 2))))
    assert gauges(db, date(2026, 3, 9)) == serie(JB, 1, 0) | serie(GK, 1, 0)
    # The GI corrects the uitspraak to Mon 16 Feb (GB105 allows it: no other date came before).
    p.stuur("GI002", gi002(kind, date(2026, 3, 5), "C2", maatregel("M-C", date(2026, 2, 16))))
    assert gauges(db, date(2026, 3, 9)) == serie(JB, 1, 1) | serie(GK, 1, 0)
    p.stuur("GI002", gi002(kind, date(2026, 3, 10), "C3", maatregel("M-C", jb=date(2026, 3, 10))))
    assert gauges(db, date(2026, 3, 10)) == serie(GK, 1, 0)
    # As of a day before the date the GI reported, it was not known yet: an --as-of in the past.
    assert gauges(db, date(2026, 3, 9)) == serie(JB, 1, 1) | serie(GK, 1, 0)


def test_a_withdrawn_bepaling_leaves_its_maatregel_waiting(db: Engine) -> None:
    """A bepaling is help under the maatregel; withdrawing it does not end the maatregel. A maatregel known
    from a GI001 only has no uitspraak: nothing runs yet."""
    p = Pipeline(db)
    kind = m.kind(26)
    p.stuur(
        "GI001",
        m.gi001(kind, date(2026, 10, 2), "B1", m.bepaling("B-W", date(2026, 10, 2), maatregel_id="M-W")),
    )
    assert gauges(db, date(2026, 10, 5)) == {}
    p.stuur("GI002", gi002(kind, date(2026, 10, 2), "V1", maatregel("M-W", date(2026, 10, 1))))
    assert gauges(db, date(2026, 10, 5)) == serie(JB, 1, 0) | serie(GK, 1, 0)
    p.stuur(
        "GI001",
        m.gi001(kind, date(2026, 10, 5), "B2", m.intrekking("B-W", date(2026, 10, 2), maatregel_id="M-W")),
    )
    assert gauges(db, date(2026, 10, 5)) == serie(JB, 1, 0) | serie(GK, 1, 0)


def test_a_maatregel_waits_up_to_its_einddatum(db: Engine) -> None:
    p = Pipeline(db)
    kind = m.kind(27)
    ended = maatregel("M-E", date(2026, 10, 1), einde=date(2026, 10, 30))
    p.stuur("GI002", gi002(kind, date(2026, 10, 2), "E1", ended))
    assert gauges(db, date(2026, 10, 30)) == serie(JB, 1, 1) | serie(GK, 1, 0)  # an Einddatum of today counts
    assert gauges(db, date(2026, 10, 31)) == {}
    # A later GI002 moves the Einddatum ahead: the maatregel runs, and waits, again.
    p.stuur("GI002", gi002(kind, date(2026, 11, 2), "E2", maatregel("M-E", einde=date(2027, 9, 30))))
    assert gauges(db, date(2026, 10, 31)) == serie(JB, 1, 1) | serie(GK, 1, 0)
