"""Rules on the Header and Client of every GI message (docs/gi-berichten.md 5.1): GB001-GB004."""

from __future__ import annotations

from collections.abc import Iterator

from hub.gi.rules.common import CLIENT_BERICHTEN, MET_DAGTEKENING
from hub.ijw.doc import Doc, as_date, text
from hub.rules.person import elfproef
from hub.rules.registry import Context, Hit, rule


@rule("GB001", berichten=CLIENT_BERICHTEN, summary="Client Bsn passes the 11-proef")
def bsn_elfproef(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The client's Bsn passes the 11-proef, as iJw CS002; the message never repeats the number (GB001)."""
    bsn = doc.first("Client/Bsn")
    if bsn is not None and not elfproef(text(bsn) or ""):
        yield Hit(bsn, "Client/Bsn does not pass the 11-proef.")


@rule("GB002", berichten=CLIENT_BERICHTEN, summary="Client Geboortedatum not after the Dagtekening")
def geboortedatum_niet_na_dagtekening(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A child is born before the message about it is written; equal passes (GB002). No value in the text."""
    datum_el = doc.first("Client/Geboortedatum/Datum")
    datum, dagtekening = as_date(datum_el), doc.dagtekening
    if datum is not None and dagtekening is not None and datum > dagtekening:
        yield Hit(datum_el, f"Client/Geboortedatum/Datum is after the Dagtekening {doc.dagtekening_tekst}.")


@rule("GB003", berichten=MET_DAGTEKENING, summary="Dagtekening not after the receiver's date")
def dagtekening_niet_in_toekomst(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """No future-dated messages, as iJw TR135, but judged with the other in-message rules (GB003)."""
    dagtekening = doc.dagtekening
    if dagtekening is not None and dagtekening > ctx.today:
        yield Hit(
            doc.first("Header/BerichtIdentificatie/Dagtekening"),
            f"Dagtekening {doc.dagtekening_tekst} is later than the receiver's date {ctx.today.isoformat()}.",
        )


@rule("GB004", berichten=MET_DAGTEKENING, summary="Gemeentecode in the configured gemeente list")
def gemeentecode_bekend(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The gemeente of the Header is in the gemeente list (--gemeenten / HUB_GEMEENTEN_FILE) (GB004)."""
    if ctx.gemeenten is None:
        return
    path = "Header/Afzender" if doc.info.afzender == "gemeente" else "Header/Ontvanger"
    el = doc.first(path)
    code = text(el)
    if code is not None and not ctx.gemeente_geldig(code, ctx.today):
        yield Hit(
            el, f"Gemeentecode {code} ({path.split('/')[1]}) {ctx.gemeente_ongeldig(code, 'gemeente list')}."
        )
