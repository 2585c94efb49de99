"""The product classes of the toewijzing family: JW301 ToegewezenProduct, JW305 StartProduct, JW307 StopProduct."""

from __future__ import annotations

from datetime import date, time

from hub.synth.build import Spec
from hub.synth.klassen import product


def toegewezen_product(
    toewijzing_nummer: int,
    *,
    categorie: str | None,
    code: str | None = None,
    toewijzingsdatum: date,
    ingangsdatum: date,
    einddatum: date | None = None,
    omvang: Spec | None = None,
    budget: int | None = None,
    reden_wijziging: str | None = None,
    toewijzingstijd: time = time(10, 0),
    referentie_aanbieder: str | None = None,
    commentaar: str | None = None,
) -> Spec:
    """A JW301 ToegewezenProduct; categorie None gives a generic toewijzing (budget only, CD079)."""
    return {
        "ToewijzingNummer": toewijzing_nummer,
        "ReferentieAanbieder": referentie_aanbieder,
        "Product": product(categorie, code) if categorie is not None else None,
        "Toewijzingsdatum": toewijzingsdatum,
        "Toewijzingstijd": toewijzingstijd,
        "Ingangsdatum": ingangsdatum,
        "Einddatum": einddatum,
        "RedenWijziging": reden_wijziging,
        "Omvang": omvang,
        "Budget": budget,
        "Commentaar": commentaar,
    }


def start_product(
    toewijzing_nummer: int | None,
    *,
    begindatum: date,
    categorie: str | None = None,
    code: str | None = None,
    toewijzing_ingangsdatum: date | None = None,
    status: str = "1",
) -> Spec:
    """A JW305 StartProduct; StatusAanlevering 1 (new) or 3 (delete), CS058."""
    return {
        "ToewijzingNummer": toewijzing_nummer,
        "Product": product(categorie, code) if categorie is not None else None,
        "ToewijzingIngangsdatum": toewijzing_ingangsdatum,
        "Begindatum": begindatum,
        "StatusAanlevering": status,
    }


def stop_product(
    toewijzing_nummer: int | None,
    *,
    begindatum: date,
    einddatum: date,
    reden_beeindiging: str = "31",
    categorie: str | None = None,
    code: str | None = None,
    toewijzing_ingangsdatum: date | None = None,
    status: str = "1",
) -> Spec:
    """A JW307 StopProduct; the start's key (ToewijzingNummer, Product, Begindatum) copied (TR382)."""
    return {
        "ToewijzingNummer": toewijzing_nummer,
        "Product": product(categorie, code) if categorie is not None else None,
        "ToewijzingIngangsdatum": toewijzing_ingangsdatum,
        "Begindatum": begindatum,
        "RedenBeeindiging": reden_beeindiging,
        "Einddatum": einddatum,
        "StatusAanlevering": status,
    }
