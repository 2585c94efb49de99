"""The iJw 3.2 messages: codes, namespaces, heen/retour pairs and the berichtklassen of each retour."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BASIS_NS = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
RELEASE = "3.2"


def message_ns(bericht: str) -> str:
    return f"http://www.istandaarden.nl/ijw/3_2/{bericht.lower()}/schema"


@dataclass(frozen=True, slots=True)
class BerichtInfo:
    """One message type: its name as `hub validate` spells it (JW301), code and role."""

    bericht: str
    code: str
    naam: str
    afzender: str  # "gemeente" or "aanbieder": the type of Header/Afzender
    retour: str | None = None  # the message that answers it
    answers: str | None = None  # for a retour: the heenbericht it answers

    @property
    def ns(self) -> str:
        return message_ns(self.bericht)

    @property
    def is_retour(self) -> bool:
        """JW302/306/308/316/318/320: judged on their XSD only. JW325 is formally a heenbericht."""
        return self.answers is not None and self.bericht != "JW325"


BERICHTEN: dict[str, BerichtInfo] = {
    b.bericht: b
    for b in (
        BerichtInfo("JW301", "436", "Toewijzing", "gemeente", retour="JW302"),
        BerichtInfo("JW302", "437", "Toewijzing retour", "gemeente", answers="JW301"),
        BerichtInfo("JW305", "438", "Start zorg", "aanbieder", retour="JW306"),
        BerichtInfo("JW306", "439", "Start zorg retour", "aanbieder", answers="JW305"),
        BerichtInfo("JW307", "440", "Stop zorg", "aanbieder", retour="JW308"),
        BerichtInfo("JW308", "441", "Stop zorg retour", "aanbieder", answers="JW307"),
        BerichtInfo("JW315", "446", "Verzoek om toewijzing", "aanbieder", retour="JW316"),
        BerichtInfo("JW316", "447", "Verzoek om toewijzing retour", "aanbieder", answers="JW315"),
        BerichtInfo("JW317", "486", "Verzoek om wijziging", "aanbieder", retour="JW318"),
        BerichtInfo("JW318", "487", "Verzoek om wijziging retour", "aanbieder", answers="JW317"),
        BerichtInfo("JW319", "488", "Antwoordbericht", "gemeente", retour="JW320"),
        BerichtInfo("JW320", "489", "Antwoordbericht retour", "gemeente", answers="JW319"),
        BerichtInfo("JW323", "490", "Declaratie", "aanbieder", retour="JW325"),
        BerichtInfo("JW325", "491", "Declaratie-antwoord", "gemeente", answers="JW323"),
    )
}

BY_NS: dict[str, BerichtInfo] = {b.ns: b for b in BERICHTEN.values()}

# The iJw messages judged beyond their XSD (JW325 included), in catalog order.
HEENBERICHTEN: tuple[str, ...] = tuple(b.bericht for b in BERICHTEN.values() if not b.is_retour)


def verzender(bericht: str | None) -> Literal["Afzender", "Ontvanger"]:
    """The Header element naming who sends a message of this type (the code an API key must be bound to).

    An iJw retourbericht (JW302 ... JW320) copies the heenbericht's Afzender and Ontvanger unchanged, so its
    Ontvanger sends it (process.md 5.1: "in a JW302 the Afzender is still the gemeente"). Every other message,
    JW325 (the gemeente's heenbericht) and the GI messages included, is sent by its Afzender.
    """
    info = BERICHTEN.get(bericht) if bericht is not None else None
    return "Ontvanger" if info is not None and info.is_retour else "Afzender"


# The hub's own GI messages (docs/gi-berichten.md) go through the same doors: parse identifies them by namespace.
# BERICHTEN stays the iJw catalog; hub.gi.catalog.GI_BERICHTEN is theirs. Imported here, after BerichtInfo,
# because hub.gi.catalog builds its entries on it.
from hub.gi.catalog import GI_BERICHTEN  # noqa: E402

BY_NS.update({b.ns: b for b in GI_BERICHTEN.values()})

# Berichtklassen that carry their own RetourCodes in each retour (process.md 5.1), outermost first.
RETOUR_KLASSEN: dict[str, tuple[str, ...]] = {
    "JW302": (
        "Client",
        "Client/Relaties/Relatie",
        "Client/Relaties/Relatie/Contact",
        "Client/Contactgegevens/Contact",
        "Client/ToegewezenProducten/ToegewezenProduct",
    ),
    "JW306": ("Client", "Client/StartProducten/StartProduct"),
    "JW308": ("Client", "Client/StopProducten/StopProduct"),
    "JW316": ("Client", "Client/AangevraagdeProducten/AangevraagdProduct"),
    "JW318": (
        "Client",
        "Client/Verzoek",
        "Client/Verzoek/OngewijzigdeProducten/OngewijzigdProduct",
        "Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct",
        "Client/Verzoek/NieuweProducten/NieuwProduct",
    ),
    "JW320": ("Antwoord", "Antwoord/Woonplaatsbeginsel"),
}

# The version of the project's own XSDs (XsdVersieRetour of the retouren we build); see tools/gen_ijw_xsd.py.
XSD_VERSION = "1.0.0"
