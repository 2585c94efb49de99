"""A JW301 against what the aanbieder knows (rules.md 6.3): TR332, TR379, TR385, reported on the ToegewezenProduct."""

from __future__ import annotations

from collections.abc import Iterator

from hub.ijw.doc import Doc, Element, as_int, child, text
from hub.rules.registry import Context, Hit, Level, rule
from hub.rules.stateful.common import datum, nummer, per_klasse, product_of
from hub.state.snapshot import Snapshot, ToewijzingState, VerzoekState, per_toewijzing

TOEGEWEZEN = "Client/ToegewezenProducten/ToegewezenProduct"
TOTAAL = "6"  # Frequentie: totaal binnen geldigheidsduur; its volume may change on a known number (IV066)
VERWIJDERING = "13"  # RedenWijziging: deleted, sent in error


def _eigenaar(state: Snapshot, nr: int) -> str | None:
    """The client a ToewijzingNummer was given to by this gemeente, if known."""
    known = state.toewijzing_clients.get(nr)
    if known is not None:
        return known
    t = state.toewijzing(nr)
    return None if t is None else t.client


def _gewijzigd(tp: Element, t: ToewijzingState) -> list[str]:
    """What changed on a known number that must stay the same (IV066): Product, Ingangsdatum and the Omvang
    (its Volume may change with Frequentie 6 only)."""
    out: list[str] = []
    if product_of(tp) != (t.categorie, t.code):
        out.append("Product")
    if datum(tp, "Ingangsdatum") != t.ingangsdatum:
        out.append("Ingangsdatum")
    omvang = child(tp, "Omvang")
    eenheid, frequentie = text(omvang, "Eenheid"), text(omvang, "Frequentie")
    if (eenheid, frequentie) != (t.eenheid, t.frequentie):
        out.append("Omvang")
    elif as_int(omvang, "Volume") != t.volume and frequentie != TOTAAL:
        out.append("Omvang/Volume")
    return out


@rule(
    "TR332",
    berichten={"JW301"},
    level=Level.STATEFUL,
    retourcode="9332",
    summary="ToewijzingNummer unique per gemeente (per product assignment)",
)
def toewijzingnummer_uniek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A known ToewijzingNummer stays with its client and product assignment (TR332, IV066)."""
    for state, cl, tp in per_klasse(doc, ctx, TOEGEWEZEN):
        nr = nummer(tp)
        if nr is None:
            continue
        eigenaar = _eigenaar(state, nr)
        if eigenaar is not None and eigenaar != cl:
            yield Hit(
                child(tp, "ToewijzingNummer"),
                f"ToewijzingNummer {nr} was already given to another client by this gemeente.",
                klasse=tp,
            )
            continue
        t = state.toewijzing(nr, cl)
        gewijzigd = [] if t is None else _gewijzigd(tp, t)
        if gewijzigd:
            yield Hit(
                child(tp, "ToewijzingNummer"),
                f"ToegewezenProduct with known ToewijzingNummer {nr} changes {', '.join(gewijzigd)}; only "
                "Einddatum, Budget, a total volume (Frequentie 6) and RedenWijziging may change (IV066).",
                klasse=tp,
            )


def _verzoek(state: Snapshot, referentie: str) -> VerzoekState | None:
    found = state.referenties.get(referentie)
    if found is not None:
        return found
    return next((v for v in state.verzoeken if v.referentie_aanbieder == referentie), None)


def _van_deze_partijen(v: VerzoekState, doc: Doc, cl: str | None) -> bool:
    """The request came from this aanbieder (Ontvanger) to this gemeente (Afzender) for this client."""
    return v.client == cl and v.gemeente == doc.afzender and v.aanbieder == doc.ontvanger


@rule(
    "TR379",
    berichten={"JW301"},
    level=Level.STATEFUL,
    retourcode="9379",
    summary="ReferentieAanbieder in a toewijzing only when it honours a VOT/VOW",
)
def referentie_van_verzoek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A filled ReferentieAanbieder is one this aanbieder used in a VOT or VOW for this client here (TR379)."""
    for state, cl, tp in per_klasse(doc, ctx, TOEGEWEZEN):
        referentie = text(tp, "ReferentieAanbieder")
        if referentie is None:
            continue
        v = _verzoek(state, referentie)
        if v is None or not _van_deze_partijen(v, doc, cl):
            yield Hit(
                child(tp, "ReferentieAanbieder"),
                f"ReferentieAanbieder {referentie!r} is not a VOT or VOW of this aanbieder for this client "
                "at this gemeente.",
                klasse=tp,
            )


@rule(
    "TR385",
    berichten={"JW301"},
    level=Level.STATEFUL,
    retourcode="9385",
    summary="No deletion (RedenWijziging 13) of a toewijzing with accepted lines",
)
def niet_verwijderen_na_declaratie(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A toewijzing with accepted, not credited declaration lines cannot be deleted (TR385, OP362)."""
    for state, cl, tp in per_klasse(doc, ctx, TOEGEWEZEN):
        nr = nummer(tp)
        if text(tp, "RedenWijziging") != VERWIJDERING or nr is None:
            continue
        regels = [
            p
            for p in state.prestaties_per(per_toewijzing).get((cl, nr), ())
            if p.debet and p.toegekend and not p.gecrediteerd
        ]
        if regels:
            yield Hit(
                child(tp, "RedenWijziging"),
                f"ToewijzingNummer {nr} cannot be deleted (RedenWijziging 13): {len(regels)} accepted, not "
                "credited declaration line(s) exist for it.",
                klasse=tp,
            )
