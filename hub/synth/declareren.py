"""Declareren: each month an aanbieder declares the care it delivered (JW323); the gemeente answers (JW325).

On the first working day of a month the simulator plans, per aanbieder and gemeente with started care, one
JW323 some working days later for the month before (process.md 3.1 step 5, CS340): a Prestatie per toewijzing
and month of care not declared yet, so care reported late is declared in a later month (TR319 allows it). Each
line fits the gemeente's state as the hub keeps it: its ProductPeriode is the month within the toewijzing
(TR307, TR308, TR387, TR388), its volume fits the Omvang (TR321, TR322) or Budget (TR369), and its amount is
GeleverdVolume x the tariff of its product code (TR346), one tariff per code (`tarieven`, as TR418 checks).

The gemeente answers within 10 working days (OP090x4), mostly granting all (8001). Now and then an aanbieder
counts the Omvang for every calendar week the month touches: the hub allows it (TR321 must allow both weekly
methods), but the gemeente counts weeks by their Sundays (IV077) and returns the line with 9321; the aanbieder
declares it again, corrected, with its next declaration. Now and then it corrects a granted line with a credit
line and a new debet line (OP366, IV091). Draws come from an rng of their own, so the other stories of a seed
stay as they were.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from hub.rules.stateful.prestatie import weken
from hub.synth.build import Spec
from hub.synth.declaratie import declaratie, declaratie_antwoord, prestatie
from hub.synth.maanden import maand_begin, maand_einde, volgende_maand, vorige_maand
from hub.synth.wereld import PRODUCTSOORTEN, Aanbieder, Wereld, plus_werkdagen

if TYPE_CHECKING:
    from hub.synth.dossier import Client, Toewijzing
    from hub.synth.simulate import Simulator

# Working days into the month at which an aanbieder declares the month before, and until the gemeente answers.
DECLARATIE_WERKDAGEN = ((1, 2, 3, 4, 5, 6, 8, 10, 12), (5, 15, 20, 18, 14, 10, 8, 6, 4))
ANTWOORD_WERKDAGEN = ((1, 2, 3, 4, 5, 6, 7, 8, 9, 10), (3, 8, 12, 14, 14, 12, 10, 9, 8, 10))
TE_VEEL = 0.04  # chance that a line on a weekly Omvang counts calendar weeks (returned with 9321)
RETOURCODE_TE_VEEL = "9321"
CORRECTIE = 0.05  # chance that a declaration credits and corrects one granted line
ETMAAL, EURO = "14", "83"
PER_DAG, PER_WEEK, PER_MAAND, TOTAAL = "1", "2", "4", "6"  # Frequentie (WMO757)
# Tariff per unit in euro cents, by Eenheid; a product code adds a step of its own (`tarief`).
TARIEF = {"01": 140, "04": 8400, "14": 19500, "16": 5600, "82": 2800, "84": 2800}


def tarief(code: str, eenheid: str) -> int:
    """The contract tariff of a product code, in euro cents per unit of its Eenheid: one per code."""
    return TARIEF[eenheid] + 150 * (sum(code.encode()) % 7)


def declaratiecode(aanbieder: Aanbieder, categorie: str) -> str:
    """The code an aspecific or budget toewijzing is declared under: the aanbieder's first of the category."""
    codes = aanbieder.producten.get(categorie) or (f"{categorie}A00",)
    return codes[0]


def productcodes(wereld: Wereld) -> list[tuple[str, str]]:
    """Every (categorie, code) the simulated messages carry, as a product code list (TR381) holds them."""
    return sorted(
        {(c, code) for a in wereld.aanbieders for c, codes in a.producten.items() for code in codes}
        | {(c, declaratiecode(a, c)) for a in wereld.aanbieders for c in a.producten}
    )


def tarieven(wereld: Wereld) -> dict[str, int]:
    """Product code -> contract tariff in euro cents (TR418) for every code declared with a tariff."""
    return {
        code: tarief(code, eenheid)
        for c, code in productcodes(wereld)
        if (eenheid := PRODUCTSOORTEN[c].eenheid) is not None
    }


def zorgdagen(t: Toewijzing, begin: date, eind: date) -> int:
    """Days of care delivered on toewijzing t from begin to eind (both included)."""
    return sum(max(0, (min(e, eind) - max(b, begin)).days + 1) for b, e in t.zorgperioden)


def zorgmaanden(t: Toewijzing) -> Iterator[date]:
    """The first day of every month in which care was delivered on toewijzing t."""
    for b, e in t.zorgperioden:
        maand = maand_begin(b)
        while maand <= e:
            yield maand
            maand = volgende_maand(maand)


def zondagen(begin: date, eind: date) -> int:
    """The weeks of a period counted by their Sundays (IV077, outputgericht)."""
    return ((eind - begin).days + 1 + begin.weekday()) // 7


@dataclass(eq=False)
class Regel:
    """One declared line as the aanbieder keeps it: what it declared and what the JW325 said of it."""

    client: Client
    toewijzing: Toewijzing
    referentie: str
    velden: dict[str, Any]  # the keyword arguments of hub.synth.declaratie.prestatie, as declared
    vorig: str | None = None  # a credit line: the ReferentieNummer it credits
    goed_volume: int | None = None  # a line that counted calendar weeks: the volume it should have had
    toegekend: bool | None = None
    afgehandeld: bool = False  # declared again or credited since

    @property
    def spec(self) -> Spec:
        return prestatie(self.referentie, **self.velden, vorig_referentie_nummer=self.vorig)


@dataclass
class _Paar:
    """What one aanbieder declares at one gemeente: its care this month and the lines that may need more."""

    aanbieder: Aanbieder
    gemeente: str
    zorg: list[tuple[Client, Toewijzing]] = field(default_factory=list)
    regels: list[Regel] = field(default_factory=list)  # debet lines, kept for a correction or a resubmission


class Declareren:
    """The declaraties of every aanbieder at every gemeente, month by month, and the gemeenten's answers."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.rng = random.Random(f"{sim.config.seed}:declaratie")
        self.paren: dict[tuple[str, str], _Paar] = {}
        self.gedeclareerd: dict[Toewijzing, set[date]] = defaultdict(set)  # months declared per toewijzing
        self.totaal: dict[Toewijzing, int] = defaultdict(int)  # volume (Frequentie 6) or Budget declared

    def begin(self) -> None:
        self.sim.plan(volgende_maand(self.sim.start), self.maand)

    def maand(self, d: date) -> None:
        """On the first working day of a month, each aanbieder with care at a gemeente plans a declaratie."""
        for paar in self.paren.values():
            paar.zorg = []
        for client in self.sim.trajecten.clienten:
            for t in client.toewijzingen:
                gedeclareerd = self.gedeclareerd[t]
                if t.gestart and not t.verwijderd and any(m not in gedeclareerd for m in zorgmaanden(t)):
                    sleutel = (t.aanbieder.agb, t.gemeente)
                    paar = self.paren.setdefault(sleutel, _Paar(t.aanbieder, t.gemeente))
                    paar.zorg.append((client, t))
        periode = vorige_maand(d)
        for paar in self.paren.values():
            if paar.zorg or any(r.toegekend is False and not r.afgehandeld for r in paar.regels):
                dag = plus_werkdagen(maand_begin(d), self.rng.choices(*DECLARATIE_WERKDAGEN)[0])
                self.sim.plan(dag, self._declaratie(paar, periode))
        self.sim.plan(volgende_maand(d), self.maand)

    # ---- JW323 ---------------------------------------------------------------------------------------

    def _declaratie(self, paar: _Paar, periode: date) -> Callable[[date], None]:
        def stap(dag: date) -> None:
            regels = self._correctie(paar) + self._opnieuw(paar) + self._geleverd(paar, periode)
            if regels:
                self._verstuur(paar, periode, regels, dag)

        return stap

    def _verstuur(self, paar: _Paar, periode: date, regels: list[Regel], d: date) -> None:
        per_client: dict[str, list[Spec]] = {}
        for r in regels:
            per_client.setdefault(r.client.persoon.bsn, []).append(r.spec)
        agb = paar.aanbieder.agb
        spec = {
            "Header": self.sim.header("JW323", gemeente=paar.gemeente, aanbieder=agb),
            "Declaratie": declaratie(
                list(per_client.items()),
                nummer=f"D{periode:%y%m}{self.sim.volgnummer('declaratie', agb):05d}",
                periode_begin=periode,
                declaratie_dagtekening=d,
            ),
        }
        self.sim.verstuur("JW323", spec)
        paar.regels += [r for r in regels if r.vorig is None]
        antwoord = plus_werkdagen(d, self.rng.choices(*ANTWOORD_WERKDAGEN)[0])
        self.sim.plan(antwoord, lambda dag: self._antwoord(spec, regels, dag))

    def _referentie(self, aanbieder: Aanbieder) -> str:
        """ReferentieNummer, unique per aanbieder (TR314)."""
        return f"P{self.sim.volgnummer('prestatie', aanbieder.agb):08d}"

    def _geleverd(self, paar: _Paar, periode: date) -> list[Regel]:
        """A line per toewijzing and month of care up to `periode` that was not declared yet."""
        regels: list[Regel] = []
        for client, t in paar.zorg:
            for maand in dict.fromkeys(zorgmaanden(t)):
                if maand <= periode and maand not in self.gedeclareerd[t]:
                    self.gedeclareerd[t].add(maand)
                    regel = self._regel(paar.aanbieder, client, t, maand)
                    if regel is not None:
                        regels.append(regel)
        return regels

    def _regel(self, aanbieder: Aanbieder, client: Client, t: Toewijzing, maand: date) -> Regel | None:
        """A month of care as a line; its ProductPeriode is the month within the toewijzing (TR387, TR388)."""
        begin, eind = max(maand, t.ingangsdatum), min(maand_einde(maand), t.einddatum)
        p = t.product
        code = p.code or declaratiecode(aanbieder, p.categorie)
        velden = {
            "toewijzing_nummer": t.nummer,
            "categorie": p.categorie,
            "code": code,
            "begindatum": begin,
            "einddatum": eind,
        }
        if p.omvang is None and PRODUCTSOORTEN[p.categorie].eenheid is None:
            bedrag = self._bedrag(t, zorgdagen(t, begin, eind))
            if bedrag is None:
                return None
            return Regel(
                client, t, self._referentie(aanbieder), {**velden, "volume": bedrag, "eenheid": EURO}
            )
        v, eenheid, frequentie = omvang_van(t)
        volume = _volume(v, eenheid, frequentie, zorgdagen(t, begin, eind), begin, eind)
        if frequentie == TOTAAL:  # the total Omvang over the whole toewijzing (TR322)
            volume = min(volume, v - self.totaal[t])
            self.totaal[t] += volume
        if volume <= 0:
            return None
        velden |= {"volume": volume, "eenheid": eenheid, "tarief": tarief(code, eenheid)}
        regel = Regel(client, t, self._referentie(aanbieder), velden)
        kalender = v * weken(begin, eind)  # the most the hub allows (TR321), more than the gemeente counts
        te_veel = p.omvang is not None and frequentie == PER_WEEK and kalender > v * zondagen(begin, eind)
        if te_veel and kalender > volume and self.rng.random() < TE_VEEL:
            regel.velden["volume"], regel.goed_volume = kalender, volume
        return regel

    def _bedrag(self, t: Toewijzing, dagen: int) -> int | None:
        """A budget toewijzing's amount for `dagen` days of care: the Budget spread over its care (TR369)."""
        budget = t.product.budget or 0
        totaal = sum((e - b).days + 1 for b, e in t.zorgperioden)
        bedrag = min(budget * dagen // totaal, budget - self.totaal[t])
        if bedrag <= 0:
            return None
        self.totaal[t] += bedrag
        return bedrag

    def _opnieuw(self, paar: _Paar) -> list[Regel]:
        """The lines the gemeente returned, declared again with the volume they should have had."""
        regels: list[Regel] = []
        for r in paar.regels:
            if r.toegekend is False and not r.afgehandeld:
                r.afgehandeld = True
                velden = {**r.velden, "volume": r.goed_volume or r.velden["volume"]}
                regels.append(Regel(r.client, r.toewijzing, self._referentie(paar.aanbieder), velden))
        return regels

    def _correctie(self, paar: _Paar) -> list[Regel]:
        """Now and then a granted line had one unit too many: credited and declared again (OP366, IV091)."""
        kandidaten = [
            r
            for r in paar.regels
            if r.toegekend and not r.afgehandeld and r.velden["eenheid"] != EURO and r.velden["volume"] > 1
        ]
        if not kandidaten or self.rng.random() >= CORRECTIE:
            return []
        r = self.rng.choice(kandidaten)
        r.afgehandeld = True
        credit = Regel(r.client, r.toewijzing, self._referentie(paar.aanbieder), r.velden, vorig=r.referentie)
        velden = {**r.velden, "volume": r.velden["volume"] - 1}
        return [credit, Regel(r.client, r.toewijzing, self._referentie(paar.aanbieder), velden)]

    # ---- JW325 ---------------------------------------------------------------------------------------

    def _antwoord(self, jw323: Spec, regels: list[Regel], d: date) -> None:
        """The gemeente's JW325: every line granted but those that counted calendar weeks (9321)."""
        afgewezen = {r.referentie: RETOURCODE_TE_VEEL for r in regels if r.goed_volume is not None}
        gemeente = jw323["Header"]["Ontvanger"]
        spec = declaratie_antwoord(
            jw323, dagtekening=d, identificatie=self.sim.identificatie(gemeente, "JW325"), afgewezen=afgewezen
        )
        self.sim.verstuur("JW325", spec)
        for r in regels:
            r.toegekend = r.referentie not in afgewezen


def omvang_van(t: Toewijzing) -> tuple[int, str, str]:
    """(Volume, Eenheid, Frequentie) of the toewijzing; aspecific ones get what the contract says (TR341)."""
    if t.product.omvang is not None:
        o = t.product.omvang
        return int(o["Volume"]), str(o["Eenheid"]), str(o["Frequentie"])
    soort = PRODUCTSOORTEN[t.product.categorie]
    assert soort.eenheid is not None, "a category without Eenheid is assigned with a Budget"
    return max(1, sum(soort.volume) // 2), soort.eenheid, soort.frequentie


def _volume(v: int, eenheid: str, frequentie: str, dagen: int, begin: date, eind: date) -> int:
    """What `dagen` days of care come to under an Omvang of v per Frequentie, within the hub's TR321 bound."""
    if frequentie == PER_DAG:
        return v * dagen
    if frequentie == PER_MAAND:
        return max(1, round(v * dagen / ((maand_einde(begin) - maand_begin(begin)).days + 1)))
    if frequentie == TOTAAL:  # capped by the caller at what is left of the Omvang
        return dagen if eenheid == ETMAAL else v
    return max(1, min(round(v * dagen / 7), v * zondagen(begin, eind)))
