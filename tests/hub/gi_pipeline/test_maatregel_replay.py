"""The GI002 replay behind the jeugdbescherming norms reads back only as far as the dates it needs.

The norms count from the dates as they stood right after a GI002 (tests/hub/gi_pipeline/test_maatregel_normen.py).
Replaying the client's every message per GI002 made one client's long history cost on each of them; the replay
reads the client's GI002s newest first and stops once it has each date a norm needs, and a property test holds
it to the replay of every message in order.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine

from hub.events.models import MaatregelRegel, MaatregelVoortgangOntvangen
from hub.monitor.gi import NORM_DATUMS, UITSPRAAK, _maatregel_datums, _nodig
from hub.monitor.norms import JEUGDBESCHERMER
from hub.store import gi_monitor
from hub.store.db import session_factory
from hub.synth import berichten as ijw
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline.helpers import PSEUDONYM, Pipeline
from tests.hub.store.plans import plans

KIND = m.kind(11)
UITSPRAAK_DAG = date(
    2026, 3, 2
)  # a Monday; the jeugdbeschermer on Wednesday: 2 working days, within the norm
HISTORIE = 30  # the client's earlier GI002s, each about a maatregel of its own


def _historie(p: Pipeline) -> None:
    """A client with a long history: iJw messages, and GI002s about earlier maatregelen with every date."""
    p.stuur(
        "JW315",
        ijw.spec("JW315", dagtekening=date(2025, 1, 6), identificatie="VOT1", persoon=KIND),
        verwerk=False,
    )
    for n in range(HISTORIE):
        dag = date(2025, 1, 1) + timedelta(days=7 * n)
        regel = m.maatregel(f"M-{n}", uitspraak=dag, vaste_jeugdbeschermer=dag, gedragen_koers=dag)
        p.stuur("GI002", m.gi002(KIND, dag, f"H{n}", regel), verwerk=False)


@pytest.fixture
def gelezen(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The GI002 events the replay parses, by bericht id."""
    parsed: list[str] = []
    echt = MaatregelVoortgangOntvangen.model_validate_json

    def spy(data: Any, *args: Any, **kwargs: Any) -> MaatregelVoortgangOntvangen:
        event = echt(data, *args, **kwargs)
        parsed.append(event.bericht_id)
        return event

    monkeypatch.setattr(MaatregelVoortgangOntvangen, "model_validate_json", spy)
    return parsed


def test_a_gi002_bringing_both_dates_reads_only_itself(db: Engine, gelezen: list[str]) -> None:
    p = Pipeline(db)
    _historie(p)
    regel = m.maatregel(
        "M-N", uitspraak=UITSPRAAK_DAG, vaste_jeugdbeschermer=UITSPRAAK_DAG + timedelta(days=2)
    )
    result = p.stuur("GI002", m.gi002(KIND, date(2026, 3, 5), "N1", regel), verwerk=False)
    assert result.event is not None
    gelezen.clear()
    assert p.processor.verwerk(result.event)
    assert gelezen == [result.event.bericht_id]
    assert p.uitkomsten(JEUGDBESCHERMER, m.REGIO) == {"binnen": 1.0, "buiten": 0.0}


def test_a_date_sent_earlier_is_read_back_to_its_message(db: Engine, gelezen: list[str]) -> None:
    """The uitspraak came three GI002s back: those are read, the client's history before them is not."""
    p = Pipeline(db)
    _historie(p)
    eerste = p.stuur("GI002", m.gi002(KIND, UITSPRAAK_DAG, "N1", m.maatregel("M-N", uitspraak=UITSPRAAK_DAG)))
    andere = [
        p.stuur(
            "GI002", m.gi002(KIND, UITSPRAAK_DAG, f"A{n}", m.maatregel(f"M-A{n}", uitspraak=UITSPRAAK_DAG))
        )
        for n in range(2)
    ]
    regel = m.maatregel("M-N", vaste_jeugdbeschermer=UITSPRAAK_DAG + timedelta(days=2))
    tweede = p.stuur("GI002", m.gi002(KIND, date(2026, 3, 5), "N2", regel), verwerk=False)
    assert tweede.event is not None
    gelezen.clear()
    assert p.processor.verwerk(tweede.event)
    assert gelezen == [r.bericht_id for r in (tweede, *andere[::-1], eerste)]
    assert p.uitkomsten(JEUGDBESCHERMER, m.REGIO) == {"binnen": 1.0, "buiten": 0.0}


@pytest.fixture
def store(sqlite_db: Engine) -> Engine:
    return sqlite_db


def test_the_replay_searches_the_clients_gi002s_only(store: Engine) -> None:
    """By ix_bericht_client_bericht (migration 0009); before, ix_bericht_client: the client's every message."""
    p = Pipeline(store)
    result = p.stuur("GI002", m.gi002(KIND, UITSPRAAK_DAG, "N1", m.maatregel("M-N", uitspraak=UITSPRAAK_DAG)))
    client = PSEUDONYM(KIND.bsn)
    with session_factory(store)() as session:

        def replay() -> None:
            with gi_monitor.gi002_events_terug(session, m.GI, client, result.bericht_id) as eerder:
                assert len(list(eerder)) == 1

        found = plans(store, replay)
    assert found == {
        "bericht": [
            "SEARCH bericht USING INDEX ix_bericht_client_bericht (client=? AND bericht=? AND validated_at<?)"
        ]
    }


# ---- the read back equals the replay in order --------------------------------------------------------

MAATREGELEN = ("M1", "M2", "M3")
DATUM = st.one_of(st.none(), st.sampled_from([date(2026, 3, d) for d in range(2, 7)]))
REGEL = st.builds(
    lambda i, u, v, k: MaatregelRegel(
        maatregel_id=i,
        maatregel_type="01",
        datum_uitspraak=u,
        datum_vaste_jeugdbeschermer=v,
        datum_gedragen_koers=k,
    ),
    st.sampled_from(MAATREGELEN),
    DATUM,
    DATUM,
    DATUM,
)


def _bericht(n: int, regels: list[MaatregelRegel]) -> MaatregelVoortgangOntvangen:
    return MaatregelVoortgangOntvangen(
        event_id=uuid.uuid4(), bericht_id=f"b{n}", afzender=m.GI, ontvanger=m.GEMEENTE, gemeente=m.GEMEENTE,
        aanbieder=m.GI, identificatie=f"V{n}", dagtekening=date(2026, 3, 9), client="0" * 64,
        ontvangen_op=datetime(2026, 3, 9, tzinfo=UTC), maatregelen=tuple(regels),
    )  # fmt: skip


def _in_volgorde(eerder: list[str], event: MaatregelVoortgangOntvangen) -> dict[str, MaatregelRegel]:
    """The replay as it was: every message in order, a date present replacing the one before."""
    berichten = [MaatregelVoortgangOntvangen.model_validate_json(e) for e in eerder] or [event]
    datums: dict[str, MaatregelRegel] = {}
    for bericht in berichten:
        for regel in bericht.maatregelen:
            vorig = datums.get(regel.maatregel_id)
            nieuw = regel.model_dump(exclude_none=True)
            datums[regel.maatregel_id] = regel if vorig is None else vorig.model_copy(update=nieuw)
    for regel in event.maatregelen:
        datums.setdefault(regel.maatregel_id, regel)
    return datums


def _paren(datums: Mapping[str, date | None]) -> set[tuple[str, date, date]]:
    """What the norms count from: (date field, uitspraak, that date) where both are known."""
    u = datums.get(UITSPRAAK)
    return {(veld, u, d) for _, veld in NORM_DATUMS if u is not None and (d := datums.get(veld)) is not None}


@given(
    st.lists(st.lists(REGEL, min_size=1, max_size=3), min_size=1, max_size=8),
    st.integers(min_value=0),
    st.sampled_from(["normaal", "zonder_audit", "zonder_zichzelf"]),
)
def test_reading_back_finds_the_dates_of_the_replay_in_order(
    alle: list[list[MaatregelRegel]], k: int, geval: str
) -> None:
    """Message k's norms, for any history; the maatregel row holds what every message (later ones too) brought."""
    berichten = [_bericht(n, regels) for n, regels in enumerate(alle)]
    k %= len(berichten)
    event = berichten[k]
    tot = {"normaal": k + 1, "zonder_audit": 0, "zonder_zichzelf": k}[geval]
    eerder = [b.model_dump_json() for b in berichten[:tot]]
    rijen = {
        i: gi_monitor.MaatregelRij(
            1, *(next((getattr(r, v) for b in alle for r in b if r.maatregel_id == i and getattr(r, v)), None)
                 for v in (UITSPRAAK, *(veld for _, veld in NORM_DATUMS)))
        )
        for i in {r.maatregel_id for r in event.maatregelen}
    }  # fmt: skip
    oud = _in_volgorde(eerder, event)
    nieuw = _maatregel_datums(reversed(eerder), event, {i: _nodig(rij) for i, rij in rijen.items()})
    for i in rijen:
        assert _paren(nieuw.get(i, {})) == _paren(oud[i].model_dump()), i
