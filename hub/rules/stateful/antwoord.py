"""The JW319 answer against the requests and earlier answers (rules.md 6.5): TR355, TR359, TR360, TR365.

Allowed answer sequences per ReferentieAanbieder: JW301; JW319(1); or JW319(2) followed by JW301 or JW319(1).
JW319 has no Client: the request is found by its ReferentieAanbieder, from this aanbieder to this gemeente.
"""

from __future__ import annotations

from collections.abc import Iterator

from hub.ijw.doc import Doc, Element, child, text
from hub.rules.registry import Context, Hit, Level, rule
from hub.rules.stateful.common import snapshot
from hub.state.snapshot import VerzoekState

IN_ONDERZOEK = "2"


def _antwoord(doc: Doc, ctx: Context) -> tuple[Element, Element | None, VerzoekState | None] | None:
    """The Antwoord, its ReferentieAanbieder element and the request it answers; None without state."""
    state = snapshot(ctx)
    antwoord = doc.first("Antwoord")
    if state is None or antwoord is None:
        return None
    referentie = text(antwoord, "ReferentieAanbieder")
    v = None if referentie is None else state.referenties.get(referentie)
    # Gemeente -> aanbieder: the request went the other way, from the Ontvanger to the Afzender.
    if v is not None and (v.aanbieder != doc.ontvanger or v.gemeente != doc.afzender):
        v = None
    return antwoord, child(antwoord, "ReferentieAanbieder"), v


@rule(
    "TR355",
    berichten={"JW319"},
    level=Level.STATEFUL,
    retourcode="9355",
    summary="Antwoord ReferentieAanbieder occurs in an earlier VOT or VOW",
)
def antwoord_op_verzoek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The answered ReferentieAanbieder is one this aanbieder sent to this gemeente in a VOT or VOW (TR355)."""
    found = _antwoord(doc, ctx)
    if found is None:
        return
    antwoord, referentie, v = found
    if v is None:
        yield Hit(
            referentie,
            f"ReferentieAanbieder {text(referentie)!r} is no VOT or VOW of the Ontvanger to this gemeente.",
            klasse=antwoord,
        )


@rule(
    "TR359",
    berichten={"JW319"},
    level=Level.STATEFUL,
    retourcode="9359",
    summary="No antwoord after a toewijzing with the same ReferentieAanbieder",
)
def geen_antwoord_na_toewijzing(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Once a JW301 honoured the request, no JW319 may answer it (TR359)."""
    found = _antwoord(doc, ctx)
    if found is None:
        return
    antwoord, referentie, v = found
    if v is not None and v.toegewezen:
        yield Hit(
            referentie,
            f"ReferentieAanbieder {text(referentie)!r} was already honoured by a toewijzing (JW301).",
            klasse=antwoord,
        )


@rule(
    "TR360",
    berichten={"JW319"},
    level=Level.STATEFUL,
    retourcode="9360",
    summary="'In onderzoek' only as the first antwoord for a ReferentieAanbieder",
)
def onderzoek_alleen_eerst(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """VerzoekAntwoord 2 (in onderzoek) only when no JW319 answered this ReferentieAanbieder before (TR360)."""
    found = _antwoord(doc, ctx)
    if found is None:
        return
    antwoord, _, v = found
    if v is not None and v.antwoorden and text(antwoord, "VerzoekAntwoord") == IN_ONDERZOEK:
        yield Hit(
            child(antwoord, "VerzoekAntwoord"),
            f"VerzoekAntwoord 2 (in onderzoek) after earlier answer(s) {', '.join(v.antwoorden)} for "
            f"ReferentieAanbieder {v.referentie_aanbieder!r}.",
            klasse=antwoord,
        )


@rule(
    "TR365",
    berichten={"JW319"},
    level=Level.STATEFUL,
    retourcode="9365",
    summary="Earlier antwoord for the same ReferentieAanbieder must be 'in onderzoek'",
)
def alleen_na_onderzoek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A second JW319 only follows 'in onderzoek': every earlier answer has VerzoekAntwoord 2 (TR365)."""
    found = _antwoord(doc, ctx)
    if found is None:
        return
    antwoord, referentie, v = found
    definitief = [] if v is None else [a for a in v.antwoorden if a != IN_ONDERZOEK]
    if definitief:
        yield Hit(
            referentie,
            f"ReferentieAanbieder {text(referentie)!r} already had the final VerzoekAntwoord "
            f"{definitief[0]}.",
            klasse=antwoord,
        )
