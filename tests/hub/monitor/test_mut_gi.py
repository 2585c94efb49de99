"""hub.monitor.gi: cases of the GI002 read-back and the GI figures that no other test pins down."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine

from hub.events.models import MaatregelRegel, MaatregelVoortgangOntvangen, make_event_id
from hub.monitor import gi
from hub.monitor.gi import UITSPRAAK, _maatregel_datums, _nodig
from hub.monitor.norms import JEUGDBESCHERMER, PASSENDE_HULP
from hub.store import gi_monitor
from hub.store.gi_monitor import MaatregelRij
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline.helpers import Pipeline

GI, GEMEENTE = "87654321", "0200"
U, V = date(2026, 3, 2), date(2026, 3, 4)
VASTE = "datum_vaste_jeugdbeschermer"
KIND = m.kind(12)


def _bericht(n: int, *regels: MaatregelRegel) -> MaatregelVoortgangOntvangen:
    return MaatregelVoortgangOntvangen(
        event_id=uuid.uuid4(), bericht_id=f"b{n}", afzender=GI, ontvanger=GEMEENTE, gemeente=GEMEENTE,
        aanbieder=GI, identificatie=f"V{n}", dagtekening=date(2026, 3, 9), client="0" * 64,
        ontvangen_op=datetime(2026, 3, 9, tzinfo=UTC), maatregelen=regels,
    )  # fmt: skip


def test_a_maatregel_only_the_unread_message_names_takes_that_messages_dates() -> None:
    # The message's own audit row could not be read, the client's earlier GI002s could and are about another
    # maatregel: the new one's dates are this message's, not unknown.
    eerder = _bericht(0, MaatregelRegel(maatregel_id="M-A", maatregel_type="01", datum_uitspraak=U))
    event = _bericht(
        1,
        MaatregelRegel(
            maatregel_id="M-B", maatregel_type="01", datum_uitspraak=U, datum_vaste_jeugdbeschermer=V
        ),
    )
    found = _maatregel_datums([eerder.model_dump_json()], event, {"M-B": {UITSPRAAK, VASTE}})
    assert found == {"M-B": {UITSPRAAK: U, VASTE: V}}


def test_a_date_before_its_uitspraak_was_known_counts_for_no_norm(db: Engine) -> None:
    # The jeugdbeschermer came in one GI002, the uitspraak only in the next; the processors reach both after the
    # intake accepted both (the maatregel row has both dates): the first message completed no pair.
    p = Pipeline(db)
    zonder = m.gi002(
        KIND, date(2026, 3, 4), "VQ1", m.maatregel("M-Q", vaste_jeugdbeschermer=date(2026, 3, 4))
    )
    met = m.gi002(KIND, date(2026, 3, 5), "VQ2", m.maatregel("M-Q", uitspraak=date(2026, 3, 2)))
    results = [p.stuur("GI002", s, verwerk=False) for s in (zonder, met)]
    first, second = (r.event for r in results)
    assert first is not None and second is not None
    assert p.processor.verwerk(first)
    assert p.uitkomsten(JEUGDBESCHERMER, m.REGIO) == {"binnen": 0.0, "buiten": 0.0}
    assert p.processor.verwerk(second)
    assert p.uitkomsten(JEUGDBESCHERMER, m.REGIO) == {
        "binnen": 1.0,
        "buiten": 0.0,
    }  # 2 working days, counted once


def test_only_a_row_with_an_uitspraak_and_a_norm_date_needs_dates_looked_up() -> None:
    assert _nodig(MaatregelRij(1, U, None, None)) == set()
    assert _nodig(MaatregelRij(1, None, V, V)) == set()
    assert _nodig(MaatregelRij(1, U, V, None)) == {UITSPRAAK, VASTE}


def test_no_message_is_read_back_when_no_date_is_needed() -> None:
    gelezen: list[str] = []

    def eerder() -> Iterator[str]:
        gelezen.append("b0")
        yield _bericht(
            0, MaatregelRegel(maatregel_id="M-A", maatregel_type="01", datum_uitspraak=U)
        ).model_dump_json()

    event = _bericht(1, MaatregelRegel(maatregel_id="M-A", maatregel_type="01", datum_uitspraak=U))
    assert _maatregel_datums(eerder(), event, {"M-A": set()}) == {}
    assert gelezen == []


def test_an_unread_message_naming_a_maatregel_twice_gives_its_first_line() -> None:
    eerder = _bericht(0, MaatregelRegel(maatregel_id="M-A", maatregel_type="01", datum_uitspraak=U))
    event = _bericht(
        1,
        MaatregelRegel(
            maatregel_id="M-B", maatregel_type="01", datum_uitspraak=U, datum_vaste_jeugdbeschermer=V
        ),
        MaatregelRegel(
            maatregel_id="M-B", maatregel_type="01", datum_uitspraak=V, datum_vaste_jeugdbeschermer=V
        ),
    )
    found = _maatregel_datums([eerder.model_dump_json()], event, {"M-B": {UITSPRAAK, VASTE}})
    assert found == {"M-B": {UITSPRAAK: U, VASTE: V}}


def test_the_voorselectie_picks_linking_events_with_a_client_only(monkeypatch: pytest.MonkeyPatch) -> None:
    gevraagd: list[tuple[str, str]] = []

    def met_bepalingen(session: object, paren: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        gevraagd.extend(paren)
        return {("c1", GEMEENTE), (None, GEMEENTE)}  # type: ignore[arg-type]  # a store that matches anything

    monkeypatch.setattr(gi_monitor, "met_bepalingen", met_bepalingen)
    events = [
        SimpleNamespace(type="StopOntvangen", client="c1", gemeente=GEMEENTE, event_id=1),
        SimpleNamespace(type="ToewijzingOntvangen", client="c1", gemeente=GEMEENTE, event_id=2),
        SimpleNamespace(type="ToewijzingOntvangen", client=None, gemeente=GEMEENTE, event_id=3),
    ]
    assert gi.met_bepalingen(None, events) == {2}  # type: ignore[arg-type]
    assert gevraagd == [("c1", GEMEENTE)]


BTS = {"fase": "bepaling_tot_start", "regio": m.REGIO, "productcategorie": m.CAT}
HIST = "jeugdhulp_doorlooptijd_seconds"


def test_care_that_began_before_the_bepaling_started_at_once(db: Engine) -> None:
    # DatumBepaling 10 Sep; the toewijzing of 15 Sep is in force from 1 Aug and its care began on 5 Sep:
    # bepaling_tot_start is 0, not negative, and the help is within the 3 months (docs/definities.md 2.3).
    p = Pipeline(db)
    kind, bepaald, toegewezen, begonnen = m.kind(13), date(2026, 9, 10), date(2026, 9, 15), date(2026, 9, 5)
    p.stuur("GI001", m.gi001(kind, bepaald, "B1", m.bepaling("B-V", bepaald)))
    p.stuur("JW301", m.jw301(kind, toegewezen, "T1", m.toegewezen(400101, toegewezen)))
    p.stuur("JW305", m.jw305(kind, toegewezen, "S1", 400101, toegewezen, begonnen))
    assert p.gekoppeld("B-V") == (400101, None, begonnen)
    reg = p.registry()
    assert reg.get_sample_value(f"{HIST}_count", BTS) == 1
    assert reg.get_sample_value(f"{HIST}_sum", BTS) == 0
    assert p.uitkomsten(PASSENDE_HULP, m.REGIO) == {"binnen": 1.0, "buiten": 0.0}


def test_a_bepaling_without_a_start_does_not_hide_the_next_ones_start(db: Engine) -> None:
    # Two bepalingen of one child at one gemeente, each linked to a toewijzing in date order; only the second
    # toewijzing starts: the second bepaling's start is observed, the first waits.
    p = Pipeline(db)
    kind, eerste, tweede = m.kind(14), date(2026, 9, 1), date(2026, 9, 2)
    p.stuur("GI001", m.gi001(kind, tweede, "B1", m.bepaling("B-1", eerste), m.bepaling("B-2", tweede)))
    tw1, tw2, begin = date(2026, 9, 7), date(2026, 9, 8), date(2026, 9, 22)
    p.stuur("JW301", m.jw301(kind, tw1, "T1", m.toegewezen(400101, tw1)))
    p.stuur("JW301", m.jw301(kind, tw2, "T2", m.toegewezen(400102, tw2)))
    p.stuur("JW305", m.jw305(kind, begin, "S1", 400102, tw2, begin))
    assert [p.gekoppeld(b)[0] for b in ("B-1", "B-2")] == [400101, 400102]
    reg = p.registry()
    assert reg.get_sample_value(f"{HIST}_count", BTS) == 1
    assert reg.get_sample_value(f"{HIST}_sum", BTS) == (begin - tweede).days * 86400
    assert p.uitkomsten(PASSENDE_HULP, m.REGIO) == {"binnen": 1.0, "buiten": 0.0}


def test_a_maatregel_without_its_uitspraak_does_not_hide_the_next_ones_norm(db: Engine) -> None:
    # One GI002 about two maatregelen: the first has no DatumUitspraak yet, the second brings both dates.
    p = Pipeline(db)
    p.stuur(
        "GI002",
        m.gi002(
            m.kind(15), date(2026, 3, 5), "VR1",
            m.maatregel("M-R1", vaste_jeugdbeschermer=V),
            m.maatregel("M-R2", uitspraak=U, vaste_jeugdbeschermer=V),
        ),
    )  # fmt: skip
    assert p.uitkomsten(JEUGDBESCHERMER, m.REGIO) == {"binnen": 1.0, "buiten": 0.0}  # 2 working days


def test_the_3_month_check_tells_a_linked_toewijzing_without_a_start_or_with_a_later_one(db: Engine) -> None:
    # Both bepalingen are above the norm on 1 October. One child's toewijzing has no start; the other's starts on
    # 5 October, after the day checked (--as-of): neither help has started by then (docs/definities.md 2.3).
    p = Pipeline(db)
    bepaald, toegewezen, later = date(2026, 6, 30), date(2026, 7, 6), date(2026, 10, 5)
    for n, (kind, nummer) in enumerate(((m.kind(16), 400101), (m.kind(17), 400102)), start=1):
        p.stuur(
            "GI001", m.gi001(kind, bepaald, f"B{n}", m.bepaling(f"B-{n}", bepaald, maatregel_id=f"M-{n}"))
        )
        p.stuur("JW301", m.jw301(kind, toegewezen, f"T{n}", m.toegewezen(nummer, toegewezen)))
    p.stuur("JW305", m.jw305(m.kind(17), later, "S1", 400102, toegewezen, later), verwerk=False)
    assert [p.gekoppeld(b)[0] for b in ("B-1", "B-2")] == [400101, 400102]
    assert p.processor.peil(date(2026, 10, 1)) == 2
    assert {(b, s) for b, s in p.statussen() if s == "04"} == {("B-1", "04"), ("B-2", "04")}


def test_a_statusmeldings_event_id_is_that_of_its_message_and_type(db: Engine) -> None:
    # As for every event (hub.events.models.make_event_id): a replica or a restart announces it under one id.
    p = Pipeline(db)
    kind, bepaald, toegewezen = m.kind(18), date(2026, 9, 1), date(2026, 9, 7)
    p.stuur("GI001", m.gi001(kind, bepaald, "B1", m.bepaling("B-S", bepaald)))
    p.stuur("JW301", m.jw301(kind, toegewezen, "T1", m.toegewezen(400101, toegewezen)))
    [uit] = p.processor.uitgaand()
    assert uit.event is not None and uit.event.type == "StatusmeldingVerstuurd"
    assert uit.event.event_id == make_event_id(uit.id, "StatusmeldingVerstuurd")
