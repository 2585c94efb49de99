"""hub.monitor.gi: cases of the GI002 read-back and the GI figures that no other test pins down."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine

from hub.events.models import MaatregelRegel, MaatregelVoortgangOntvangen
from hub.monitor import gi
from hub.monitor.gi import UITSPRAAK, _maatregel_datums, _nodig
from hub.monitor.norms import JEUGDBESCHERMER
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
