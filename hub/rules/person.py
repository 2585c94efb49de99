"""Person rules (rules.md 4.2): BSN 11-proef, NaamGebruik, and birth dates with their DatumGebruik."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from operator import mul
from typing import NamedTuple

from hub.ijw.doc import ABSENT, Doc, Element
from hub.rules.registry import Context, Hit, rule

# Every element named Bsn per message (CS002). JW323/JW325 carry one per client under Clienten.
_BSN_PATHS: dict[str, tuple[str, ...]] = {
    "JW301": ("Client/Bsn",),
    "JW305": ("Client/Bsn",),
    "JW307": ("Client/Bsn",),
    "JW315": ("Client/Bsn",),
    "JW317": ("Client/Bsn",),
    "JW323": ("Declaratie/Clienten/Client/Bsn",),
    "JW325": ("DeclaratieAntwoord/Clienten/Client/Bsn",),
}

# Every Geboortedatum per message (CS139, TR002): JW301 checks the relations' birth dates as well.
_GEBOORTEDATUM_PATHS: dict[str, tuple[str, ...]] = {
    "JW301": ("Client/Geboortedatum", "Client/Relaties/Relatie/Geboortedatum"),
    "JW305": ("Client/Geboortedatum",),
    "JW307": ("Client/Geboortedatum",),
    "JW315": ("Client/Geboortedatum",),
}

_NAAM_PATHS = ("Client/Naam", "Client/Relaties/Relatie/Naam")

_ONBEKEND = date(1900, 1, 1)  # DatumGebruik 3: the conventional "fully unknown" birth date


_ELFPROEF_GEWICHTEN = (9, 8, 7, 6, 5, 4, 3, 2, -1)
_ASCII_NUL = 48 * sum(_ELFPROEF_GEWICHTEN)  # what the weights add up to over the ASCII code of "0"


def elfproef(bsn: str) -> bool:
    """The BSN 11-proef: 9*d1 + 8*d2 + ... + 2*d8 - d9 divisible by 11; no exception list (CS002)."""
    if len(bsn) != 9 or not bsn.isascii() or not bsn.isdigit():
        return False
    # Weighted over the ASCII codes, in C; each code is its digit + 48, and the 48s are taken off at once.
    total: int = sum(map(mul, _ELFPROEF_GEWICHTEN, bsn.encode())) - _ASCII_NUL
    return total % 11 == 0


def _all(doc: Doc, paths: dict[str, tuple[str, ...]]) -> list[Element]:
    return [el for path in paths.get(doc.bericht, ()) for el in doc.all(path)]


@rule(
    "CS002",
    berichten=set(_BSN_PATHS),
    summary="BSN passes the 11-proef",
)
def bsn_elfproef(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Every Bsn passes the 11-proef (CS002). The message never repeats the number itself."""
    for bsn in _all(doc, _BSN_PATHS):
        if not elfproef(doc.text(bsn) or ""):
            yield Hit(bsn, "Bsn does not pass the 11-proef.")


@rule("CS050", berichten={"JW301"}, summary="NaamGebruik consistent with presence of Partnernaam")
def naamgebruik_partnernaam(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """With a Partnernaam NaamGebruik is 1-4, without one it is 1 or 6; so 5 never passes (CS050)."""
    for naam in (n for path in _NAAM_PATHS for n in doc.all(path)):
        gebruik = doc.text(naam, "NaamGebruik")
        partnernaam = doc.child(naam, "Partnernaam")
        # Anchored as the XSLT lists it: on the Partnernaam when there is one, else on NaamGebruik.
        if partnernaam is not None:
            if gebruik not in {"1", "2", "3", "4"}:
                yield Hit(partnernaam, f"Naam has a Partnernaam but NaamGebruik is {gebruik}, not 1-4.")
        elif gebruik not in {"1", "6"}:
            yield Hit(
                doc.child(naam, "NaamGebruik"),
                f"Naam has no Partnernaam but NaamGebruik is {gebruik}, not 1 or 6.",
            )


@rule("CS318", berichten={"JW301"}, summary="Client NaamGebruik must not be 6")
def client_natuurlijk_persoon(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The client's NaamGebruik is not 6 (niet-natuurlijk persoon); relations may use it (CS318)."""
    naamgebruik = doc.first("Client/Naam/NaamGebruik")
    if doc.text(naamgebruik) == "6":
        yield Hit(naamgebruik, "Client/Naam/NaamGebruik is 6 (niet-natuurlijk persoon).")


def _datumgebruik_fout(gebruik: str | None, datum: date) -> str | None:
    """Why Datum does not fit DatumGebruik, or None when it does."""
    if gebruik == "1" and datum.day != 1:
        return "DatumGebruik is 1 (day unknown) but the day of Datum is not 01."
    if gebruik == "2" and (datum.month, datum.day) != (1, 1):
        return "DatumGebruik is 2 (day and month unknown) but Datum does not end in 01-01."
    if gebruik == "3" and datum != _ONBEKEND:
        return "DatumGebruik is 3 (unknown) but Datum is not 1900-01-01."
    return None


class Geboorte(NamedTuple):
    """One Geboortedatum and what CS139 and TR002 read of it, read once per message."""

    el: Element
    datum_el: Element | None
    datum: date | None
    gebruik: str | None  # DatumGebruik


def _lees_geboortes(doc: Doc, paths: tuple[str, ...]) -> list[Geboorte]:
    geboortes = []
    for el in (el for path in paths for el in doc.all(path)):
        kids = doc.kids(el)
        datum_el = kids.get("Datum", ABSENT)[0]
        geboortes.append(
            Geboorte(el, datum_el, doc.as_date(datum_el), doc.text(kids.get("DatumGebruik", ABSENT)[0]))
        )
    return geboortes


def _geboortes(doc: Doc) -> list[Geboorte]:
    return doc.memo(_lees_geboortes, _GEBOORTEDATUM_PATHS.get(doc.bericht, ()))


@rule("CS139", berichten=set(_GEBOORTEDATUM_PATHS), summary="Geboortedatum consistent with DatumGebruik")
def geboortedatum_gebruik(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Datum fits its DatumGebruik (1: day 01, 2: 01-01, 3: 1900-01-01); no check without it (CS139)."""
    for g in _geboortes(doc):
        if g.datum is None or g.gebruik is None:
            continue
        fout = _datumgebruik_fout(g.gebruik, g.datum)
        if fout:
            yield Hit(g.datum_el, fout)


def _yyyymmdd(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


@rule(
    "TR002",
    berichten=set(_GEBOORTEDATUM_PATHS),
    summary="Geboortedatum not more than 120 years before Dagtekening",
)
def niet_ouder_dan_120(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Datum + 120 years is not before the Dagtekening; exactly 120 years passes (TR002).

    Computed as the XSLT does, on yyyymmdd numbers, so 29 February behaves as it does there.
    """
    dagtekening = doc.dagtekening
    if dagtekening is None:
        return
    grens = _yyyymmdd(dagtekening) - 1200000
    for g in _geboortes(doc):
        if g.datum is None:
            continue
        if g.gebruik == "3" and g.datum == _ONBEKEND:
            continue  # a fully unknown birth date is not an age
        if _yyyymmdd(g.datum) < grens:
            yield Hit(
                g.datum_el,
                f"Geboortedatum/Datum is more than 120 years before the Dagtekening {doc.dagtekening_tekst}.",
            )
