"""Verzoeken om toewijzing (JW315) and om wijziging (JW317) against the gemeente's state (rules.md 6.4).

A TeWijzigenProduct or OngewijzigdProduct names a toewijzing by ToewijzingNummer; the rules look that
toewijzing up (its latest version) for the message's client. "Current" is judged on the receiver's date.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from hub.ijw.doc import Doc, Element, as_int, child, local, present, text
from hub.rules.products import overlap
from hub.rules.registry import Context, Hit, Level, rule
from hub.rules.stateful.common import (
    Product,
    datum,
    doc_client,
    nummer,
    onbekende_client,
    open_of_na_2020,
    per_klasse,
    product_of,
    snapshot,
    zelfde_product,
)
from hub.state.snapshot import Snapshot, ToewijzingState

AANGEVRAAGD = "Client/AangevraagdeProducten/AangevraagdProduct"
VERZOEK = "Client/Verzoek"
ONGEWIJZIGD = "Client/Verzoek/OngewijzigdeProducten/OngewijzigdProduct"
TE_WIJZIGEN = "Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct"
NIEUW = "Client/Verzoek/NieuweProducten/NieuwProduct"
TOTAAL = "6"  # Frequentie: totaal binnen geldigheidsduur (IV092)

# Where each message names its ReferentieAanbieder: the class that carries it.
REFERENTIE_KLASSEN = {"JW315": AANGEVRAAGD, "JW317": VERZOEK}


# --- TR347, TR374: the request itself ------------------------------------------------------------------


@rule(
    "TR347",
    berichten=set(REFERENTIE_KLASSEN),
    level=Level.STATEFUL,
    retourcode="9347",
    summary="ReferentieAanbieder unique per aanbieder, also across messages",
)
def referentie_uniek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A ReferentieAanbieder is new for this aanbieder: not in an earlier VOT/VOW, nor earlier in this one (TR347)."""
    state = snapshot(ctx)
    if state is None:
        return
    gezien: set[str] = set()
    for klasse in doc.all(REFERENTIE_KLASSEN[doc.bericht]):
        referentie = text(klasse, "ReferentieAanbieder")
        if referentie is None:
            continue
        eerder = state.referenties.get(referentie)
        if eerder is not None and eerder.aanbieder == doc.afzender:
            yield Hit(
                child(klasse, "ReferentieAanbieder"),
                f"ReferentieAanbieder {referentie!r} was already used by this aanbieder in an earlier "
                f"{eerder.soort} of {eerder.dagtekening.isoformat()}.",
                klasse=klasse,
            )
        elif referentie in gezien:
            yield Hit(
                child(klasse, "ReferentieAanbieder"),
                f"ReferentieAanbieder {referentie!r} occurs more than once in this message.",
                klasse=klasse,
            )
        gezien.add(referentie)


@rule(
    "TR374",
    berichten={"JW315", "JW317"},
    level=Level.STATEFUL,
    retourcode="9374",
    summary="No new verzoek while one is pending for the client",
)
def geen_openstaand_verzoek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """No new VOT or VOW while an earlier one for the client is neither rejected nor honoured (TR374, OP350)."""
    state = snapshot(ctx)
    if state is None:
        return
    cl = doc_client(state, doc)
    pending = [v for v in state.verzoeken if v.client == cl and v.aanbieder == doc.afzender and v.pending]
    if not pending:
        return
    klasse = doc.first("Client" if doc.bericht == "JW315" else VERZOEK)
    v = pending[0]
    yield Hit(
        klasse,
        f"A {v.soort} of {v.dagtekening.isoformat()} (ReferentieAanbieder {v.referentie_aanbieder!r}) is still "
        "pending for this client.",
        klasse=klasse,
    )


@rule(
    "TR304",
    berichten={"JW317"},
    level=Level.STATEFUL,
    retourcode="8187",
    summary="Bsn must match a known client",
)
def bekende_client_vow(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A VOW is for a client with toewijzingen from this gemeente to this aanbieder (TR304)."""
    state = snapshot(ctx)
    if state is not None:
        yield from onbekende_client(state, doc.first("Client"))


# --- TR349, TR350, TR351: the VOW covers exactly the current toewijzingen -------------------------------


def _actueel(state: Snapshot, nr: int | None, cl: str | None, today: date) -> ToewijzingState | None:
    t = None if nr is None else state.toewijzing(nr, cl)
    return t if t is not None and t.actueel(today) else None


@rule(
    "TR349",
    berichten={"JW317"},
    level=Level.STATEFUL,
    retourcode="9349",
    summary="VOW contains all current toegewezen producten of the client",
)
def alle_actuele_toewijzingen(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Each current toewijzing of the client appears as OngewijzigdProduct or TeWijzigenProduct (TR349, OP308)."""
    state = snapshot(ctx)
    verzoek = doc.first(VERZOEK)
    if state is None or verzoek is None:
        return
    cl = doc_client(state, doc)
    genoemd = {nummer(el) for el in (*doc.all(ONGEWIJZIGD), *doc.all(TE_WIJZIGEN))}
    for t in state.toewijzingen:
        if t.client == cl and t.actueel(ctx.today) and t.toewijzing_nummer not in genoemd:
            yield Hit(
                verzoek,
                f"Current toewijzing {t.toewijzing_nummer} is neither an OngewijzigdProduct nor a "
                "TeWijzigenProduct of the Verzoek.",
                klasse=verzoek,
            )


def _verwijst_naar_actueel(doc: Doc, ctx: Context, path: str) -> Iterator[Hit]:
    naam = path.rpartition("/")[2]
    for state, cl, el in per_klasse(doc, ctx, path):
        nr = nummer(el)
        if nr is not None and _actueel(state, nr, cl, ctx.today) is None:
            yield Hit(
                child(el, "ToewijzingNummer"),
                f"{naam} ToewijzingNummer {nr} is not a current toewijzing of this client at this aanbieder.",
                klasse=el,
            )


@rule(
    "TR350",
    berichten={"JW317"},
    level=Level.STATEFUL,
    retourcode="9350",
    summary="OngewijzigdProduct refers to a current toewijzing",
)
def ongewijzigd_is_actueel(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """OngewijzigdProduct/ToewijzingNummer names a current toewijzing of the client (TR350)."""
    return _verwijst_naar_actueel(doc, ctx, ONGEWIJZIGD)


@rule(
    "TR351",
    berichten={"JW317"},
    level=Level.STATEFUL,
    retourcode="9351",
    summary="TeWijzigenProduct refers to a current toewijzing",
)
def te_wijzigen_is_actueel(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TeWijzigenProduct/ToewijzingNummer names a current toewijzing of the client (TR351)."""
    return _verwijst_naar_actueel(doc, ctx, TE_WIJZIGEN)


# --- TeWijzigenProduct against its toewijzing: TR357, TR373, TR411, TR412, TR375 -----------------------


def _te_wijzigen(doc: Doc, ctx: Context) -> Iterator[tuple[Element, ToewijzingState]]:
    """Each TeWijzigenProduct with the toewijzing it names (unknown numbers are TR351's)."""
    for state, cl, el in per_klasse(doc, ctx, TE_WIJZIGEN):
        nr = nummer(el)
        t = None if nr is None else state.toewijzing(nr, cl)
        if t is not None:
            yield el, t


@rule(
    "TR357",
    berichten={"JW317"},
    level=Level.STATEFUL,
    retourcode="9357",
    summary="GewensteIngangsdatum <= Dagtekening only when equal to the original Ingangsdatum",
)
def terugwerkende_wijziging_hele_periode(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A change that does not start after the Dagtekening applies from the toewijzing's Ingangsdatum (TR357)."""
    dagtekening = doc.dagtekening
    for el, t in _te_wijzigen(doc, ctx):
        gewenst = datum(el, "GewensteIngangsdatum")
        if gewenst is None or dagtekening is None or gewenst > dagtekening or gewenst == t.ingangsdatum:
            continue
        yield Hit(
            child(el, "GewensteIngangsdatum"),
            f"GewensteIngangsdatum {doc.datum_tekst(el, 'GewensteIngangsdatum')} is not after the "
            f"Dagtekening, so it must equal the Ingangsdatum {t.ingangsdatum.isoformat()} of toewijzing "
            f"{t.toewijzing_nummer}.",
            klasse=el,
        )


def _totaal_gewijzigd(el: Element, t: ToewijzingState) -> str | None:
    """What of the budget or total volume (Frequentie 6, IV092) the TeWijzigenProduct changes, if anything."""
    budget = as_int(el, "Budget")
    if budget is not None and budget != t.budget:
        return f"Budget {t.budget} -> {budget}"
    volume = as_int(el, "Omvang/Volume")
    if t.frequentie == TOTAAL and volume is not None and volume != t.volume:
        return f"total volume {t.volume} -> {volume}"
    return None


@rule(
    "TR373",
    berichten={"JW317"},
    level=Level.STATEFUL,
    retourcode="9373",
    summary="Budget/total change: GewensteIngangsdatum = original Ingangsdatum",
)
def totaal_wijzigt_hele_periode(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A changed budget or total volume applies to the whole toewijzing, from its Ingangsdatum (TR373)."""
    for el, t in _te_wijzigen(doc, ctx):
        wijziging = _totaal_gewijzigd(el, t)
        gewenst = datum(el, "GewensteIngangsdatum")
        if wijziging is None or gewenst is None or gewenst == t.ingangsdatum:
            continue
        yield Hit(
            child(el, "GewensteIngangsdatum"),
            f"TeWijzigenProduct changes the {wijziging} of toewijzing {t.toewijzing_nummer}, so "
            f"GewensteIngangsdatum {doc.datum_tekst(el, 'GewensteIngangsdatum')} must equal its Ingangsdatum "
            f"{t.ingangsdatum.isoformat()}.",
            klasse=el,
        )


@rule(
    "TR411",
    berichten={"JW317"},
    level=Level.STATEFUL,
    retourcode="9411",
    summary="TeWijzigenProduct: Omvang required when the toewijzing has Product/Code",
)
def omvang_bij_specifiek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A change of a specific toewijzing (with Product/Code) gives the Omvang (TR411)."""
    for el, t in _te_wijzigen(doc, ctx):
        if t.code is not None and not present(el, "Omvang"):
            yield Hit(
                el,
                f"Toewijzing {t.toewijzing_nummer} has Product/Code {t.code}, so TeWijzigenProduct needs an Omvang.",
                klasse=el,
            )


def _omvang_verboden(doc: Doc, ctx: Context, *, generiek: bool) -> Iterator[Hit]:
    """TR412 (no Code) and TR375 (no Product): no Omvang when the new end date is open or after 2020."""
    for el, t in _te_wijzigen(doc, ctx):
        zonder = t.categorie is None if generiek else t.code is None
        omvang = child(el, "Omvang")
        if zonder and omvang is not None and open_of_na_2020(datum(el, "Einddatum")):
            wat = "no Product" if generiek else "no Product/Code"
            yield Hit(
                omvang,
                f"Toewijzing {t.toewijzing_nummer} has {wat}, so TeWijzigenProduct must not have an Omvang.",
                klasse=el,
            )


@rule(
    "TR412",
    berichten={"JW317"},
    level=Level.STATEFUL,
    retourcode="9412",
    summary="TeWijzigenProduct: Omvang empty when the toewijzing has no Code (end after 2020/open)",
)
def geen_omvang_bij_aspecifiek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR412: the toewijzing has no Product/Code."""
    return _omvang_verboden(doc, ctx, generiek=False)


@rule(
    "TR375",
    berichten={"JW317"},
    level=Level.STATEFUL,
    retourcode="9375",
    summary="TeWijzigenProduct: Omvang empty when the toewijzing has no Product (end after 2020/open)",
)
def geen_omvang_bij_generiek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR375: the toewijzing has no Product at all (generic); overlaps with TR412 by design."""
    return _omvang_verboden(doc, ctx, generiek=True)


# --- TR361: no stacking in the desired situation -------------------------------------------------------


Periode = tuple[date, date | None]


def _bestaande(doc: Doc, state: Snapshot, cl: str | None) -> list[tuple[Element, Product, Periode]]:
    """The products behind Ongewijzigd- and TeWijzigenProducten with their periods in the desired situation."""
    out: list[tuple[Element, Product, Periode]] = []
    for path in (ONGEWIJZIGD, TE_WIJZIGEN):
        for el in doc.all(path):
            nr = nummer(el)
            t = None if nr is None else state.toewijzing(nr, cl)
            if t is None or t.verwijderd:
                continue
            # A TeWijzigenProduct runs from the toewijzing's Ingangsdatum to its new Einddatum, if it gives one.
            eind = (datum(el, "Einddatum") or t.einddatum) if path == TE_WIJZIGEN else t.einddatum
            out.append((el, (t.categorie, t.code), (t.ingangsdatum, eind)))
    return out


@rule(
    "TR361",
    berichten={"JW317"},
    level=Level.STATEFUL,
    retourcode="9361",
    summary="No overlapping periods for the same product in a VOW",
)
def geen_stapeling_gewenst(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A NieuwProduct does not stack on a kept or changed toewijzing of the same product (TR361, OP347)."""
    state = snapshot(ctx)
    if state is None:
        return
    bestaande = _bestaande(doc, state, doc_client(state, doc))
    for nieuw in doc.all(NIEUW):
        start = datum(nieuw, "GewensteIngangsdatum")
        if start is None:
            continue
        periode, product = (start, datum(nieuw, "Einddatum")), product_of(nieuw)
        for el, ander, ander_periode in bestaande:
            if zelfde_product(product, ander) and overlap(periode, ander_periode):
                naam = local(el)
                yield Hit(
                    nieuw,
                    f"NieuwProduct overlaps the same product in {naam} with ToewijzingNummer {nummer(el)}.",
                    klasse=nieuw,
                )
