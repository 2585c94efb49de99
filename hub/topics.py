"""Topic names (prefix + name) and the Kafka keys the hub uses; the README's topic table documents them."""

from __future__ import annotations

from dataclasses import dataclass

from hub.ijw.catalog import BerichtInfo

# Normalised topics per event kind (hub.events TOPIC_KIND values).
NORMALISED = ("toewijzing", "start", "stop", "verzoek-om-toewijzing", "verzoek-om-wijziging", "antwoord")
GI = ("gi.bepaling", "gi.maatregel-voortgang", "gi.capaciteit", "gi.status")


@dataclass(frozen=True, slots=True)
class Topics:
    prefix: str = "ijw."

    @property
    def inbound(self) -> str:
        """Raw XML as sent, keyed by `gemeente:aanbieder` so that one pair's messages stay in order."""
        return f"{self.prefix}berichten.inkomend"

    @property
    def retour(self) -> str:
        return f"{self.prefix}retourberichten"

    @property
    def dead_letter(self) -> str:
        return f"{self.prefix}dead-letter"

    def normalised(self, kind: str) -> str:
        return f"{self.prefix}{kind}"

    def all(self) -> list[str]:
        return [self.inbound, self.retour, self.dead_letter, *(self.normalised(k) for k in (*NORMALISED, *GI))]


def pair_key(gemeente: str | None, aanbieder: str | None) -> str:
    """The inbound key: state is scoped to a gemeente and an aanbieder, so their messages share a partition."""
    return f"{gemeente or '-'}:{aanbieder or '-'}"


def inbound_key(info: BerichtInfo, afzender: str | None, ontvanger: str | None) -> str:
    """The pair key of a message from its header: the gemeente is the Afzender or the Ontvanger by direction."""
    gemeente, aanbieder = (afzender, ontvanger) if info.afzender == "gemeente" else (ontvanger, afzender)
    return pair_key(gemeente, aanbieder)
