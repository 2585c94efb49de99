"""The GI messages: codes, namespaces and roles, as BerichtInfo entries the core catalog merges (GI_BERICHTEN).

The hub defines these messages itself, in its own namespaces `https://ijw-hub.nl/gi/1.0/<bericht>/schema`;
they reuse the iJw 3.2 basisschema for shared types plus a small GI basisschema (docs/gi-berichten.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.ijw.catalog import BerichtInfo

GI_BASIS_NS = "https://ijw-hub.nl/gi/1.0/basisschema/schema"
GI_RELEASE = "1.0"
GI_XSD_VERSION = "1.0.0"  # the appinfo XsdVersie of schemas/gi/*.xsd (XsdVersieRetour of what the hub writes)
BERICHT_VERSIE = "1"
BERICHT_SUBVERSIE = "0"

ONTVANGSTBEVESTIGING = "GI101"
STATUSMELDING = "GI102"


def gi_ns(bericht: str) -> str:
    return f"https://ijw-hub.nl/gi/1.0/{bericht.lower()}/schema"


@dataclass(frozen=True, slots=True)
class GiBerichtInfo(BerichtInfo):
    """A GI message: like an iJw one, but in the hub's namespace; GI101 answers all three heenberichten."""

    beantwoordt: tuple[str, ...] = ()

    @property
    def ns(self) -> str:
        return gi_ns(self.bericht)


GI_BERICHTEN: dict[str, BerichtInfo] = {
    b.bericht: b
    for b in (
        GiBerichtInfo("GI001", "901", "Bepaling jeugdhulp", "aanbieder", retour=ONTVANGSTBEVESTIGING),
        GiBerichtInfo("GI002", "902", "Maatregel-voortgang", "aanbieder", retour=ONTVANGSTBEVESTIGING),
        GiBerichtInfo("GI003", "903", "Capaciteit", "aanbieder", retour=ONTVANGSTBEVESTIGING),
        # `answers` names the first heenbericht only because BerichtInfo has room for one; beantwoordt has all.
        GiBerichtInfo(
            ONTVANGSTBEVESTIGING,
            "911",
            "Ontvangstbevestiging",
            "aanbieder",
            answers="GI001",
            beantwoordt=("GI001", "GI002", "GI003"),
        ),
        # Sent by the hub on behalf of the gemeente; the GI does not answer it with a message.
        GiBerichtInfo(STATUSMELDING, "912", "Statusmelding", "gemeente"),
    )
}

HEENBERICHTEN = frozenset({"GI001", "GI002", "GI003"})

# The parts of each heenbericht that the Ontvangstbevestiging judges one by one, and the key it echoes.
ONDERDELEN: dict[str, str] = {
    "GI001": "Client/Bepalingen/Bepaling",
    "GI002": "Client/Maatregelen/Maatregel",
    "GI003": "Capaciteiten/Capaciteit",
}


def is_gi(bericht: str | None) -> bool:
    return bericht in GI_BERICHTEN
