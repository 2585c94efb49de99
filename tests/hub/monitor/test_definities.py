"""Definitions of docs/definities.md that no other test pinned, end to end through the intake and processors.

Each test names the section of docs/definities.md it pins. Most are open questions of its chapter 6: the hub's
current answer is pinned here, so a decision of the monitoring teams that changes a definition changes a test.
All messages are built with the synth builders; the client is one synthetic child at gemeente 0200 (regio Midden
IJssel-Oost Veluwe) and aanbieder 12345678, the product category 45 unless a test says otherwise.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from typing import cast

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine
from sqlmodel import select

from hub import clock
from hub.events.models import HubEvent
from hub.monitor.collector import MonitorCollector
from hub.monitor.gi import bepaling_sleutel
from hub.monitor.norms import ANTWOORD_VERZOEK, PASSENDE_HULP
from hub.store.db import session_factory
from hub.store.gi_tables import GiBepalingRecord
from hub.store.monitor_tables import DoorlooptijdRecord
from hub.synth import berichten as b
from hub.synth.build import Spec, edit, to_xml
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline.helpers import Pipeline
from tests.hub.monitor.helpers import REGIOS, accept_all, day, processor, registry

KIND = m.kind(1)
G, A, R = m.GEMEENTE, m.AANBIEDER, m.REGIO
CAT, CAT_B = m.CAT, m.CAT_B
TW = date(2026, 10, 8)  # Toewijzingsdatum; its toewijzingen begin (Ingangsdatum) on 2026-09-01
NUMMER, NUMMER_B = 300201, 300202
HIST = "jeugdhulp_doorlooptijd_seconds"


# ---- messages -------------------------------------------------------------------------------------


def start(
    begindatum: date, *, status: str = "1", nummer: int = NUMMER, categorie: str = CAT, toegewezen: date = TW
) -> Spec:
    """A StartProduct of a toewijzing assigned on `toegewezen`; status 3 deletes the line with the same key."""
    return m.start_product(nummer, toegewezen, begindatum, categorie=categorie, status=status)


def stop(
    begindatum: date,
    einddatum: date,
    reden: str,
    *,
    status: str = "1",
    nummer: int = NUMMER,
    categorie: str = CAT,
) -> Spec:
    """A StopProduct of the start with this Begindatum; status 3 deletes the stop line with the same key."""
    return b.stop_product(
        nummer,
        categorie=categorie,
        code=m.CODE if categorie == CAT else None,
        toewijzing_ingangsdatum=b.ingang(TW),
        begindatum=begindatum,
        einddatum=einddatum,
        reden_beeindiging=reden,
        status=status,
    )


def jw301(dag: date, ident: str, *producten: Spec) -> tuple[str, bytes]:
    return "JW301", to_xml("JW301", m.jw301(KIND, dag, ident, *producten))


def jw305(dag: date, ident: str, *regels: Spec) -> tuple[str, bytes]:
    s = b.spec("JW305", dagtekening=dag, identificatie=ident, persoon=KIND)
    return "JW305", to_xml("JW305", edit(s, "Client/StartProducten/StartProduct", list(regels)))


def jw307(dag: date, ident: str, *regels: Spec) -> tuple[str, bytes]:
    s = b.spec("JW307", dagtekening=dag, identificatie=ident, persoon=KIND)
    return "JW307", to_xml("JW307", edit(s, "Client/StopProducten/StopProduct", list(regels)))


def jw315(dag: date, ident: str) -> tuple[str, bytes]:
    """A JW315 for one product of category 45, ReferentieAanbieder f"VOT{ident}"."""
    return "JW315", to_xml("JW315", m.jw315(KIND, dag, ident))


def verwerk(db: Engine, *berichten: tuple[str, bytes]) -> None:
    """Accept every message, then let the processors handle the events in order (all rows already stored)."""
    p = processor(db)
    for event in accept_all(db, berichten):
        assert p.verwerk(event)


# ---- reading --------------------------------------------------------------------------------------


def wachtend(reg: CollectorRegistry) -> dict[tuple[str, str], float]:
    """jeugdhulp_wachtend as (fase, productcategorie) -> value."""
    return {
        (s.labels["fase"], s.labels["productcategorie"]): s.value
        for metric in reg.collect()
        if metric.name == "jeugdhulp_wachtend"
        for s in metric.samples
    }


def in_zorg(db: Engine, as_of: date, categorie: str = CAT) -> float | None:
    labels = {"regio": R, "gemeente": G, "productcategorie": categorie, "aanbieder": A}
    return registry(db, as_of).get_sample_value("jeugdhulp_in_zorg", labels)


def doorlooptijden(db: Engine) -> dict[tuple[str, str], int]:
    """Every stored doorlooptijd observation as (fase, sleutel) -> seconds."""
    with session_factory(db)() as s:
        return {(r.fase, r.sleutel): r.seconden for r in s.exec(select(DoorlooptijdRecord))}


def histogram(reg: CollectorRegistry, fase: str) -> tuple[float | None, float | None, float | None]:
    """(_count, _sum, the 1-day bucket) of one fase in regio R, category 45."""
    labels = {"fase": fase, "regio": R, "productcategorie": CAT}
    v = reg.get_sample_value
    return v(f"{HIST}_count", labels), v(f"{HIST}_sum", labels), v(f"{HIST}_bucket", {**labels, "le": day(1)})


def norm(reg: CollectorRegistry, naam: str) -> tuple[float | None, float | None]:
    """(binnen, buiten) of jeugdhulp_norm_total for one norm in regio R."""
    v = reg.get_sample_value
    labels = {"norm": naam, "regio": R}
    return (
        v("jeugdhulp_norm_total", {**labels, "uitkomst": "binnen"}),
        v("jeugdhulp_norm_total", {**labels, "uitkomst": "buiten"}),
    )


def beeindigd(reg: CollectorRegistry, reden: str, categorie: str = CAT) -> float | None:
    labels = {"regio": R, "productcategorie": categorie, "reden": reden}
    return reg.get_sample_value("jeugdhulp_beeindigd_total", labels)


# ---- toewijzing_tot_start (2.2, 6.8) ----------------------------------------------------------------


def test_a_deleted_start_stays_the_start_of_toewijzing_tot_start(db: Engine) -> None:
    """docs/definities.md 2.2 and 6.8: toewijzing_tot_start measures to the first accepted start line, also
    after it was deleted (StatusAanlevering 3) as a mistake; the gauges treat that line as never sent."""
    verwerk(
        db,
        jw301(TW, "T1", m.toegewezen(NUMMER, TW)),
        jw305(date(2026, 10, 14), "S1", start(date(2026, 10, 12))),
        # The start was a mistake: deleted and sent again with Begindatum 19 October, in one message (IV008).
        jw305(date(2026, 10, 20), "S2", start(date(2026, 10, 12), status="3"), start(date(2026, 10, 19))),
    )
    assert doorlooptijden(db) == {("toewijzing_tot_start", f"{G}:{NUMMER}"): 4 * 86400}  # 8 -> 12 Oct, not 11
    assert histogram(registry(db, date(2026, 11, 1)), "toewijzing_tot_start")[:2] == (1, 4 * 86400)
    # On 15 October the corrected start lies ahead: the toewijzing still waits and is not in zorg.
    assert wachtend(registry(db, date(2026, 10, 15))) == {("toewijzing", CAT): 1}
    assert in_zorg(db, date(2026, 10, 15)) is None
    assert in_zorg(db, date(2026, 10, 19)) == 1


# ---- jeugdhulp_beeindigd_total (4.1, 6.6) -----------------------------------------------------------


def test_a_deleted_stop_stays_counted_and_a_corrected_one_counts_twice(db: Engine) -> None:
    """docs/definities.md 4.1 and 6.6: jeugdhulp_beeindigd_total counts every stop line with StatusAanlevering 1;
    a stop deleted and sent again counts twice, a stop only deleted stays counted (while it stops nothing)."""
    begin, einde = date(2026, 10, 12), date(2026, 10, 19)
    verwerk(
        db,
        jw301(TW, "T1", m.toegewezen(NUMMER, TW), m.toegewezen(NUMMER_B, TW, categorie=CAT_B)),
        jw305(date(2026, 10, 14), "S1", start(begin), start(begin, nummer=NUMMER_B, categorie=CAT_B)),
        jw307(
            date(2026, 10, 20),
            "P1",
            stop(begin, einde, "31"),
            stop(begin, einde, "33", nummer=NUMMER_B, categorie=CAT_B),
        ),
        jw307(
            date(2026, 10, 22),
            "P2",
            # 300201: the stop corrected (deleted, sent again ending on the 21st); 300202: the stop deleted.
            stop(begin, einde, "31", status="3"),
            stop(begin, date(2026, 10, 21), "31"),
            stop(begin, einde, "33", status="3", nummer=NUMMER_B, categorie=CAT_B),
        ),
    )
    reg = registry(db, date(2026, 11, 1))
    assert beeindigd(reg, "31") == 2
    assert beeindigd(reg, "33", CAT_B) == 1
    # The gauges see the same stops as never sent: 300202 is still in zorg, 300201 stopped on the 21st.
    assert in_zorg(db, date(2026, 11, 1), CAT_B) == 1
    assert in_zorg(db, date(2026, 11, 1)) is None
    assert in_zorg(db, date(2026, 10, 21)) == 1


def test_a_taakgericht_stop_counts_under_its_own_categorie(db: Engine) -> None:
    """docs/definities.md 4.1: a stop line without ToewijzingNummer (the taakgericht variant, exempt from TR019)
    is counted under the Categorie of the stop line itself; there is no toewijzing to take it from."""
    begin = date(2026, 10, 12)
    verwerk(
        db,
        jw305(date(2026, 10, 14), "S1", b.start_product(None, categorie=CAT_B, begindatum=begin)),
        jw307(
            date(2026, 10, 20),
            "P1",
            b.stop_product(None, categorie=CAT_B, begindatum=begin, einddatum=date(2026, 10, 19)),
        ),
    )
    reg = registry(db, date(2026, 11, 1))
    assert beeindigd(reg, "31", CAT_B) == 1
    assert beeindigd(reg, "31", "onbekend") is None


# ---- a tijdelijke stop (3.3, 4.1, 6.1) --------------------------------------------------------------


def test_a_temporary_stop_is_neither_waiting_nor_in_zorg_until_care_resumes(db: Engine) -> None:
    """docs/definities.md 6.1 (and 3.3, 4.1): after a tijdelijke stop (RedenBeeindiging 20) has passed, the
    toewijzing is in neither jeugdhulp_wachtend nor jeugdhulp_in_zorg until a new JW305 resumes care; the
    temporary stop and the definitive one after it both count in jeugdhulp_beeindigd_total."""
    begin, hervat = date(2026, 10, 12), date(2026, 11, 2)
    verwerk(
        db,
        jw301(TW, "T1", m.toegewezen(NUMMER, TW)),
        jw305(date(2026, 10, 14), "S1", start(begin)),
        jw307(date(2026, 10, 21), "P1", stop(begin, date(2026, 10, 20), "20")),
        jw305(date(2026, 11, 3), "S2", start(hervat)),
        jw307(date(2026, 11, 20), "P2", stop(hervat, date(2026, 11, 19), "31")),
    )
    for as_of, zorg in (
        (date(2026, 10, 20), 1.0),  # the temporary stop ends today: still in zorg
        (date(2026, 10, 25), None),  # stopped temporarily: in neither
        (date(2026, 11, 2), 1.0),  # resumed
        (date(2026, 11, 25), None),  # stopped for good: in neither
    ):
        assert wachtend(registry(db, as_of)) == {}, as_of
        assert in_zorg(db, as_of) == zorg, as_of
    reg = registry(db, date(2026, 11, 25))
    assert (beeindigd(reg, "20"), beeindigd(reg, "31")) == (1, 1)


# ---- jeugdhulp_in_zorg without a stop (3.3, 6.12) ---------------------------------------------------


def test_in_zorg_goes_on_after_the_toewijzings_einddatum(db: Engine) -> None:
    """docs/definities.md 3.3 and 6.12: jeugdhulp_in_zorg looks at start and stop only; a toewijzing whose
    Einddatum has passed without a JW307 stays in zorg."""
    verwerk(
        db,
        jw301(TW, "T1", m.toegewezen(NUMMER, TW, einddatum=date(2026, 10, 31))),
        jw305(date(2026, 10, 14), "S1", start(date(2026, 10, 12))),
    )
    for as_of in (date(2026, 10, 31), date(2026, 11, 1), date(2027, 6, 1)):
        assert in_zorg(db, as_of) == 1, as_of
        assert wachtend(registry(db, as_of)) == {}, as_of


# ---- chains in no waiting stage (3.1, 6.11) ---------------------------------------------------------


def test_an_answered_request_whose_toewijzing_begins_later_waits_nowhere_until_then(db: Engine) -> None:
    """docs/definities.md 3.1 and 6.11 (a): a request answered by a toewijzing whose Ingangsdatum lies ahead is
    no longer waiting at fase verzoek, and the toewijzing waits at fase toewijzing only from its Ingangsdatum."""
    ingang = date(2026, 12, 1)
    verwerk(
        db,
        jw315(date(2026, 10, 1), "V1"),
        jw301(TW, "T1", m.toegewezen(NUMMER, TW, referentie="VOTV1", ingangsdatum=ingang)),
    )
    assert wachtend(registry(db, date(2026, 10, 7))) == {("verzoek", CAT): 1}
    assert wachtend(registry(db, TW)) == {}
    assert wachtend(registry(db, date(2026, 11, 30))) == {}
    assert wachtend(registry(db, ingang)) == {("toewijzing", CAT): 1}


def test_a_request_whose_toewijzing_was_deleted_waits_nowhere(db: Engine) -> None:
    """docs/definities.md 3.1 and 6.11 (b): a request answered by a toewijzing that is then deleted
    (RedenWijziging 13) counts as answered, and the toewijzing as never sent: the chain waits nowhere."""
    weg = date(2026, 10, 15)
    ingang = b.ingang(TW)
    verwerk(
        db,
        jw315(date(2026, 10, 1), "V1"),
        jw301(TW, "T1", m.toegewezen(NUMMER, TW, referentie="VOTV1")),
        jw301(
            weg,
            "T2",
            m.toegewezen(
                NUMMER, weg, referentie="VOTV1", ingangsdatum=ingang, einddatum=ingang, reden_wijziging="13"
            ),
        ),
    )
    assert wachtend(registry(db, date(2026, 10, 7))) == {("verzoek", CAT): 1}
    assert wachtend(registry(db, date(2026, 10, 10))) == {("toewijzing", CAT): 1}
    assert wachtend(registry(db, weg)) == {}
    assert wachtend(registry(db, date(2027, 1, 15))) == {}


# ---- the floor at 0 (2, 6.5) ------------------------------------------------------------------------


def test_the_three_doorlooptijden_are_floored_at_0(db: Engine) -> None:
    """docs/definities.md 2 and 6.5: verzoek_tot_toewijzing, toewijzing_tot_start and bepaling_tot_start count
    an end before the begin as 0 days (bucket <= 1 day), and the norms count it as binnen.

    One chain: bepaling of 10 September; toewijzing dated 20 September, sent after a JW315 of 25 September that
    it answers; care started (terugwerkende kracht) on 5 September.
    """
    bepaling, toewijzing, verzoek, begin = (date(2026, 9, d) for d in (10, 20, 25, 5))
    p = Pipeline(db)
    p.stuur("GI001", m.gi001(KIND, bepaling, "B1", m.bepaling("B-1", bepaling)))
    p.stuur("JW315", m.jw315(KIND, verzoek, "V1"))
    p.stuur(
        "JW301", m.jw301(KIND, date(2026, 9, 26), "T1", m.toegewezen(NUMMER, toewijzing, referentie="VOTV1"))
    )
    p.stuur("JW305", m.jw305(KIND, date(2026, 9, 26), "S1", NUMMER, toewijzing, begin))
    assert p.gekoppeld("B-1") == (NUMMER, "VOTV1", begin)
    stored = doorlooptijden(db)
    assert {fase: seconden for (fase, _), seconden in stored.items()} == {
        "verzoek_tot_toewijzing": 0,  # -5 days
        "toewijzing_tot_start": 0,  # -15 days
        "bepaling_tot_start": 0,  # -5 days
    }
    reg = p.registry()
    for fase in ("verzoek_tot_toewijzing", "toewijzing_tot_start", "bepaling_tot_start"):
        assert histogram(reg, fase) == (1, 0, 1), fase
    assert norm(reg, ANTWOORD_VERZOEK) == (1, 0)
    assert norm(reg, PASSENDE_HULP) == (1, 0)


# ---- GI-linked values as the link stood (2.3, 4.2, 6.7) ---------------------------------------------

GI_BEPALING, GI_TW = date(2026, 6, 1), date(2026, 6, 10)
GI_START, GI_CORRECTIE = date(2026, 8, 31), date(2026, 9, 5)  # 3 months after 1 June: 1 September


def gi_chain(p: Pipeline, *, verwerk: bool) -> list[HubEvent]:
    """A bepaling, its toewijzing, a start of 31 August, and that start corrected to 5 September; their events."""
    correctie = b.spec("JW305", dagtekening=date(2026, 9, 7), identificatie="S2", persoon=KIND)
    regels = [start(GI_START, status="3", toegewezen=GI_TW), start(GI_CORRECTIE, toegewezen=GI_TW)]
    berichten = (
        ("GI001", m.gi001(KIND, GI_BEPALING, "B1", m.bepaling("B-1", GI_BEPALING))),
        ("JW301", m.jw301(KIND, GI_TW, "T1", m.toegewezen(NUMMER, GI_TW))),
        ("JW305", m.jw305(KIND, date(2026, 9, 1), "S1", NUMMER, GI_TW, GI_START)),
        ("JW305", edit(correctie, "Client/StartProducten/StartProduct", regels)),
    )
    results = [p.stuur(bericht, spec, verwerk=verwerk) for bericht, spec in berichten]
    return [r.event for r in results if r.event is not None]


def test_a_gi_linked_value_stays_as_first_observed_after_its_start_is_corrected(db: Engine) -> None:
    """docs/definities.md 2.3, 4.2 and 6.7: bepaling_tot_start and passende_hulp_3_maanden are recorded once,
    with the link as the processors first see it with a start; a later correction of the start moves the link
    but not the recorded values."""
    p = Pipeline(db)
    gi_chain(p, verwerk=True)  # the processors keep up: they see the start of 31 August before its correction
    assert p.gekoppeld("B-1") == (NUMMER, None, GI_CORRECTIE)  # the link follows the correction
    assert doorlooptijden(db)[("bepaling_tot_start", bepaling_sleutel(bepaling_id(db)))] == 91 * 86400
    reg = p.registry()
    assert histogram(reg, "bepaling_tot_start")[:2] == (1, 91 * 86400)  # 1 June -> 31 August, not 5 September
    assert norm(reg, PASSENDE_HULP) == (1, 0)  # binnen, though the corrected start (96 days) is buiten


def test_a_gi_linked_value_processed_after_the_correction_uses_the_corrected_start(db: Engine) -> None:
    """docs/definities.md 6.7: the same messages give other values when the processors reach them only after
    the correction was accepted (a backlog): the result depends on the moment of processing."""
    p = Pipeline(db)
    for event in gi_chain(p, verwerk=False):
        assert p.processor.verwerk(event)
    assert p.gekoppeld("B-1") == (NUMMER, None, GI_CORRECTIE)
    assert doorlooptijden(db)[("bepaling_tot_start", bepaling_sleutel(bepaling_id(db)))] == 96 * 86400
    reg = p.registry()
    assert histogram(reg, "bepaling_tot_start")[:2] == (1, 96 * 86400)
    assert norm(reg, PASSENDE_HULP) == (0, 1)


def bepaling_id(db: Engine) -> int:
    """The store row id of the one bepaling (its observations are keyed on it)."""
    with session_factory(db)() as s:
        (row,) = s.exec(select(GiBepalingRecord)).all()
        assert row.id is not None
        return row.id


# ---- "vandaag" of the gauges (1.3) ----------------------------------------------------------------------


def test_the_gauges_today_is_the_dutch_day_whatever_the_hosts_time_zone(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/definities.md 1.3 and 1.4: /metrics without --as-of counts as of the calendar day in Amsterdam. A
    toewijzing of 31 January waits above the 3-month norm from 1 May: at 22:00 UTC on 30 April, already
    midnight in Amsterdam (summer time, UTC+2), not at 21:59 UTC."""
    januari = date(2026, 1, 31)
    verwerk(db, jw301(januari, "T1", m.toegewezen(NUMMER, januari)))
    labels = {"fase": "toewijzing", "regio": R, "gemeente": G, "productcategorie": CAT}
    for utc, boven in (
        (datetime(2026, 4, 30, 21, 59, tzinfo=UTC), 0.0),
        (datetime(2026, 4, 30, 22, 0, tzinfo=UTC), 1.0),
    ):
        monkeypatch.setattr(clock, "datetime", _vast(utc))
        reg = CollectorRegistry()
        reg.register(MonitorCollector(session_factory(db), REGIOS))  # the default clock, as /metrics runs it
        assert reg.get_sample_value("jeugdhulp_wachtend_boven_norm", labels) == boven, utc


def _vast(moment: datetime) -> type[datetime]:
    """A datetime class whose now() is `moment` (in the zone asked for): hub.clock reads the time through it."""

    class Vast(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> Vast:
            return cast(Vast, moment.astimezone(tz))

    return Vast
