"""Valid synthetic iJw 3.2 heenberichten as nested specs (see hub/synth/build.py), and their parts.

`spec("JW301")` gives a fresh spec that is XSD-valid and passes every level-2 rule (rules.md section 4).
All default messages tell one story for one client, anchored on the Dagtekening: two products are assigned from
the first day of the previous month (`ingang`), started on that day, one is stopped at the end of that month and
that month is declared and granted. The part builders (`toegewezen_product`, `start_product`, ...) take keyword
arguments so tests and the traffic simulator can make variants without knowing the element tree; they live in
a module per message family (klassen: shared by all, toewijzing, verzoeken, declaratie; maanden: month
arithmetic) and are all importable from here.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any, TypeVar

from hub.ijw.catalog import HEENBERICHTEN
from hub.synth.build import Spec, to_xml
from hub.synth.declaratie import (
    bedrag,
    declaratie,
    declaratie_antwoord,
    prestatie,
    prestaties_van,
    signed,
    totaal_bedrag,
)
from hub.synth.klassen import (
    XSD_VERSIE,
    adres,
    client_basis,
    contact,
    geslachtsnaam,
    header,
    omvang,
    product,
    relatie,
    telefoon,
    verkorte_naam,
    volledige_naam,
    xsd_versie,
)
from hub.synth.maanden import maand_begin, maand_einde, plus_maanden, volgende_maand, vorige_maand
from hub.synth.persons import Persoon, ouder, persoon
from hub.synth.toewijzing import start_product, stop_product, toegewezen_product
from hub.synth.verzoeken import aangevraagd_product, antwoord, nieuw_product, te_wijzigen_product, verwijzer

__all__ = [
    "ASPECIFIEK",
    "DECLARATIE_CODE_ASPECIFIEK",
    "DEFAULT_DAGTEKENING",
    "HEENBERICHTEN",
    "NIEUW_CODE",
    "SPECIFIEK",
    "XSD_VERSIE",
    "aangevraagd_product",
    "adres",
    "antwoord",
    "bedrag",
    "builder_for",
    "client_basis",
    "contact",
    "declaratie",
    "declaratie_antwoord",
    "default_identificatie",
    "default_persoon",
    "einde",
    "geslachtsnaam",
    "header",
    "ingang",
    "maand_begin",
    "maand_einde",
    "nieuw_product",
    "omvang",
    "plus_maanden",
    "prestatie",
    "prestaties_van",
    "product",
    "relatie",
    "signed",
    "spec",
    "start_product",
    "stop_product",
    "te_wijzigen_product",
    "telefoon",
    "toegewezen_product",
    "totaal_bedrag",
    "verkorte_naam",
    "verwijzer",
    "volgende_maand",
    "volledige_naam",
    "vorige_maand",
    "xml",
    "xsd_versie",
]

B = TypeVar("B")

DEFAULT_DAGTEKENING = date(2026, 11, 2)

# The default client's products: (ToewijzingNummer, Categorie, Code or None).
SPECIFIEK = (300201, "45", "45A53")
ASPECIFIEK = (300202, "43", None)
DECLARATIE_CODE_ASPECIFIEK = "43A12"  # the code declared on the aspecific toewijzing (the contract decides)
NIEUW_CODE = "45A54"


# ---- the default story --------------------------------------------------------------------------------


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
    """At most 12 characters, unique per message type and day (TR056 and GB101 are per sender and type)."""
    return f"{bericht}{dagtekening:%y%m%d}"


def builder_for(builders: Mapping[str, B], bericht: str) -> B:
    """The default-spec builder of `bericht`; else a ValueError naming the types that have one."""
    try:
        return builders[bericht]
    except KeyError:
        raise ValueError(f"no default spec for {bericht!r}; known: {', '.join(builders)}") from None


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
    builder = builder_for(_BUILDERS, bericht)
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
