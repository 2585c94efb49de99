"""Zorgplannen: after a toewijzing, the wait for a place, the start, stops, changes by the gemeente and the
VOW.

Each toegewezen product gets one chain of steps (Simulator.keten), planned when the JW301 goes out: the
start after a waiting time (lognormal with a long tail, longer at an aanbieder without a free place), then a
definitive stop, or a temporary stop (20) followed by a new start or a definitive stop, or a withdrawal by
the gemeente (an earlier Einddatum with a RedenWijziging) and the stop that goes with it (JZ002/JZ588).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import TYPE_CHECKING

from hub.synth.berichten import client_basis, nieuw_product, start_product, stop_product
from hub.synth.fouten import EERSTE_START
from hub.synth.wereld import PRODUCTSOORTEN, Aanbieder, maanden_verder, plus_werkdagen, werkdag_vanaf

if TYPE_CHECKING:
    from hub.synth.dossier import Client, Toewijzing
    from hub.synth.simulate import Stap
    from hub.synth.trajecten import Trajecten

# Working days between what happened and the message about it (OP271/OP272 ask 5; some are late).
MELD_WERKDAGEN = ((0, 1, 2, 3, 4, 5, 7, 10), (15, 25, 20, 15, 10, 7, 5, 3))
STOPREDENEN = (
    ("31", "34", "32", "33", "35", "38", "39"),
    (50, 15, 10, 5, 5, 8, 7),
)  # RedenBeeindiging, weight
DEFINITIEF_NA_TIJDELIJK = ("34", "32", "33")
# A withdrawal by the gemeente and the stop that matches it: RedenWijziging (JZ002) -> RedenBeeindiging.
INTREKKINGEN = (("05", "36"), ("07", "35"), ("09", "38"), ("06", "39"))
CRISIS = "46"


class Zorg:
    def __init__(self, trajecten: Trajecten) -> None:
        self.trajecten = trajecten
        self.sim = trajecten.sim
        self.rng = trajecten.sim.rng

    def _lognormaal(self, mediaan: float, sigma: float) -> int:
        return round(self.rng.lognormvariate(math.log(mediaan), sigma))

    def _meld(self, d: date) -> date:
        return plus_werkdagen(d, self.rng.choices(*MELD_WERKDAGEN)[0])

    def plan(self, client: Client, t: Toewijzing, d: date) -> list[tuple[date, Stap]]:
        """The steps after toewijzing `t` (sent today, d); may lengthen t so care fits in it."""
        if self.rng.random() < 0.04:
            return self._geen_start(client, t, d)
        soort = PRODUCTSOORTEN[t.product.categorie]
        duur = max(14, self._lognormaal(soort.duur, 0.6))
        if t.product.categorie == CRISIS:
            begin = max(d + timedelta(days=self.rng.randint(0, 1)), t.ingangsdatum)
        else:
            vroegst = max(d + timedelta(days=self._lognormaal(soort.wachten, 1.0)), t.ingangsdatum)
            begin = self.sim.reserveer(t.aanbieder.agb, t.aanbieder.capaciteit, vroegst, duur)
        begin = werkdag_vanaf(begin)
        t.einddatum = max(t.einddatum, begin + timedelta(days=60))
        eind = min(begin + timedelta(days=duur), t.einddatum)
        stappen: list[tuple[date, Stap]] = [(self._meld(begin), self._start(client, t, begin))]
        t.zorgperioden = [(begin, eind)]  # a temporary stop or a withdrawal shortens it below
        lang = (eind - begin).days > 45
        r = self.rng.random()
        if r < 0.10 and lang:
            stappen += self._tijdelijk(client, t, begin, eind)
        elif r < 0.16 and lang:
            stappen += self._intrekking(client, t, begin, eind)
        else:
            stappen.append((self._meld(eind), self._stop(client, t, begin, eind, self._stopreden(t, eind))))
        if self.rng.random() < 0.08 and (eind - begin).days > 70:
            vow = begin + timedelta(days=self.rng.randint(20, 40))
            stappen.insert(1, (vow, lambda dag: self.vow(client, t.aanbieder, t.gemeente, dag)))
        return stappen

    def _stopreden(self, t: Toewijzing, eind: date) -> str:
        if eind == t.einddatum:
            return "31"  # ended as planned, on the toewijzing's Einddatum (OP288)
        return self.rng.choices(*STOPREDENEN)[0]

    def _geen_start(self, client: Client, t: Toewijzing, d: date) -> list[tuple[date, Stap]]:
        """Help that never starts; half of these are deleted as sent in error (RedenWijziging 13)."""
        if self.rng.random() < 0.5:
            return []

        def verwijder(dag: date) -> None:
            t.einddatum, t.reden_wijziging = t.ingangsdatum, "13"  # CS335: Einddatum = Ingangsdatum
            self.trajecten.stuur_jw301(client, t.aanbieder, t.gemeente, [t], dag)

        return [(plus_werkdagen(d, self.rng.randint(2, 8)), verwijder)]

    def _tijdelijk(self, client: Client, t: Toewijzing, begin: date, eind: date) -> list[tuple[date, Stap]]:
        """A temporary stop (20), then a new start with its own stop, or a definitive stop."""
        s1 = begin + timedelta(days=self.rng.randint(14, max(15, (eind - begin).days // 2)))
        stappen: list[tuple[date, Stap]] = [(self._meld(s1), self._stop(client, t, begin, s1, "20"))]
        hervat = werkdag_vanaf(s1 + timedelta(days=self.rng.randint(7, 45)))
        t.zorgperioden = [(begin, s1)]
        if self.rng.random() < 0.6 and hervat + timedelta(days=14) < eind:
            reden = self._stopreden(t, eind)
            t.zorgperioden.append((hervat, eind))
            stappen += [
                (self._meld(hervat), self._start(client, t, hervat)),
                (self._meld(eind), self._stop(client, t, hervat, eind, reden)),
            ]
        else:  # definitive, same Begindatum, Einddatum not before the temporary one (TR414)
            e2 = min(s1 + timedelta(days=self.rng.randint(0, 30)), t.einddatum)
            reden = self.rng.choice(DEFINITIEF_NA_TIJDELIJK)
            stappen.append((self._meld(e2), self._stop(client, t, begin, e2, reden)))
        return stappen

    def _intrekking(self, client: Client, t: Toewijzing, begin: date, eind: date) -> list[tuple[date, Stap]]:
        """The gemeente ends the toewijzing earlier (JW301 with RedenWijziging); the aanbieder stops then."""
        w = werkdag_vanaf(begin + timedelta(days=self.rng.randint(10, (eind - begin).days // 2)))
        x = min(w + timedelta(days=self.rng.randint(14, 28)), eind)
        reden_wijziging, reden_beeindiging = self.rng.choice(INTREKKINGEN)
        t.zorgperioden = [(begin, x)]

        def wijzig(dag: date) -> bool:
            if t.verwijderd:
                return False
            t.einddatum, t.reden_wijziging = x, reden_wijziging
            self.trajecten.stuur_jw301(client, t.aanbieder, t.gemeente, [t], dag)
            return True

        return [(w, wijzig), (self._meld(x), self._stop(client, t, begin, x, reden_beeindiging))]

    # ---- messages --------------------------------------------------------------------------------------

    def _start(self, client: Client, t: Toewijzing, begin: date) -> Stap:
        def stap(dag: date) -> bool:
            if t.verwijderd:
                return False
            regel = start_product(
                t.nummer,
                begindatum=begin,
                categorie=t.product.categorie,
                code=t.product.code,
                toewijzing_ingangsdatum=t.ingangsdatum,
            )
            kenmerken = frozenset() if t.gestart else frozenset({EERSTE_START})
            t.gestart = True
            self._verstuur("JW305", client, t, {"StartProducten": {"StartProduct": [regel]}}, kenmerken)
            return True

        return stap

    def _stop(self, client: Client, t: Toewijzing, begin: date, eind: date, reden: str) -> Stap:
        def stap(dag: date) -> None:
            regel = stop_product(
                t.nummer,
                begindatum=begin,
                einddatum=eind,
                reden_beeindiging=reden,
                categorie=t.product.categorie,
                code=t.product.code,
                toewijzing_ingangsdatum=t.ingangsdatum,
            )
            self._verstuur("JW307", client, t, {"StopProducten": {"StopProduct": [regel]}})

        return stap

    def _verstuur(
        self,
        bericht: str,
        client: Client,
        t: Toewijzing,
        inhoud: dict[str, object],
        kenmerken: frozenset[str] = frozenset(),
    ) -> None:
        spec = {"Header": self.sim.header(bericht, gemeente=t.gemeente, aanbieder=t.aanbieder.agb)}
        spec["Client"] = {**client_basis(client.persoon), **inhoud}
        self.sim.verstuur(bericht, spec, kenmerken)

    # ---- verzoek om wijziging ------------------------------------------------------------------------

    def vow(self, client: Client, aanbieder: Aanbieder, gemeente: str, d: date) -> None:
        """JW317 for one more product next to the current ones, when the rules allow it today.

        The gemeente judges "current" on its own date (TR349-TR351): skip when a toewijzing ends between
        today and the receiver's date, as the VOW would then name a toewijzing that is no longer current.
        """
        if client.open_verzoeken.get(aanbieder.agb, 0):
            return
        alle = [
            x
            for x in client.toewijzingen
            if x.aanbieder is aanbieder and x.gemeente == gemeente and not x.verwijderd
        ]
        actueel = sorted((x for x in alle if x.einddatum >= d), key=lambda x: x.nummer)
        if not actueel or any(d <= x.einddatum < self.sim.oordeeldatum for x in alle):
            return
        vrij = [
            c for c in aanbieder.producten if c not in {x.product.categorie for x in actueel} and c != CRISIS
        ]
        if not vrij:
            return
        product = self.trajecten.product(aanbieder, self.rng.choice(vrij))
        gewenst = d + timedelta(days=self.rng.randint(7, 28))  # after the Dagtekening (TR380)
        einde = maanden_verder(gewenst, PRODUCTSOORTEN[product.categorie].maanden) - timedelta(days=1)
        referentie = self.sim.referentie(aanbieder.agb, "VOW")
        verzoek = {
            "ReferentieAanbieder": referentie,
            "RedenVerzoek": self.rng.choice(("1", "2")),
            "OngewijzigdeProducten": {
                "OngewijzigdProduct": [{"ToewijzingNummer": x.nummer} for x in actueel]
            },
            "NieuweProducten": {
                "NieuwProduct": [
                    nieuw_product(
                        categorie=product.categorie,
                        code=product.code,
                        gewenste_ingangsdatum=gewenst,
                        einddatum=einde,
                        omvang=product.omvang,
                        budget=product.budget,
                    )
                ]
            },
        }
        header = self.sim.header("JW317", gemeente=gemeente, aanbieder=aanbieder.agb)
        self.sim.verstuur(
            "JW317", {"Header": header, "Client": {"Bsn": client.persoon.bsn, "Verzoek": verzoek}}
        )
        client.open_verzoeken[aanbieder.agb] = client.open_verzoeken.get(aanbieder.agb, 0) + 1
        antwoord_op = plus_werkdagen(d, self.rng.randint(1, 8))
        client.bezet_tot(aanbieder.agb, antwoord_op)

        def beantwoord(dag: date) -> None:
            if self.rng.random() < 0.75:  # the whole request is honoured: every product carries its reference
                client.open_verzoeken[aanbieder.agb] -= 1
                item = (product, gewenst, einde, referentie)
                self.trajecten.toewijzen(client, aanbieder, gemeente, [item], dag, referentie_alle=referentie)
            else:
                self.trajecten.afwijzen(
                    client, aanbieder, gemeente, referentie, self.rng.choice(("2", "4", "7"))
                )

        self.sim.plan(antwoord_op, beantwoord)
