"""Rules on the Capaciteiten of a GI003 (docs/gi-berichten.md 5.4): GB030-GB033.

Counts cannot be negative: the XSD (LDT_Aantal, LDT_Fte) already refuses that.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from hub.gi.reference import jeugdregios, normaliseer
from hub.gi.rules.common import CAPACITEIT, niet_na_dagtekening
from hub.ijw.doc import Doc, Element, as_int, child, text
from hub.rules.registry import Context, Hit, repeats, rule

GI003 = {"GI003"}


@rule("GB030", berichten=GI003, summary="Peildatum not after the Dagtekening")
def peildatum_niet_na_dagtekening(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Capacity is counted, not forecast; equal passes (GB030)."""
    yield from niet_na_dagtekening(doc, CAPACITEIT, ("Peildatum",))


@rule("GB031", berichten=GI003, summary="Jeugdregio is a region of the gemeente list")
def jeugdregio_bekend(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The region is one of the gemeente list, compared without case, spaces, hyphens and dots (GB031)."""
    if ctx.gemeenten is None:
        return
    bekend = jeugdregios(ctx.gemeenten)
    for capaciteit in doc.all(CAPACITEIT):
        el = child(capaciteit, "Jeugdregio")
        naam = text(el)
        if naam is not None and normaliseer(naam) not in bekend:
            yield Hit(el, f"Jeugdregio {naam!r} is not a jeugdregio of the gemeente list.", klasse=capaciteit)


def _regio_en_peildatum(capaciteit: Element) -> tuple[str, str | None]:
    """The region as GB031 compares it (no case, spaces, hyphens or dots), and the Peildatum."""
    return normaliseer(text(capaciteit, "Jeugdregio") or ""), text(capaciteit, "Peildatum")


@rule("GB032", berichten=GI003, summary="Jeugdregio and Peildatum at most once in the message")
def regio_peildatum_uniek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """One count per region per day; a correction is sent in a later message and replaces it (GB032)."""
    for _, capaciteit in repeats(doc.all(CAPACITEIT), _regio_en_peildatum):
        yield Hit(
            child(capaciteit, "Jeugdregio"),
            f"Jeugdregio {text(capaciteit, 'Jeugdregio')!r} occurs more than once for Peildatum "
            f"{doc.datum_tekst(capaciteit, 'Peildatum')}.",
            klasse=capaciteit,
        )


def _fte(value: str | None) -> Decimal | None:
    try:
        return None if value is None else Decimal(value)
    except InvalidOperation:
        return None


@rule("GB033", berichten=GI003, summary="Caseload is 0 when Jeugdbeschermers is 0")
def caseload_zonder_jeugdbeschermers(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Children in the caseload have a jeugdbeschermer; without any fte they belong on the Wachtlijst (GB033)."""
    for capaciteit in doc.all(CAPACITEIT):
        fte = _fte(text(capaciteit, "Jeugdbeschermers"))
        caseload_el = child(capaciteit, "Caseload")
        caseload = as_int(caseload_el)
        if fte == 0 and caseload:
            yield Hit(
                caseload_el, f"Caseload is {caseload} but Jeugdbeschermers is 0 fte.", klasse=capaciteit
            )
