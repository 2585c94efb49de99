"""Duplicate lines inside one message (rules.md 4.7 TR101, and TR383 for JW315)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from hub.ijw.doc import Doc, Element, local
from hub.rules.registry import Context, Hit, repeats, rule

_START_KEY = ("ToewijzingNummer", "Product/Categorie", "Product/Code", "Begindatum")
_PRESTATIE_KEY = ("ProductReferentie/ReferentieNummer", "ProductReferentie/VorigReferentieNummer")


@dataclass(frozen=True, slots=True)
class Klasse:
    """A repeatable berichtklasse and the logical key the XSLT gives it."""

    path: str
    key: tuple[str, ...]
    show_key: bool = True  # False when the key is personal data (a Bsn, a relation's Persoonsid)


# The table of rules.md 4.7. Single-occurrence classes are left out: they can never be duplicated.
_KLASSEN: dict[str, tuple[Klasse, ...]] = {
    "JW301": (
        Klasse("Client/Relaties/Relatie", ("Nummer",), show_key=False),
        Klasse("Client/Contactgegevens/Contact", ("Soort",)),
        Klasse("Client/ToegewezenProducten/ToegewezenProduct", ("ToewijzingNummer",)),
    ),
    "JW305": (Klasse("Client/StartProducten/StartProduct", _START_KEY),),
    "JW307": (Klasse("Client/StopProducten/StopProduct", (*_START_KEY, "Einddatum", "RedenBeeindiging")),),
    "JW315": (Klasse("Client/AangevraagdeProducten/AangevraagdProduct", ("ReferentieAanbieder",)),),
    "JW317": (
        Klasse("Client/Verzoek/OngewijzigdeProducten/OngewijzigdProduct", ("ToewijzingNummer",)),
        Klasse("Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct", ("ToewijzingNummer",)),
        Klasse(
            "Client/Verzoek/NieuweProducten/NieuwProduct",
            ("Product/Categorie", "Product/Code", "GewensteIngangsdatum"),
        ),
    ),
    "JW323": (
        Klasse("Declaratie/Clienten/Client", ("Bsn",), show_key=False),
        Klasse("Declaratie/Clienten/Client/Prestaties/Prestatie", _PRESTATIE_KEY),
    ),
    "JW325": (
        Klasse("DeclaratieAntwoord/Clienten/Client", ("Bsn",), show_key=False),
        Klasse("DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie", _PRESTATIE_KEY),
    ),
}

Key = tuple[str | None, ...]


def logical_key(doc: Doc, el: Element, key: tuple[str, ...]) -> Key:
    """The exact text of each key element; None (absent) equals None, so absent-in-both is equal."""
    if len(key) == 1:  # most classes: no generator needed
        return (doc.raw(el, key[0]),)
    return tuple([doc.raw(el, path) for path in key])


def duplicate_groups(doc: Doc, siblings: list[Element], key: tuple[str, ...]) -> list[list[Element]]:
    """Groups of siblings sharing a key (2 or more, document order), ordered by their last member."""
    groups: dict[Key, list[Element]] = defaultdict(list)
    for el in siblings:
        groups[logical_key(doc, el, key)].append(el)
    found = [g for g in groups.values() if len(g) > 1]
    if len(found) < 2:
        return found
    positie = {el: i for i, el in enumerate(siblings)}  # not siblings.index: a scan per group
    return sorted(found, key=lambda g: positie[g[-1]])


def _by_parent(elements: list[Element]) -> list[list[Element]]:
    """Elements grouped per parent: TR101 compares siblings only (Prestaties per client)."""
    parents: dict[Element | None, list[Element]] = {}
    for el in elements:
        parents.setdefault(el.getparent(), []).append(el)
    return list(parents.values())


def _position(doc: Doc, el: Element) -> int:
    return doc.positie(el)


def _describe(doc: Doc, klasse: Klasse, group: list[Element]) -> str:
    name = local(group[-1])
    earlier = ", ".join(str(_position(doc, el)) for el in group[:-1])
    message = f"{name} {_position(doc, group[-1])} has the same logical key ({', '.join(klasse.key)})"
    if klasse.show_key:
        shown = ", ".join("absent" if v is None else repr(v) for v in logical_key(doc, group[-1], klasse.key))
        message += f" = ({shown})"
    return f"{message} as {name} {earlier}."


@rule(
    "TR101",
    berichten=set(_KLASSEN),
    summary="No duplicate lines (logical key unique within the message)",
)
def geen_dubbele_regels(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Siblings of one berichtklasse differ in their logical key; one finding per group, at its last member (TR101)."""
    for klasse in _KLASSEN.get(doc.bericht, ()):
        elements = doc.all(klasse.path)
        if len(elements) < 2:
            continue  # nothing to repeat a key (the usual case, so it is cheap)
        if len({logical_key(doc, el, klasse.key) for el in elements}) == len(elements):
            continue  # every key differs, so no siblings share one (the usual case with several)
        for siblings in _by_parent(elements):
            for group in duplicate_groups(doc, siblings, klasse.key):
                yield Hit(group[-1], _describe(doc, klasse, group))


@rule("TR383", berichten={"JW315"}, summary="ReferentieAanbieder unique within the VOT")
def unieke_referentie_aanbieder(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Each later AangevraagdProduct repeating a ReferentieAanbieder is reported on the earlier one's (TR383).

    With three or more equal references every later one points at the first.
    """
    # A missing ReferentieAanbieder (mandatory) is a level-1 error, not a repeat.
    producten = [
        p
        for p in doc.all("Client/AangevraagdeProducten/AangevraagdProduct")
        if doc.present(p, "ReferentieAanbieder")
    ]
    for earlier, product in repeats(producten, key=lambda p: doc.raw(p, "ReferentieAanbieder")):
        yield Hit(
            doc.child(earlier, "ReferentieAanbieder"),
            f"AangevraagdProduct {_position(doc, product)} repeats ReferentieAanbieder "
            f"{doc.raw(product, 'ReferentieAanbieder')!r} of AangevraagdProduct {_position(doc, earlier)}.",
        )
