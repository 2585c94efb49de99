"""Which child element fills which field, for every class of the GI messages (data for hub/gi/extract.py).

The same tables as the iJw ones (hub/ijw/extract_klassen.py, read by hub/ijw/extract_read.py), and the iJw
tables themselves for the classes the GI messages share with iJw: Header, Naam (CDT_VerkorteNaam), Product,
Omvang and XsdVersie. A required repeat that is absent (Bepalingen, RetourCodes) reads as an empty tuple.
"""

from __future__ import annotations

from hub.gi.models import (
    Bepaling,
    BepalingClient,
    BepalingOntvangst,
    Capaciteit,
    CapaciteitOntvangst,
    Fout,
    Maatregel,
    MaatregelOntvangst,
    MaatregelRef,
    OntvangstHeader,
    Statusmelding,
    VoortgangClient,
)
from hub.ijw import extract_klassen as ijw
from hub.ijw.extract_read import CODES, DATE, DECIMAL, INTEGER, OPT_TEXT, TEXT, Kind, Many, klasse

# --- GI001 / GI002 / GI003 ------------------------------------------------------------------------

_CLIENT: dict[str, Kind] = {"Bsn": TEXT, "Geboortedatum": ijw.GEBOORTEDATUM, "Naam": ijw.NAAM}
MAATREGEL_REF = klasse(MaatregelRef, MaatregelId=TEXT, MaatregelType=TEXT)
BEPALING = klasse(
    Bepaling,
    BepalingId=TEXT,
    Maatregel=MAATREGEL_REF,
    DatumBepaling=DATE,
    Product=ijw.PRODUCT,
    Omvang=ijw.OMVANG,
    GewensteIngangsdatum=DATE,
    Urgentie=TEXT,
    VoorkeurAanbieder=OPT_TEXT,
    Toelichting=OPT_TEXT,
    StatusAanlevering=TEXT,
)
BEPALING_CLIENT = klasse(BepalingClient, **_CLIENT, Bepalingen=Many("Bepaling", BEPALING))
MAATREGEL = klasse(
    Maatregel,
    MaatregelId=TEXT,
    MaatregelType=TEXT,
    DatumUitspraak=DATE,
    DatumVasteJeugdbeschermer=DATE,
    DatumGedragenKoers=DATE,
    Einddatum=DATE,
)
VOORTGANG_CLIENT = klasse(VoortgangClient, **_CLIENT, Maatregelen=Many("Maatregel", MAATREGEL))
CAPACITEIT = klasse(
    Capaciteit,
    Jeugdregio=TEXT,
    Peildatum=DATE,
    Jeugdbeschermers=DECIMAL,
    Caseload=INTEGER,
    BeschikbarePlaatsen=INTEGER,
    Wachtlijst=INTEGER,
)
CAPACITEITEN = Many("Capaciteit", CAPACITEIT)

# --- GI101 / GI102 --------------------------------------------------------------------------------

FOUTEN = Many("Fout", klasse(Fout, Code=TEXT, Locatie=OPT_TEXT, Tekst=TEXT))
ONTVANGST_HEADER = klasse(
    OntvangstHeader,
    **ijw.HEADER_KINDS,
    BerichtCodeHeenbericht=TEXT,
    IdentificatieRetour=TEXT,
    DagtekeningRetour=DATE,
    XsdVersieRetour=ijw.XSD_VERSIE,
    RetourCodes=CODES,
    Fouten=FOUTEN,
)
BEPALING_ONTVANGST = klasse(
    BepalingOntvangst, BepalingId=TEXT, StatusAanlevering=TEXT, RetourCodes=CODES, Fouten=FOUTEN
)
MAATREGEL_ONTVANGST = klasse(MaatregelOntvangst, MaatregelId=TEXT, RetourCodes=CODES, Fouten=FOUTEN)
CAPACITEIT_ONTVANGST = klasse(
    CapaciteitOntvangst, Jeugdregio=TEXT, Peildatum=DATE, RetourCodes=CODES, Fouten=FOUTEN
)
STATUSMELDING = klasse(
    Statusmelding,
    BepalingId=TEXT,
    Status=TEXT,
    StatusDatum=DATE,
    ToewijzingNummer=INTEGER,
    Aanbieder=OPT_TEXT,
    Product=ijw.PRODUCT,
    Begindatum=DATE,
    Toelichting=OPT_TEXT,
)
