"""Rules on the Bepalingen of a GI001 (docs/gi-berichten.md 5.2): GB010-GB017.

Every finding is reported on its Bepaling (Hit.klasse), so the Ontvangstbevestiging lists it there.
"""

from __future__ import annotations

from collections.abc import Iterator

from hub.gi.codes import CATEGORIEEN_2015, INTREKKING, JUSTITIELE_CATEGORIEEN, NIEUW
from hub.gi.rules.common import BEPALING, dated, niet_na_dagtekening, niet_voor
from hub.ijw.doc import Doc, Element, as_date, child, raw, text
from hub.rules.registry import Context, Hit, repeats, rule

GI001 = {"GI001"}


@rule("GB010", berichten=GI001, summary="StatusAanlevering is 1 (new) or 3 (withdrawal)")
def status_aanlevering(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Only 1 and 3 of COD467, as iJw CS058: a change is a withdrawal plus a new bepaling (GB010)."""
    for bepaling in doc.all(BEPALING):
        el = child(bepaling, "StatusAanlevering")
        if text(el) not in (NIEUW, INTREKKING):
            yield Hit(
                el, f"StatusAanlevering is {text(el)}, not 1 (nieuw) or 3 (intrekking).", klasse=bepaling
            )


def _id_en_status(bepaling: Element) -> tuple[str | None, str | None]:
    return raw(bepaling, "BepalingId"), text(bepaling, "StatusAanlevering")


@rule("GB011", berichten=GI001, summary="BepalingId at most once per StatusAanlevering in the message")
def bepaling_id_uniek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """One BepalingId may appear once as 3 and once as 1 (a correction), never twice with one status (GB011)."""
    for _, bepaling in repeats(doc.all(BEPALING), _id_en_status):
        bepaling_id, status = _id_en_status(bepaling)
        yield Hit(
            child(bepaling, "BepalingId"),
            f"BepalingId {bepaling_id} occurs more than once with StatusAanlevering {status}.",
            klasse=bepaling,
        )


@rule("GB012", berichten=GI001, summary="DatumBepaling not after the Dagtekening")
def bepaling_niet_na_dagtekening(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A bepaling is reported after it was made; equal passes (GB012)."""
    yield from niet_na_dagtekening(doc, BEPALING, ("DatumBepaling",))


@rule("GB013", berichten=GI001, summary="DatumBepaling not before the client's Geboortedatum")
def bepaling_niet_voor_geboorte(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Help is determined for a born child; equal passes (GB013). The birth date is not repeated."""
    geboren = as_date(doc.first("Client/Geboortedatum/Datum"))
    if geboren is None:
        return
    for bepaling in doc.all(BEPALING):
        found = dated(bepaling, "DatumBepaling")
        if found and found[1] < geboren:
            yield Hit(
                found[0],
                f"DatumBepaling {doc.datum_tekst(found[0])} is before the client's Geboortedatum.",
                klasse=bepaling,
            )


@rule("GB014", berichten=GI001, summary="GewensteIngangsdatum not before DatumBepaling")
def ingangsdatum_niet_voor_bepaling(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Help cannot be wanted from before it was determined; the same day passes (GB014)."""
    yield from niet_voor(doc, BEPALING, "GewensteIngangsdatum", "DatumBepaling")


@rule("GB015", berichten=GI001, summary="Product/Categorie is a current jeugdhulp category")
def categorie_is_jeugdhulp(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Not a 2015 category (31-38, historical) nor 47-49 (the GI's own justice products) (GB015)."""
    for bepaling in doc.all(BEPALING):
        el = child(bepaling, "Product/Categorie")
        categorie = text(el)
        if categorie in CATEGORIEEN_2015:
            yield Hit(
                el,
                f"Product/Categorie {categorie} is a 2015 category that is no longer used.",
                klasse=bepaling,
            )
        elif categorie in JUSTITIELE_CATEGORIEEN:
            yield Hit(
                el,
                f"Product/Categorie {categorie} is a justice product of the GI itself, not jeugdhulp to determine.",
                klasse=bepaling,
            )


@rule("GB016", berichten=GI001, summary="Omvang only with a Product/Code")
def omvang_alleen_bij_code(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A volume only means something for a specific product, as iJw CD080 for aspecific assignments (GB016)."""
    for bepaling in doc.all(BEPALING):
        omvang = child(bepaling, "Omvang")
        if omvang is not None and child(bepaling, "Product/Code") is None:
            yield Hit(omvang, "Omvang is given but Product/Code is empty.", klasse=bepaling)


@rule("GB017", berichten=GI001, summary="One MaatregelType per MaatregelId within the message")
def maatregel_type_eenduidig(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Bepalingen naming the same MaatregelId agree on its type; the first one seen sets it (GB017)."""
    types: dict[str | None, str | None] = {}
    for bepaling in doc.all(BEPALING):
        maatregel_id = raw(bepaling, "Maatregel/MaatregelId")
        el = child(bepaling, "Maatregel/MaatregelType")
        first = types.setdefault(maatregel_id, text(el))
        if text(el) != first:
            yield Hit(
                el,
                f"MaatregelType {text(el)} differs from {first} given earlier in this message "
                f"for MaatregelId {maatregel_id}.",
                klasse=bepaling,
            )
