"""Shared helpers for the stateful rule tests: snapshots of earlier messages and one call to judge a message."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, time
from typing import Any

import hub.rules.all  # level 2: every judged message must pass it first
import hub.rules.stateful  # noqa: F401  (registers the rules under test)
from hub.ijw.catalog import BERICHTEN, RETOUR_KLASSEN
from hub.ijw.doc import Doc, locatie
from hub.rules.registry import Context, Level, Violation, herzien, iter_violations
from hub.state.snapshot import Snapshot, ToewijzingState
from hub.synth.berichten import (
    ASPECIFIEK,
    DEFAULT_DAGTEKENING,
    SPECIFIEK,
    default_persoon,
    einde,
    ingang,
)
from hub.synth.build import to_tree
from tests.hub.rules.level2 import schema

DAG = DEFAULT_DAGTEKENING  # Dagtekening of every default message: 2026-11-02
TODAY = date(2026, 11, 3)  # the receiver's date
INGANG = ingang(DAG)  # 2026-10-01: start of the default toewijzingen and starts
EINDE = einde(DAG)  # 2027-03-31: end of the default toewijzingen
GEMEENTE, AANBIEDER = "0200", "12345678"
BSN = default_persoon(DAG).bsn


def pseudonym(bsn: str) -> str:
    return "p-" + bsn


CLIENT = pseudonym(BSN)
ANDER = pseudonym("999990019")  # another client


def toewijzing(
    nummer: int = SPECIFIEK[0],
    categorie: str | None = SPECIFIEK[1],
    code: str | None = SPECIFIEK[2],
    *,
    client: str = CLIENT,
    ingangsdatum: date = INGANG,
    einddatum: date | None = EINDE,
    reden_wijziging: str | None = None,
    volume: int | None = 4,
    eenheid: str | None = "04",
    frequentie: str | None = "2",
    budget: int | None = None,
    referentie_aanbieder: str | None = None,
) -> ToewijzingState:
    """The latest version of a toewijzing; the default is the specific one of the default JW301."""
    return ToewijzingState(
        gemeente=GEMEENTE,
        aanbieder=AANBIEDER,
        client=client,
        toewijzing_nummer=nummer,
        categorie=categorie,
        code=code,
        ingangsdatum=ingangsdatum,
        einddatum=einddatum,
        reden_wijziging=reden_wijziging,
        volume=volume,
        eenheid=eenheid,
        frequentie=frequentie,
        budget=budget,
        referentie_aanbieder=referentie_aanbieder,
        toewijzingsdatum=INGANG,
        toewijzingstijd=time(10, 0),
        eerste_toewijzingsdatum=INGANG,
    )


SPECIFIEKE = toewijzing()
ASPECIFIEKE = toewijzing(ASPECIFIEK[0], ASPECIFIEK[1], None, volume=None, eenheid=None, frequentie=None)
DEFAULT_TOEWIJZINGEN = (SPECIFIEKE, ASPECIFIEKE)


def snapshot(**fields: Any) -> Snapshot:
    """A snapshot of the default client's world; by default it knows the two default toewijzingen."""
    fields.setdefault("toewijzingen", DEFAULT_TOEWIJZINGEN)
    return Snapshot(pseudonym=pseudonym, **fields)


def met(state: Snapshot, **fields: Any) -> Snapshot:
    return replace(state, **fields)


def judge(
    bericht: str, spec: dict[str, Any], state: Snapshot | None, *, today: date = TODAY, level2: bool = True
) -> list[Violation]:
    """The stateful findings on a message that is XSD-valid and passes level 2 (asserted first, unless a test
    reaches behind level 2 on purpose)."""
    tree = to_tree(bericht, spec)
    xsd = schema(bericht)
    assert xsd.validate(tree), [e.message for e in xsd.error_log]
    doc = Doc(tree, BERICHTEN[bericht])
    if level2:
        findings = list(iter_violations(doc, Context(today=today)))
        assert findings == [], findings
    ctx = Context(today=today, state=state)
    # As Validator.judge_state: the rules that depend on the others' findings judged again (Rule.herzien).
    findings = list(herzien(doc, ctx, tuple(iter_violations(doc, ctx, (Level.STATEFUL,)))))
    for v in findings if bericht in KLASSEN else ():  # a JW325 gets no retour
        assert v.klasse is None or _pad(v.klasse) in KLASSEN[bericht], (v.rule, locatie(v.klasse))
    return findings


# The elements a retour carries codes on (hub.retour.build): a finding on any other element would be lost from the
# retour, which would then read as accepted. Every stateful test checks its findings against them.
KLASSEN: dict[str, tuple[str, ...]] = {
    **{b: RETOUR_KLASSEN[i.retour] for b, i in BERICHTEN.items() if i.retour in RETOUR_KLASSEN},
    "JW323": ("Declaratie", "Declaratie/Clienten/Client", "Declaratie/Clienten/Client/Prestaties/Prestatie"),
}


def _pad(el: Any) -> str:
    """A berichtklasse's path below Bericht, without the positions of its Locatie."""
    return re.sub(r"\[\d+\]", "", locatie(el)).removeprefix("/Bericht/")


def found(violations: list[Violation]) -> list[tuple[str, str | None, str | None]]:
    """(rule, retourcode, Locatie of the berichtklasse or None for the Header) per finding."""
    return [(v.rule, v.retourcode, None if v.klasse is None else locatie(v.klasse)) for v in violations]


def rules_of(violations: list[Violation]) -> list[str]:
    return [v.rule for v in violations]
