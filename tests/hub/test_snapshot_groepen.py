"""Snapshot's groupings answer what a scan of its tuples answered, in the same order (rules look up per line)."""

from __future__ import annotations

from datetime import date, time

from hypothesis import given
from hypothesis import strategies as st

from hub.state.snapshot import PrestatieState, Snapshot, ToewijzingState, per_toewijzing

DAG = date(2026, 1, 1)


def toewijzing(client: str, nummer: int) -> ToewijzingState:
    return ToewijzingState(
        "0200",
        "12345678",
        client,
        nummer,
        "45",
        None,
        DAG,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        DAG,
        time(9),
        DAG,
    )


def prestatie(client: str, nummer: int, ref: str) -> PrestatieState:
    return PrestatieState(client, ref, None, nummer, "45", None, DAG, DAG, 1, "14", 100, True)


CLIENTEN = st.sampled_from(["a", "b", "c"])
NUMMERS = st.integers(1, 4)


@given(
    st.lists(st.tuples(CLIENTEN, NUMMERS), max_size=12),
    st.lists(st.tuples(CLIENTEN, NUMMERS, st.sampled_from(["r1", "r2", "r3"])), max_size=12),
)
def test_groupings_answer_as_the_scans_did(
    toewijzingen: list[tuple[str, int]], prestaties: list[tuple[str, int, str]]
) -> None:
    state = Snapshot(
        pseudonym=str,
        toewijzingen=tuple(toewijzing(c, n) for c, n in toewijzingen),
        prestaties=tuple(prestatie(c, n, r) for c, n, r in prestaties),
    )
    for client in ("a", "b", "c", None):
        assert state.toewijzingen_van(client) == tuple(t for t in state.toewijzingen if t.client == client)
        for nummer in range(6):
            scanned = next(
                (
                    t
                    for t in state.toewijzingen
                    if t.toewijzing_nummer == nummer and client in (None, t.client)
                ),
                None,
            )
            assert state.toewijzing(nummer, client) is scanned
            grouped = state.prestaties_per(per_toewijzing).get((client, nummer), ())
            assert grouped == tuple(
                p for p in state.prestaties if p.client == client and p.toewijzing_nummer == nummer
            )
    # Made once per key function: the same mapping again.
    assert state.prestaties_per(per_toewijzing) is state.prestaties_per(per_toewijzing)
