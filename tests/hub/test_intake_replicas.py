"""Two intake replicas on one PostgreSQL store, judging at the same moment (hub.store.locks).

Messages of different gemeente-aanbieder pairs go to different partitions, hence to different replicas. Where
their rules share a wider scope (TR314 and TR333 per aanbieder, TR347 likewise, TR332 per gemeente) the second
replica must judge against what the first recorded: exactly one of the two is accepted. Messages that share no
such scope must not wait for each other.

The first intake is held inside its transaction, just before its commit, until the second has either finished or
is waiting on it: the interleaving in which, without the locks, each sees a store without the other's rows.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from hub.intake import Intake, IntakeResult
from hub.store.db import SessionFactory
from hub.synth.berichten import DEFAULT_DAGTEKENING, spec
from hub.synth.build import Spec, edit, to_xml
from hub.synth.persons import persoon
from tests.hub.intake_helpers import new_intake

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("db", ["postgresql"], indirect=True)]

AANBIEDER, ANDERE_AANBIEDER = "12345678", "87654321"
APELDOORN, AMSTERDAM = "0200", "0363"
PRESTATIE = "Declaratie/Clienten/Client/Prestaties/Prestatie"
GUARD_SECONDS = 60  # a hung test fails instead of waiting for the suite's timeout; never a measured duration


@dataclass(frozen=True, slots=True)
class Race:
    """Two messages of different pairs whose rules share a scope: the second of them is judged against the first."""

    before: tuple[tuple[str, Spec], ...]  # accepted first, one at a time
    first: tuple[str, Spec]
    second: tuple[str, Spec]
    rule: str
    retourcode: str


def _xml(message: tuple[str, Spec]) -> bytes:
    return to_xml(*message)


def _toewijzingen(*pairs: tuple[str, str]) -> tuple[tuple[str, Spec], ...]:
    """The default client's toewijzingen from each gemeente to each aanbieder: what a JW323 declares on."""
    return tuple(("JW301", spec("JW301", gemeente=g, aanbieder=a)) for g, a in pairs)


def _jw323(gemeente: str, identificatie: str, aanbieder: str = AANBIEDER) -> Spec:
    return spec("JW323", gemeente=gemeente, aanbieder=aanbieder, identificatie=identificatie)


def _andere_referenties(jw323: Spec) -> Spec:
    for n in (1, 2):
        jw323 = edit(jw323, f"{PRESTATIE}[{n}]/ProductReferentie/ReferentieNummer", f"R{n}")
    return jw323


def _tr314() -> Race:
    """Two declaraties of one aanbieder to two gemeenten with the same ReferentieNummers (other numbers)."""
    second = edit(_jw323(AMSTERDAM, "JW323B"), "Declaratie/DeclaratieNummer", "D2")
    return Race(
        before=_toewijzingen((APELDOORN, AANBIEDER), (AMSTERDAM, AANBIEDER)),
        first=("JW323", _jw323(APELDOORN, "JW323A")),
        second=("JW323", second),
        rule="TR314",
        retourcode="8021",
    )


def _tr333() -> Race:
    """Two declaraties of one aanbieder to two gemeenten with the same DeclaratieNummer (other lines)."""
    return Race(
        before=_toewijzingen((APELDOORN, AANBIEDER), (AMSTERDAM, AANBIEDER)),
        first=("JW323", _jw323(APELDOORN, "JW323A")),
        second=("JW323", _andere_referenties(_jw323(AMSTERDAM, "JW323B"))),
        rule="TR333",
        retourcode="9333",
    )


def _tr332() -> Race:
    """One gemeente gives one ToewijzingNummer to two clients, each at another aanbieder."""
    ander_kind = persoon(random.Random(7), DEFAULT_DAGTEKENING, min_leeftijd=4, max_leeftijd=15)
    second = spec("JW301", aanbieder=ANDERE_AANBIEDER, persoon=ander_kind, identificatie="JW301B")
    return Race(
        before=(),
        first=("JW301", spec("JW301", aanbieder=AANBIEDER, identificatie="JW301A")),
        second=("JW301", second),
        rule="TR332",
        retourcode="9332",
    )


def _tr347() -> Race:
    """Two verzoeken of one aanbieder to two gemeenten with the same ReferentieAanbieders."""
    return Race(
        before=(),
        first=("JW315", spec("JW315", gemeente=APELDOORN, identificatie="JW315A")),
        second=("JW315", spec("JW315", gemeente=AMSTERDAM, identificatie="JW315B")),
        rule="TR347",
        retourcode="9347",
    )


RACES: dict[str, Callable[[], Race]] = {"TR314": _tr314, "TR333": _tr333, "TR332": _tr332, "TR347": _tr347}


class HeldBeforeCommit:
    """The sessions of the first intake: its commit waits (inside the transaction) until the test releases it."""

    def __init__(self, db: Engine) -> None:
        self.inside = threading.Event()
        self.release = threading.Event()
        self.pid: int | None = None
        hold = self

        class Held(Session):
            def commit(self) -> None:
                hold.pid = self.execute(text("SELECT pg_backend_pid()")).scalar_one()
                hold.inside.set()
                assert hold.release.wait(GUARD_SECONDS), "the test never released the first intake"
                super().commit()

        self.sessions: SessionFactory = sessionmaker(db, class_=Held, expire_on_commit=False)


def _waits_on(watcher: Engine, pid: int) -> bool:
    """Some backend waits for a lock the backend `pid` holds."""
    query = text(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND :pid = ANY(pg_blocking_pids(pid)))"
    )
    with watcher.connect() as conn:
        return bool(conn.execute(query, {"pid": pid}).scalar_one())


@contextmanager
def _pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(2, thread_name_prefix="replica") as pool:
        yield pool


def judge_together(db: Engine, first: bytes, second: bytes) -> tuple[IntakeResult, IntakeResult, str]:
    """Two intakes, each on its own thread and connection: the first holds its transaction open until the second
    has finished ("finished") or waits for the first ("waited"); the results and which of the two it was."""
    held = HeldBeforeCommit(db)
    replica_a, replica_b = new_intake(db), new_intake(db)
    replica_a.sessions = held.sessions
    with _pool() as pool:
        a = pool.submit(replica_a.verwerk, first)
        assert held.inside.wait(GUARD_SECONDS), "the first intake never reached its commit"
        assert held.pid is not None
        b = pool.submit(replica_b.verwerk, second)
        try:
            how = _until_finished_or_waiting(db, b, held.pid)
        finally:
            held.release.set()
        return a.result(GUARD_SECONDS), b.result(GUARD_SECONDS), how


def _until_finished_or_waiting(db: Engine, second: Future[IntakeResult], pid: int) -> str:
    for _ in range(GUARD_SECONDS * 100):
        try:
            second.result(timeout=0.01)
        except TimeoutError:
            if _waits_on(db, pid):
                return "waited"
        else:
            return "finished"
    raise AssertionError("the second intake neither finished nor waited for the first")


def _accept(intake: Intake, messages: tuple[tuple[str, Spec], ...]) -> None:
    for message in messages:
        result = intake.verwerk(_xml(message))
        assert result.outcome == "accepted", result.errors


@pytest.mark.parametrize("race", list(RACES))
def test_two_replicas_judging_one_scope_accept_exactly_one(db: Engine, race: str) -> None:
    scenario = RACES[race]()
    _accept(new_intake(db), scenario.before)
    a, b, how = judge_together(db, _xml(scenario.first), _xml(scenario.second))
    accepted = [r for r in (a, b) if r.outcome == "accepted"]
    rejected = [r for r in (a, b) if r.outcome == "rejected"]
    assert len(accepted) == 1 and not accepted[0].errors
    assert len(rejected) == 1, [(r.outcome, r.errors) for r in (a, b)]
    assert (race, scenario.retourcode) in {(v.rule, v.retourcode) for v in rejected[0].errors}
    assert how == "waited"  # the second replica judged after the first had committed, not beside it


def test_two_replicas_judging_other_aanbieders_do_not_wait(db: Engine) -> None:
    """The second completes, commit and all, while the first is held inside its transaction."""
    _accept(new_intake(db), _toewijzingen((APELDOORN, AANBIEDER), (AMSTERDAM, ANDERE_AANBIEDER)))
    first = _xml(("JW323", _jw323(APELDOORN, "JW323A")))
    second = _xml(("JW323", _jw323(AMSTERDAM, "JW323A", aanbieder=ANDERE_AANBIEDER)))
    a, b, how = judge_together(db, first, second)
    assert how == "finished"
    assert (a.outcome, b.outcome) == ("accepted", "accepted"), (a.errors, b.errors)
