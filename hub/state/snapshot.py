"""What the stateful rules (level 3) may know of earlier messages: a read-only snapshot per incoming message.

The store loads a Snapshot scoped to the message (its gemeente, aanbieder, client pseudonyms and the numbers it
names) and the rules judge the message against it as pure functions. Only accepted messages ever change the
state (OP286), so everything here comes from accepted messages. Clients are known by their pseudonym only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from types import MappingProxyType
from typing import Any, Literal, TypeVar, cast

VERWIJDERD = frozenset({"13", "01"})  # RedenWijziging that deletes a toewijzing when Einddatum = Ingangsdatum
DEFINITIEF_NIET = "20"  # RedenBeeindiging of a temporary stop


@dataclass(frozen=True, slots=True)
class ToewijzingState:
    """The latest version of one toegewezen product (IV013: highest Toewijzingsdatum + Toewijzingstijd)."""

    gemeente: str
    aanbieder: str
    client: str
    toewijzing_nummer: int
    categorie: str | None
    code: str | None
    ingangsdatum: date
    einddatum: date | None
    reden_wijziging: str | None
    volume: int | None
    eenheid: str | None
    frequentie: str | None
    budget: int | None
    referentie_aanbieder: str | None
    toewijzingsdatum: date
    toewijzingstijd: time
    eerste_toewijzingsdatum: date  # of the first version: what waiting times count from

    @property
    def verwijderd(self) -> bool:
        return self.einddatum == self.ingangsdatum and self.reden_wijziging in VERWIJDERD

    def actueel(self, today: date) -> bool:
        """Current toewijzing (rules.md 6.1): not deleted, and running on or after today or starting later."""
        if self.verwijderd:
            return False
        return self.einddatum is None or self.einddatum >= today or self.ingangsdatum > today


@dataclass(frozen=True, slots=True)
class StartRegel:
    """A start line in force (StatusAanlevering 1, not deleted since)."""

    toewijzing_nummer: int | None
    categorie: str | None
    code: str | None
    begindatum: date
    toewijzing_ingangsdatum: date | None = None

    @property
    def sleutel(self) -> tuple[int | None, str | None, str | None, date]:
        return (self.toewijzing_nummer, self.categorie, self.code, self.begindatum)


@dataclass(frozen=True, slots=True)
class StopRegel:
    """A stop line in force."""

    toewijzing_nummer: int | None
    categorie: str | None
    code: str | None
    begindatum: date
    einddatum: date
    reden_beeindiging: str
    toewijzing_ingangsdatum: date | None = None

    @property
    def start_sleutel(self) -> tuple[int | None, str | None, str | None, date]:
        return (self.toewijzing_nummer, self.categorie, self.code, self.begindatum)

    @property
    def sleutel(self) -> tuple[int | None, str | None, str | None, date, date, str]:
        return (*self.start_sleutel, self.einddatum, self.reden_beeindiging)

    @property
    def tijdelijk(self) -> bool:
        return self.reden_beeindiging == DEFINITIEF_NIET


VerzoekSoort = Literal["VOT", "VOW"]


@dataclass(frozen=True, slots=True)
class VerzoekState:
    """One ReferentieAanbieder of an aanbieder: a VOT product or a whole VOW, with what answered it."""

    aanbieder: str
    gemeente: str
    client: str
    referentie_aanbieder: str
    soort: VerzoekSoort
    dagtekening: date
    antwoorden: tuple[str, ...] = ()  # VerzoekAntwoord values of accepted JW319s, in order
    toegewezen: bool = False  # a JW301 ToegewezenProduct carried this ReferentieAanbieder

    @property
    def afgewezen(self) -> bool:
        return "1" in self.antwoorden

    @property
    def pending(self) -> bool:
        """Pending request (rules.md 6.1): neither rejected nor honoured; 'in onderzoek' keeps it pending."""
        return not self.afgewezen and not self.toegewezen


@dataclass(frozen=True, slots=True)
class PrestatieState:
    """A declared line (JW323 Prestatie) of an aanbieder, with what the JW325 said of it."""

    client: str
    referentie_nummer: str
    vorig_referentie_nummer: str | None
    toewijzing_nummer: int
    categorie: str
    code: str | None
    begindatum: date
    einddatum: date
    volume: int
    eenheid: str
    bedrag: int
    debet: bool
    toegekend: bool | None = None  # None while no JW325 answered it
    gecrediteerd: bool = False  # a credit line with this line as VorigReferentieNummer exists
    tarief: int | None = None  # ProductTarief as declared (TR367)
    gemeente: str | None = None  # the declaratie's gemeente, its JW323's Ontvanger (TR323)


@dataclass(frozen=True, slots=True)
class DeclaratieState:
    """The accepted JW323 a JW325 answers (TR337): its DeclaratieNummer, its lines by ReferentieNummer, and its
    XsdVersie (basisschema, bericht) for TR371, None when the store did not keep it (stored before migration 0007).

    A ReferentieNummer holds more than one line where the JW323 repeated it (TR314 returned the repeat), maybe
    under another client: each is a line of the declaratie all the same.
    """

    declaratie_nummer: str
    prestaties: Mapping[str, tuple[PrestatieState, ...]]
    xsd_versie: tuple[str, str] | None = None

    @property
    def clients(self) -> frozenset[str]:
        """The declared clients: each has at least one Prestatie (XSD 1..n)."""
        return frozenset(p.client for lines in self.prestaties.values() for p in lines)


K = TypeVar("K")


def _empty_mapping() -> Mapping[str, object]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Snapshot:
    """State for one incoming message; fields not needed for its message type stay empty."""

    pseudonym: Callable[[str], str]  # BSN -> client pseudonym, to match the message's clients
    identificatie_bekend: bool = False  # TR056: same sender, message type and Identificatie accepted before
    # Of the message's client(s) between its gemeente and aanbieder; a JW301's only under the numbers it names.
    toewijzingen: tuple[ToewijzingState, ...] = ()
    # _empty_mapping() is a Mapping[str, object]; an empty read-only map fits any Mapping.
    toewijzing_clients: Mapping[int, str] = field(default_factory=_empty_mapping)  # type: ignore[arg-type]
    starts: tuple[StartRegel, ...] = ()  # in force, for the message's client, gemeente and aanbieder
    stops: tuple[StopRegel, ...] = ()  # in force, likewise
    verzoeken: tuple[VerzoekState, ...] = ()  # of the client at this gemeente from this aanbieder
    # _empty_mapping() is a Mapping[str, object]; an empty read-only map fits any Mapping.
    referenties: Mapping[str, VerzoekState] = field(default_factory=_empty_mapping)  # type: ignore[arg-type]
    # The aanbieder's declared lines on this gemeente's toewijzingen, and those under the message's Referentie-
    # and VorigReferentieNummers at any gemeente (TR314, TR323).
    prestaties: tuple[PrestatieState, ...] = ()
    declaratie_nummers: frozenset[str] = frozenset()  # DeclaratieNummers of this aanbieder accepted before
    laatste_declaratieperiode: date | None = None  # Begindatum of the latest accepted DeclaratiePeriode
    beantwoorde_declaratie: DeclaratieState | None = None  # JW325: the JW323 it answers, if known (TR337)

    # Groupings of the tuples above, made on first use (prestaties_per, toewijzing): rules look lines up per line
    # of a message, and a scan of every stored line per line made a large JW323 quadratic.
    _groepen: dict[object, Mapping[object, tuple[object, ...]]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def prestaties_per(self, key: Callable[[PrestatieState], K]) -> Mapping[K, tuple[PrestatieState, ...]]:
        """`prestaties` grouped by `key` (a module-level function: its identity names the grouping), in order."""
        return self._groep(key, self.prestaties)  # type: ignore[return-value]  # grouped by key, as asked

    def toewijzing(self, nummer: int, client: str | None = None) -> ToewijzingState | None:
        same = cast(
            tuple[ToewijzingState, ...], self._groep(_toewijzing_nummer, self.toewijzingen).get(nummer, ())
        )
        return next((t for t in same if client in (None, t.client)), None)

    def toewijzingen_van(self, client: str | None) -> tuple[ToewijzingState, ...]:
        """The toewijzingen of this client (pseudonym), in order."""
        return cast(tuple[ToewijzingState, ...], self._groep(_client, self.toewijzingen).get(client, ()))

    def _groep(
        self, key: Callable[[Any], object], items: tuple[object, ...]
    ) -> Mapping[object, tuple[object, ...]]:
        found = self._groepen.get(key)
        if found is None:
            groups: dict[object, list[object]] = {}
            for item in items:
                groups.setdefault(key(item), []).append(item)
            found = self._groepen[key] = {k: tuple(v) for k, v in groups.items()}
        return found


def _toewijzing_nummer(t: ToewijzingState) -> int:
    return t.toewijzing_nummer


def _client(t: ToewijzingState) -> str:
    return t.client


def per_toewijzing(p: PrestatieState) -> tuple[str | None, int | None]:
    """Declared lines by client and toewijzing: `state.prestaties_per(per_toewijzing).get((client, nummer), ())`."""
    return p.client, p.toewijzing_nummer
