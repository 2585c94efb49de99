"""Address and contact rules of a JW301 (rules.md 4.1): every client and relation Contact, and Communicatie.

A JW301 has contacts in two places: the client's `Contactgegevens/Contact` (1..n) and one `Contact` per
`Relatie`. The XSLT checks the berichtklasse Contact wherever it occurs, so these rules do too. Each Contact
is read once per message into a `ContactRegel` that the rules share.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from hub.ijw.doc import ABSENT, Doc, Element
from hub.rules.registry import Context, Hit, rule

_RELATIE_CONTACT = "Client/Relaties/Relatie/Contact"
_CLIENT_CONTACT = "Client/Contactgegevens/Contact"

# CS089: the XSLT accepts lower case letters too, but no space and no leading zero.
_DUTCH_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Za-z]{2}")


class ContactRegel(NamedTuple):
    """One Contact and what the rules below read of it, read once per message rather than once per rule."""

    el: Element
    soort: Element | None
    soort_tekst: str | None
    adres: Element | None
    postcode: Element | None  # Adres/Postcode
    postcode_tekst: str | None
    landcode: Element | None  # Adres/LandCode
    landcode_tekst: str | None
    huis: Element | None  # Adres/Huis
    huisnummer_gevuld: bool  # Adres/Huis/Huisnummer is filled
    periode: Element | None
    telefoon: Element | None


def _lees(doc: Doc, contact: Element) -> ContactRegel:
    kids = doc.kids(contact)
    soort, adres = kids.get("Soort", ABSENT)[0], kids.get("Adres", ABSENT)[0]
    adres_kids = doc.kids(adres)
    postcode, landcode = adres_kids.get("Postcode", ABSENT)[0], adres_kids.get("LandCode", ABSENT)[0]
    huis = adres_kids.get("Huis", ABSENT)[0]
    # Positional, in the order of the fields above: a NamedTuple made by keyword costs three times as much.
    return ContactRegel(
        contact,
        soort,
        doc.text(soort),  # soort_tekst
        adres,
        postcode,
        doc.text(postcode),  # postcode_tekst
        landcode,
        doc.text(landcode),  # landcode_tekst
        huis,
        doc.filled(huis, "Huisnummer"),  # huisnummer_gevuld
        kids.get("Periode", ABSENT)[0],  # periode
        kids.get("Telefoon", ABSENT)[0],  # telefoon
    )


def _lees_alle(doc: Doc, path: str) -> list[ContactRegel]:
    return [_lees(doc, el) for el in doc.all(path)]


def _regels(doc: Doc, path: str) -> list[ContactRegel]:
    return doc.memo(_lees_alle, path)


def contacten(doc: Doc) -> list[ContactRegel]:
    """Every Contact of a JW301 in document order (relations come before Contactgegevens)."""
    return doc.memo(_lees_paden, (_RELATIE_CONTACT, _CLIENT_CONTACT))


def _lees_paden(doc: Doc, paths: tuple[str, ...]) -> list[ContactRegel]:
    return [c for path in paths for c in _regels(doc, path)]


def _met_adres(doc: Doc) -> Iterator[ContactRegel]:
    return (c for c in contacten(doc) if c.adres is not None)


@rule("CD005", berichten={"JW301"}, summary="Postcode and LandCode are both filled or both absent")
def postcode_met_landcode(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Postcode and LandCode go together; each side is reported on the filled element (CD005)."""
    for c in _met_adres(doc):
        if c.postcode_tekst is not None and c.landcode_tekst is None:
            yield Hit(c.postcode, "Adres/Postcode is filled but Adres/LandCode is empty.")
        if c.landcode_tekst is not None and c.postcode_tekst is None:
            yield Hit(c.landcode, f"Adres/LandCode is {c.landcode_tekst} but Adres/Postcode is empty.")


@rule("CD007", berichten={"JW301"}, summary="Taal filled if and only if Vorm = 1 (tolk taal)")
def taal_bij_tolk(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Communicatie/Taal is filled exactly when Vorm is 1 (CD007)."""
    communicatie = doc.first("Client/Communicatie")
    if communicatie is None:
        return
    vorm = doc.text(communicatie, "Vorm")
    taal = doc.filled(communicatie, "Taal")
    if vorm == "1" and not taal:
        yield Hit(doc.child(communicatie, "Vorm"), "Communicatie/Vorm is 1 (tolk taal) but Taal is empty.")
    elif vorm != "1" and taal:
        yield Hit(doc.child(communicatie, "Vorm"), f"Communicatie/Taal is filled but Vorm is {vorm}, not 1.")


@rule("CD009", berichten={"JW301"}, summary="Contact/Periode only allowed when Soort = 04")
def periode_alleen_tijdelijk(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A Contact/Periode is only allowed for Soort 04, tijdelijk verblijfadres (CD009)."""
    for c in contacten(doc):
        if c.periode is not None and c.soort_tekst != "04":
            yield Hit(c.soort, f"Contact has a Periode but its Soort is {c.soort_tekst}, not 04.")


@rule("CD025", berichten={"JW301"}, summary="LandCode NL requires Huis/Huisnummer")
def huisnummer_in_nederland(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """An address with LandCode NL must have Huis/Huisnummer (CD025)."""
    for c in _met_adres(doc):
        if c.landcode_tekst == "NL" and not c.huisnummer_gevuld:
            yield Hit(c.landcode, "Adres/LandCode is NL but Huis/Huisnummer is empty.")


@rule("CD034", berichten={"JW301"}, summary="Contact Soort 01 or 03 requires Adres/Postcode")
def postcode_bij_woonadres(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A BRP-adres (01) or verblijfadres (03) needs a Postcode (CD034)."""
    for c in contacten(doc):
        if c.soort_tekst in {"01", "03"} and c.postcode_tekst is None:
            yield Hit(c.soort, f"Contact/Soort is {c.soort_tekst} but Adres/Postcode is empty.")


@rule("CS089", berichten={"JW301"}, summary="LandCode NL requires a Dutch postcode format")
def nederlandse_postcode(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """With LandCode NL the Postcode is 4 digits (no leading zero) and 2 letters, no space (CS089)."""
    for c in _met_adres(doc):
        if c.landcode_tekst != "NL":
            continue
        # Matched on the exact text (rules.md: "1234 AB" fails), so a space anywhere fails.
        value = c.postcode.text if c.postcode is not None else None
        if value is None:
            yield Hit(c.landcode, "Adres/LandCode is NL but Postcode is empty.")
        elif not _DUTCH_POSTCODE.fullmatch(value):
            # The value stays out of the message: an address is personal data.
            yield Hit(
                c.postcode,
                "Adres/LandCode is NL but Postcode is not in the form 1234AB (no space, no leading zero).",
            )


@rule("TR006", berichten={"JW301"}, summary="Contact has Telefoon, or Huis plus Postcode")
def bereikbaar(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A Contact without Telefoon needs Adres/Huis and Adres/Postcode, two separate tests (TR006)."""
    for c in contacten(doc):
        if c.telefoon is not None:
            continue
        if c.huis is None:
            yield Hit(c.el, "Contact has no Telefoon and no Adres/Huis.")
        if c.postcode is None:
            yield Hit(c.el, "Contact has no Telefoon and no Adres/Postcode.")


@rule("TR061", berichten={"JW301"}, summary="Client has a Contact with Soort 01, 02 or 03")
def woon_of_postadres(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The client's Contactgegevens hold at least one Contact of Soort 01, 02 or 03 (TR061)."""
    client_contacts = _regels(doc, _CLIENT_CONTACT)
    if not client_contacts:
        return
    if not any(c.soort_tekst in {"01", "02", "03"} for c in client_contacts):
        yield Hit(client_contacts[0].el, "Client has no Contact with Soort 01, 02 or 03 (only 04).")
