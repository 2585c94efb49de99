"""Address and contact rules of a JW301 (rules.md 4.1): every client and relation Contact, and Communicatie.

A JW301 has contacts in two places: the client's `Contactgegevens/Contact` (1..n) and one `Contact` per
`Relatie`. The XSLT checks the berichtklasse Contact wherever it occurs, so these rules do too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hub.ijw.doc import Doc, Element, child, filled, present, text
from hub.rules.registry import Context, Hit, rule

_CONTACT_PATHS = ("Client/Relaties/Relatie/Contact", "Client/Contactgegevens/Contact")

# CS089: the XSLT accepts lower case letters too, but no space and no leading zero.
_DUTCH_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Za-z]{2}")


def contacts(doc: Doc) -> list[Element]:
    """Every Contact of a JW301 in document order (relations come before Contactgegevens)."""
    return [c for path in _CONTACT_PATHS for c in doc.all(path)]


def _adressen(doc: Doc) -> Iterator[Element]:
    for contact in contacts(doc):
        adres = child(contact, "Adres")
        if adres is not None:
            yield adres


@rule("CD005", berichten={"JW301"}, summary="Postcode and LandCode are both filled or both absent")
def postcode_met_landcode(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Postcode and LandCode go together; each side is reported on the filled element (CD005)."""
    for adres in _adressen(doc):
        postcode, landcode = child(adres, "Postcode"), child(adres, "LandCode")
        if filled(postcode) and not filled(landcode):
            yield Hit(postcode, "Adres/Postcode is filled but Adres/LandCode is empty.")
        if filled(landcode) and not filled(postcode):
            yield Hit(landcode, f"Adres/LandCode is {text(landcode)} but Adres/Postcode is empty.")


@rule("CD007", berichten={"JW301"}, summary="Taal filled if and only if Vorm = 1 (tolk taal)")
def taal_bij_tolk(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Communicatie/Taal is filled exactly when Vorm is 1 (CD007)."""
    communicatie = doc.first("Client/Communicatie")
    if communicatie is None:
        return
    vorm = text(communicatie, "Vorm")
    taal = filled(communicatie, "Taal")
    if vorm == "1" and not taal:
        yield Hit(child(communicatie, "Vorm"), "Communicatie/Vorm is 1 (tolk taal) but Taal is empty.")
    elif vorm != "1" and taal:
        yield Hit(child(communicatie, "Vorm"), f"Communicatie/Taal is filled but Vorm is {vorm}, not 1.")


@rule("CD009", berichten={"JW301"}, summary="Contact/Periode only allowed when Soort = 04")
def periode_alleen_tijdelijk(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A Contact/Periode is only allowed for Soort 04, tijdelijk verblijfadres (CD009)."""
    for contact in contacts(doc):
        soort = text(contact, "Soort")
        if present(contact, "Periode") and soort != "04":
            yield Hit(child(contact, "Soort"), f"Contact has a Periode but its Soort is {soort}, not 04.")


@rule("CD025", berichten={"JW301"}, summary="LandCode NL requires Huis/Huisnummer")
def huisnummer_in_nederland(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """An address with LandCode NL must have Huis/Huisnummer (CD025)."""
    for adres in _adressen(doc):
        if text(adres, "LandCode") == "NL" and not filled(adres, "Huis/Huisnummer"):
            yield Hit(child(adres, "LandCode"), "Adres/LandCode is NL but Huis/Huisnummer is empty.")


@rule("CD034", berichten={"JW301"}, summary="Contact Soort 01 or 03 requires Adres/Postcode")
def postcode_bij_woonadres(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A BRP-adres (01) or verblijfadres (03) needs a Postcode (CD034)."""
    for contact in contacts(doc):
        soort = text(contact, "Soort")
        if soort in {"01", "03"} and not filled(contact, "Adres/Postcode"):
            yield Hit(child(contact, "Soort"), f"Contact/Soort is {soort} but Adres/Postcode is empty.")


@rule("CS089", berichten={"JW301"}, summary="LandCode NL requires a Dutch postcode format")
def nederlandse_postcode(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """With LandCode NL the Postcode is 4 digits (no leading zero) and 2 letters, no space (CS089)."""
    for adres in _adressen(doc):
        if text(adres, "LandCode") != "NL":
            continue
        postcode = child(adres, "Postcode")
        # Matched on the exact text (rules.md: "1234 AB" fails), so a space anywhere fails.
        value = postcode.text if postcode is not None else None
        if value is None:
            yield Hit(child(adres, "LandCode"), "Adres/LandCode is NL but Postcode is empty.")
        elif not _DUTCH_POSTCODE.fullmatch(value):
            # The value stays out of the message: an address is personal data.
            yield Hit(
                postcode,
                "Adres/LandCode is NL but Postcode is not in the form 1234AB (no space, no leading zero).",
            )


@rule("TR006", berichten={"JW301"}, summary="Contact has Telefoon, or Huis plus Postcode")
def bereikbaar(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A Contact without Telefoon needs Adres/Huis and Adres/Postcode, two separate tests (TR006)."""
    for contact in contacts(doc):
        if present(contact, "Telefoon"):
            continue
        if not present(contact, "Adres/Huis"):
            yield Hit(contact, "Contact has no Telefoon and no Adres/Huis.")
        if not present(contact, "Adres/Postcode"):
            yield Hit(contact, "Contact has no Telefoon and no Adres/Postcode.")


@rule("TR061", berichten={"JW301"}, summary="Client has a Contact with Soort 01, 02 or 03")
def woon_of_postadres(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The client's Contactgegevens hold at least one Contact of Soort 01, 02 or 03 (TR061)."""
    client_contacts = doc.all("Client/Contactgegevens/Contact")
    if not client_contacts:
        return
    if not any(text(c, "Soort") in {"01", "02", "03"} for c in client_contacts):
        yield Hit(client_contacts[0], "Client has no Contact with Soort 01, 02 or 03 (only 04).")
