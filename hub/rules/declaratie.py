"""Level-2 rules on the declaratie (JW323) and declaratie-antwoord (JW325): periods, amounts and credit lines.

Each finding anchors on the XSLT's first Locatie, except that a reference date shared by every line of the
message (the header Dagtekening, the DeclaratieDagtekening, the DeclaratiePeriode/Einddatum in TR319) is
passed over for the line's own element, so that findings on different lines point at different places.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import MAXYEAR, date, timedelta

from hub.dates import plus_maanden
from hub.ijw.doc import Doc, Element, is_far
from hub.rules.registry import Context, Hit, first_existing, repeats, rule

DECLARATIE = "JW323"
ANTWOORD = "JW325"

# Where the Prestaties sit in each message.
PRESTATIE = {
    DECLARATIE: "Declaratie/Clienten/Client/Prestaties/Prestatie",
    ANTWOORD: "DeclaratieAntwoord/Clienten/Client/Prestaties/Prestatie",
}
# Totals with a debet/credit indicator (CS325), besides every Prestatie/IngediendBedrag.
TOTALEN = {
    DECLARATIE: ("Declaratie/TotaalIngediendBedrag",),
    ANTWOORD: ("DeclaratieAntwoord/TotaalIngediendBedrag", "DeclaratieAntwoord/TotaalToegekendBedrag"),
}

EERSTE_DECLARATIEDATUM = date(2021, 1, 1)  # CS100: declarations under this release start in 2021
EENHEID_EURO = "83"
# TR342: with only these codes on DeclaratieAntwoord the declaration was (partly) granted.
RETOURCODES_TOEGEKEND = frozenset({"0200", "8001"})


def prestaties(doc: Doc) -> list[Element]:
    return doc.all(PRESTATIE.get(doc.bericht, ""))


def signed(doc: Doc, bedrag: Element | None, amount_name: str) -> int:
    """An amount with its DebetCredit: negative for credit (C)."""
    value = doc.as_int(bedrag, amount_name) or 0
    return -value if doc.text(bedrag, "DebetCredit") == "C" else value


def credit(doc: Doc, prestatie: Element) -> bool:
    return doc.text(prestatie, "IngediendBedrag/DebetCredit") == "C"


def debet(doc: Doc, prestatie: Element) -> bool:
    return doc.text(prestatie, "IngediendBedrag/DebetCredit") == "D"


# --- Periods ------------------------------------------------------------------------------------------


@rule("CS100", berichten={DECLARATIE}, summary="Declaration periods start on or after 2021-01-01")
def periode_vanaf_2021(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CS100: DeclaratiePeriode and every ProductPeriode start on or after 2021-01-01."""
    periodes = [
        doc.first("Declaratie/DeclaratiePeriode"),
        *(doc.child(p, "ProductPeriode") for p in prestaties(doc)),
    ]
    for periode in periodes:
        begin = doc.as_date(periode, "Begindatum")
        if periode is not None and begin is not None and begin < EERSTE_DECLARATIEDATUM:
            begin_el = doc.child(periode, "Begindatum")
            yield Hit(
                begin_el,
                f"{doc.locatie(periode)}/Begindatum {doc.datum_tekst(begin_el)} is before 2021-01-01.",
            )


def plus_een_maand(d: date) -> tuple[int, int, int]:
    """The date one month later as (year, month, day), the day kept even when that date does not exist."""
    return (d.year + d.month // 12, d.month % 12 + 1, d.day)


def dag_erna(d: date) -> tuple[int, int, int]:
    """The day after d as (year, month, day); after 9999-12-31 that is (10000, 1, 1), beyond date's range."""
    if d == date.max:
        return (MAXYEAR + 1, 1, 1)
    volgende = d + timedelta(days=1)
    return (volgende.year, volgende.month, volgende.day)


@rule("CS340", berichten={DECLARATIE}, summary="DeclaratiePeriode is exactly one calendar month")
def declaratieperiode_een_maand(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CS340: two tests, starts on the 1st and Einddatum + 1 day = Begindatum + 1 month.

    Python's calendar is exact; the XSLT's treats every fourth year as a leap year (differs only in 2100).
    """
    periode = doc.first("Declaratie/DeclaratiePeriode")
    begin, eind = doc.as_date(periode, "Begindatum"), doc.as_date(periode, "Einddatum")
    if begin is None or eind is None:
        return
    begin_tekst, eind_tekst = doc.datum_tekst(periode, "Begindatum"), doc.datum_tekst(periode, "Einddatum")
    # The day as sent: a far year (12026-01-01) reads as date.max, whose day is the 31st.
    if begin_tekst is None or not begin_tekst.endswith("-01"):
        yield Hit(
            doc.child(periode, "Begindatum"),
            f"DeclaratiePeriode Begindatum {begin_tekst} is not the 1st of a month.",
        )
    if dag_erna(eind) != plus_een_maand(begin):
        yield Hit(
            doc.child(periode, "Begindatum"),
            f"DeclaratiePeriode {begin_tekst} to {eind_tekst} is not exactly one calendar month.",
        )


@rule("CS337", berichten={DECLARATIE}, summary="ProductPeriode within one calendar month")
def productperiode_in_een_maand(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CS337: same year and same month, two separate tests (crossing a new year gives both)."""
    for p in prestaties(doc):
        periode = doc.child(p, "ProductPeriode")
        begin, eind = doc.as_date(periode, "Begindatum"), doc.as_date(periode, "Einddatum")
        if periode is None or begin is None or eind is None:
            continue
        begin_tekst, eind_tekst = (
            doc.datum_tekst(periode, "Begindatum") or "",
            doc.datum_tekst(periode, "Einddatum") or "",
        )
        van_tot = f"{begin_tekst} to {eind_tekst}"
        # Year and month as sent (YYYY...-MM-DD): a far year reads as date.max or date.min, whose year and month
        # are no longer the sender's (12026-01-01 and 12026-01-31 both read as 9999-12-31).
        if begin_tekst[:-6] != eind_tekst[:-6]:
            yield Hit(doc.child(periode, "Begindatum"), f"{doc.locatie(periode)} {van_tot} spans two years.")
        if begin_tekst[-5:-3] != eind_tekst[-5:-3]:
            yield Hit(doc.child(periode, "Begindatum"), f"{doc.locatie(periode)} {van_tot} spans two months.")


@rule(
    "TR137", berichten={DECLARATIE, ANTWOORD}, summary="Period end >= period start and not after Dagtekening"
)
def periode_afgelopen(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR137: a period ends on or after its start, and no later than the message's Dagtekening."""
    periodes = [doc.child(p, "ProductPeriode") for p in prestaties(doc)]
    if doc.bericht == DECLARATIE:
        periodes.insert(0, doc.first("Declaratie/DeclaratiePeriode"))
    for periode in periodes:
        begin, eind = doc.as_date(periode, "Begindatum"), doc.as_date(periode, "Einddatum")
        if periode is None or eind is None:
            continue
        if begin is not None and eind < begin:
            yield Hit(
                doc.child(periode, "Begindatum"),
                f"{doc.locatie(periode)} ends {doc.datum_tekst(periode, 'Einddatum')}, before its start "
                f"{doc.datum_tekst(periode, 'Begindatum')}.",
            )
        if doc.dagtekening is not None and eind > doc.dagtekening:
            yield Hit(
                doc.child(periode, "Einddatum"),
                f"{doc.locatie(periode)} ends {doc.datum_tekst(periode, 'Einddatum')}, after the Dagtekening "
                f"{doc.dagtekening_tekst}.",
            )


@rule("TR319", berichten={DECLARATIE}, summary="ProductPeriode not after the end of the DeclaratiePeriode")
def productperiode_in_declaratieperiode(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR319: ProductPeriode Begindatum and Einddatum each <= DeclaratiePeriode/Einddatum (earlier is allowed)."""
    grens_el = doc.first("Declaratie/DeclaratiePeriode/Einddatum")
    grens = doc.as_date(grens_el)
    if grens is None:
        return
    for p in prestaties(doc):
        for naam in ("Begindatum", "Einddatum"):
            el = doc.child(p, f"ProductPeriode/{naam}")
            waarde = doc.as_date(el)
            if waarde is not None and waarde > grens:
                yield Hit(
                    el,
                    f"{doc.locatie(p)} ProductPeriode {naam} {doc.datum_tekst(el)} is after "
                    f"DeclaratiePeriode end {doc.datum_tekst(grens_el)}.",
                )


@rule(
    "TR335",
    berichten={DECLARATIE},
    summary="ProductPeriode end not more than 5 years before DeclaratieDagtekening",
)
def productperiode_niet_te_oud(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR335: measured from the DeclaratieDagtekening inside the Declaratie, not the header Dagtekening."""
    dagtekening_el = doc.first("Declaratie/DeclaratieDagtekening")
    dagtekening = doc.as_date(dagtekening_el)
    if dagtekening is None:
        return
    # 60 months earlier, the day kept (29 February becomes 28 February); held at date.min, before which no
    # date lies, for a DeclaratieDagtekening in the first five years.
    grens = plus_maanden(dagtekening, -60)
    tekst = doc.datum_tekst(dagtekening_el) or ""
    # A far DeclaratieDagtekening (12026-01-01) reads as date.max: 60 months back from that is no date the
    # sender meant, so the finding names the DeclaratieDagtekening itself.
    if is_far(tekst):
        waarom = f"more than 60 months before DeclaratieDagtekening {tekst}"
    else:
        waarom = f"before {grens} (60 months back)"
    for p in prestaties(doc):
        el = doc.child(p, "ProductPeriode/Einddatum")
        eind = doc.as_date(el)
        if eind is not None and eind < grens:
            yield Hit(el, f"{doc.locatie(p)} ProductPeriode Einddatum {doc.datum_tekst(el)} is {waarom}.")


# --- Prestatie content --------------------------------------------------------------------------------


@rule("CD087", berichten={DECLARATIE}, summary="ProductTarief filled if and only if Eenheid is not 83")
def tarief_behalve_euro(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD087: a tariff for every unit except euro's (83)."""
    for p in prestaties(doc):
        eenheid, tarief = doc.text(p, "Eenheid"), doc.filled(p, "ProductTarief")
        if tarief == (eenheid == EENHEID_EURO):
            wat = "has a ProductTarief" if tarief else "has no ProductTarief"
            yield Hit(doc.child(p, "Eenheid"), f"{doc.locatie(p)} with Eenheid {eenheid} {wat}.")


@rule("CS339", berichten={DECLARATIE}, summary="Eenheid 83: IngediendBedrag equals GeleverdVolume")
def euro_volume_is_bedrag(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CS339: with Eenheid 83 the volume is the amount in euro cents."""
    for p in prestaties(doc):
        volume, bedrag = doc.as_int(p, "GeleverdVolume"), doc.as_int(p, "IngediendBedrag/Bedrag")
        if doc.text(p, "Eenheid") == EENHEID_EURO and volume != bedrag:
            yield Hit(
                doc.child(p, "GeleverdVolume"),
                f"{doc.locatie(p)} with Eenheid 83 has GeleverdVolume {volume} but IngediendBedrag {bedrag}.",
            )


@rule("CD060", berichten={DECLARATIE, ANTWOORD}, summary="VorigReferentieNummer filled iff DebetCredit = C")
def vorige_referentie_bij_credit(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CD060: a credit line names the debet line it reverses; a debet line names none."""
    for p in prestaties(doc):
        vorig = doc.child(p, "ProductReferentie/VorigReferentieNummer")
        if doc.filled(vorig) != credit(doc, p):
            dc = doc.text(p, "IngediendBedrag/DebetCredit")
            wat = "has a VorigReferentieNummer" if doc.filled(vorig) else "has no VorigReferentieNummer"
            yield Hit(
                first_existing(vorig, doc.child(p, "IngediendBedrag/DebetCredit")),
                f"{doc.locatie(p)} with DebetCredit {dc} {wat}.",
            )


@rule("CS325", berichten={DECLARATIE, ANTWOORD}, summary="Amount 0 must have DebetCredit D")
def nul_is_debet(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """CS325: every amount with a debet/credit indicator; 0 is never credit."""
    bedragen = [(el, "TotaalBedrag") for path in TOTALEN.get(doc.bericht, ()) for el in doc.all(path)]
    bedragen += [
        (el, "Bedrag") for p in prestaties(doc) if (el := doc.child(p, "IngediendBedrag")) is not None
    ]
    for el, naam in bedragen:
        if doc.as_int(el, naam) == 0 and doc.text(el, "DebetCredit") == "C":
            yield Hit(
                doc.child(el, naam), f"{doc.locatie(el)} is 0 with DebetCredit C; a zero amount is debet (D)."
            )


# --- Totals and credit lines --------------------------------------------------------------------------


@rule("TR358", berichten={DECLARATIE}, summary="TotaalIngediendBedrag equals the signed sum of the lines")
def totaal_is_som(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR358: compared as canonical integer text, like the XSLT (so leading zeros in TotaalBedrag fail)."""
    totaal = doc.first("Declaratie/TotaalIngediendBedrag")
    if totaal is None:
        return
    som = sum(signed(doc, doc.child(p, "IngediendBedrag"), "Bedrag") for p in prestaties(doc))
    verwacht = str(-som if doc.text(totaal, "DebetCredit") == "C" else som)
    if doc.text(totaal, "TotaalBedrag") != verwacht:
        yield Hit(
            doc.child(totaal, "TotaalBedrag"),
            f"TotaalIngediendBedrag {doc.text(totaal, 'TotaalBedrag')} {doc.text(totaal, 'DebetCredit')} does not equal "
            f"the signed sum of the Prestaties ({som}).",
        )


def _vorige(doc: Doc, p: Element) -> Element | None:
    """The filled VorigReferentieNummer of a Prestatie, or None."""
    el = doc.child(p, "ProductReferentie/VorigReferentieNummer")
    return el if doc.filled(el) else None


@rule("TR315", berichten={DECLARATIE}, summary="VorigReferentieNummer unique within the message")
def een_credit_per_regel(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR315: across all clients a debet line is credited at most once per message."""
    vorige = [vorig for p in prestaties(doc) if (vorig := _vorige(doc, p)) is not None]
    for eerste, vorig in repeats(vorige, key=lambda v: doc.raw(v) or ""):
        yield Hit(eerste, f"{doc.locatie(vorig)} repeats the VorigReferentieNummer of {doc.locatie(eerste)}.")


@rule("TR316", berichten={DECLARATIE}, summary="A debet line must not be credited in the same message")
def geen_credit_van_eigen_debet(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR316: three tests against earlier lines in the message (all clients) and the line itself.

    Per line: (a) its VorigReferentieNummer is an earlier line's ReferentieNummer, (b) its ReferentieNummer is an
    earlier line's VorigReferentieNummer, per earlier line in document order, (a) before (b); then (c) the two of
    the line itself. Earlier lines are looked up by value, so a declaration of thousands of lines costs linear
    time rather than comparing every pair.
    """
    referenties: dict[str, list[tuple[int, Element]]] = {}  # ReferentieNummer text -> earlier (line, element)
    vorige: dict[str, list[tuple[int, Element]]] = {}  # filled VorigReferentieNummer text -> earlier ones
    for i, p in enumerate(prestaties(doc)):
        vorig, ref = _vorige(doc, p), doc.child(p, "ProductReferentie/ReferentieNummer")
        found: list[tuple[int, int, Hit]] = []
        if vorig is not None:
            for j, eerder_ref in referenties.get(doc.raw(vorig) or "", ()):
                msg = f"{doc.locatie(vorig)} credits {doc.locatie(eerder_ref)} in the same message."
                found.append((j, 0, Hit(eerder_ref, msg)))
        if ref is not None:
            for j, eerder_vorig in vorige.get(doc.raw(ref) or "", ()):
                msg = (
                    f"{doc.locatie(eerder_vorig)} credits {doc.locatie(ref)}, sent later in the same message."
                )
                found.append((j, 1, Hit(eerder_vorig, msg)))
        found.sort(key=lambda f: (f[0], f[1]))
        yield from (hit for _, _, hit in found)
        if vorig is not None and ref is not None and doc.raw(vorig) == doc.raw(ref):
            yield Hit(ref, f"{doc.locatie(vorig)} equals its own ReferentieNummer.")
        if ref is not None:
            referenties.setdefault(doc.raw(ref) or "", []).append((i, ref))
        if vorig is not None:
            vorige.setdefault(doc.raw(vorig) or "", []).append((i, vorig))


def _sleutel(doc: Doc, p: Element) -> tuple[str | None, ...]:
    """What makes two debet lines claim the same care (TR416)."""
    paths = ("ProductPeriode/Begindatum", "ProductPeriode/Einddatum", "ProductCategorie", "ProductCode")
    return (*(doc.raw(p, path) for path in paths), doc.raw(p, "ToewijzingNummer"))


@rule("TR416", berichten={DECLARATIE}, summary="No second debet line for same period/product/toewijzing")
def een_debet_per_periode(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR416: compared within one client's Prestaties; the finding anchors on the earlier line."""
    debets = [p for p in prestaties(doc) if debet(doc, p)]
    # The same Prestaties parent: the same client.
    for eerste, p in repeats(debets, key=lambda p: (p.getparent(), *_sleutel(doc, p))):
        yield Hit(eerste, f"{doc.locatie(p)} is a second debet line like {doc.locatie(eerste)}.")


# --- Declaratie-antwoord ------------------------------------------------------------------------------


@rule("TR342", berichten={ANTWOORD}, summary="Granted total consistent with the rejected lines")
def toegekend_klopt(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR342: partly granted, the rejected lines explain ingediend - toegekend; otherwise nothing is granted."""
    antwoord = doc.first("DeclaratieAntwoord")
    if antwoord is None:
        return
    ingediend = signed(doc, doc.child(antwoord, "TotaalIngediendBedrag"), "TotaalBedrag")
    toegekend = signed(doc, doc.child(antwoord, "TotaalToegekendBedrag"), "TotaalBedrag")
    codes = {doc.text(c) for c in doc.all("DeclaratieAntwoord/RetourCodes/RetourCode")}
    if codes <= RETOURCODES_TOEGEKEND:
        afgewezen = sum(signed(doc, doc.child(p, "IngediendBedrag"), "Bedrag") for p in prestaties(doc))
        if afgewezen != ingediend - toegekend:
            yield Hit(
                doc.child(antwoord, "TotaalIngediendBedrag"),
                f"The returned Prestaties total {afgewezen}, but TotaalIngediendBedrag minus "
                f"TotaalToegekendBedrag is {ingediend - toegekend}.",
            )
    elif toegekend != 0:
        yield Hit(
            doc.child(antwoord, "TotaalToegekendBedrag"),
            f"The declaration is rejected (RetourCodes {', '.join(sorted(c or '' for c in codes))}) "
            f"but TotaalToegekendBedrag is {toegekend}.",
        )
