"""Valid synthetic iJw 3.2 heenberichten as nested specs (see hub/synth/build.py), and their parts.

`spec("JW301")` gives a fresh spec that is XSD-valid and passes every level-2 rule (rules.md section 4).
All default messages tell one story for one client, anchored on the Dagtekening: two products are assigned from
the first day of the previous month (`ingang`), started on that day, one is stopped at the end of that month and
that month is declared and granted. The part builders (`toegewezen_product`, `start_product`, ...) take keyword
arguments so tests and the traffic simulator can make variants without knowing the element tree.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, time, timedelta
from typing import Any

from hub.ijw.catalog import BERICHTEN
from hub.synth.build import Spec, to_xml
from hub.synth.persons import Persoon, ouder, persoon

DEFAULT_DAGTEKENING = date(2026, 11, 2)
XSD_VERSIE = "1.0.0"  # the version in the appinfo of the project's XSDs (IV034: the sender copies it)
HEENBERICHTEN = ("JW301", "JW305", "JW307", "JW315", "JW317", "JW319", "JW323", "JW325")

# The default client's products: (ToewijzingNummer, Categorie, Code or None).
SPECIFIEK = (300201, "45", "45A53")
ASPECIFIEK = (300202, "43", None)
DECLARATIE_CODE_ASPECIFIEK = "43A12"  # the code declared on the aspecific toewijzing (the contract decides)
NIEUW_CODE = "45A54"


# ---- dates --------------------------------------------------------------------------------------------


def maand_begin(d: date) -> date:
    return d.replace(day=1)


def vorige_maand(d: date) -> date:
    """The first day of the month before d."""
    return maand_begin(maand_begin(d) - timedelta(days=1))


def volgende_maand(d: date) -> date:
    """The first day of the month after d."""
    return maand_begin(maand_begin(d) + timedelta(days=32))


def maand_einde(d: date) -> date:
    return volgende_maand(d) - timedelta(days=1)


def plus_maanden(d: date, maanden: int) -> date:
    """The first day of the month `maanden` months after the month of d."""
    for _ in range(maanden):
        d = volgende_maand(d)
    return maand_begin(d)


def ingang(dagtekening: date) -> date:
    """Start of the default care: the first day of the month before the Dagtekening."""
    return vorige_maand(dagtekening)


def einde(dagtekening: date) -> date:
    """End of the default toewijzing: six months after `ingang`, minus one day."""
    return plus_maanden(ingang(dagtekening), 6) - timedelta(days=1)


def default_persoon(dagtekening: date) -> Persoon:
    """The default client (4 to 15 years old); the same person for every Dagtekening from DEFAULT_DAGTEKENING on."""
    return persoon(
        random.Random(2026), min(dagtekening, DEFAULT_DAGTEKENING), min_leeftijd=4, max_leeftijd=15
    )


def default_identificatie(bericht: str, dagtekening: date) -> str:
    """A 12-character-at-most message id, unique per message type and day (TR056 is per sender and type)."""
    return f"{bericht}{dagtekening:%y%m%d}"


# ---- shared parts -------------------------------------------------------------------------------------


def header(
    bericht: str,
    *,
    dagtekening: date,
    identificatie: str,
    gemeente: str = "0200",
    aanbieder: str = "12345678",
) -> Spec:
    """The common header; Afzender and Ontvanger follow the message's direction."""
    info = BERICHTEN[bericht]
    afzender, ontvanger = (gemeente, aanbieder) if info.afzender == "gemeente" else (aanbieder, gemeente)
    return {
        "BerichtCode": info.code,
        "BerichtVersie": "3",
        "BerichtSubversie": "2",
        "Afzender": afzender,
        "Ontvanger": ontvanger,
        "BerichtIdentificatie": {"Identificatie": identificatie, "Dagtekening": dagtekening},
        "XsdVersie": xsd_versie(),
    }


def xsd_versie() -> Spec:
    return {"BasisschemaXsdVersie": XSD_VERSIE, "BerichtXsdVersie": XSD_VERSIE}


def geslachtsnaam(p: Persoon) -> Spec:
    return {"Achternaam": p.achternaam, "Voorvoegsel": p.voorvoegsel}


def volledige_naam(p: Persoon, naamgebruik: str = "1") -> Spec:
    """CDT_VolledigeNaam without Partnernaam; NaamGebruik 1 (CS050, CS318)."""
    return {
        "Geslachtsnaam": geslachtsnaam(p),
        "Voornamen": p.voornamen,
        "Voorletters": p.voorletters,
        "NaamGebruik": naamgebruik,
    }


def verkorte_naam(p: Persoon) -> Spec:
    return {"Geslachtsnaam": geslachtsnaam(p), "Voornamen": p.voornamen, "Voorletters": p.voorletters}


def client_basis(p: Persoon, *, volledig: bool = False) -> Spec:
    """Bsn, Geboortedatum, Geslacht and Naam, as JW301/305/307/315 start their Client."""
    return {
        "Bsn": p.bsn,
        "Geboortedatum": {"Datum": p.geboortedatum},
        "Geslacht": p.geslacht,
        "Naam": volledige_naam(p) if volledig else verkorte_naam(p),
    }


def product(categorie: str, code: str | None = None) -> Spec:
    return {"Categorie": categorie, "Code": code}


def omvang(volume: int, eenheid: str = "04", frequentie: str = "2") -> Spec:
    """CDT_Omvang; the default is 4 hours per week (Frequentie 2 needs an end date, CD076)."""
    return {"Volume": volume, "Eenheid": eenheid, "Frequentie": frequentie}


def adres(
    *,
    huisnummer: int = 12,
    postcode: str = "7311AB",
    straatnaam: str = "Proefstraat",
    plaatsnaam: str = "Apeldoorn",
    landcode: str = "NL",
) -> Spec:
    """A Dutch address: Huis, Postcode in the 1234AB format and LandCode NL (CD005, CD025, CS089)."""
    return {
        "Huis": {"Huisnummer": huisnummer},
        "Postcode": postcode,
        "Straatnaam": straatnaam,
        "Plaatsnaam": plaatsnaam,
        "LandCode": landcode,
    }


def telefoon(nummer: str = "0551234567", landnummer: str = "0031") -> Spec:
    return {"Telefoon01": {"Telefoonnummer": nummer, "Landnummer": landnummer}}


def contact(
    soort: str = "01",
    *,
    adres: Spec | None = None,
    telefoon: Spec | None = None,
    emailadres: str | None = None,
    periode: Spec | None = None,
) -> Spec:
    """A JW301 Contact; without Telefoon it needs Adres/Huis and Postcode (TR006)."""
    return {
        "Soort": soort,
        "Adres": adres,
        "Telefoon": telefoon,
        "Emailadres": emailadres,
        "Periode": periode,
    }


def relatie(
    p: Persoon,
    *,
    nummer: str = "1",
    soort: str = "10",
    volgorde: int | None = 1,
    contact_spec: Spec | None = None,
) -> Spec:
    """A JW301 Relatie (default: ouder, reachable by phone on a correspondence contact)."""
    return {
        "Nummer": nummer,
        "Volgorde": volgorde,
        "Soort": soort,
        "Geboortedatum": {"Datum": p.geboortedatum},
        "Geslacht": p.geslacht,
        "Naam": volledige_naam(p),
        "Contact": contact_spec if contact_spec is not None else contact("02", telefoon=telefoon()),
    }


# ---- product classes ----------------------------------------------------------------------------------


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


# ---- default messages ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ctx:
    """The arguments of spec(), with the default client filled in."""

    bericht: str
    dagtekening: date
    persoon: Persoon
    identificatie: str
    gemeente: str
    aanbieder: str

    @property
    def ingang(self) -> date:
        return ingang(self.dagtekening)

    @property
    def einde(self) -> date:
        return einde(self.dagtekening)

    def header(self) -> Spec:
        return header(
            self.bericht,
            dagtekening=self.dagtekening,
            identificatie=self.identificatie,
            gemeente=self.gemeente,
            aanbieder=self.aanbieder,
        )


def _jw301(c: _Ctx) -> Spec:
    nr1, cat1, code1 = SPECIFIEK
    nr2, cat2, _ = ASPECIFIEK
    client = client_basis(c.persoon, volledig=True)
    client["Relaties"] = {"Relatie": [relatie(ouder(random.Random(c.persoon.bsn), c.persoon, c.dagtekening))]}
    client["Contactgegevens"] = {"Contact": [contact("01", adres=adres())]}
    client["ToegewezenProducten"] = {
        "ToegewezenProduct": [
            toegewezen_product(
                nr1,
                categorie=cat1,
                code=code1,
                toewijzingsdatum=c.dagtekening,
                ingangsdatum=c.ingang,
                einddatum=c.einde,
                omvang=omvang(4),
            ),
            # Aspecific: only a Categorie and, ending after 2020, no Omvang (CD080).
            toegewezen_product(
                nr2, categorie=cat2, toewijzingsdatum=c.dagtekening, ingangsdatum=c.ingang, einddatum=c.einde
            ),
        ]
    }
    return {"Header": c.header(), "Client": client}


def _jw305(c: _Ctx) -> Spec:
    client = client_basis(c.persoon)
    client["StartProducten"] = {
        "StartProduct": [
            start_product(nr, categorie=cat, code=code, toewijzing_ingangsdatum=c.ingang, begindatum=c.ingang)
            for nr, cat, code in (SPECIFIEK, ASPECIFIEK)
        ]
    }
    return {"Header": c.header(), "Client": client}


def _jw307(c: _Ctx) -> Spec:
    nr, cat, code = SPECIFIEK
    client = client_basis(c.persoon)
    client["StopProducten"] = {
        "StopProduct": [
            stop_product(
                nr,
                categorie=cat,
                code=code,
                toewijzing_ingangsdatum=c.ingang,
                begindatum=c.ingang,
                einddatum=maand_einde(c.ingang),
            )
        ]
    }
    return {"Header": c.header(), "Client": client}


def _jw315(c: _Ctx) -> Spec:
    begin = volgende_maand(c.dagtekening)
    eind = plus_maanden(begin, 6) - timedelta(days=1)
    client = client_basis(c.persoon)
    client["GezagsdragerBekend"] = "1"
    client["AangevraagdeProducten"] = {
        "AangevraagdProduct": [
            aangevraagd_product(
                f"VOT{c.dagtekening:%Y%m%d}A",
                categorie=SPECIFIEK[1],
                code=SPECIFIEK[2],
                ingangsdatum=begin,
                einddatum=eind,
                omvang=omvang(4),
            ),
            # Aspecific with a budget (so an end date, no Omvang: CD075, CD077, CD095), referred by a huisarts by name.
            aangevraagd_product(
                f"VOT{c.dagtekening:%Y%m%d}B",
                categorie=ASPECIFIEK[1],
                ingangsdatum=begin,
                einddatum=eind,
                budget=250000,
                verwijzer_spec=verwijzer(
                    "02", zorgverlener_code=None, naam="Huisartsenpraktijk De Proeftuin"
                ),
                beschikking_nummer=20260001,
                beschikking_ingangsdatum=begin,
            ),
        ]
    }
    return {"Header": c.header(), "Client": client}


def _jw317(c: _Ctx) -> Spec:
    begin = volgende_maand(c.dagtekening)  # strictly after the Dagtekening (TR380)
    verzoek = {
        "ReferentieAanbieder": f"VOW{c.dagtekening:%Y%m%d}",
        "RedenVerzoek": "2",
        "OngewijzigdeProducten": {"OngewijzigdProduct": [{"ToewijzingNummer": ASPECIFIEK[0]}]},
        "TeWijzigenProducten": {
            "TeWijzigenProduct": [
                te_wijzigen_product(
                    SPECIFIEK[0], gewenste_ingangsdatum=begin, einddatum=c.einde, omvang=omvang(6)
                )
            ]
        },
        "NieuweProducten": {
            "NieuwProduct": [
                nieuw_product(
                    categorie=SPECIFIEK[1],
                    code=NIEUW_CODE,
                    gewenste_ingangsdatum=begin,
                    einddatum=c.einde,
                    omvang=omvang(2),
                )
            ]
        },
    }
    return {"Header": c.header(), "Client": {"Bsn": c.persoon.bsn, "Verzoek": verzoek}}


def _jw319(c: _Ctx) -> Spec:
    return {"Header": c.header(), "Antwoord": antwoord(f"VOT{c.dagtekening:%Y%m%d}A")}


def _jw323(c: _Ctx) -> Spec:
    periode_eind = maand_einde(c.ingang)
    maand = f"{c.ingang:%Y%m}"
    prestaties = [
        prestatie(
            f"P{SPECIFIEK[0]}{maand}",
            toewijzing_nummer=SPECIFIEK[0],
            categorie=SPECIFIEK[1],
            code=SPECIFIEK[2],
            begindatum=c.ingang,
            einddatum=periode_eind,
            volume=16,
            eenheid="04",
            tarief=8000,
        ),
        prestatie(
            f"P{ASPECIFIEK[0]}{maand}",
            toewijzing_nummer=ASPECIFIEK[0],
            categorie=ASPECIFIEK[1],
            code=DECLARATIE_CODE_ASPECIFIEK,
            begindatum=c.ingang,
            einddatum=periode_eind,
            volume=periode_eind.day,
            eenheid="14",
            tarief=15000,
        ),
    ]
    return {
        "Header": c.header(),
        "Declaratie": declaratie(
            [(c.persoon.bsn, prestaties)],
            nummer=f"D{maand}001",
            periode_begin=c.ingang,
            declaratie_dagtekening=c.dagtekening,
        ),
    }


def _jw325(c: _Ctx) -> Spec:
    # The answer to the default JW323 of the same day, fully granted.
    jw323 = _jw323(replace(c, bericht="JW323", identificatie=default_identificatie("JW323", c.dagtekening)))
    return declaratie_antwoord(jw323, dagtekening=c.dagtekening, identificatie=c.identificatie)


_BUILDERS: dict[str, Callable[[_Ctx], Spec]] = {
    "JW301": _jw301,
    "JW305": _jw305,
    "JW307": _jw307,
    "JW315": _jw315,
    "JW317": _jw317,
    "JW319": _jw319,
    "JW323": _jw323,
    "JW325": _jw325,
}


def spec(
    bericht: str,
    *,
    dagtekening: date = DEFAULT_DAGTEKENING,
    persoon: Persoon | None = None,
    identificatie: str | None = None,
    gemeente: str = "0200",
    aanbieder: str = "12345678",
) -> Spec:
    """A new valid spec for a heenbericht that passes every level-2 rule; gemeente 0200 is Apeldoorn."""
    try:
        builder = _BUILDERS[bericht]
    except KeyError:
        raise ValueError(f"no default spec for {bericht!r}; known: {', '.join(HEENBERICHTEN)}") from None
    ctx = _Ctx(
        bericht=bericht,
        dagtekening=dagtekening,
        persoon=persoon if persoon is not None else default_persoon(dagtekening),
        identificatie=identificatie or default_identificatie(bericht, dagtekening),
        gemeente=gemeente,
        aanbieder=aanbieder,
    )
    return builder(ctx)


def xml(bericht: str, **kwargs: Any) -> bytes:
    """The default message as bytes: to_xml(bericht, spec(bericht, **kwargs))."""
    return to_xml(bericht, spec(bericht, **kwargs))
