"""GI traffic: maatregel-voortgang (GI002), bepalingen jeugdhulp (GI001) and weekly capaciteit (GI003).

A child under a measure: the judge's decision (uitspraak), a vaste jeugdbeschermer some working days later,
a gedragen koers some weeks later, each reported in a GI002 once known; often a bepaling follows, which an
aanbieder turns into a verzoek om toewijzing with verwijzer 04 (the GI) for the same gemeente and
productcategorie, so the hub can link it (issue 4). The GI messages are optional: without hub.gi the
simulator sends iJw only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from hub.synth.berichten import verwijzer
from hub.synth.build import Spec
from hub.synth.wereld import GI_CATEGORIEEN, Gi, maanden_verder, plus_werkdagen

if TYPE_CHECKING:
    from hub.synth.dossier import Client
    from hub.synth.simulate import Simulator, Stap

MAATREGELTYPES = (("01", "02", "04", "05"), (15, 55, 10, 20))  # VOTS, OTS, voogdij, jeugdreclassering
VOORLOPIG = "01"
URGENTIES = (("3", "2", "1"), (80, 15, 5))


def gi_beschikbaar() -> bool:
    """The GI messages of issue 4 exist: their builders import."""
    try:
        import hub.gi.synth  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class _Stand:
    """The capacity of one GI in one region, drifting week by week."""

    fte: float
    caseload: int
    beschikbaar: int
    wachtlijst: int


class GiVerkeer:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.rng = sim.rng
        self.stand: dict[tuple[str, str], _Stand] = {}

    def begin(self) -> None:
        """Capaciteit every Monday from the start."""
        self.sim.plan(self.sim.start + timedelta(days=(7 - self.sim.start.weekday()) % 7), self.capaciteit)

    def _header(self, bericht: str, gi: Gi, gemeente: str) -> Spec:
        from hub.gi.build import header

        identificatie = self.sim.identificatie(gi.agb, bericht)
        return header(
            bericht, dagtekening=self.sim.vandaag, identificatie=identificatie, gi=gi.agb, gemeente=gemeente
        )

    # ---- GI003 -----------------------------------------------------------------------------------------

    def capaciteit(self, d: date) -> None:
        from hub.gi.synth import capaciteit

        for gi in self.sim.wereld.gis:
            regels = []
            for regio in gi.regios:
                s = self._stap(gi, regio)
                regels.append(
                    capaciteit(
                        regio,
                        peildatum=d,
                        jeugdbeschermers=Decimal(f"{s.fte:.1f}"),
                        caseload=s.caseload,
                        beschikbare_plaatsen=s.beschikbaar,
                        wachtlijst=s.wachtlijst,
                    )
                )
            if regels:
                spec = {"Header": self._header("GI003", gi, self.sim.wereld.centrum(gi.regios[0]))}
                spec["Capaciteiten"] = {"Capaciteit": regels}
                self.sim.verstuur("GI003", spec)
        self.sim.plan(d + timedelta(days=7 - d.weekday()), self.capaciteit)

    def _stap(self, gi: Gi, regio: str) -> _Stand:
        s = self.stand.get((gi.agb, regio))
        if s is None:
            fte = self.rng.uniform(8, 40)
            s = _Stand(
                fte, round(fte * self.rng.uniform(11, 15)), self.rng.randint(0, 8), self.rng.randint(0, 15)
            )
            self.stand[(gi.agb, regio)] = s
        else:
            s.fte = max(1.0, s.fte + self.rng.uniform(-0.5, 0.5))
            s.caseload = max(0, s.caseload + self.rng.randint(-6, 6))
            s.beschikbaar = max(0, s.beschikbaar + self.rng.randint(-2, 2))
            s.wachtlijst = max(0, s.wachtlijst + self.rng.randint(-3, 3))
        return s

    # ---- a child under a measure -------------------------------------------------------------------------

    def maatregel(self, client: Client, uitspraak: date) -> None:
        """The judge decided today: GI002 progress reports and, often, a bepaling."""
        regio = client.gemeente.jeugdregio
        gi = self.rng.choice(
            [g for g in self.sim.wereld.gis if regio in g.regios] or list(self.sim.wereld.gis)
        )
        soort = self.rng.choices(*MAATREGELTYPES)[0]
        maatregel_id = f"M{gi.agb[-2:]}-{self.sim.volgnummer('maatregel', gi.agb):06d}"
        # A GI with children on its waiting list takes longer to give one a vaste jeugdbeschermer.
        achterstand = self.stand.get((gi.agb, regio), _Stand(0, 0, 0, 0)).wachtlijst // 4
        vast = plus_werkdagen(
            uitspraak, self.rng.choices(range(6), weights=(5, 15, 25, 20, 15, 10))[0] + achterstand
        )
        koers = uitspraak + timedelta(days=round(self.rng.lognormvariate(math.log(30), 0.45)))
        einde = maanden_verder(uitspraak, 3 if soort == VOORLOPIG else 12) - timedelta(days=1)
        gemeente = client.gemeente.code
        datums = {"uitspraak": uitspraak, "vaste_jeugdbeschermer": vast, "gedragen_koers": koers}
        momenten = sorted(
            {
                plus_werkdagen(uitspraak, self.rng.randint(0, 2)),
                plus_werkdagen(vast, 1),
                plus_werkdagen(koers, 2),
            }
        )
        self.sim.keten(
            [(m, self._voortgang(client, gi, gemeente, maatregel_id, soort, datums, einde)) for m in momenten]
        )
        if self.rng.random() < 0.7:
            bepaald = uitspraak + timedelta(days=self.rng.randint(7, 45))
            stap = self._bepaling(client, gi, gemeente, maatregel_id, soort, bepaald)
            self.sim.plan(plus_werkdagen(bepaald, self.rng.randint(0, 2)), stap)

    def _voortgang(
        self,
        client: Client,
        gi: Gi,
        gemeente: str,
        maatregel_id: str,
        soort: str,
        datums: dict[str, date],
        einde: date,
    ) -> Stap:
        """A GI002 with the dates known on the day it is sent (each date not after the Dagtekening, GB020)."""
        from hub.gi.synth import client as gi_client
        from hub.gi.synth import maatregel

        def stap(dag: date) -> None:
            bekend = {k: v if v <= dag else None for k, v in datums.items()}
            m = maatregel(maatregel_id, maatregel_type=soort, einddatum=einde, **bekend)
            spec = {"Header": self._header("GI002", gi, gemeente)}
            spec["Client"] = gi_client(client.persoon, Maatregelen={"Maatregel": [m]})
            self.sim.verstuur("GI002", spec)

        return stap

    def _bepaling(
        self, client: Client, gi: Gi, gemeente: str, maatregel_id: str, soort: str, bepaald: date
    ) -> Stap:
        """A GI001; then an aanbieder asks for it (JW315, verwijzer 04), or the GI withdraws it."""
        from hub.gi.codes import INTREKKING
        from hub.gi.synth import bepaling, maatregel_ref
        from hub.gi.synth import client as gi_client

        categorie = self.rng.choices(GI_CATEGORIEEN, weights=(6, 3, 2, 2, 1))[0]
        aanbieders = self.sim.wereld.aanbieders_voor(categorie, client.gemeente.jeugdregio)
        codes = sorted({c for a in aanbieders for c in a.producten[categorie]})
        specifiek = bool(codes) and self.rng.random() < 0.4
        voorkeur = self.rng.choice(aanbieders) if aanbieders and self.rng.random() < 0.4 else None
        gewenst = bepaald + timedelta(days=self.rng.randint(0, 21))
        b = bepaling(
            f"B{gi.agb[-2:]}-{self.sim.volgnummer('bepaling', gi.agb):06d}",
            datum_bepaling=bepaald,
            gewenste_ingangsdatum=gewenst,
            categorie=categorie,
            code=self.rng.choice(codes) if specifiek else None,
            omvang_spec={"Volume": self.rng.randint(1, 6), "Eenheid": "04", "Frequentie": "2"}
            if specifiek
            else None,
            maatregel=maatregel_ref(maatregel_id, soort),
            urgentie=self.rng.choices(*URGENTIES)[0],
            voorkeur_aanbieder=voorkeur.agb if voorkeur else None,
        )

        def stuur(status: str) -> Stap:
            def stap(dag: date) -> None:
                spec = {"Header": self._header("GI001", gi, gemeente)}
                spec["Client"] = gi_client(
                    client.persoon, Bepalingen={"Bepaling": [{**b, "StatusAanlevering": status}]}
                )
                self.sim.verstuur("GI001", spec)

            return stap

        def verzoek(dag: date) -> None:
            keuze = (voorkeur, categorie) if voorkeur and client.vrij_bij(voorkeur.agb, dag) else None
            keuze = keuze or self.sim.trajecten.kies_zorg(client, dag, categorie)
            if keuze is None:
                return  # no aanbieder can take the child: the bepaling waits
            aanbieder = keuze[0]
            product = self.sim.trajecten.product(aanbieder, categorie)
            self.sim.trajecten.vot(
                client, aanbieder, [product], verwijzer("04", zorgverlener_code=gi.agb), dag, ingang=gewenst
            )

        def eerst(dag: date) -> None:
            stuur(b["StatusAanlevering"])(dag)
            if self.rng.random() < 0.06:
                self.sim.plan(plus_werkdagen(dag, self.rng.randint(3, 15)), stuur(INTREKKING))
            else:
                self.sim.plan(plus_werkdagen(dag, self.rng.randint(1, 10)), verzoek)

        return eerst
