"""`hub simulate`: realistic synthetic traffic for a set of jeugdregio's, deterministic for a seed.

A discrete-event simulation by day. Clients arrive over the period; each story (hub.synth.trajecten, the GI
stories of hub.synth.gi_verkeer, and the monthly declaraties with their answers of hub.synth.declareren) plans
its messages as steps on a queue ordered by (date, order of planning), so messages come out in Dagtekening
order, every message after the ones it depends on. Every message is built with the builders of hub.synth
(never by hand) and satisfies the in-message and stateful rules, except the deliberate errors
(hub.synth.fouten, hub.synth.fouten_declaratie), which are marked with the rule they break.

The stateful rules judge "current" toewijzingen on the receiver's date (TR349-TR351), so a batch is made for
a receiver whose date is `tot`: replay it with `hub process DIR --as-of <tot>` or on that day.
"""

from __future__ import annotations

import heapq
import itertools
import json
import random
import re
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

from hub.clock import vandaag
from hub.ijw.catalog import BERICHTEN
from hub.synth import berichten, fouten, fouten_declaratie
from hub.synth.build import Spec, to_xml
from hub.synth.declareren import Declareren, productcodes, tarieven
from hub.synth.gi_verkeer import GiVerkeer, gi_beschikbaar
from hub.synth.trajecten import Trajecten
from hub.synth.wereld import GELDERLAND, Wereld, maak_wereld, maanden_verder, werkdag_vanaf
from hub.topics import pair_key

ACCEPTED = "accepted"
REJECTED = "rejected"
MANIFEST = "manifest.json"
_BESTAND = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{6}_[A-Z]{2}\d{3}\.xml$")

Stap = Callable[[date], bool | None]  # a planned step; False ends the chain it belongs to


@dataclass(frozen=True, slots=True)
class SimBericht:
    """One simulated message, with the outcome the hub must give it."""

    volgnummer: int
    dagtekening: date
    bericht: str
    afzender: str
    ontvanger: str
    xml: bytes
    expected: str = ACCEPTED  # accepted | rejected
    rule: str | None = None  # the rule a deliberate error breaks
    reason: str | None = None

    @property
    def bestandsnaam(self) -> str:
        """Sorting by name follows Dagtekening, then the order of sending."""
        return f"{self.dagtekening.isoformat()}_{self.volgnummer:06d}_{self.bericht}.xml"

    @property
    def key(self) -> str:
        """The inbound pair key: a gemeente has a 4-digit code, an aanbieder or GI an 8-digit AGB code."""
        gemeente, partij = (
            (self.afzender, self.ontvanger) if len(self.afzender) == 4 else (self.ontvanger, self.afzender)
        )
        return pair_key(gemeente, partij)


@dataclass(frozen=True, slots=True)
class SimConfig:
    seed: int = 1
    regios: tuple[str, ...] = GELDERLAND
    aanbieders: int = 30
    clienten: int = 400  # arrivals of a client story over the period
    start: date | None = None  # default: nine months before `tot`
    tot: date | None = None  # default: today
    error_rate: float = 0.02
    gi: bool = True  # also GI bepalingen, maatregel-voortgang and capaciteit


@dataclass
class _Teller:
    """Counters that make identifiers unique per sender (TR056), gemeente (TR332) and aanbieder (TR347)."""

    per_sleutel: dict[tuple[str, ...], int] = field(default_factory=dict)

    def volgende(self, *sleutel: str) -> int:
        n = self.per_sleutel.get(sleutel, 0) + 1
        self.per_sleutel[sleutel] = n
        return n


class Simulator:
    """The event queue, the identifiers and the capacity of aanbieders; the stories live in other modules."""

    def __init__(self, config: SimConfig | None = None, *, today: Callable[[], date] = vandaag) -> None:
        self.config = config or SimConfig()
        self.tot = self.config.tot or today()
        self.start = self.config.start or maanden_verder(self.tot, -9)
        if self.start > self.tot:
            raise ValueError(f"start {self.start} is after tot {self.tot}")
        if self.config.aanbieders < 1 or self.config.clienten < 0:
            raise ValueError("a simulation needs at least one aanbieder and no negative number of clienten")
        self.rng = random.Random(self.config.seed)
        self.wereld: Wereld = maak_wereld(
            self.rng, self.config.regios, self.config.aanbieders, self.config.clienten
        )
        self.oordeeldatum = self.tot  # the receiver's date the stateful rules judge "current" on
        self.vandaag = self.start
        self.fouten = fouten.Foutenmaker(random.Random(f"{self.config.seed}:fouten"), self.config.error_rate)
        # The declaraties draw their errors apart, so they leave the other stories' errors as they were.
        self.fouten_declaratie = fouten.Foutenmaker(
            random.Random(f"{self.config.seed}:fouten:declaratie"),
            self.config.error_rate,
            fouten_declaratie.MAKERS,
        )
        self._queue: list[tuple[date, int, Stap]] = []
        self._volgorde = itertools.count()
        self._uit: list[SimBericht] = []
        self._volgnummer = 0
        self._teller = _Teller()
        self._laatste_id: dict[tuple[str, str, str], str] = {}
        self._referenties: dict[tuple[str, str], str] = {}
        self._declaratienummers: dict[str, str] = {}  # aanbieder -> its latest DeclaratieNummer
        self._bezetting: dict[str, list[date]] = {}
        self.gi = GiVerkeer(self) if self.config.gi and gi_beschikbaar() else None
        self.trajecten = Trajecten(self)
        self.declareren = Declareren(self)
        self._plan_aankomsten()
        if self.gi is not None:
            self.gi.begin()
        self.declareren.begin()

    # ---- the queue ---------------------------------------------------------------------------------

    def plan(self, d: date, stap: Stap, *, werkdag: bool = True) -> None:
        """Run `stap` on d (the first working day from d, as messages are made on working days)."""
        when = max(werkdag_vanaf(d) if werkdag else d, self.vandaag)
        heapq.heappush(self._queue, (when, next(self._volgorde), stap))

    def keten(self, stappen: list[tuple[date, Stap]]) -> None:
        """Steps that run one after the other, each on its date or after the previous one; False stops it."""
        if not stappen:
            return
        (d, stap), rest = stappen[0], stappen[1:]

        def uitvoeren(vandaag: date) -> bool:
            if stap(vandaag) is False:
                return False
            self.keten(rest)
            return True

        self.plan(d, uitvoeren)

    def run(self) -> Iterator[SimBericht]:
        """Every message with a Dagtekening up to `tot`, in order; later steps stay queued."""
        while self._queue and self._queue[0][0] <= self.tot:
            d, _, stap = heapq.heappop(self._queue)
            self.vandaag = d
            stap(d)
            uit, self._uit = self._uit, []
            yield from uit

    def live(self, today: Callable[[], date] = vandaag, *, max_leeg: int = 200) -> Iterator[SimBericht]:
        """History up to today, then traffic dated today without end: new clients and whatever falls due.

        Ends only when `max_leeg` new clients in a row produce nothing (every synthetic BSN busy).
        """
        leeg = 0
        while leeg < max_leeg:
            d = max(today(), self.tot)
            self.tot = self.oordeeldatum = d
            n = 0
            for b in self.run():
                n += 1
                yield b
            self.plan(d, self.trajecten.aankomst, werkdag=False)
            for b in self.run():
                n += 1
                yield b
            leeg = 0 if n else leeg + 1

    def _plan_aankomsten(self) -> None:
        dagen = (self.tot - self.start).days + 1
        for offset in sorted(self.rng.randrange(dagen) for _ in range(self.config.clienten)):
            self.plan(self.start + timedelta(days=offset), self.trajecten.aankomst)

    # ---- identifiers ---------------------------------------------------------------------------------

    def identificatie(self, afzender: str, bericht: str) -> str:
        """Unique per sender and message type (TR056, GB101); at most 12 characters."""
        return f"{bericht}{self._teller.volgende(afzender, bericht):07d}"

    def toewijzingnummer(self, gemeente: str) -> int:
        """Unique per gemeente (TR332)."""
        return 100000 + self._teller.volgende("nummer", gemeente)

    def referentie(self, aanbieder: str, soort: str) -> str:
        """ReferentieAanbieder, unique per aanbieder (TR347)."""
        return f"{soort}-{self.vandaag:%Y%m%d}-{self._teller.volgende('ref', aanbieder):05d}"

    def volgnummer(self, soort: str, partij: str) -> int:
        return self._teller.volgende(soort, partij)

    def toewijzingstijd(self) -> time:
        """Later for every version made on one day, so the latest version is the current one (IV013)."""
        seconden = min(8 * 3600 + 7 * self._teller.volgende("tijd", self.vandaag.isoformat()), 86399)
        return time(seconden // 3600, seconden // 60 % 60, seconden % 60)

    def header(self, bericht: str, *, gemeente: str, aanbieder: str) -> Spec:
        afzender = gemeente if BERICHTEN[bericht].afzender == "gemeente" else aanbieder
        return berichten.header(
            bericht,
            dagtekening=self.vandaag,
            identificatie=self.identificatie(afzender, bericht),
            gemeente=gemeente,
            aanbieder=aanbieder,
        )

    # ---- capacity ------------------------------------------------------------------------------------

    def reserveer(self, aanbieder: str, capaciteit: int, vroegst: date, duur: int) -> date:
        """The first day from `vroegst` a place is free at the aanbieder, taken for `duur` days.

        A place counts as taken from now until its end: when all are taken, the one ending first is the next.
        """
        eindes = self._bezetting.setdefault(aanbieder, [])
        del eindes[: bisect_left(eindes, self.vandaag - timedelta(days=1))]  # places freed before today
        bezet = len(eindes) - bisect_left(eindes, vroegst)
        begin = vroegst if bezet < capaciteit else eindes[len(eindes) - capaciteit] + timedelta(days=1)
        insort(eindes, begin + timedelta(days=duur))
        return begin

    # ---- sending -------------------------------------------------------------------------------------

    def verstuur(self, bericht: str, spec: Spec, kenmerken: frozenset[str] = frozenset()) -> None:
        """Send a valid message dated today; now and then a deliberately wrong variant goes with it."""
        header = spec["Header"]
        afzender, ontvanger = header["Afzender"], header["Ontvanger"]
        foutenmaker = self.fouten_declaratie if bericht in fouten_declaratie.MAKERS else self.fouten
        fout = foutenmaker.misschien(
            fouten.Gelegenheid(
                bericht=bericht,
                spec=spec,
                eerdere_identificatie=self._laatste_id.get((afzender, bericht, ontvanger)),
                eerdere_referentie=self._referenties.get((afzender, ontvanger)),
                kenmerken=kenmerken,
                eerder_declaratienummer=self._declaratienummers.get(afzender),
            )
        )
        if fout is not None and not fout.na:
            self._fout(bericht, fout)
        self._voeg_toe(bericht, spec, _xml(bericht, spec))
        self._laatste_id[(afzender, bericht, ontvanger)] = header["BerichtIdentificatie"]["Identificatie"]
        for ref in fouten.referenties(bericht, spec):
            self._referenties[(afzender, ontvanger)] = ref
        if (nummer := fouten_declaratie.declaratienummer(bericht, spec)) is not None:
            self._declaratienummers[afzender] = nummer
        if fout is not None and fout.na:
            self._fout(bericht, fout)

    def _fout(self, bericht: str, fout: fouten.Fout) -> None:
        spec, bericht = fout.spec, fout.bericht or bericht
        if not fout.hergebruikt_identificatie:  # a wrong message still gets its own Identificatie
            header = spec["Header"]
            header["BerichtIdentificatie"]["Identificatie"] = self.identificatie(header["Afzender"], bericht)
        self._voeg_toe(bericht, spec, _xml(bericht, spec), fout)

    def _voeg_toe(self, bericht: str, spec: Spec, xml: bytes, fout: fouten.Fout | None = None) -> None:
        self._volgnummer += 1
        self._uit.append(
            SimBericht(
                volgnummer=self._volgnummer,
                dagtekening=self.vandaag,
                bericht=bericht,
                afzender=spec["Header"]["Afzender"],
                ontvanger=spec["Header"]["Ontvanger"],
                xml=xml,
                expected=ACCEPTED if fout is None else REJECTED,
                rule=None if fout is None else fout.rule,
                reason=None if fout is None else fout.reason,
            )
        )


def _xml(bericht: str, spec: Spec) -> bytes:
    if bericht.startswith("GI"):
        from hub.gi.build import to_xml as gi_to_xml

        return gi_to_xml(bericht, spec)
    return to_xml(bericht, spec)


def simulate(config: SimConfig | None = None, **kwargs: Any) -> Iterator[SimBericht]:
    """The messages of one simulation, in order: `simulate(seed=7, regios=("Arnhem",), clienten=50)`."""
    return Simulator(config or SimConfig(**kwargs)).run()


# ---- files and manifest ------------------------------------------------------------------------------


def manifest(sim: Simulator, uit: Iterable[SimBericht]) -> dict[str, Any]:
    """Counts per message type and outcome, which files are deliberately wrong and why, and the product codes
    and tariffs the traffic uses (a product code list and contract tariffs for TR381 and TR418)."""
    lijst = list(uit)
    fout = [b for b in lijst if b.expected == REJECTED]
    return {
        "seed": sim.config.seed,
        "regios": list(sim.wereld.regios),
        "start": sim.start.isoformat(),
        "tot": sim.tot.isoformat(),
        "error_rate": sim.config.error_rate,
        "messages": len(lijst),
        "counts": dict(sorted(Counter(b.bericht for b in lijst).items())),
        "expected": dict(sorted(Counter(b.expected for b in lijst).items())),
        "deliberate_per_rule": dict(sorted(Counter(b.rule or "" for b in fout).items())),
        "deliberate": [
            {"file": b.bestandsnaam, "bericht": b.bericht, "rule": b.rule, "reason": b.reason} for b in fout
        ],
        "gemeenten": len(sim.wereld.gemeenten),
        "aanbieders": [
            {
                "agb": a.agb,
                "naam": a.naam,
                "regios": list(a.regios),
                "productcategorieen": sorted(a.producten),
                "capaciteit": a.capaciteit,
            }
            for a in sim.wereld.aanbieders
        ],
        "gis": [{"agb": g.agb, "naam": g.naam, "regios": list(g.regios)} for g in sim.wereld.gis]
        if sim.gi is not None
        else [],
        # What a product code list (TR381) and contract tariffs (TR418) for this traffic hold.
        "productcodes": [{"categorie": c, "code": code} for c, code in productcodes(sim.wereld)],
        "tarieven": tarieven(sim.wereld),
    }


def schrijf(sim: Simulator, out: Path) -> dict[str, Any]:
    """Write every message and manifest.json to `out`, replacing an earlier simulation there."""
    out.mkdir(parents=True, exist_ok=True)
    for oud in out.iterdir():
        if oud.name == MANIFEST or _BESTAND.match(oud.name):
            oud.unlink()
    uit = []
    for b in sim.run():
        (out / b.bestandsnaam).write_bytes(b.xml)
        uit.append(b)
    data = manifest(sim, uit)
    (out / MANIFEST).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return data
