"""The JW323 declaratie against the gemeente's state (rules.md 6.6): the Declaratie, its Clients and references.

Declaratie-level findings (TR333, TR318) are reported on the Declaratie, TR304 on the Client, the reference
rules (TR314, TR323, TR389, TR390) on the Prestatie; the Prestatie against its toewijzing is `prestatie.py`.
The Prestaties of a Client that fails TR304 are not assessed (process.md 5.3: they get 0233). Earlier lines
count unless the JW325 returned them (`toegekend is False`); "accepted" means toegekend.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from hub.ijw.doc import Doc, Element, as_int, child, children, text
from hub.rules.registry import Context, Hit, Level, rule
from hub.rules.stateful.common import bekende_client, client, datum, nummer, onbekende_client, snapshot
from hub.state.snapshot import PrestatieState, Snapshot, ToewijzingState

DECLARATIE = "Declaratie"
CLIENT = "Declaratie/Clienten/Client"


@dataclass(frozen=True, slots=True)
class Lijn:
    """One Prestatie of the message, read as the snapshot records lines, with its toewijzing."""

    element: Element
    client: str | None
    referentie_nummer: str | None
    vorig_referentie_nummer: str | None
    toewijzing_nummer: int | None
    categorie: str | None
    code: str | None
    begindatum: date | None
    einddatum: date | None
    volume: int | None
    eenheid: str | None
    bedrag: int | None  # unsigned, as IngediendBedrag/Bedrag
    debet: bool
    toewijzing: ToewijzingState | None

    @property
    def sleutel(self) -> tuple[object, ...]:
        """What a credit repeats of its debet (IV091) and TR389 compares, besides volume and amount."""
        return (
            self.client,
            self.toewijzing_nummer,
            self.categorie,
            self.code,
            self.begindatum,
            self.einddatum,
        )


def _sleutel(p: PrestatieState) -> tuple[object, ...]:
    return (p.client, p.toewijzing_nummer, p.categorie, p.code, p.begindatum, p.einddatum)


def _referentie(p: PrestatieState) -> str:
    return p.referentie_nummer


def _lijn(state: Snapshot, el: Element, cl: str | None) -> Lijn:
    nr = nummer(el)
    return Lijn(
        element=el,
        client=cl,
        referentie_nummer=text(el, "ProductReferentie/ReferentieNummer"),
        vorig_referentie_nummer=text(el, "ProductReferentie/VorigReferentieNummer"),
        toewijzing_nummer=nr,
        categorie=text(el, "ProductCategorie"),
        code=text(el, "ProductCode"),
        begindatum=datum(el, "ProductPeriode/Begindatum"),
        einddatum=datum(el, "ProductPeriode/Einddatum"),
        volume=as_int(el, "GeleverdVolume"),
        eenheid=text(el, "Eenheid"),
        bedrag=as_int(el, "IngediendBedrag/Bedrag"),
        debet=text(el, "IngediendBedrag/DebetCredit") != "C",
        toewijzing=None if nr is None else state.toewijzing(nr, cl),
    )


def lijnen(doc: Doc, state: Snapshot) -> list[Lijn]:
    """The Prestaties of known clients, in document order (those of unknown clients are not assessed)."""
    out: list[Lijn] = []
    for client_el in doc.all(CLIENT):
        cl = client(state, client_el)
        if bekende_client(state, cl):
            out.extend(_lijn(state, el, cl) for el in children(child(client_el, "Prestaties"), "Prestatie"))
    return out


def lijnen_van(doc: Doc, ctx: Context) -> tuple[Snapshot | None, list[Lijn]]:
    state = snapshot(ctx)
    return state, ([] if state is None else lijnen(doc, state))


def geldig(p: PrestatieState) -> bool:
    """An earlier line that counts: not rejected by its JW325."""
    return p.toegekend is not False


# --- Declaratie and Client: TR333, TR318, TR304 ---------------------------------------------------------


@rule(
    "TR333",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="9333",
    summary="DeclaratieNummer unique per aanbieder",
)
def declaratienummer_uniek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The DeclaratieNummer was not used before by this aanbieder (TR333); the whole declaratie is rejected."""
    state = snapshot(ctx)
    element = doc.first("Declaratie/DeclaratieNummer")
    waarde = text(element)
    if state is not None and waarde is not None and waarde in state.declaratie_nummers:
        yield Hit(
            element,
            f"DeclaratieNummer {waarde!r} was already used by this aanbieder.",
            klasse=doc.first(DECLARATIE),
        )


@rule(
    "TR318",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="8214",
    summary="DeclaratiePeriode follows the previous one when care was continuous",
)
def periode_na_vorige(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The DeclaratiePeriode is not before the last one declared (TR318); the same month again is allowed (IV090).

    Gaps are allowed when no care was delivered in between, which no message records, so they are not judged.
    """
    state = snapshot(ctx)
    periode = doc.first("Declaratie/DeclaratiePeriode")
    begin = datum(periode, "Begindatum")
    vorige = None if state is None else state.laatste_declaratieperiode
    if vorige is not None and begin is not None and begin < vorige:
        yield Hit(
            periode,
            f"DeclaratiePeriode starting {doc.datum_tekst(periode, 'Begindatum')} lies before the last declared "
            f"period starting {vorige.isoformat()}.",
            klasse=doc.first(DECLARATIE),
        )


@rule(
    "TR304",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="8187",
    summary="Bsn must match a known client",
)
def bekende_client_declaratie(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Each declared Client has a toewijzing from this gemeente to this aanbieder (TR304)."""
    state = snapshot(ctx)
    if state is None:
        return
    for client_el in doc.all(CLIENT):
        yield from onbekende_client(state, client_el)


# --- References: TR314, TR323, TR389, TR390 ------------------------------------------------------------


@rule(
    "TR314",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="8021",
    summary="ReferentieNummer unique per aanbieder, also across messages",
)
def referentienummer_uniek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A ReferentieNummer is new: not in an earlier declaratie of this aanbieder, nor earlier in this one (TR314)."""
    state, regels = lijnen_van(doc, ctx)
    if state is None:
        return
    # A line the JW325 returned counts as not sent: its ReferentieNummer is free again.
    eerder = {p.referentie_nummer for p in state.prestaties if geldig(p)}
    gezien: set[str] = set()
    for lijn in regels:
        ref = lijn.referentie_nummer
        if ref is None:
            continue
        if ref in eerder or ref in gezien:
            waar = "an earlier declaratie" if ref in eerder else "this declaratie"
            yield Hit(
                child(lijn.element, "ProductReferentie/ReferentieNummer"),
                f"ReferentieNummer {ref!r} was already used in {waar}.",
                klasse=lijn.element,
            )
        gezien.add(ref)


def _verschil(lijn: Lijn, p: PrestatieState) -> list[str]:
    """Fields in which a credit line differs from the debet it credits (IV091)."""
    velden = [
        ("Client", lijn.client, p.client),
        ("ToewijzingNummer", lijn.toewijzing_nummer, p.toewijzing_nummer),
        ("ProductCategorie", lijn.categorie, p.categorie),
        ("ProductCode", lijn.code, p.code),
        ("ProductPeriode/Begindatum", lijn.begindatum, p.begindatum),
        ("ProductPeriode/Einddatum", lijn.einddatum, p.einddatum),
        ("GeleverdVolume", lijn.volume, p.volume),
        ("Eenheid", lijn.eenheid, p.eenheid),
        ("IngediendBedrag", lijn.bedrag, abs(p.bedrag)),
    ]
    return [naam for naam, nieuw, oud in velden if nieuw != oud]


def _credit_fout(lijn: Lijn, state: Snapshot, gemeente: str | None) -> str | None:
    """Why a credit line does not reverse an earlier accepted debet line, or None when it does (TR323)."""
    vorig = lijn.vorig_referentie_nummer
    genoemd = () if vorig is None else state.prestaties_per(_referentie).get(vorig, ())
    # A returned line frees its ReferentieNummer (TR314): the line that counts under it is the one credited.
    p = next((p for p in reversed(genoemd) if geldig(p)), genoemd[-1] if genoemd else None)
    if p is None:
        return f"VorigReferentieNummer {vorig!r} is no earlier declared line."
    if p.gemeente is not None and p.gemeente != gemeente:
        # The gemeente credited knows only the lines declared to it, as its own backoffice would judge.
        return f"VorigReferentieNummer {vorig!r} was declared to gemeente {p.gemeente}, not to {gemeente}."
    if not p.debet:
        return f"VorigReferentieNummer {vorig!r} is a credit line."
    if p.toegekend is not True:
        return f"VorigReferentieNummer {vorig!r} was not accepted in a JW325."
    verschil = _verschil(lijn, p)
    if verschil:
        return f"The credit line differs from debet line {vorig!r} in {', '.join(verschil)}."
    return None


def _credits(regels: Iterable[Lijn]) -> list[Lijn]:
    return [lijn for lijn in regels if not lijn.debet and lijn.vorig_referentie_nummer is not None]


@rule(
    "TR323",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="8017",
    summary="Credit line refers to an earlier accepted debet line",
)
def credit_op_debet(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A credit line repeats an earlier accepted debet line, named by VorigReferentieNummer (TR323, IV091)."""
    state, regels = lijnen_van(doc, ctx)
    if state is None:
        return
    gemeente = text(doc.first("Header/Ontvanger"))
    for lijn in _credits(regels):
        fout = _credit_fout(lijn, state, gemeente)
        if fout is not None:
            yield Hit(
                child(lijn.element, "ProductReferentie/VorigReferentieNummer"), fout, klasse=lijn.element
            )


def _gecrediteerd(
    state: Snapshot, regels: Iterable[Lijn], afgewezen: frozenset[Element] = frozenset()
) -> set[str]:
    """ReferentieNummers of debet lines credited before or by a credit line in this message that is not
    rejected (`afgewezen`: the berichtklassen other findings reject). A rejected Client or Declaratie rejects the
    debets of the same client with it, so only the credit line's own class needs looking at."""
    eerder = {p.referentie_nummer for p in state.prestaties if p.gecrediteerd}
    eerder |= {
        p.vorig_referentie_nummer
        for p in state.prestaties
        if not p.debet and geldig(p) and p.vorig_referentie_nummer is not None
    }
    return eerder | {
        lijn.vorig_referentie_nummer
        for lijn in _credits(regels)
        if lijn.vorig_referentie_nummer and lijn.element not in afgewezen
    }


@rule(
    "TR389",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="9389",
    summary="No second debet line unless the earlier debet was credited",
    herzien=True,
)
def tweede_debet_na_credit(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A debet line for a period, product and toewijzing declared before needs that debet credited (TR389).

    A credit of the earlier line in this same message counts (credit and corrected debet travel together), but
    only when the JW325 grants it: judged again once the other findings are known (Rule.herzien), a credit
    rejected by any rule leaves the earlier debet standing, so the new one would pay the line twice.
    """
    state, regels = lijnen_van(doc, ctx)
    if state is None:
        return
    gecrediteerd = _gecrediteerd(state, regels, ctx.afgewezen)
    # ToewijzingNummers are the gemeente's own: a line declared to another gemeente is another toewijzing's.
    gemeente = text(doc.first("Header/Ontvanger"))
    for lijn in regels:
        if not lijn.debet:
            continue
        eerder = [
            p
            for p in state.prestaties_per(_sleutel).get(lijn.sleutel, ())
            if p.debet
            and geldig(p)
            and p.gemeente in (None, gemeente)
            and p.referentie_nummer not in gecrediteerd
        ]
        if eerder:
            yield Hit(
                child(lijn.element, "IngediendBedrag/DebetCredit"),
                f"Debet line for this period, product and toewijzing was already declared as "
                f"{eerder[0].referentie_nummer!r} and not credited.",
                klasse=lijn.element,
            )


@rule(
    "TR390",
    berichten={"JW323"},
    level=Level.STATEFUL,
    retourcode="9390",
    summary="A line can be credited only once",
)
def een_credit(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """No credit line for a line that was credited before (TR390, OP360)."""
    state, regels = lijnen_van(doc, ctx)
    if state is None:
        return
    eerder = _gecrediteerd(state, ())
    for lijn in _credits(regels):
        if lijn.vorig_referentie_nummer in eerder:
            yield Hit(
                child(lijn.element, "IngediendBedrag/DebetCredit"),
                f"Line {lijn.vorig_referentie_nummer!r} was already credited.",
                klasse=lijn.element,
            )
