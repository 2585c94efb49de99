"""Start and stop across messages (rules.md 6.2): TR019, TR063, TR069, TR382, TR071, TR074, TR326, TR413-TR415."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from hub.state.snapshot import Snapshot, StartRegel, StopRegel
from hub.synth.berichten import SPECIFIEK, spec, start_product, stop_product
from hub.synth.build import Spec
from tests.hub.rules.stateful.level3 import (
    INGANG,
    SPECIFIEKE,
    found,
    judge,
    rules_of,
    snapshot,
    toewijzing,
)

NR, CAT, CODE = SPECIFIEK
START = "/Bericht/Client/StartProducten/StartProduct"
STOP = "/Bericht/Client/StopProducten/StopProduct"
HALF = date(2026, 10, 15)
EIND = date(2026, 10, 31)


def start(begin: date = INGANG, *, status: str = "1", nummer: int | None = NR) -> Spec:
    return start_product(
        nummer, categorie=CAT, code=CODE, begindatum=begin, toewijzing_ingangsdatum=INGANG, status=status
    )


def stop(
    eind: date = EIND, reden: str = "31", *, begin: date = INGANG, status: str = "1", nummer: int | None = NR
) -> Spec:
    return stop_product(
        nummer,
        categorie=CAT,
        code=CODE,
        begindatum=begin,
        einddatum=eind,
        reden_beeindiging=reden,
        toewijzing_ingangsdatum=INGANG,
        status=status,
    )


def jw305(*lines: Spec) -> Spec:
    s = spec("JW305")
    s["Client"]["StartProducten"]["StartProduct"] = list(lines)
    return s


def jw307(*lines: Spec) -> Spec:
    s = spec("JW307")
    s["Client"]["StopProducten"]["StopProduct"] = list(lines)
    return s


def start_regel(begin: date = INGANG) -> StartRegel:
    return StartRegel(NR, CAT, CODE, begin, INGANG)


def stop_regel(eind: date = EIND, reden: str = "31", begin: date = INGANG) -> StopRegel:
    return StopRegel(NR, CAT, CODE, begin, eind, reden, INGANG)


GESTART = snapshot(starts=(start_regel(),))
TIJDELIJK_GESTOPT = snapshot(starts=(start_regel(),), stops=(stop_regel(HALF, "20"),))
DEFINITIEF_GESTOPT = snapshot(starts=(start_regel(),), stops=(stop_regel(EIND, "31"),))


# --- one rule at a time ----------------------------------------------------------------------------------


def test_tr019_unknown_toewijzing() -> None:
    violations = judge("JW305", jw305(start()), snapshot(toewijzingen=()))
    assert found(violations) == [("TR019", "9019", START)]
    assert violations[0].location == START + "/ToewijzingNummer"


def test_tr019_toewijzing_of_another_client_or_deleted() -> None:
    van_ander = snapshot(toewijzingen=(toewijzing(client="p-999990019"),))
    verwijderd = snapshot(toewijzingen=(toewijzing(einddatum=INGANG, reden_wijziging="13"),))
    assert rules_of(judge("JW307", jw307(stop()), replace(van_ander, starts=(start_regel(),)))) == ["TR019"]
    assert rules_of(judge("JW305", jw305(start()), verwijderd)) == ["TR019"]


def test_tr019_passes() -> None:
    assert judge("JW305", jw305(start()), snapshot()) == []
    # Taakgericht lines (no ToewijzingNummer) and deletions are exempt.
    assert judge("JW305", jw305(start(nummer=None)), snapshot(toewijzingen=())) == []
    gestart = snapshot(toewijzingen=(), starts=(start_regel(),))
    assert judge("JW305", jw305(start(status="3")), gestart) == []


def test_tr063_deleting_what_is_not_in_force() -> None:
    violations = judge("JW305", jw305(start(status="3")), snapshot())
    assert found(violations) == [("TR063", "9063", START)]
    assert violations[0].location == START + "/StatusAanlevering"
    assert found(judge("JW307", jw307(stop(status="3")), GESTART)) == [("TR063", "9063", STOP)]
    # A stop is deleted by its full key: another Einddatum does not match.
    assert rules_of(judge("JW307", jw307(stop(HALF, "20", status="3")), DEFINITIEF_GESTOPT)) == ["TR063"]


def test_tr063_passes() -> None:
    assert judge("JW305", jw305(start(status="3")), GESTART) == []
    assert judge("JW307", jw307(stop(status="3")), DEFINITIEF_GESTOPT) == []


def test_tr069_stop_without_start() -> None:
    violations = judge("JW307", jw307(stop()), snapshot())
    assert found(violations) == [("TR069", "9069", STOP)]


def test_tr382_stop_with_changed_start_key() -> None:
    violations = judge("JW307", jw307(stop(begin=date(2026, 10, 2))), GESTART)
    assert found(violations) == [("TR382", "9069", STOP)]
    assert "2026-10-02" in violations[0].message and "2026-10-01" in violations[0].message


def test_tr069_tr382_pass() -> None:
    assert judge("JW307", jw307(stop()), GESTART) == []


def test_tr071_start_with_stop_in_force_cannot_be_deleted() -> None:
    violations = judge("JW305", jw305(start(status="3")), DEFINITIEF_GESTOPT)
    assert found(violations) == [("TR071", "9071", START)]
    assert violations[0].location == START + "/StatusAanlevering"


def test_tr071_passes_without_stop() -> None:
    assert judge("JW305", jw305(start(status="3")), GESTART) == []


def test_tr074_key_already_in_force() -> None:
    assert ("TR074", "9074", START) in found(judge("JW305", jw305(start()), GESTART))
    assert found(judge("JW307", jw307(stop()), DEFINITIEF_GESTOPT)) == [
        ("TR074", "9074", STOP),
        ("TR415", "9415", STOP),
    ]


def test_tr074_passes_with_new_key() -> None:
    gestopt = snapshot(starts=(start_regel(),), stops=(stop_regel(),))
    assert judge("JW305", jw305(start(date(2026, 11, 1))), gestopt) == []


def test_tr326_second_current_start() -> None:
    violations = judge("JW305", jw305(start(date(2026, 10, 20))), GESTART)
    assert found(violations) == [("TR326", "9326", START)]


def test_tr326_lines_of_one_message_count_against_each_other() -> None:
    violations = judge("JW305", jw305(start(), start(date(2026, 10, 20))), snapshot())
    assert found(violations) == [("TR326", "9326", START + "[2]")]


def test_tr326_taakgericht_same_product() -> None:
    taak = snapshot(starts=(StartRegel(None, CAT, CODE, INGANG),))
    assert rules_of(judge("JW305", jw305(start(date(2026, 10, 20), nummer=None)), taak)) == ["TR326"]


def test_tr413_second_temporary_stop() -> None:
    violations = judge("JW307", jw307(stop(EIND, "20")), TIJDELIJK_GESTOPT)
    assert found(violations) == [("TR413", "9413", STOP)]
    assert violations[0].location == STOP + "/RedenBeeindiging"


def test_tr414_definitive_stop_before_temporary_one() -> None:
    violations = judge("JW307", jw307(stop(date(2026, 10, 10), "31")), TIJDELIJK_GESTOPT)
    assert found(violations) == [("TR414", "9414", STOP)]
    assert violations[0].location == STOP + "/Einddatum"


def test_tr415_stop_after_definitive_stop() -> None:
    violations = judge("JW307", jw307(stop(EIND, "20")), DEFINITIEF_GESTOPT)
    assert found(violations) == [("TR415", "9415", STOP)]


def test_tr413_tr414_tr415_pass() -> None:
    assert judge("JW307", jw307(stop(HALF, "31")), TIJDELIJK_GESTOPT) == []  # equal Einddatum is allowed
    assert judge("JW307", jw307(stop(EIND, "20")), GESTART) == []


# --- life cycles (rules.md 6.2) ----------------------------------------------------------------------------


def _lines(bericht: str, s: Spec) -> list[dict[str, Any]]:
    client = s["Client"]
    return list(
        client["StartProducten"]["StartProduct"]
        if bericht == "JW305"
        else client["StopProducten"]["StopProduct"]
    )


def accept(state: Snapshot, bericht: str, s: Spec) -> Snapshot:
    """What the store does with an accepted JW305/JW307: deletions first, then the new lines."""
    starts, stops = list(state.starts), list(state.stops)
    for line in sorted(_lines(bericht, s), key=lambda line: line["StatusAanlevering"] != "3"):
        product = line["Product"] or {}
        sleutel = (
            line["ToewijzingNummer"],
            product.get("Categorie"),
            product.get("Code"),
            line["Begindatum"],
        )
        if bericht == "JW305":
            starts = [r for r in starts if r.sleutel != sleutel]
            if line["StatusAanlevering"] == "1":
                starts.append(StartRegel(*sleutel, line["ToewijzingIngangsdatum"]))
        else:
            regel = StopRegel(
                *sleutel, line["Einddatum"], line["RedenBeeindiging"], line["ToewijzingIngangsdatum"]
            )
            stops = [r for r in stops if r.sleutel != regel.sleutel]
            if line["StatusAanlevering"] == "1":
                stops.append(regel)
    return replace(state, starts=tuple(starts), stops=tuple(stops))


def run(state: Snapshot, steps: list[tuple[str, Spec]]) -> tuple[list[list[str]], Snapshot]:
    """Judge each message in turn; accepted ones change the state (OP286: rejected ones do not)."""
    outcomes: list[list[str]] = []
    for bericht, s in steps:
        violations = judge(bericht, s, state)
        outcomes.append(rules_of(violations))
        if not violations:
            state = accept(state, bericht, s)
    return outcomes, state


def test_start_temporary_stop_definitive_stop() -> None:
    outcomes, state = run(
        snapshot(),
        [("JW305", jw305(start())), ("JW307", jw307(stop(HALF, "20"))), ("JW307", jw307(stop(EIND, "31")))],
    )
    assert outcomes == [[], [], []]
    assert state.stops == (stop_regel(HALF, "20"), stop_regel(EIND, "31"))
    # After the definitive stop nothing more: TR415.
    assert rules_of(judge("JW307", jw307(stop(date(2026, 11, 1), "32")), state)) == ["TR415"]


def test_definitive_stop_must_not_end_before_temporary_stop() -> None:
    outcomes, _ = run(
        snapshot(),
        [("JW305", jw305(start())), ("JW307", jw307(stop(EIND, "20"))), ("JW307", jw307(stop(HALF, "31")))],
    )
    assert outcomes == [[], [], ["TR414"]]


def test_new_start_after_stop() -> None:
    outcomes, state = run(
        snapshot(),
        [
            ("JW305", jw305(start())),
            ("JW305", jw305(start(date(2026, 10, 20)))),  # still current: rejected
            ("JW307", jw307(stop(HALF, "20"))),
            ("JW305", jw305(start(date(2026, 10, 20)))),  # after the (temporary) stop: allowed (OP379)
        ],
    )
    assert outcomes == [[], ["TR326"], [], []]
    assert [s.begindatum for s in state.starts] == [INGANG, date(2026, 10, 20)]


def test_correction_delete_and_add_in_one_message() -> None:
    # The deletion is processed first, so the new start is not judged against the one it replaces.
    correctie = jw305(start(date(2026, 10, 2)), start(status="3"))  # new line first in the document
    outcomes, state = run(GESTART, [("JW305", correctie)])
    assert outcomes == [[]]
    assert state.starts == (start_regel(date(2026, 10, 2)),)


def test_stop_correction_delete_and_add_in_one_message() -> None:
    correctie = jw307(stop(HALF, "20", status="3"), stop(date(2026, 10, 20), "20"))
    assert judge("JW307", correctie, TIJDELIJK_GESTOPT) == []


def test_deleting_a_start_with_a_stop_in_force_fails_until_the_stop_is_deleted() -> None:
    outcomes, state = run(
        DEFINITIEF_GESTOPT,
        [
            ("JW305", jw305(start(status="3"))),
            ("JW307", jw307(stop(status="3"))),
            ("JW305", jw305(start(status="3"))),
        ],
    )
    assert outcomes == [["TR071"], [], []]
    assert state.starts == () and state.stops == ()


@pytest.mark.parametrize("bericht", ["JW305", "JW307"])
def test_no_state_no_findings(bericht: str) -> None:
    assert judge(bericht, spec(bericht), None) == []


def test_default_messages_pass_on_their_story() -> None:
    """The default JW305 starts both default toewijzingen; the default JW307 stops the first start."""
    assert judge("JW305", spec("JW305"), snapshot()) == []
    both = snapshot(starts=(start_regel(), StartRegel(300202, "43", None, INGANG, INGANG)))
    assert judge("JW307", spec("JW307"), both) == []
    assert SPECIFIEKE.toewijzing_nummer == NR


def test_tr413_tr415_lines_of_one_message_count_against_each_other() -> None:
    """A stop earlier in the same JW307 is in force for the later lines (rules.md 6.2, judged as processed)."""
    twee_tijdelijk = jw307(stop(HALF, "20"), stop(EIND, "20"))
    assert found(judge("JW307", twee_tijdelijk, GESTART)) == [("TR413", "9413", STOP + "[2]")]
    na_definitief = jw307(stop(HALF, "31"), stop(EIND, "32"))
    assert found(judge("JW307", na_definitief, GESTART)) == [("TR415", "9415", STOP + "[2]")]
