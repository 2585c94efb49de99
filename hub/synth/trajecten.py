"""Client stories: arrivals, verzoek om toewijzing and its answers, toewijzing by the gemeente.

Every message fits the stateful rules against what hub.synth.dossier keeps of the client: a JW301 repeats the
client's current toewijzingen at that aanbieder (OP087) and never stacks one category twice (TR302), its
ReferentieAanbieder is one the aanbieder sent (TR379), a new verzoek waits until the previous one is answered
(TR374), and 'in onderzoek' comes at most once (TR360). What follows a toewijzing is in hub.synth.zorg.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import partial
from typing import TYPE_CHECKING

from hub.synth.berichten import (
    aangevraagd_product,
    adres,
    antwoord,
    client_basis,
    contact,
    omvang,
    relatie,
    verwijzer,
)
from hub.synth.build import Spec
from hub.synth.dossier import Client, Productkeuze, Toewijzing
from hub.synth.persons import kind, ouder
from hub.synth.wereld import PRODUCTSOORTEN, Aanbieder, bsn_pool, maanden_verder, plus_werkdagen
from hub.synth.zorg import Zorg

if TYPE_CHECKING:
    from hub.synth.simulate import Simulator

# Working days until the gemeente answers a verzoek: mostly within the 5 of OP274, a tail beyond.
ANTWOORD_WERKDAGEN = ((0, 1, 2, 3, 4, 5, 6, 8, 10, 15), (10, 15, 20, 18, 10, 8, 7, 5, 4, 3))
AFWIJZING = (("2", "3", "4", "6", "7", "9"), (2, 2, 4, 2, 3, 1))  # RedenAfwijzingVerzoek, weight
# How the gemeente answers a requested product, by cumulative chance; a single one may go elsewhere first.
UITKOMSTEN = ((0.80, "toe"), (0.90, "af"), (0.97, "onderzoek-toe"), (1.0, "onderzoek-af"))
WOONPLAATS = 0.04  # another gemeente is responsible (RedenAfwijzingVerzoek 8)
VERWIJZER_NAMEN = {"02": "Huisartsenpraktijk Proefdorp", "03": "Jeugdgezondheidszorg", "08": "Rechtbank"}
STRATEN = (
    "Proefstraat",
    "Testlaan",
    "Voorbeeldweg",
    "Oefenpad",
    "Steekproefhof",
    "Modelplein",
    "Schetsdreef",
)


@dataclass(frozen=True, slots=True)
class Aanvraag:
    """One AangevraagdProduct of a VOT and how the gemeente will answer it."""

    referentie: str
    product: Productkeuze
    ingangsdatum: date
    einddatum: date
    uitkomst: str  # toe | af | onderzoek-toe | onderzoek-af | woonplaats
    verwijzer: Spec


class Trajecten:
    """Arrivals and the verzoek/toewijzing part of each story."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.rng = sim.rng
        self.pool = bsn_pool(random.Random(f"{sim.config.seed}:bsn"))
        self.clienten: list[Client] = []
        self.zorg = Zorg(self)

    # ---- arrivals ------------------------------------------------------------------------------------

    def aankomst(self, d: date) -> None:
        """A client comes in: through a verzoek of an aanbieder, a toewijzing of the gemeente, or a GI."""
        soorten, gewichten = ("vot", "gemeente", "gi"), (55, 27, 18 if self.sim.gi is not None else 0)
        soort = self.rng.choices(soorten, weights=gewichten)[0]
        kandidaten = (
            [self._nieuwe_client(d)]
            if self.pool
            else self.rng.sample(self.clienten, k=min(20, len(self.clienten)))
        )
        for client in kandidaten:
            if soort == "gi" and self.sim.gi is not None:
                self.sim.gi.maatregel(client, d)
                return
            keuze = self.kies_zorg(client, d)
            if keuze is not None:
                self._begin(soort, client, *keuze, d)
                return

    def _begin(self, soort: str, client: Client, aanbieder: Aanbieder, categorie: str, d: date) -> None:
        if soort == "gemeente":
            self.gemeente_toewijzing(client, aanbieder, categorie, d)
            return
        producten = [self.product(aanbieder, categorie)]
        tweede = [c for c in aanbieder.producten if c not in (categorie, "46")]
        if tweede and self.rng.random() < 0.2:
            producten.append(self.product(aanbieder, self.rng.choice(tweede)))
        self.vot(client, aanbieder, producten, self.verwijzer(), d)

    def _nieuwe_client(self, d: date) -> Client:
        """A new synthetic child, while BSNs of the test range last; after that, clients come back."""
        gemeente = self.rng.choice(self.sim.wereld.gemeenten)
        p = replace(kind(self.rng, d), bsn=self.pool.pop())
        letters = "ABCEGHJKLMNPRTVWXZ"
        woning = adres(
            huisnummer=self.rng.randint(1, 250),
            postcode=f"{self.rng.randint(1000, 9999)}{self.rng.choice(letters)}{self.rng.choice(letters)}",
            straatnaam=self.rng.choice(STRATEN),
            plaatsnaam=gemeente.naam,
        )
        client = Client(p, ouder(self.rng, p, d), gemeente, woning)
        self.clienten.append(client)
        return client

    def kies_zorg(
        self, client: Client, d: date, categorie: str | None = None
    ) -> tuple[Aanbieder, str] | None:
        """A category the client needs (by weight) and an aanbieder in its region that can take the client."""
        wereld, regio = self.sim.wereld, client.gemeente.jeugdregio
        if categorie is None:
            soorten = [s for s in PRODUCTSOORTEN.values() if wereld.aanbieders_voor(s.categorie, regio)]
            soorten = soorten or [
                s
                for s in PRODUCTSOORTEN.values()
                if any(s.categorie in a.producten for a in wereld.aanbieders)
            ]
            categorie = self.rng.choices(soorten, weights=[s.gewicht for s in soorten])[0].categorie
        kandidaten = [a for a in wereld.aanbieders_voor(categorie, regio) if client.vrij_bij(a.agb, d)]
        kandidaten = kandidaten or [
            a for a in wereld.aanbieders if categorie in a.producten and client.vrij_bij(a.agb, d)
        ]
        return (self.rng.choice(kandidaten), categorie) if kandidaten else None

    def product(self, aanbieder: Aanbieder, categorie: str) -> Productkeuze:
        soort = PRODUCTSOORTEN[categorie]
        codes = aanbieder.producten.get(categorie, ())
        if soort.eenheid is None:
            return Productkeuze(categorie, budget=self.rng.randrange(1000, 6000) * 100)
        if not codes or self.rng.random() < 0.2:
            return Productkeuze(categorie)  # aspecific: no Omvang after 2020 (CD080)
        volume = self.rng.randint(*soort.volume)
        return Productkeuze(
            categorie, self.rng.choice(codes), omvang(volume, soort.eenheid, soort.frequentie)
        )

    def verwijzer(self) -> Spec:
        """Who referred the client (COD327); GIs (04) refer through their bepalingen."""
        soort = self.rng.choices(("02", "03", "05", "06", "01", "08"), weights=(45, 15, 15, 10, 10, 5))[0]
        if soort == "02" and self.rng.random() < 0.7:
            return verwijzer("02", zorgverlener_code=f"9997{self.rng.randint(1, 60):04d}")
        if soort == "05":
            return verwijzer("05", zorgverlener_code=f"9996{self.rng.randint(1, 30):04d}")
        return verwijzer(soort, zorgverlener_code=None, naam=VERWIJZER_NAMEN.get(soort))

    # ---- verzoek om toewijzing -----------------------------------------------------------------------

    def vot(
        self,
        client: Client,
        aanbieder: Aanbieder,
        producten: list[Productkeuze],
        verwijzer_spec: Spec,
        d: date,
        *,
        ingang: date | None = None,
    ) -> None:
        """JW315 to the client's gemeente; the answer per product follows after some working days."""
        gemeente = client.gemeente.code
        begin = ingang or d + timedelta(days=self.rng.randint(0, 14))
        aanvragen = [self._aanvraag(aanbieder, p, begin, len(producten), verwijzer_spec) for p in producten]
        client_spec = client_basis(client.persoon)
        client_spec["GezagsdragerBekend"] = "1"
        client_spec["AangevraagdeProducten"] = {
            "AangevraagdProduct": [
                aangevraagd_product(
                    a.referentie,
                    categorie=a.product.categorie,
                    code=a.product.code,
                    ingangsdatum=a.ingangsdatum,
                    einddatum=a.einddatum,
                    omvang=a.product.omvang,
                    budget=a.product.budget,
                    verwijzer_spec=a.verwijzer,
                )
                for a in aanvragen
            ]
        }
        header = self.sim.header("JW315", gemeente=gemeente, aanbieder=aanbieder.agb)
        self.sim.verstuur("JW315", {"Header": header, "Client": client_spec})
        client.open_verzoeken[aanbieder.agb] = client.open_verzoeken.get(aanbieder.agb, 0) + len(aanvragen)
        antwoord_op = plus_werkdagen(d, self.rng.choices(*ANTWOORD_WERKDAGEN)[0])
        client.bezet_tot(aanbieder.agb, antwoord_op)
        self.sim.plan(antwoord_op, lambda dag: self._beantwoord(client, aanbieder, gemeente, aanvragen, dag))

    def _aanvraag(
        self, aanbieder: Aanbieder, p: Productkeuze, begin: date, aantal: int, verwijzer_spec: Spec
    ) -> Aanvraag:
        soort = PRODUCTSOORTEN[p.categorie]
        r = self.rng.random()
        if aantal == 1 and r < WOONPLAATS and len(self.sim.wereld.gemeenten) > 1:
            uitkomst = "woonplaats"
        else:
            uitkomst = next(u for grens, u in UITKOMSTEN if r < grens)
        return Aanvraag(
            referentie=self.sim.referentie(aanbieder.agb, "VOT"),
            product=p,
            ingangsdatum=begin,
            einddatum=maanden_verder(begin, soort.maanden) - timedelta(days=1),
            uitkomst=uitkomst,
            verwijzer=verwijzer_spec,
        )

    def _beantwoord(
        self, client: Client, aanbieder: Aanbieder, gemeente: str, aanvragen: list[Aanvraag], d: date
    ) -> None:
        """The gemeente's answer per requested product: JW301 for all it assigns, a JW319 for each other."""
        toe = [a for a in aanvragen if a.uitkomst == "toe"]
        if toe:
            self.toewijzen(
                client,
                aanbieder,
                gemeente,
                [(a.product, a.ingangsdatum, a.einddatum, a.referentie) for a in toe],
                d,
            )
        for a in aanvragen:
            if a.uitkomst == "af":
                self.afwijzen(client, aanbieder, gemeente, a.referentie, self._reden())
            elif a.uitkomst == "woonplaats":
                self._woonplaats(client, aanbieder, gemeente, a, d)
            elif a.uitkomst.startswith("onderzoek"):
                self._antwoord(
                    aanbieder, gemeente, antwoord(a.referentie, verzoek_antwoord="2", reden_afwijzing=None)
                )
                later = plus_werkdagen(d, self.rng.randint(5, 35))  # within the 8 weeks of OP274
                client.bezet_tot(aanbieder.agb, later)
                self.sim.plan(later, partial(self._na_onderzoek, client, aanbieder, gemeente, a))

    def _na_onderzoek(
        self, client: Client, aanbieder: Aanbieder, gemeente: str, a: Aanvraag, d: date
    ) -> None:
        if a.uitkomst == "onderzoek-toe":
            self.toewijzen(
                client, aanbieder, gemeente, [(a.product, a.ingangsdatum, a.einddatum, a.referentie)], d
            )
        else:
            self.afwijzen(client, aanbieder, gemeente, a.referentie, self._reden())

    def _woonplaats(self, client: Client, aanbieder: Aanbieder, gemeente: str, a: Aanvraag, d: date) -> None:
        """Another gemeente is responsible (reason 8, TR377); the aanbieder asks that gemeente again."""
        andere = self.rng.choice([g for g in self.sim.wereld.gemeenten if g.code != gemeente])
        spec = antwoord(a.referentie, reden_afwijzing="8", woonplaatsbeginsel=andere.code)
        self._antwoord(aanbieder, gemeente, spec)
        client.open_verzoeken[aanbieder.agb] -= 1
        client.gemeente = andere
        opnieuw = plus_werkdagen(d, self.rng.randint(1, 5))
        client.bezet_tot(aanbieder.agb, opnieuw)
        self.sim.plan(opnieuw, lambda dag: self.vot(client, aanbieder, [a.product], a.verwijzer, dag))

    def _reden(self) -> str:
        return self.rng.choices(*AFWIJZING)[0]

    def afwijzen(
        self, client: Client, aanbieder: Aanbieder, gemeente: str, referentie: str, reden: str
    ) -> None:
        self._antwoord(aanbieder, gemeente, antwoord(referentie, reden_afwijzing=reden))
        client.open_verzoeken[aanbieder.agb] -= 1

    def _antwoord(self, aanbieder: Aanbieder, gemeente: str, antwoord_spec: Spec) -> None:
        header = self.sim.header("JW319", gemeente=gemeente, aanbieder=aanbieder.agb)
        self.sim.verstuur("JW319", {"Header": header, "Antwoord": antwoord_spec})

    # ---- toewijzing ------------------------------------------------------------------------------------

    def gemeente_toewijzing(self, client: Client, aanbieder: Aanbieder, categorie: str, d: date) -> None:
        """The gemeente (its wijkteam) assigns help without a verzoek; no ReferentieAanbieder."""
        soort = PRODUCTSOORTEN[categorie]
        ingang = d if categorie == "46" else d + timedelta(days=self.rng.randint(0, 14))
        einde = maanden_verder(ingang, soort.maanden) - timedelta(days=1)
        self.toewijzen(
            client,
            aanbieder,
            client.gemeente.code,
            [(self.product(aanbieder, categorie), ingang, einde, None)],
            d,
        )

    def toewijzen(
        self,
        client: Client,
        aanbieder: Aanbieder,
        gemeente: str,
        items: list[tuple[Productkeuze, date, date, str | None]],
        d: date,
        *,
        referentie_alle: str | None = None,
    ) -> None:
        """New toewijzingen in one JW301, each followed by its zorgplan (start, stops)."""
        nieuw = [
            Toewijzing(
                self.sim.toewijzingnummer(gemeente), gemeente, aanbieder, p, ingang, einde, d, referentie=ref
            )
            for p, ingang, einde, ref in items
        ]
        plannen = [self.zorg.plan(client, t, d) for t in nieuw]  # may lengthen a toewijzing for a long wait
        client.toewijzingen.extend(nieuw)
        self.stuur_jw301(client, aanbieder, gemeente, nieuw, d, referentie_alle=referentie_alle)
        beantwoord = sum(1 for t in nieuw if t.referentie is not None)
        if beantwoord and referentie_alle is None:  # a VOW counts itself down (hub.synth.zorg)
            client.open_verzoeken[aanbieder.agb] -= beantwoord
        for stappen in plannen:
            if stappen:
                client.bezet_tot(aanbieder.agb, stappen[-1][0])
            self.sim.keten(stappen)

    def stuur_jw301(
        self,
        client: Client,
        aanbieder: Aanbieder,
        gemeente: str,
        gewijzigd: list[Toewijzing],
        d: date,
        *,
        referentie_alle: str | None = None,
    ) -> None:
        """A JW301 with the new or changed toewijzingen and every other current one, unchanged (OP087, IV099).

        New ones carry their ReferentieAanbieder, the others none (IV094); answering a VOW all carry its
        ReferentieAanbieder (IV093).
        """
        for t in gewijzigd:
            t.toewijzingsdatum, t.toewijzingstijd = d, self.sim.toewijzingstijd()
        overig = [t for t in client.actuele(aanbieder, gemeente, d) if t not in gewijzigd]
        # A change by the gemeente itself (RedenWijziging) honours no verzoek: no ReferentieAanbieder (TR379).
        producten = [
            t.spec(
                referentie=referentie_alle or (t.referentie if t.reden_wijziging is None else None),
                reden=t.reden_wijziging,
            )
            for t in gewijzigd
        ] + [t.spec(referentie=referentie_alle, reden=None) for t in overig]
        producten.sort(key=lambda p: int(p["ToewijzingNummer"]))
        client_spec = client_basis(client.persoon, volledig=True)
        client_spec["Relaties"] = {"Relatie": [relatie(client.ouder)]}
        client_spec["Contactgegevens"] = {"Contact": [contact("01", adres=client.adres)]}
        client_spec["ToegewezenProducten"] = {"ToegewezenProduct": producten}
        header = self.sim.header("JW301", gemeente=gemeente, aanbieder=aanbieder.agb)
        self.sim.verstuur("JW301", {"Header": header, "Client": client_spec})
