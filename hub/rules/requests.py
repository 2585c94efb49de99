"""Request and answer rules (rules.md 4.5): JW315 Beschikking and Verwijzer, JW317 Verzoek, JW319 Antwoord."""

from __future__ import annotations

from collections.abc import Iterator

from hub.ijw.doc import Doc
from hub.rules.registry import Context, Hit, rule

_AANGEVRAAGD = "Client/AangevraagdeProducten/AangevraagdProduct"
_VERWIJZER = _AANGEVRAAGD + "/Verwijzer"
# Verwijzers identified by an AGB code: huisarts, jeugdarts, GI, medisch specialist (COD327).
_ZORGVERLENERS = frozenset({"02", "03", "04", "05"})


@rule(
    "CD043",
    berichten={"JW315"},
    summary="BeschikkingNummer filled if and only if BeschikkingIngangsdatum filled",
)
def beschikking_compleet(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """BeschikkingNummer and BeschikkingIngangsdatum are filled together; reported on the filled one (CD043)."""
    for product in doc.all(_AANGEVRAAGD):
        nummer, ingang = (
            doc.child(product, "BeschikkingNummer"),
            doc.child(product, "BeschikkingIngangsdatum"),
        )
        if doc.filled(nummer) and not doc.filled(ingang):
            yield Hit(nummer, "AangevraagdProduct has a BeschikkingNummer but no BeschikkingIngangsdatum.")
        if doc.filled(ingang) and not doc.filled(nummer):
            yield Hit(ingang, "AangevraagdProduct has a BeschikkingIngangsdatum but no BeschikkingNummer.")


@rule("CD066", berichten={"JW315"}, summary="Verwijzer type 02-05 with ZorgverlenerCode: Naam must be empty")
def verwijzer_code_zonder_naam(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A zorgverlener-verwijzer identified by ZorgverlenerCode carries no Naam (CD066)."""
    for verwijzer in doc.all(_VERWIJZER):
        soort = doc.text(verwijzer, "Type")
        if (
            soort in _ZORGVERLENERS
            and doc.filled(verwijzer, "ZorgverlenerCode")
            and doc.filled(verwijzer, "Naam")
        ):
            yield Hit(
                doc.child(verwijzer, "Type"),
                f"Verwijzer/Type {soort} has a ZorgverlenerCode, so Naam must be empty.",
            )


@rule("CD067", berichten={"JW315"}, summary="Verwijzer type 02-05 without ZorgverlenerCode: Naam required")
def verwijzer_naam_zonder_code(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A zorgverlener-verwijzer without ZorgverlenerCode is identified by Naam (CD067)."""
    for verwijzer in doc.all(_VERWIJZER):
        soort = doc.text(verwijzer, "Type")
        if (
            soort in _ZORGVERLENERS
            and not doc.filled(verwijzer, "ZorgverlenerCode")
            and not doc.filled(verwijzer, "Naam")
        ):
            yield Hit(
                doc.child(verwijzer, "Type"), f"Verwijzer/Type {soort} has neither ZorgverlenerCode nor Naam."
            )


@rule("CD068", berichten={"JW315"}, summary="Verwijzer type not 02-05: ZorgverlenerCode must be empty")
def verwijzer_zonder_agb(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Only verwijzer types 02-05 have a ZorgverlenerCode; Naam is free for the others (CD068)."""
    for verwijzer in doc.all(_VERWIJZER):
        soort = doc.text(verwijzer, "Type")
        if soort not in _ZORGVERLENERS and doc.filled(verwijzer, "ZorgverlenerCode"):
            yield Hit(
                doc.child(verwijzer, "Type"), f"Verwijzer/Type {soort} must not have a ZorgverlenerCode."
            )


@rule("TR352", berichten={"JW317"}, summary="VOW has an OngewijzigdProduct or TeWijzigenProduct")
def verzoek_vanuit_toewijzing(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A VOW starts from at least one current toewijzing: an Ongewijzigd- or TeWijzigenProduct (TR352)."""
    for verzoek in doc.all("Client/Verzoek"):
        if not (
            doc.present(verzoek, "OngewijzigdeProducten/OngewijzigdProduct")
            or doc.present(verzoek, "TeWijzigenProducten/TeWijzigenProduct")
        ):
            yield Hit(verzoek, "Verzoek has no OngewijzigdProduct and no TeWijzigenProduct.")


@rule("TR353", berichten={"JW317"}, summary="VOW has a TeWijzigenProduct or NieuwProduct")
def verzoek_vraagt_iets(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A VOW asks for something: a TeWijzigenProduct or a NieuwProduct (TR353)."""
    for verzoek in doc.all("Client/Verzoek"):
        if not (
            doc.present(verzoek, "TeWijzigenProducten/TeWijzigenProduct")
            or doc.present(verzoek, "NieuweProducten/NieuwProduct")
        ):
            yield Hit(verzoek, "Verzoek has no TeWijzigenProduct and no NieuwProduct.")


@rule("CD085", berichten={"JW319"}, summary="VerzoekAntwoord 1 requires RedenAfwijzingVerzoek")
def afwijzing_met_reden(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A rejected request (VerzoekAntwoord 1) says why in RedenAfwijzingVerzoek (CD085)."""
    for antwoord in doc.all("Antwoord"):
        if doc.text(antwoord, "VerzoekAntwoord") == "1" and not doc.filled(antwoord, "RedenAfwijzingVerzoek"):
            yield Hit(
                doc.child(antwoord, "VerzoekAntwoord"),
                "VerzoekAntwoord is 1 (afgewezen) but RedenAfwijzingVerzoek is empty.",
            )


@rule("CD086", berichten={"JW319"}, summary="VerzoekAntwoord 2: RedenAfwijzingVerzoek must be empty")
def onderzoek_zonder_reden(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """A request in onderzoek (VerzoekAntwoord 2) has no RedenAfwijzingVerzoek (CD086)."""
    for antwoord in doc.all("Antwoord"):
        if doc.text(antwoord, "VerzoekAntwoord") == "2" and doc.filled(antwoord, "RedenAfwijzingVerzoek"):
            yield Hit(
                doc.child(antwoord, "VerzoekAntwoord"),
                "VerzoekAntwoord is 2 (in onderzoek) but RedenAfwijzingVerzoek is filled.",
            )


@rule("TR377", berichten={"JW319"}, summary="RedenAfwijzingVerzoek 8 requires Woonplaatsbeginsel")
def woonplaatsbeginsel_bij_reden_8(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Rejection for woonplaatsbeginsel (reason 8) names the responsible gemeente (TR377)."""
    for antwoord in doc.all("Antwoord"):
        reden = doc.child(antwoord, "RedenAfwijzingVerzoek")
        if reden is not None and doc.text(reden) == "8" and not doc.present(antwoord, "Woonplaatsbeginsel"):
            yield Hit(
                reden, "RedenAfwijzingVerzoek is 8 (woonplaatsbeginsel) but Woonplaatsbeginsel is absent."
            )


@rule("TR409", berichten={"JW319"}, summary="RedenAfwijzingVerzoek other than 8: Woonplaatsbeginsel absent")
def woonplaatsbeginsel_alleen_reden_8(doc: Doc, ctx: Context) -> Iterator[Hit]:
    """Woonplaatsbeginsel only accompanies reason 8 (TR409).

    Anchored on RedenAfwijzingVerzoek as in the XSLT: without a reason a Woonplaatsbeginsel passes.
    """
    for antwoord in doc.all("Antwoord"):
        reden = doc.child(antwoord, "RedenAfwijzingVerzoek")
        if reden is not None and doc.text(reden) != "8" and doc.present(antwoord, "Woonplaatsbeginsel"):
            yield Hit(
                reden,
                f"RedenAfwijzingVerzoek is {doc.text(reden)}, not 8, but Woonplaatsbeginsel is present.",
            )
