"""The declaratie family: JW323 Prestatie and Declaratie with amounts that add up, and the JW325 answering one."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from hub.synth.build import Spec
from hub.synth.klassen import header
from hub.synth.maanden import maand_begin, maand_einde


def bedrag(waarde: int) -> Spec:
    """CDT_BedragMetDC from a signed amount in cents; zero is debet (CS325)."""
    return {"Bedrag": abs(waarde), "DebetCredit": "C" if waarde < 0 else "D"}


def totaal_bedrag(waarde: int) -> Spec:
    """CDT_TotaalBedragMetDC from a signed amount in cents; zero is debet (CS325)."""
    return {"TotaalBedrag": abs(waarde), "DebetCredit": "C" if waarde < 0 else "D"}


def prestatie(
    referentie_nummer: str,
    *,
    toewijzing_nummer: int,
    categorie: str,
    code: str,
    begindatum: date,
    einddatum: date,
    volume: int,
    eenheid: str = "04",
    tarief: int | None = 8000,
    vorig_referentie_nummer: str | None = None,
) -> Spec:
    """A JW323 Prestatie; IngediendBedrag = volume x tarief (TR346), or the volume itself for Eenheid 83.

    A VorigReferentieNummer makes it a credit line (CD060). Eenheid 83 has no ProductTarief (CD087, CS339).
    """
    waarde = volume if eenheid == "83" else volume * (tarief or 0)
    return {
        "ProductReferentie": {
            "ReferentieNummer": referentie_nummer,
            "VorigReferentieNummer": vorig_referentie_nummer,
        },
        "ToewijzingNummer": toewijzing_nummer,
        "ProductCategorie": categorie,
        "ProductCode": code,
        "ProductPeriode": {"Begindatum": begindatum, "Einddatum": einddatum},
        "GeleverdVolume": volume,
        "Eenheid": eenheid,
        "ProductTarief": None if eenheid == "83" else tarief,
        "IngediendBedrag": bedrag(-waarde if vorig_referentie_nummer is not None else waarde),
    }


def signed(amount: Mapping[str, Any]) -> int:
    """The signed value of a CDT_(Totaal)BedragMetDC spec: negative for credit."""
    waarde = int(amount.get("Bedrag", amount.get("TotaalBedrag", 0)))
    return -waarde if amount.get("DebetCredit") == "C" else waarde


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def prestaties_van(declaratie: Mapping[str, Any]) -> list[tuple[str, Spec]]:
    """(Bsn, Prestatie) for every Prestatie of a JW323 Declaratie spec, in document order."""
    out: list[tuple[str, Spec]] = []
    for client in _as_list(declaratie["Clienten"]["Client"]):
        for p in _as_list(client["Prestaties"]["Prestatie"]):
            out.append((client["Bsn"], p))
    return out


def declaratie(
    clienten: Sequence[tuple[str, Sequence[Spec]]],
    *,
    nummer: str,
    periode_begin: date,
    declaratie_dagtekening: date,
) -> Spec:
    """A JW323 Declaratie over one calendar month (CS340) with a TotaalIngediendBedrag that adds up (TR358)."""
    totaal = sum(signed(p["IngediendBedrag"]) for _, ps in clienten for p in ps)
    return {
        "DeclaratieNummer": nummer,
        "DeclaratiePeriode": {
            "Begindatum": maand_begin(periode_begin),
            "Einddatum": maand_einde(periode_begin),
        },
        "DeclaratieDagtekening": declaratie_dagtekening,
        "TotaalIngediendBedrag": totaal_bedrag(totaal),
        "Clienten": {
            "Client": [{"Bsn": bsn, "Prestaties": {"Prestatie": list(ps)}} for bsn, ps in clienten],
        },
    }


def declaratie_antwoord(
    jw323: Mapping[str, Any],
    *,
    dagtekening: date,
    identificatie: str,
    afgewezen: Mapping[str, str] | None = None,
) -> Spec:
    """The JW325 spec answering a JW323 spec; `afgewezen` maps a ReferentieNummer to its retourcode.

    Fully granted: DeclaratieAntwoord 8001 without Clients. Otherwise the rejected Prestaties are returned under
    their Client (0200) and TotaalToegekendBedrag is reduced by them (TR342, process.md 5.3).
    """
    d = jw323["Declaratie"]
    clienten = _afgewezen_clienten(d, afgewezen or {})
    afgewezen_totaal = sum(
        signed(p["IngediendBedrag"]) for c in clienten for p in c["Prestaties"]["Prestatie"]
    )
    ingediend = signed(d["TotaalIngediendBedrag"])
    return {
        "Header": _antwoord_header(jw323["Header"], dagtekening=dagtekening, identificatie=identificatie),
        "DeclaratieAntwoord": {
            "DeclaratieNummer": d["DeclaratieNummer"],
            "TotaalIngediendBedrag": totaal_bedrag(ingediend),
            "TotaalToegekendBedrag": totaal_bedrag(ingediend - afgewezen_totaal),
            "Clienten": {"Client": clienten} if clienten else None,
            "RetourCodes": {"RetourCode": "0200" if clienten else "8001"},
        },
    }


def _antwoord_header(jw323_header: Mapping[str, Any], *, dagtekening: date, identificatie: str) -> Spec:
    """The JW325 header: the gemeente answers, referring to the JW323's identification and XSD version."""
    h = header("JW325", dagtekening=dagtekening, identificatie=identificatie)
    h.update(
        Afzender=jw323_header["Ontvanger"],
        Ontvanger=jw323_header["Afzender"],
        DeclaratieIdentificatie=copy.deepcopy(jw323_header["BerichtIdentificatie"]),
        XsdVersieDeclaratie=copy.deepcopy(jw323_header["XsdVersie"]),
        RetourCodes={"RetourCode": "0200"},
    )
    return h


def _afgewezen_clienten(declaratie: Mapping[str, Any], afgewezen: Mapping[str, str]) -> list[Spec]:
    """The JW325 Clients holding the rejected Prestaties, each Prestatie with its retourcode."""
    per_bsn: dict[str, list[Spec]] = {}
    for bsn, p in prestaties_van(declaratie):
        code = afgewezen.get(str(p["ProductReferentie"]["ReferentieNummer"]))
        if code is not None:
            per_bsn.setdefault(bsn, []).append({**copy.deepcopy(p), "RetourCodes": {"RetourCode": code}})
    return [
        {"Bsn": bsn, "Prestaties": {"Prestatie": ps}, "RetourCodes": {"RetourCode": "0200"}}
        for bsn, ps in per_bsn.items()
    ]
