"""What a gemeente and an aanbieder know of one client: its toewijzingen and pending verzoeken.

The simulator keeps this so every message it makes fits the stateful rules (rules.md section 6): a new story
at an aanbieder waits until nothing is pending, planned or current there (TR374, OP259).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from hub.reference.gemeenten import Gemeente
from hub.synth.berichten import toegewezen_product
from hub.synth.build import Spec
from hub.synth.persons import Persoon
from hub.synth.wereld import Aanbieder


@dataclass(frozen=True, slots=True)
class Productkeuze:
    """What is asked or assigned: specific (Code + Omvang), aspecific, or aspecific with a Budget."""

    categorie: str
    code: str | None = None
    omvang: Spec | None = None
    budget: int | None = None


@dataclass(eq=False)
class Toewijzing:
    """The latest version of one toegewezen product as the gemeente sent it."""

    nummer: int
    gemeente: str
    aanbieder: Aanbieder
    product: Productkeuze
    ingangsdatum: date
    einddatum: date
    toewijzingsdatum: date
    toewijzingstijd: time = time(8, 0)
    referentie: str | None = None
    reden_wijziging: str | None = None
    gestart: bool = False  # a JW305 was sent for it
    zorgperioden: list[tuple[date, date]] = field(default_factory=list)  # care delivered, first to last day

    @property
    def verwijderd(self) -> bool:
        return self.reden_wijziging == "13"

    def actueel_op(self, d: date) -> bool:
        return not self.verwijderd and self.einddatum >= d

    def spec(self, *, referentie: str | None, reden: str | None) -> Spec:
        return toegewezen_product(
            self.nummer,
            categorie=self.product.categorie,
            code=self.product.code,
            toewijzingsdatum=self.toewijzingsdatum,
            toewijzingstijd=self.toewijzingstijd,
            ingangsdatum=self.ingangsdatum,
            einddatum=self.einddatum,
            omvang=self.product.omvang,
            budget=self.product.budget,
            reden_wijziging=reden,
            referentie_aanbieder=referentie,
        )


@dataclass(eq=False)
class Client:
    persoon: Persoon
    ouder: Persoon
    gemeente: Gemeente
    adres: Spec
    toewijzingen: list[Toewijzing] = field(default_factory=list)
    open_verzoeken: dict[str, int] = field(default_factory=dict)  # aanbieder -> pending ReferentieAanbieders
    bezet: dict[str, date] = field(default_factory=dict)  # aanbieder -> date of the last planned message

    def vrij_bij(self, aanbieder: str, d: date) -> bool:
        """A new story at this aanbieder may start: nothing pending, planned or current there."""
        if self.open_verzoeken.get(aanbieder, 0) or self.bezet.get(aanbieder, date.min) >= d:
            return False
        return not any(t.aanbieder.agb == aanbieder and t.actueel_op(d) for t in self.toewijzingen)

    def actuele(self, aanbieder: Aanbieder, gemeente: str, d: date) -> list[Toewijzing]:
        return [
            t
            for t in self.toewijzingen
            if t.aanbieder is aanbieder and t.gemeente == gemeente and t.actueel_op(d)
        ]

    def bezet_tot(self, aanbieder: str, d: date) -> None:
        self.bezet[aanbieder] = max(self.bezet.get(aanbieder, date.min), d)
