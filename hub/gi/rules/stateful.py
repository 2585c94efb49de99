"""Level-3 GI rules (docs/gi-berichten.md 5.6): the message against a GiSnapshot in `ctx.state`.

A GI001 is processed as iJw processes start and stop lines: withdrawals (StatusAanlevering 3) first, then new
bepalingen (1), each in document order. So a withdrawal plus a new bepaling with the same BepalingId in one
message is a correction, and a new bepaling may reuse the id of one withdrawn earlier. Every rule is silent when
the pipeline supplies no state; findings go on the part (Bepaling, Maatregel), GB101 on the Header.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from hub.gi.codes import INTREKKING
from hub.gi.rules.common import BEPALING, MAATREGEL, MET_DAGTEKENING, dated
from hub.gi.rules.voortgang import VOLGORDE
from hub.gi.state import GiSnapshot
from hub.ijw.doc import Doc, Element, child, raw, text
from hub.rules.registry import Context, Hit, Level, rule


def gi_snapshot(ctx: Context) -> GiSnapshot | None:
    state = ctx.state
    return state if isinstance(state, GiSnapshot) else None


def _client(state: GiSnapshot, doc: Doc) -> str | None:
    bsn = text(doc.first("Client/Bsn"))
    return None if bsn is None else state.pseudonym(bsn)


def _intrekking(bepaling: Element) -> bool:
    return text(bepaling, "StatusAanlevering") == INTREKKING


def _geldige_intrekking(
    state: GiSnapshot, bepaling: Element, client: str | None, gemeente: str | None
) -> bool:
    """The withdrawal names a bepaling in force of the same client, sent to the same gemeente (GB103).

    The gemeente too: the bepaling's links and status updates live with its own gemeente, which a withdrawal sent
    elsewhere would never reach (no status 06, the old link kept).
    """
    known = state.bepalingen.get(raw(bepaling, "BepalingId") or "")
    return known is not None and known.lopend and known.client == client and known.gemeente == gemeente


@rule(
    "GB101",
    berichten=MET_DAGTEKENING,
    level=Level.STATEFUL,
    retourcode="G101",
    summary="Identificatie unique per sender per message type",
)
def identificatie_uniek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The sender used this Identificatie before for this message type, as iJw TR056; on the Header (GB101).

    For the GI's messages and for a GI102 (the gemeente's, which the hub writes) that reaches the intake, as in
    a replayed archive: the store keeps one accepted message per sender identity, so an unjudged second one
    could never be recorded.
    """
    state = gi_snapshot(ctx)
    if state is None or not state.identificatie_bekend:
        return
    yield Hit(
        doc.first("Header/BerichtIdentificatie/Identificatie"),
        f"Identificatie {doc.identificatie!r} was already used by {doc.afzender} for {doc.bericht}.",
    )


@rule(
    "GB102",
    berichten={"GI001"},
    level=Level.STATEFUL,
    retourcode="G102",
    summary="A new bepaling has a BepalingId not in use",
)
def bepaling_id_vrij(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A new BepalingId is unknown, withdrawn earlier, or withdrawn by a valid 3 in this message (GB102)."""
    state = gi_snapshot(ctx)
    if state is None:
        return
    client = _client(state, doc)
    bepalingen = doc.all(BEPALING)
    vrijgekomen = {
        raw(b, "BepalingId")
        for b in bepalingen
        if _intrekking(b) and _geldige_intrekking(state, b, client, doc.ontvanger)
    }
    for bepaling in bepalingen:
        bepaling_id = raw(bepaling, "BepalingId")
        if _intrekking(bepaling) or bepaling_id in vrijgekomen:
            continue
        known = state.bepalingen.get(bepaling_id or "")
        if known is not None and known.lopend:
            yield Hit(
                child(bepaling, "BepalingId"),
                f"BepalingId {bepaling_id} is already in use for a bepaling in force; "
                "withdraw it first (StatusAanlevering 3) to correct it.",
                klasse=bepaling,
            )


@rule(
    "GB103",
    berichten={"GI001"},
    level=Level.STATEFUL,
    retourcode="G103",
    summary="A withdrawal refers to a bepaling in force of the same client, sent to the same gemeente",
)
def intrekking_bekend(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A 3 names a bepaling accepted before, not yet withdrawn, of this client, of this gemeente (GB103)."""
    state = gi_snapshot(ctx)
    if state is None:
        return
    client = _client(state, doc)
    for bepaling in doc.all(BEPALING):
        if not _intrekking(bepaling) or _geldige_intrekking(state, bepaling, client, doc.ontvanger):
            continue
        bepaling_id = raw(bepaling, "BepalingId")
        known = state.bepalingen.get(bepaling_id or "")
        if known is None:
            reden = "is unknown"
        elif not known.lopend:
            reden = "was already withdrawn"
        elif known.client != client:
            reden = "belongs to another client"
        else:
            reden = f"was sent to gemeente {known.gemeente}: withdraw it there"
        yield Hit(
            child(bepaling, "BepalingId"),
            f"Withdrawal of BepalingId {bepaling_id}: the bepaling {reden}.",
            klasse=bepaling,
        )


def _maatregel_refs(doc: Doc) -> Iterator[tuple[Element, Element | None]]:
    """(part, element holding MaatregelId and MaatregelType) per new bepaling (GI001) or maatregel (GI002)."""
    if doc.bericht == "GI001":
        for bepaling in doc.all(BEPALING):
            # A withdrawal names its bepaling by BepalingId and Bsn only and stores nothing of its maatregel;
            # judging that maatregel could reject a valid withdrawal that GB102 already let free its id.
            if not _intrekking(bepaling):
                yield bepaling, child(bepaling, "Maatregel")
    else:
        for maatregel in doc.all(MAATREGEL):
            yield maatregel, maatregel


@rule(
    "GB104",
    berichten={"GI001", "GI002"},
    level=Level.STATEFUL,
    retourcode="G104",
    summary="A known MaatregelId keeps its client and MaatregelType",
)
def maatregel_eenduidig(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A MaatregelId received before keeps its client and type; a withdrawal is not judged (GB104)."""
    state = gi_snapshot(ctx)
    if state is None:
        return
    client = _client(state, doc)
    for part, ref in _maatregel_refs(doc):
        maatregel_id = raw(ref, "MaatregelId")
        known = state.maatregelen.get(maatregel_id or "")
        if known is None:
            continue
        if known.client != client:
            yield Hit(
                child(ref, "MaatregelId"),
                f"MaatregelId {maatregel_id} belongs to another client.",
                klasse=part,
            )
        elif known.maatregel_type != text(ref, "MaatregelType"):
            yield Hit(
                child(ref, "MaatregelType"),
                f"MaatregelType {text(ref, 'MaatregelType')} differs from type {known.maatregel_type} "
                f"received earlier for MaatregelId {maatregel_id}.",
                klasse=part,
            )


_STATE_VELD = {
    "DatumUitspraak": "datum_uitspraak",
    "DatumVasteJeugdbeschermer": "datum_vaste_jeugdbeschermer",
    "DatumGedragenKoers": "datum_gedragen_koers",
    "Einddatum": "einddatum",
}


@rule(
    "GB105",
    berichten={"GI002"},
    level=Level.STATEFUL,
    retourcode="G105",
    summary="Maatregel dates in order with the dates received earlier",
)
def datums_met_eerdere(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """GB021-GB023 for a pair of which this message brings one date and an earlier message the other (GB105)."""
    state = gi_snapshot(ctx)
    if state is None:
        return
    for maatregel in doc.all(MAATREGEL):
        known = state.maatregelen.get(raw(maatregel, "MaatregelId") or "")
        if known is None:
            continue
        for later, eerder, _ in VOLGORDE:
            nieuw_later, nieuw_eerder = dated(maatregel, later), dated(maatregel, eerder)
            oud_later: date | None = getattr(known, _STATE_VELD[later])
            oud_eerder: date | None = getattr(known, _STATE_VELD[eerder])
            if nieuw_later and not nieuw_eerder and oud_eerder and nieuw_later[1] < oud_eerder:
                yield Hit(
                    nieuw_later[0],
                    f"{later} {doc.datum_tekst(nieuw_later[0])} is before {eerder} {oud_eerder.isoformat()} "
                    "received earlier.",
                    klasse=maatregel,
                )
            elif nieuw_eerder and not nieuw_later and oud_later and oud_later < nieuw_eerder[1]:
                yield Hit(
                    nieuw_eerder[0],
                    f"{eerder} {doc.datum_tekst(nieuw_eerder[0])} is after {later} {oud_later.isoformat()} "
                    "received earlier.",
                    klasse=maatregel,
                )
