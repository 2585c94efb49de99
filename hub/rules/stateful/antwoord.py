"""The JW319 answer against the requests and earlier answers (rules.md 6.5): TR355, TR359, TR360, TR365.

Allowed answer sequences per ReferentieAanbieder: JW301; JW319(1); or JW319(2) followed by JW301 or JW319(1).
JW319 has no Client: the request is found by its ReferentieAanbieder, from this aanbieder to this gemeente.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from hub.ijw.doc import Doc, Element, child, text
from hub.rules.registry import Context, Hit, Level, rule
from hub.rules.stateful.common import snapshot
from hub.state.snapshot import VerzoekState

IN_ONDERZOEK = "2"


@dataclass(frozen=True, slots=True)
class _Antwoord:
    """The Antwoord, its ReferentieAanbieder element and the request it answers (None: no such request)."""

    element: Element
    referentie: Element | None
    verzoek: VerzoekState | None

    def over_referentie(self, waarom: str) -> Hit:
        """A finding on the ReferentieAanbieder: `waarom` follows its value."""
        return Hit(
            self.referentie, f"ReferentieAanbieder {text(self.referentie)!r} {waarom}", klasse=self.element
        )


def _antwoord(doc: Doc, ctx: Context) -> _Antwoord | None:
    """The message's Antwoord with the request it answers; None without state (the rules are silent)."""
    state = snapshot(ctx)
    antwoord = doc.first("Antwoord")
    if state is None or antwoord is None:
        return None
    referentie = text(antwoord, "ReferentieAanbieder")
    v = None if referentie is None else state.referenties.get(referentie)
    # Gemeente -> aanbieder: the request went the other way, from the Ontvanger to the Afzender.
    if v is not None and (v.aanbieder != doc.ontvanger or v.gemeente != doc.afzender):
        v = None
    return _Antwoord(antwoord, child(antwoord, "ReferentieAanbieder"), v)


@rule(
    "TR355",
    berichten={"JW319"},
    level=Level.STATEFUL,
    retourcode="9355",
    summary="Antwoord ReferentieAanbieder occurs in an earlier VOT or VOW",
)
def antwoord_op_verzoek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The answered ReferentieAanbieder is one this aanbieder sent to this gemeente in a VOT or VOW (TR355)."""
    a = _antwoord(doc, ctx)
    if a is not None and a.verzoek is None:
        yield a.over_referentie("is no VOT or VOW of the Ontvanger to this gemeente.")


@rule(
    "TR359",
    berichten={"JW319"},
    level=Level.STATEFUL,
    retourcode="9359",
    summary="No antwoord after a toewijzing with the same ReferentieAanbieder",
)
def geen_antwoord_na_toewijzing(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Once a JW301 honoured the request, no JW319 may answer it (TR359)."""
    a = _antwoord(doc, ctx)
    if a is not None and a.verzoek is not None and a.verzoek.toegewezen:
        yield a.over_referentie("was already honoured by a toewijzing (JW301).")


@rule(
    "TR360",
    berichten={"JW319"},
    level=Level.STATEFUL,
    retourcode="9360",
    summary="'In onderzoek' only as the first antwoord for a ReferentieAanbieder",
)
def onderzoek_alleen_eerst(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """VerzoekAntwoord 2 (in onderzoek) only when no JW319 answered this ReferentieAanbieder before (TR360)."""
    a = _antwoord(doc, ctx)
    if a is None or a.verzoek is None:
        return
    eerder = a.verzoek.antwoorden
    if eerder and text(a.element, "VerzoekAntwoord") == IN_ONDERZOEK:
        yield Hit(
            child(a.element, "VerzoekAntwoord"),
            f"VerzoekAntwoord 2 (in onderzoek) after earlier answer(s) {', '.join(eerder)} for "
            f"ReferentieAanbieder {a.verzoek.referentie_aanbieder!r}.",
            klasse=a.element,
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
    a = _antwoord(doc, ctx)
    if a is None or a.verzoek is None:
        return
    definitief = [eerder for eerder in a.verzoek.antwoorden if eerder != IN_ONDERZOEK]
    if definitief:
        yield a.over_referentie(f"already had the final VerzoekAntwoord {definitief[0]}.")
