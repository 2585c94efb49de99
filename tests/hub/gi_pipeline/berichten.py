"""Small builders for the GI pipeline tests: GI001/GI002/GI003 and the iJw messages that follow a bepaling.

Every message is built with the project's builders (hub.gi.synth, hub.synth.berichten) and edited, never
written by hand. The defaults: gemeente 0200 (regio Midden IJssel-Oost Veluwe), GI 87654321, aanbieder 12345678.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from hub.gi import synth as gs
from hub.gi.codes import INTREKKING, NIEUW
from hub.synth import berichten as b
from hub.synth.build import Spec, edit
from hub.synth.persons import Persoon, persoon

GEMEENTE, ANDERE_GEMEENTE = "0200", "0202"  # Apeldoorn; Arnhem (another regio)
GI, ANDERE_GI = gs.GI_AGB, "87650000"
AANBIEDER = "12345678"
REGIO = "Midden IJssel-Oost Veluwe"
CAT, CODE = b.SPECIFIEK[1], b.SPECIFIEK[2]  # 45 / 45A53
CAT_B = b.ASPECIFIEK[1]  # 43


def kind(n: int) -> Persoon:
    """A synthetic child; the same n gives the same child."""
    return persoon(random.Random(1000 + n), b.DEFAULT_DAGTEKENING, min_leeftijd=4, max_leeftijd=15)


# ---- GI messages ---------------------------------------------------------------------------------


def bepaling(
    bepaling_id: str, datum: date, *, categorie: str = CAT, maatregel_id: str = "M-1", status: str = NIEUW
) -> Spec:
    code = CODE if categorie == CAT else None
    return gs.bepaling(
        bepaling_id,
        datum_bepaling=datum,
        gewenste_ingangsdatum=datum,
        categorie=categorie,
        code=code,
        maatregel=gs.maatregel_ref(maatregel_id),
        status=status,
    )


def intrekking(bepaling_id: str, datum: date, **kwargs: str) -> Spec:
    """The withdrawal (StatusAanlevering 3) of a bepaling, repeated as it was sent."""
    return bepaling(bepaling_id, datum, status=INTREKKING, **kwargs)


def gi001(
    p: Persoon, dagtekening: date, ident: str, *bepalingen: Spec, gemeente: str = GEMEENTE, gi: str = GI
) -> Spec:
    return {
        "Header": gs.header("GI001", dagtekening=dagtekening, identificatie=ident, gi=gi, gemeente=gemeente),
        "Client": gs.client(p, Bepalingen={"Bepaling": list(bepalingen)}),
    }


def gi002(p: Persoon, dagtekening: date, ident: str, *maatregelen: Spec, gemeente: str = GEMEENTE) -> Spec:
    return {
        "Header": gs.header("GI002", dagtekening=dagtekening, identificatie=ident, gemeente=gemeente),
        "Client": gs.client(p, Maatregelen={"Maatregel": list(maatregelen)}),
    }


def maatregel(
    maatregel_id: str = "M-1",
    *,
    uitspraak: date | None = None,
    vaste_jeugdbeschermer: date | None = None,
    gedragen_koers: date | None = None,
) -> Spec:
    return gs.maatregel(
        maatregel_id,
        uitspraak=uitspraak,
        vaste_jeugdbeschermer=vaste_jeugdbeschermer,
        gedragen_koers=gedragen_koers,
    )


def gi003(dagtekening: date, ident: str, *capaciteiten: Spec) -> Spec:
    return {
        "Header": gs.header("GI003", dagtekening=dagtekening, identificatie=ident),
        "Capaciteiten": {"Capaciteit": list(capaciteiten)},
    }


def capaciteit(
    peildatum: date, fte: str, caseload: int, plaatsen: int, wachtlijst: int, regio: str = REGIO
) -> Spec:
    return gs.capaciteit(
        regio,
        peildatum=peildatum,
        jeugdbeschermers=Decimal(fte),
        caseload=caseload,
        beschikbare_plaatsen=plaatsen,
        wachtlijst=wachtlijst,
    )


# ---- iJw messages ----------------------------------------------------------------------------------


def jw315(
    p: Persoon,
    dagtekening: date,
    ident: str,
    *,
    categorie: str = CAT,
    verwijzer: Spec | None = None,
    referentie: str | None = None,
    gemeente: str = GEMEENTE,
) -> Spec:
    """A JW315 for one product; by default referred by the GI (Type 04, ZorgverlenerCode = the GI)."""
    s = b.spec("JW315", dagtekening=dagtekening, identificatie=ident, persoon=p, gemeente=gemeente)
    begin = b.volgende_maand(dagtekening)
    product = b.aangevraagd_product(
        referentie or f"VOT{ident}",
        categorie=categorie,
        code=CODE if categorie == CAT else None,
        ingangsdatum=begin,
        einddatum=b.plus_maanden(begin, 6) - timedelta(days=1),
        omvang=b.omvang(4) if categorie == CAT else None,
        budget=None if categorie == CAT else 250000,
        verwijzer_spec=verwijzer if verwijzer is not None else b.verwijzer(),
    )
    return edit(s, "Client/AangevraagdeProducten/AangevraagdProduct", [product])


def toegewezen(
    nummer: int,
    toewijzingsdatum: date,
    *,
    categorie: str = CAT,
    referentie: str | None = None,
    reden_wijziging: str | None = None,
    einddatum: date | None = None,
    ingangsdatum: date | None = None,
) -> Spec:
    ingang = ingangsdatum or b.ingang(toewijzingsdatum)
    return b.toegewezen_product(
        nummer,
        categorie=categorie,
        code=CODE if categorie == CAT else None,
        toewijzingsdatum=toewijzingsdatum,
        ingangsdatum=ingang,
        einddatum=einddatum or b.plus_maanden(ingang, 6) - timedelta(days=1),
        omvang=b.omvang(4) if categorie == CAT else None,
        reden_wijziging=reden_wijziging,
        referentie_aanbieder=referentie,
    )


def jw301(p: Persoon, dagtekening: date, ident: str, *producten: Spec, gemeente: str = GEMEENTE) -> Spec:
    s = b.spec("JW301", dagtekening=dagtekening, identificatie=ident, persoon=p, gemeente=gemeente)
    return edit(s, "Client/ToegewezenProducten/ToegewezenProduct", list(producten))


def jw305(
    p: Persoon,
    dagtekening: date,
    ident: str,
    nummer: int,
    toewijzingsdatum: date,
    begindatum: date,
    *,
    categorie: str = CAT,
    status: str = NIEUW,
    gemeente: str = GEMEENTE,
) -> Spec:
    """A JW305 starting toewijzing `nummer` (assigned on `toewijzingsdatum`, see toegewezen()) on begindatum."""
    s = b.spec("JW305", dagtekening=dagtekening, identificatie=ident, persoon=p, gemeente=gemeente)
    regel = start_product(nummer, toewijzingsdatum, begindatum, categorie=categorie, status=status)
    return edit(s, "Client/StartProducten/StartProduct", [regel])


def start_product(
    nummer: int, toewijzingsdatum: date, begindatum: date, *, categorie: str = CAT, status: str = NIEUW
) -> Spec:
    """The StartProduct of toewijzing `nummer` (assigned on `toewijzingsdatum`); status 3 deletes its line."""
    return b.start_product(
        nummer,
        categorie=categorie,
        code=CODE if categorie == CAT else None,
        toewijzing_ingangsdatum=b.ingang(toewijzingsdatum),
        begindatum=begindatum,
        status=status,
    )
