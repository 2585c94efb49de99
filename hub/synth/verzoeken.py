"""The classes of the verzoeken: JW315 AangevraagdProduct and Verwijzer, JW317's products, JW319 Antwoord."""

from __future__ import annotations

from datetime import date

from hub.synth.build import Spec
from hub.synth.klassen import product


def verwijzer(
    type_: str = "04", *, zorgverlener_code: str | None = "87654321", naam: str | None = None
) -> Spec:
    """CDT_Verwijzer; types 02-05 have either a ZorgverlenerCode or a Naam, never both (CD066-CD068)."""
    return {"Type": type_, "Naam": naam, "ZorgverlenerCode": zorgverlener_code}


def aangevraagd_product(
    referentie_aanbieder: str,
    *,
    categorie: str | None,
    code: str | None = None,
    ingangsdatum: date,
    einddatum: date | None = None,
    omvang: Spec | None = None,
    budget: int | None = None,
    verwijzer_spec: Spec | None = None,
    beschikking_nummer: int | None = None,
    beschikking_ingangsdatum: date | None = None,
    raamcontract: str | None = None,
    commentaar: str | None = None,
) -> Spec:
    """A JW315 AangevraagdProduct (ToewijzingIngangsdatum/-Einddatum given as ingangsdatum/einddatum)."""
    return {
        "ReferentieAanbieder": referentie_aanbieder,
        "BeschikkingNummer": beschikking_nummer,
        "Product": product(categorie, code) if categorie is not None else None,
        "BeschikkingIngangsdatum": beschikking_ingangsdatum,
        "ToewijzingIngangsdatum": ingangsdatum,
        "ToewijzingEinddatum": einddatum,
        "Omvang": omvang,
        "Budget": budget,
        "Verwijzer": verwijzer_spec if verwijzer_spec is not None else verwijzer(),
        "Raamcontract": raamcontract,
        "Commentaar": commentaar,
    }


def te_wijzigen_product(
    toewijzing_nummer: int,
    *,
    gewenste_ingangsdatum: date,
    einddatum: date | None = None,
    omvang: Spec | None = None,
    budget: int | None = None,
) -> Spec:
    """A JW317 TeWijzigenProduct."""
    return {
        "ToewijzingNummer": toewijzing_nummer,
        "GewensteIngangsdatum": gewenste_ingangsdatum,
        "Einddatum": einddatum,
        "Omvang": omvang,
        "Budget": budget,
    }


def nieuw_product(
    *,
    categorie: str | None,
    code: str | None = None,
    gewenste_ingangsdatum: date,
    einddatum: date | None = None,
    omvang: Spec | None = None,
    budget: int | None = None,
) -> Spec:
    """A JW317 NieuwProduct; GewensteIngangsdatum must lie strictly after the Dagtekening (TR380)."""
    return {
        "Product": product(categorie, code) if categorie is not None else None,
        "GewensteIngangsdatum": gewenste_ingangsdatum,
        "Einddatum": einddatum,
        "Omvang": omvang,
        "Budget": budget,
    }


def antwoord(
    referentie_aanbieder: str,
    *,
    verzoek_antwoord: str = "1",
    reden_afwijzing: str | None = "4",
    woonplaatsbeginsel: str | None = None,
) -> Spec:
    """A JW319 Antwoord: 1 (afgewezen) with a reason, 2 (in onderzoek) without (CD085, CD086).

    Reason 8 (woonplaatsbeginsel) needs the responsible gemeente (TR377, TR409).
    """
    return {
        "ReferentieAanbieder": referentie_aanbieder,
        "VerzoekAntwoord": verzoek_antwoord,
        "RedenAfwijzingVerzoek": reden_afwijzing,
        "Woonplaatsbeginsel": {"Gemeente": woonplaatsbeginsel} if woonplaatsbeginsel is not None else None,
    }
