"""The JW325 declaratie-antwoord against the JW323 it answers (rules.md 6.6): TR337, TR371, TR376, TR304, TR366, TR367.

"The related JW323" is the recorded JW323 (hub.oordeel: accepted, or returned within its Declaratie) whose
BerichtIdentificatie the Header's DeclaratieIdentificatie names, sent by the JW325's Ontvanger (the aanbieder) to
its Afzender (the gemeente): `Snapshot.beantwoorde_declaratie`.
Without it (TR337) there is nothing to compare, so the other rules stay silent; the Prestaties of a Client that
fails TR304 are not assessed, as on the JW323. No retour exists for a JW325 (process.md 5.3): a finding rejects
it, and the hub records it, with the codes, in track and trace.

TR371 compares the XsdVersie the store kept with the JW323 (since migration 0007; an older declaratie's is unknown,
and its JW325 is not judged on it).
"""

from __future__ import annotations

from collections.abc import Iterator

from hub.ijw.doc import Doc, Element, as_date, as_int, child, children, text
from hub.rules.registry import Context, Hit, Level, rule
from hub.rules.stateful.common import client, snapshot
from hub.state.snapshot import DeclaratieState, PrestatieState, Snapshot

ANTWOORD = "DeclaratieAntwoord"
CLIENT = "DeclaratieAntwoord/Clienten/Client"
REFERENTIE, VORIG = "ProductReferentie/ReferentieNummer", "ProductReferentie/VorigReferentieNummer"


def _beantwoord(ctx: Context) -> tuple[Snapshot, DeclaratieState] | None:
    """The snapshot and the JW323 the message answers; None when either is unknown (rules silent)."""
    state = snapshot(ctx)
    if state is None or state.beantwoorde_declaratie is None:
        return None
    return state, state.beantwoorde_declaratie


def _clienten(
    doc: Doc, state: Snapshot, declaratie: DeclaratieState
) -> Iterator[tuple[Element, str | None, bool]]:
    """(Client, pseudonym, declared in the JW323) per returned Client, in document order."""
    declared = declaratie.clients
    for client_el in doc.all(CLIENT):
        cl = client(state, client_el)
        yield client_el, cl, cl in declared


def _prestaties(
    doc: Doc, state: Snapshot, declaratie: DeclaratieState
) -> Iterator[tuple[Element, str | None]]:
    """(Prestatie, its client's pseudonym) of the Clients declared in the JW323 (TR304's are not assessed)."""
    for client_el, cl, declared in _clienten(doc, state, declaratie):
        if declared:
            for el in children(child(client_el, "Prestaties"), "Prestatie"):
                yield el, cl


# --- Header and DeclaratieAntwoord: TR337, TR376 --------------------------------------------------------


@rule(
    "TR337",
    berichten={"JW325"},
    level=Level.STATEFUL,
    retourcode=None,
    summary="DeclaratieIdentificatie matches a received 323 BerichtIdentificatie",
)
def declaratie_identificatie_bekend(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The DeclaratieIdentificatie names a recorded JW323 of the Ontvanger to the Afzender (TR337); on the Header."""
    state = snapshot(ctx)
    if state is None or state.beantwoorde_declaratie is not None:
        return
    element = doc.first("Header/DeclaratieIdentificatie")
    identificatie, dagtekening = text(element, "Identificatie"), doc.datum_tekst(element, "Dagtekening")
    yield Hit(
        element,
        f"DeclaratieIdentificatie {identificatie!r} of {dagtekening} is no "
        f"JW323 that aanbieder {doc.ontvanger} sent to gemeente {doc.afzender}.",
        klasse=None,
    )


@rule(
    "TR371",
    berichten={"JW325"},
    level=Level.STATEFUL,
    retourcode=None,
    summary="XsdVersieDeclaratie equals the XsdVersie of the related 323",
)
def xsd_versie_van_declaratie(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Header/XsdVersieDeclaratie is the XsdVersie of the related JW323 (TR371); on the Header."""
    beantwoord = _beantwoord(ctx)
    if beantwoord is None or beantwoord[1].xsd_versie is None:
        return
    element = doc.first("Header/XsdVersieDeclaratie")
    genoemd = (text(element, "BasisschemaXsdVersie"), text(element, "BerichtXsdVersie"))
    verwacht = beantwoord[1].xsd_versie
    if genoemd != verwacht:
        yield Hit(
            element,
            f"XsdVersieDeclaratie {genoemd[0]}/{genoemd[1]} (basisschema/bericht) differs from the XsdVersie "
            f"{verwacht[0]}/{verwacht[1]} of the JW323 it answers.",
            klasse=None,
        )


@rule(
    "TR376",
    berichten={"JW325"},
    level=Level.STATEFUL,
    retourcode=None,
    summary="DeclaratieNummer in 325 equals that of a received 323",
)
def declaratienummer_van_declaratie(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """DeclaratieAntwoord/DeclaratieNummer is the DeclaratieNummer of the related JW323 (TR376)."""
    beantwoord = _beantwoord(ctx)
    element = doc.first("DeclaratieAntwoord/DeclaratieNummer")
    waarde = text(element)
    if beantwoord is None or waarde is None:
        return
    verwacht = beantwoord[1].declaratie_nummer
    if waarde != verwacht:
        yield Hit(
            element,
            f"DeclaratieNummer {waarde!r} differs from DeclaratieNummer {verwacht!r} of the JW323 it answers.",
            klasse=doc.first(ANTWOORD),
        )


# --- Client and Prestatie: TR304, TR366, TR367 ----------------------------------------------------------


@rule(
    "TR304",
    berichten={"JW325"},
    level=Level.STATEFUL,
    retourcode="8187",
    summary="Bsn must match a known client",
)
def client_in_declaratie(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Each returned Client occurs in the related JW323 (TR304 on a JW325); compared by pseudonym."""
    beantwoord = _beantwoord(ctx)
    if beantwoord is None:
        return
    for client_el, _, declared in _clienten(doc, *beantwoord):
        if not declared:
            yield Hit(
                child(client_el, "Bsn"),
                "Client/Bsn does not occur in the JW323 this JW325 answers.",
                klasse=client_el,
            )


@rule(
    "TR366",
    berichten={"JW325"},
    level=Level.STATEFUL,
    retourcode="9366",
    summary="Prestatie in 325 refers to a Prestatie in a 323 (ProductReferentie)",
)
def prestatie_in_declaratie(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Each returned Prestatie's ReferentieNummer is a line of the related JW323 (TR366).

    The JW325 answers one JW323 and settles only its lines (hub.store.apply), so a line of another declaratie
    counts as unknown here.
    """
    beantwoord = _beantwoord(ctx)
    if beantwoord is None:
        return
    regels = beantwoord[1].prestaties
    for el, _ in _prestaties(doc, *beantwoord):
        ref = text(el, REFERENTIE)
        if ref not in regels:
            yield Hit(
                child(el, "ProductReferentie"),
                f"ReferentieNummer {ref!r} is no Prestatie of the JW323 this JW325 answers.",
                klasse=el,
            )


def _verschil(el: Element, cl: str | None, p: PrestatieState) -> list[tuple[str, Element | None]]:
    """(field, element) in which a returned Prestatie differs from the declared line; the Client by pseudonym."""
    velden: list[tuple[str, object, object]] = [
        ("ProductReferentie/VorigReferentieNummer", text(el, VORIG), p.vorig_referentie_nummer),
        ("ToewijzingNummer", as_int(el, "ToewijzingNummer"), p.toewijzing_nummer),
        ("ProductCategorie", text(el, "ProductCategorie"), p.categorie),
        ("ProductCode", text(el, "ProductCode"), p.code),
        ("ProductPeriode/Begindatum", as_date(el, "ProductPeriode/Begindatum"), p.begindatum),
        ("ProductPeriode/Einddatum", as_date(el, "ProductPeriode/Einddatum"), p.einddatum),
        ("GeleverdVolume", as_int(el, "GeleverdVolume"), p.volume),
        ("Eenheid", text(el, "Eenheid"), p.eenheid),
        ("ProductTarief", as_int(el, "ProductTarief"), p.tarief),
        ("IngediendBedrag/Bedrag", as_int(el, "IngediendBedrag/Bedrag"), abs(p.bedrag)),
        ("IngediendBedrag/DebetCredit", text(el, "IngediendBedrag/DebetCredit"), "D" if p.debet else "C"),
    ]
    verschil = [("Client", None)] if cl != p.client else []
    return verschil + [(naam, child(el, naam)) for naam, nieuw, oud in velden if nieuw != oud]


@rule(
    "TR367",
    berichten={"JW325"},
    level=Level.STATEFUL,
    retourcode="9367",
    summary="Values in 325 equal those in the related 323 Prestatie",
)
def prestatie_gelijk_aan_declaratie(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A returned Prestatie repeats the line declared with its ReferentieNummer, under the same Client (TR367).

    Of lines that share the ReferentieNummer (TR314 returned the repeat) it is compared with its own Client's,
    the one it differs from least. Anchored on the first field that differs (the Prestatie when it is the
    Client); unknown lines are TR366's.
    """
    beantwoord = _beantwoord(ctx)
    if beantwoord is None:
        return
    regels = beantwoord[1].prestaties
    for el, cl in _prestaties(doc, *beantwoord):
        lijnen = regels.get(text(el, REFERENTIE) or "", ())
        if not lijnen:
            continue
        p = min(lijnen, key=lambda p: (p.client != cl, len(_verschil(el, cl, p))))
        verschil = _verschil(el, cl, p)
        if verschil:
            element = verschil[0][1]
            yield Hit(
                el if element is None else element,
                f"The Prestatie differs from line {p.referentie_nummer!r} of the JW323 it answers in "
                f"{', '.join(naam for naam, _ in verschil)}.",
                klasse=el,
            )
