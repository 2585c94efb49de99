"""The read-only state the stateful rules judge against (hub.state.snapshot): what each derived fact means."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, replace
from datetime import date, time

import pytest

from hub.state.snapshot import (
    DeclaratieState,
    PrestatieState,
    Snapshot,
    StartRegel,
    StopRegel,
    ToewijzingState,
    VerzoekState,
)

TODAY = date(2026, 11, 2)
CLIENT, ANDERE = "a" * 64, "b" * 64


def toewijzing(
    nummer: int = 1,
    *,
    client: str = CLIENT,
    ingangsdatum: date = date(2026, 1, 1),
    einddatum: date | None = None,
    reden: str | None = None,
) -> ToewijzingState:
    return ToewijzingState(
        gemeente="0200", aanbieder="12345678", client=client, toewijzing_nummer=nummer, categorie="45",
        code="45A53", ingangsdatum=ingangsdatum, einddatum=einddatum, reden_wijziging=reden, volume=None,
        eenheid=None, frequentie=None, budget=None, referentie_aanbieder=None, toewijzingsdatum=ingangsdatum,
        toewijzingstijd=time(9), eerste_toewijzingsdatum=ingangsdatum,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("einddatum", "reden", "verwijderd"),
    [
        (date(2026, 1, 1), "13", True),  # Einddatum = Ingangsdatum with RedenWijziging 13: deleted
        (date(2026, 1, 1), "01", True),
        (date(2026, 1, 1), "02", False),  # ended on its first day, not deleted
        (date(2026, 1, 1), None, False),
        (date(2026, 1, 2), "13", False),  # ended later: a shortened toewijzing
        (None, "13", False),
    ],
)
def test_a_toewijzing_is_deleted_only_by_einddatum_ingangsdatum_with_its_reden(
    einddatum: date | None, reden: str | None, verwijderd: bool
) -> None:
    t = toewijzing(einddatum=einddatum, reden=reden)
    assert t.verwijderd is verwijderd
    if verwijderd:
        assert replace(t, ingangsdatum=date(2027, 1, 1), einddatum=date(2027, 1, 1)).actueel(TODAY) is False


@pytest.mark.parametrize(
    ("ingangsdatum", "einddatum", "actueel"),
    [
        (date(2026, 1, 1), None, True),  # open-ended
        (date(2026, 1, 1), TODAY, True),  # its last day is today
        (date(2026, 1, 1), date(2026, 11, 1), False),  # ended yesterday
        (date(2026, 11, 3), date(2026, 12, 31), True),  # starts tomorrow
        (TODAY, TODAY, True),
    ],
)
def test_a_current_toewijzing_runs_today_or_later(
    ingangsdatum: date, einddatum: date | None, actueel: bool
) -> None:
    assert toewijzing(ingangsdatum=ingangsdatum, einddatum=einddatum).actueel(TODAY) is actueel


def test_a_toewijzing_state_cannot_be_changed() -> None:
    with pytest.raises(FrozenInstanceError):
        toewijzing().einddatum = TODAY  # type: ignore[misc]  # frozen: the write must fail


def test_start_and_stop_lines_are_keyed_on_what_names_the_start() -> None:
    start = StartRegel(7, "45", "45A53", date(2026, 2, 1))
    stop = StopRegel(7, "45", "45A53", date(2026, 2, 1), date(2026, 6, 30), "20")
    assert start.sleutel == stop.start_sleutel == (7, "45", "45A53", date(2026, 2, 1))
    assert stop.sleutel == (7, "45", "45A53", date(2026, 2, 1), date(2026, 6, 30), "20")
    assert stop.tijdelijk  # RedenBeeindiging 20: the stop is not definitive
    assert not replace(stop, reden_beeindiging="02").tijdelijk


@pytest.mark.parametrize(
    ("antwoorden", "toegewezen", "afgewezen", "pending"),
    [
        ((), False, False, True),
        (("2",), False, False, True),  # in onderzoek: still pending
        (("2", "1"), False, True, False),  # rejected after the investigation
        (("1",), True, True, False),
        ((), True, False, False),  # honoured by a toewijzing
    ],
)
def test_a_verzoek_is_pending_until_rejected_or_honoured(
    antwoorden: tuple[str, ...], toegewezen: bool, afgewezen: bool, pending: bool
) -> None:
    v = VerzoekState("12345678", "0200", CLIENT, "REF-1", "VOT", date(2026, 10, 1), antwoorden, toegewezen)
    assert (v.afgewezen, v.pending) == (afgewezen, pending)


def test_a_declaratie_names_the_clients_of_its_prestaties() -> None:
    def prestatie(client: str, nummer: str) -> PrestatieState:
        return PrestatieState(
            client,
            nummer,
            None,
            1,
            "45",
            "45A53",
            date(2026, 10, 1),
            date(2026, 10, 31),
            10,
            "04",
            80000,
            True,
        )

    d = DeclaratieState(
        "D-1",
        {
            "R1": (prestatie(CLIENT, "R1"),),
            "R2": (prestatie(ANDERE, "R2"),),
            "R3": (prestatie(CLIENT, "R3"),),
        },
    )
    assert d.clients == frozenset({CLIENT, ANDERE})
    assert d.xsd_versie is None  # not kept: stored before migration 0007
    # A line no JW325 answered yet, not credited, its ProductTarief and gemeente not known.
    (r1,) = d.prestaties["R1"]
    assert (r1.toegekend, r1.gecrediteerd, r1.tarief, r1.gemeente) == (None, False, None, None)


def test_the_snapshot_finds_a_toewijzing_by_number_and_client() -> None:
    eerste, tweede = toewijzing(1, client=ANDERE), toewijzing(1, client=CLIENT)
    state = Snapshot(pseudonym=str.upper, toewijzingen=(eerste, tweede, toewijzing(2)))
    assert state.toewijzing(1) is eerste  # any client: the first with the number
    assert state.toewijzing(1, CLIENT) is tweede
    assert state.toewijzing(2, ANDERE) is None
    assert state.toewijzing(3) is None


def test_an_empty_snapshot_knows_nothing_and_cannot_be_changed() -> None:
    state = Snapshot(pseudonym=str.upper)
    assert not state.identificatie_bekend
    assert (state.toewijzingen, state.starts, state.stops, state.verzoeken, state.prestaties) == ((),) * 5
    assert (len(state.toewijzing_clients), len(state.referenties)) == (0, 0)
    assert state.declaratie_nummers == frozenset()
    assert state.laatste_declaratieperiode is None and state.beantwoorde_declaratie is None
    with pytest.raises(TypeError):
        state.referenties["REF-1"] = VerzoekState(  # type: ignore[index]  # read-only: the write must fail
            "12345678", "0200", CLIENT, "REF-1", "VOT", TODAY
        )
    with pytest.raises(FrozenInstanceError):
        state.identificatie_bekend = True  # type: ignore[misc]  # frozen: the write must fail


def test_a_verzoek_without_answers_or_toewijzing_is_pending() -> None:
    v = VerzoekState("12345678", "0200", CLIENT, "REF-1", "VOW", date(2026, 10, 1))
    assert (v.antwoorden, v.toegewezen, v.afgewezen, v.pending) == ((), False, False, True)
