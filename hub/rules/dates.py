"""Dates against the message's Dagtekening (rules.md 4.3): TR134 and TR380.

TR137 (declaration periods) lives with the declaration rules.
"""

from __future__ import annotations

from collections.abc import Iterator

from hub.ijw.doc import Doc
from hub.rules.registry import Context, Hit, rule

# TR134 checks exactly these elements and no others: a toewijzing may start in the future, and a
# StopProduct's Begindatum was already judged by its start.
_NIET_NA_DAGTEKENING: dict[str, tuple[str, ...]] = {
    "JW301": (
        "Client/Geboortedatum/Datum",
        "Client/Relaties/Relatie/Geboortedatum/Datum",
        "Client/ToegewezenProducten/ToegewezenProduct/Toewijzingsdatum",
    ),
    "JW305": ("Client/Geboortedatum/Datum", "Client/StartProducten/StartProduct/Begindatum"),
    "JW307": ("Client/Geboortedatum/Datum", "Client/StopProducten/StopProduct/Einddatum"),
    "JW315": ("Client/Geboortedatum/Datum",),
    "JW323": (
        "Declaratie/DeclaratiePeriode/Begindatum",
        "Declaratie/Clienten/Client/Prestaties/Prestatie/ProductPeriode/Begindatum",
    ),
    "JW325": ("DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie/ProductPeriode/Begindatum",),
}


@rule("TR134", berichten=set(_NIET_NA_DAGTEKENING), summary="Date not after the message Dagtekening")
def niet_na_dagtekening(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The dates of the TR134 table are not later than the Dagtekening; equal passes (TR134)."""
    dagtekening = doc.dagtekening
    if dagtekening is None:
        return
    for path in _NIET_NA_DAGTEKENING.get(doc.bericht, ()):
        for el in doc.all(path):
            datum = doc.as_date(el)
            if datum is not None and datum > dagtekening:
                name = "/".join(path.split("/")[-2:])  # e.g. StartProduct/Begindatum
                # Birth dates are personal data: name the element, not its value.
                shown = "" if "Geboortedatum" in path else f" {doc.datum_tekst(el)}"
                yield Hit(el, f"{name}{shown} is after the Dagtekening {doc.dagtekening_tekst}.")


@rule("TR380", berichten={"JW317"}, summary="NieuwProduct GewensteIngangsdatum strictly after Dagtekening")
def nieuw_product_in_toekomst(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A requested new product starts strictly after the Dagtekening; equal fails (TR380)."""
    dagtekening = doc.dagtekening
    if dagtekening is None:
        return
    for el in doc.all("Client/Verzoek/NieuweProducten/NieuwProduct/GewensteIngangsdatum"):
        datum = doc.as_date(el)
        if datum is not None and datum <= dagtekening:
            yield Hit(
                el,
                f"NieuwProduct/GewensteIngangsdatum {doc.datum_tekst(el)} is not after "
                f"the Dagtekening {doc.dagtekening_tekst}.",
            )
