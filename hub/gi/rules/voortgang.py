"""Rules on the Maatregelen of a GI002 (docs/gi-berichten.md 5.3): GB020-GB025.

The four dates of a maatregel are each optional: a rule comparing two dates is silent when either is absent
from this message (GB105 compares with dates received earlier).
"""

from __future__ import annotations

from collections.abc import Iterator

from hub.gi.rules.common import MAATREGEL, niet_na_dagtekening, niet_voor
from hub.ijw.doc import Doc, child, raw
from hub.rules.registry import Context, Hit, repeats, rule

GI002 = {"GI002"}
DATUMS = ("DatumUitspraak", "DatumVasteJeugdbeschermer", "DatumGedragenKoers", "Einddatum")
# (later date, earlier date it must not precede, rule code): the order GB021-GB023 and GB105 check.
VOLGORDE = (
    ("DatumVasteJeugdbeschermer", "DatumUitspraak", "GB021"),
    ("DatumGedragenKoers", "DatumUitspraak", "GB022"),
    ("Einddatum", "DatumUitspraak", "GB023"),
)


@rule("GB020", berichten=GI002, summary="Maatregel dates other than Einddatum not after the Dagtekening")
def datums_niet_na_dagtekening(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """What happened is reported after it happened; an Einddatum is set by the judge and may lie ahead (GB020)."""
    yield from niet_na_dagtekening(doc, MAATREGEL, DATUMS[:3])


@rule("GB021", berichten=GI002, summary="DatumVasteJeugdbeschermer not before DatumUitspraak")
def jeugdbeschermer_na_uitspraak(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The 5-working-day norm counts from the uitspraak, so the assignment cannot precede it (GB021)."""
    yield from niet_voor(doc, MAATREGEL, *VOLGORDE[0][:2])


@rule("GB022", berichten=GI002, summary="DatumGedragenKoers not before DatumUitspraak")
def koers_na_uitspraak(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """The 6-week norm counts from the uitspraak (GB022)."""
    yield from niet_voor(doc, MAATREGEL, *VOLGORDE[1][:2])


@rule("GB023", berichten=GI002, summary="Einddatum not before DatumUitspraak")
def einde_na_uitspraak(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A maatregel ends on or after the day it was imposed (GB023)."""
    yield from niet_voor(doc, MAATREGEL, *VOLGORDE[2][:2])


@rule("GB024", berichten=GI002, summary="Maatregel carries at least one date")
def ten_minste_een_datum(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A voortgang without any date says nothing; the dates may come one at a time (GB024)."""
    for maatregel in doc.all(MAATREGEL):
        if all(child(maatregel, name) is None for name in DATUMS):
            yield Hit(
                child(maatregel, "MaatregelId"), "Maatregel has none of the four dates.", klasse=maatregel
            )


@rule("GB025", berichten=GI002, summary="MaatregelId at most once in the message")
def maatregel_id_uniek(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """One Maatregel per MaatregelId per message, so the dates it brings are unambiguous (GB025)."""
    for _, maatregel in repeats(doc.all(MAATREGEL), lambda m: raw(m, "MaatregelId")):
        yield Hit(
            child(maatregel, "MaatregelId"),
            f"MaatregelId {raw(maatregel, 'MaatregelId')} occurs more than once.",
            klasse=maatregel,
        )
