"""Level 4: rules against external sources (rules.md section 7) that the hub can check on its own.

TR135 needs the receiver's date, TR378 the CBS gemeente list; TR381 and TR418 apply only when a deployment
configures its product code list and contract tariffs (Context.productcodes / Context.tarieven). TR346 needs
no configuration: it checks what the message itself decides (see its docstring).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hub.ijw.catalog import HEENBERICHTEN
from hub.ijw.doc import Doc, Element
from hub.reference.tarieven import MINUUT, UUR, Contracttarief
from hub.rules.registry import Context, Hit, Level, rule

GEMEENTE_IS_AFZENDER = {"JW301", "JW319", "JW325"}
CBS_LIJST = "CBS gemeente list"


@rule(
    "TR135",
    berichten=HEENBERICHTEN,
    level=Level.EXTERNAL,
    retourcode="8848",
    summary="Dagtekening not in the future (system date of the receiver)",
)
def dagtekening_niet_in_toekomst(doc: Doc, ctx: Context) -> Iterator[Hit]:
    dagtekening = doc.dagtekening
    if dagtekening is not None and dagtekening > ctx.today:
        el = doc.first("Header/BerichtIdentificatie/Dagtekening")
        yield Hit(el, f"Dagtekening {doc.dagtekening_tekst} is later than the receiver's date {ctx.today}")


@rule(
    "TR378",
    berichten=HEENBERICHTEN,
    level=Level.EXTERNAL,
    retourcode="S300",
    summary="Gemeentecode exists in the CBS list",
)
def gemeentecode_bekend(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The gemeente codes are in the CBS list; after a herindeling a JW301 or JW315 may still use an ended code for
    products that each started while it was valid (rules.md: an older CBS list valid on their start)."""
    if ctx.gemeenten is None:
        return
    path = "Header/Afzender" if doc.bericht in GEMEENTE_IS_AFZENDER else "Header/Ontvanger"
    el = doc.first(path)
    code = doc.text(el)
    if code is not None and not ctx.gemeente_geldig(code, ctx.today) and not _eerdere_lijst(doc, ctx, code):
        yield Hit(el, f"gemeentecode {code} ({path.split('/')[1]}) {ctx.gemeente_ongeldig(code, CBS_LIJST)}")
    if doc.bericht == "JW319":
        for wpb in doc.all("Antwoord/Woonplaatsbeginsel"):
            gem = doc.child(wpb, "Gemeente")
            code = doc.text(gem)
            if code is not None and not ctx.gemeente_geldig(code, ctx.today):
                yield Hit(
                    gem,
                    f"Woonplaatsbeginsel gemeentecode {code} {ctx.gemeente_ongeldig(code, CBS_LIJST)}",
                    klasse=wpb,
                )


# The products whose start lets a JW301 or JW315 use the CBS list of that day (TR378 after a herindeling).
_START_VAN_PRODUCT = {
    "JW301": ("Client/ToegewezenProducten/ToegewezenProduct", "Ingangsdatum"),
    "JW315": ("Client/AangevraagdeProducten/AangevraagdProduct", "ToewijzingIngangsdatum"),
}


def _eerdere_lijst(doc: Doc, ctx: Context, code: str) -> bool:
    """Whether the code was valid on the start of each of the message's products (every one has a start)."""
    waar = _START_VAN_PRODUCT.get(doc.bericht)
    if waar is None or code not in ctx.gemeenten_tot:
        return False
    starts = [doc.as_date(product, waar[1]) for product in doc.all(waar[0])]
    return bool(starts) and all(s is not None and ctx.gemeente_geldig(code, s) for s in starts)


# Product class per message, and where its Categorie/Code live within the class.
@dataclass(frozen=True, slots=True)
class _ProductKlasse:
    """Where a message type carries its products, and the date that places one in a contract's period."""

    path: str
    categorie: str
    code: str
    datums: tuple[str, ...]  # the first present counts: the toewijzing's start, else the product's own


_PRODUCT_KLASSEN: dict[str, _ProductKlasse] = {
    "JW301": _ProductKlasse(
        "Client/ToegewezenProducten/ToegewezenProduct", "Product/Categorie", "Product/Code", ("Ingangsdatum",)
    ),
    "JW305": _ProductKlasse(
        "Client/StartProducten/StartProduct", "Product/Categorie", "Product/Code",
        ("ToewijzingIngangsdatum", "Begindatum"),
    ),
    "JW307": _ProductKlasse(
        "Client/StopProducten/StopProduct", "Product/Categorie", "Product/Code",
        ("ToewijzingIngangsdatum", "Begindatum"),
    ),
    "JW315": _ProductKlasse(
        "Client/AangevraagdeProducten/AangevraagdProduct", "Product/Categorie", "Product/Code",
        ("ToewijzingIngangsdatum",),
    ),
    "JW317": _ProductKlasse(
        "Client/Verzoek/NieuweProducten/NieuwProduct", "Product/Categorie", "Product/Code",
        ("GewensteIngangsdatum",),
    ),
    "JW323": _ProductKlasse(
        "Declaratie/Clienten/Client/Prestaties/Prestatie", "ProductCategorie", "ProductCode",
        ("ProductPeriode/Begindatum",),
    ),
}  # fmt: skip


def _partijen(doc: Doc) -> tuple[str | None, str | None]:
    """(gemeente, aanbieder) of the message: who of Afzender and Ontvanger is which."""
    afzender, ontvanger = doc.text(doc.first("Header/Afzender")), doc.text(doc.first("Header/Ontvanger"))
    return (afzender, ontvanger) if doc.bericht in GEMEENTE_IS_AFZENDER else (ontvanger, afzender)


@rule(
    "TR381",
    berichten=set(_PRODUCT_KLASSEN),
    level=Level.EXTERNAL,
    retourcode="S329",
    summary="ProductCode belongs to ProductCategorie in the product code list",
)
def productcode_bij_categorie(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR381: a row of the list holds this pair for the message's gemeente, aanbieder and the product's date."""
    if ctx.productcodes is None:
        return
    soort = _PRODUCT_KLASSEN[doc.bericht]
    gemeente, aanbieder = _partijen(doc)
    for klasse in doc.all(soort.path):
        code_el = doc.child(klasse, soort.code)
        categorie, code = doc.text(klasse, soort.categorie), doc.text(code_el)
        if code is None:
            continue
        # The first date present; a finding quotes it as sent (datum reads a far year, 12026, as date.max).
        datum_el = next(
            (el for p in soort.datums if doc.as_date(el := doc.child(klasse, p)) is not None), None
        )
        datum = doc.as_date(datum_el)
        if not ctx.productcodes.bevat(
            categorie or "", code, gemeente=gemeente, aanbieder=aanbieder, datum=datum
        ):
            waarom = f"productcode {code} does not belong to productcategorie {categorie}"
            if (categorie or "", code) in ctx.productcodes.rijen:  # it does, but in other contracts' rows
                waarom += f" in the list's rows for gemeente {gemeente}, aanbieder {aanbieder}"
                op = doc.datum_tekst(datum_el)
                if op is not None:  # without a date, a row of any period would have done
                    waarom += f" on {op}"
            yield Hit(code_el, waarom, klasse=klasse)


PRESTATIE = "Declaratie/Clienten/Client/Prestaties/Prestatie"
EENHEID_EURO = "83"
GEEN_UURTARIEF = ", nor hourly tariff x minutes / 60 for an hourly tariff of which it is the minute rate"


@rule(
    "TR346",
    berichten={"JW323"},
    level=Level.EXTERNAL,
    retourcode="9346",
    summary="IngediendBedrag = GeleverdVolume x ProductTarief (Eenheid not 83)",
)
def bedrag_is_volume_maal_tarief(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR346: IngediendBedrag is GeleverdVolume x ProductTarief, or hourly tariff x minutes / 60 (IV081).

    Bedrag is unsigned (DebetCredit carries the sign), so a credit line is checked like its debet. For minutes
    (Eenheid 01) under an agreed hourly tariff H the amount is H x minutes / 60 rounded to whole cents and
    ProductTarief is H / 60 rounded half-up. Where the tariff list gives the line's hourly tariff (a row with
    eenheid 04), the amount is checked against that H; where a row of another kind applies (per minute, or for any
    unit) it sets the line's tariff per minute, as TR418 holds it, so no hourly tariff is agreed and only the plain
    formula passes. Without a row, a minutes line that fails the plain formula passes when some whole-cent H behind
    its ProductTarief yields the amount: only amounts that no agreed tariff could give are rejected.
    """
    for prestatie in doc.all(PRESTATIE):
        eenheid = doc.text(prestatie, "Eenheid")
        bedrag_el = doc.child(prestatie, "IngediendBedrag/Bedrag")
        volume, tarief = doc.as_int(prestatie, "GeleverdVolume"), doc.as_int(prestatie, "ProductTarief")
        bedrag = doc.as_int(bedrag_el)
        if eenheid == EENHEID_EURO or volume is None or tarief is None or bedrag is None:
            continue  # Eenheid 83 is CS339's; a missing ProductTarief is CD087's (level 2)
        # A minutes line may fit an hourly tariff (IV081) unless a contract row sets its tariff per minute.
        minuten = eenheid == MINUUT
        if minuten:
            contract = _contracttarief(doc, ctx, prestatie, MINUUT)
            minuten = contract is None
            if contract is not None and contract.eenheid == UUR:
                uurtarief = contract.tarief
                if _bedrag_van_uurtarief(uurtarief, volume, bedrag):
                    continue
                yield Hit(
                    bedrag_el,
                    f"IngediendBedrag {bedrag} differs from the contract's hourly tariff {uurtarief} x {volume}"
                    f" minutes / 60 ({uurtarief * volume / 60:.2f}, in whole cents)",
                    klasse=prestatie,
                )
                continue
        if bedrag == volume * tarief:
            continue
        if minuten and _past_bij_uurtarief(volume, tarief, bedrag):
            continue
        uurtarief_tekst = GEEN_UURTARIEF if minuten else ""
        yield Hit(
            bedrag_el,
            f"IngediendBedrag {bedrag} differs from GeleverdVolume {volume} x ProductTarief {tarief}"
            f" ({volume * tarief}){uurtarief_tekst}",
            klasse=prestatie,
        )


def _bedrag_van_uurtarief(uurtarief: int, minuten: int, bedrag: int) -> bool:
    """Whether bedrag is uurtarief x minuten / 60 rounded to whole cents (both neighbours at exactly half)."""
    return abs(uurtarief * minuten - 60 * bedrag) <= 30


def _contracttarief(doc: Doc, ctx: Context, prestatie: Element, eenheid: str) -> Contracttarief | None:
    """The tariff list's row for this Prestatie (its code, the JW323's gemeente and aanbieder, its period)."""
    code = doc.text(prestatie, "ProductCode")
    if ctx.tarieven is None or code is None:
        return None
    gemeente, aanbieder = _partijen(doc)
    return ctx.tarieven.voor(
        code,
        gemeente=gemeente,
        aanbieder=aanbieder,
        datum=doc.as_date(prestatie, "ProductPeriode/Begindatum"),
        eenheid=eenheid,
    )


def _past_bij_uurtarief(minuten: int, minuuttarief: int, bedrag: int) -> bool:
    """Whether a whole-cent hourly tariff H with ProductTarief = H / 60 (half-up) gives H x minuten / 60 = bedrag.

    The rounding of the amount is not specified at exactly half a cent, so both neighbours count there.
    """
    laagste = max(0, 60 * minuuttarief - 30)  # (H + 30) // 60 == minuuttarief for H in [60P - 30, 60P + 29]
    return any(
        abs(uurtarief * minuten - 60 * bedrag) <= 30 for uurtarief in range(laagste, 60 * minuuttarief + 30)
    )


@rule(
    "TR418",
    berichten={"JW323"},
    level=Level.EXTERNAL,
    retourcode="0611",
    summary="ProductTarief equals the contract tariff",
)
def producttarief_volgens_contract(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """TR418: ProductTarief is what the contract's row in the tariff list says for this line (hub.reference.tarieven)."""
    if ctx.tarieven is None:
        return
    for prestatie in doc.all(PRESTATIE):
        tarief_el = doc.child(prestatie, "ProductTarief")
        eenheid, tarief = doc.text(prestatie, "Eenheid"), doc.text(tarief_el)
        if eenheid is None or tarief is None:
            continue
        contract = _contracttarief(doc, ctx, prestatie, eenheid)
        verwacht = None if contract is None else contract.verwacht(eenheid)
        if contract is None or verwacht is None or int(tarief) == verwacht:
            continue
        per_uur = f" (hourly tariff {contract.tarief} / 60, half-up)" if verwacht != contract.tarief else ""
        waar = f" (tariff list line {contract.regel})" if contract.regel else ""
        yield Hit(
            tarief_el,
            f"ProductTarief {int(tarief)} differs from the contract tariff {verwacht}{per_uur}"
            f" for {contract.productcode}{waar}",
            klasse=prestatie,
        )
