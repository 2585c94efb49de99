"""Topic names (prefix + name), the consumer groups that read them, and the Kafka keys the hub uses; the README's
topic table documents them."""

from __future__ import annotations

from dataclasses import dataclass

from hub.ijw.catalog import BerichtInfo

# Normalised topics per event kind (hub.events TOPIC_KIND values).
NORMALISED = ("toewijzing", "start", "stop", "verzoek-om-toewijzing", "verzoek-om-wijziging", "antwoord")
GI = ("gi.bepaling", "gi.maatregel-voortgang", "gi.capaciteit", "gi.status")


@dataclass(frozen=True, slots=True)
class Groups:
    """The consumer group of each consumer of one hub; `Topics.groups` derives them from the topic prefix."""

    intake: str
    retour: str
    processors: str

    def all(self) -> list[str]:
        return [self.intake, self.retour, self.processors]


def group_name(prefix: str, role: str) -> str:
    """The consumer group of `role` for a topic prefix: distinct prefixes give distinct groups.

    A prefix ending in a dot has it written as a hyphen ("ijw." -> "ijw-hub-intake", the names from before the
    groups followed the prefix, so their committed offsets stay valid); any other prefix is followed by a dot
    ("ijw-" -> "ijw-.hub-intake"), so that no two prefixes meet in one name.
    """
    stem = f"{prefix[:-1]}-" if prefix.endswith(".") else f"{prefix}."
    return f"{stem}hub-{role}"


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

    @property
    def groups(self) -> Groups:
        """The consumer groups of this hub: two hubs with different prefixes on one cluster never share one."""
        return Groups(*(group_name(self.prefix, role) for role in ("intake", "retour", "processors")))

    def all(self) -> list[str]:
        return [
            self.inbound,
            self.retour,
            self.dead_letter,
            *(self.normalised(k) for k in (*NORMALISED, *GI)),
        ]


def pair_key(gemeente: str | None, aanbieder: str | None) -> str:
    """The inbound key: state is scoped to a gemeente and an aanbieder, so their messages share a partition."""
    return f"{gemeente or '-'}:{aanbieder or '-'}"


def inbound_key(info: BerichtInfo, afzender: str | None, ontvanger: str | None) -> str:
    """The pair key of a message from its header: the gemeente is the Afzender or the Ontvanger by direction."""
    gemeente, aanbieder = (afzender, ontvanger) if info.afzender == "gemeente" else (ontvanger, afzender)
    return pair_key(gemeente, aanbieder)
