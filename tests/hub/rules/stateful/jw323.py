"""JW323 test messages and earlier declared lines for the declaratie and prestatie rule tests."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from hub.state.snapshot import PrestatieState, ToewijzingState
from hub.synth.berichten import ASPECIFIEK, SPECIFIEK, declaratie, prestatie, spec
from hub.synth.build import Spec, edit
from tests.hub.rules.stateful.level3 import CLIENT, DAG, INGANG, toewijzing

NR, CAT, CODE = SPECIFIEK
OKT_EIND = date(2026, 10, 31)
ANDER_BSN = "999990019"
CLIENT_KLASSE = "/Bericht/Declaratie/Clienten/Client"
PRESTATIE = CLIENT_KLASSE + "/Prestaties/Prestatie"
PRESTATIE_PATH = "Declaratie/Clienten/Client/Prestaties/Prestatie"
REF_1 = f"P{NR}202610"  # ReferentieNummer of the default specific line


def default_lines() -> list[Spec]:
    return copy.deepcopy(spec("JW323")["Declaratie"]["Clienten"]["Client"][0]["Prestaties"]["Prestatie"])


def jw323(*clienten: tuple[str, list[Spec]]) -> Spec:
    """The default JW323 with these clients and lines (totals recomputed, TR358)."""
    s = spec("JW323")
    s["Declaratie"] = declaratie(
        list(clienten), nummer="D202610001", periode_begin=INGANG, declaratie_dagtekening=DAG
    )
    return s


def lijn(ref: str = "P2", *, volume: int = 16, vorig: str | None = None) -> Spec:
    """A line on the specific toewijzing for October; with `vorig` a credit line."""
    return prestatie(
        ref,
        toewijzing_nummer=NR,
        categorie=CAT,
        code=CODE,
        begindatum=INGANG,
        einddatum=OKT_EIND,
        volume=volume,
        eenheid="04",
        tarief=8000,
        vorig_referentie_nummer=vorig,
    )


def eerder(
    ref: str = "P0",
    *,
    nummer: int = NR,
    begindatum: date = INGANG,
    volume: int = 16,
    bedrag: int = 128000,
    debet: bool = True,
    vorig: str | None = None,
    toegekend: bool | None = True,
    gecrediteerd: bool = False,
    categorie: str = CAT,
    code: str = CODE,
    eenheid: str = "04",
) -> PrestatieState:
    """An earlier declared line of the default client (default: the October debet of the specific toewijzing)."""
    return PrestatieState(
        client=CLIENT,
        referentie_nummer=ref,
        vorig_referentie_nummer=vorig,
        toewijzing_nummer=nummer,
        categorie=categorie,
        code=code,
        begindatum=begindatum,
        einddatum=begindatum.replace(day=30) if begindatum.month == 9 else OKT_EIND,
        volume=volume,
        eenheid=eenheid,
        bedrag=bedrag,
        debet=debet,
        toegekend=toegekend,
        gecrediteerd=gecrediteerd,
    )


def met_lijn(path: str, value: Any, line: int = 1) -> Spec:
    return edit(spec("JW323"), f"{PRESTATIE_PATH}[{line}]/{path}", value)


def budget_toewijzing(budget: int = 500000) -> ToewijzingState:
    return toewijzing(
        ASPECIFIEK[0], ASPECIFIEK[1], None, volume=None, eenheid=None, frequentie=None, budget=budget
    )
