"""Typed GI messages: one frozen model per message, names as the GI elements in snake_case.

Built on the iJw models (hub/ijw/models.py) for what the two share: Header, Naam, Product, Omvang. Dates are
`date`, counts `int`, fte a `Decimal` (exact, as sent); codes stay `str` so leading zeros survive.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal, TypeAlias

from pydantic import Field

from hub.ijw.models import Header, IjwModel, Naam, Omvang, Product, XsdVersie


class Client(IjwModel):
    """Bsn, Geboortedatum and Naam (CDT_VerkorteNaam) of GI001 and GI002."""

    bsn: str
    geboortedatum: date
    datum_gebruik: str | None = None
    naam: Naam


class MaatregelRef(IjwModel):
    """CDT_Maatregel: the measure a bepaling falls under."""

    maatregel_id: str
    maatregel_type: str


class Bepaling(IjwModel):
    bepaling_id: str
    maatregel: MaatregelRef
    datum_bepaling: date
    product: Product
    omvang: Omvang | None = None
    gewenste_ingangsdatum: date
    urgentie: str
    voorkeur_aanbieder: str | None = None
    toelichting: str | None = None
    status_aanlevering: str


class BepalingClient(Client):
    bepalingen: tuple[Bepaling, ...]


class Maatregel(IjwModel):
    """A GI002 Maatregel: each date may be absent and arrive in a later message."""

    maatregel_id: str
    maatregel_type: str
    datum_uitspraak: date | None = None
    datum_vaste_jeugdbeschermer: date | None = None
    datum_gedragen_koers: date | None = None
    einddatum: date | None = None


class VoortgangClient(Client):
    maatregelen: tuple[Maatregel, ...]


class Capaciteit(IjwModel):
    jeugdregio: str
    peildatum: date
    jeugdbeschermers: Decimal  # fte
    caseload: int
    beschikbare_plaatsen: int
    wachtlijst: int


class Fout(IjwModel):
    code: str
    locatie: str | None = None
    tekst: str


class OntvangstHeader(Header):
    """GI101 Header: the heenbericht's header (with BerichtCode 911) plus the answer's own identity and verdict."""

    bericht_code_heenbericht: str
    identificatie_retour: str
    dagtekening_retour: date
    xsd_versie_retour: XsdVersie
    retour_codes: tuple[str, ...]
    fouten: tuple[Fout, ...] = ()


class BepalingOntvangst(IjwModel):
    bepaling_id: str
    status_aanlevering: str
    retour_codes: tuple[str, ...]
    fouten: tuple[Fout, ...] = ()


class MaatregelOntvangst(IjwModel):
    maatregel_id: str
    retour_codes: tuple[str, ...]
    fouten: tuple[Fout, ...] = ()


class CapaciteitOntvangst(IjwModel):
    jeugdregio: str
    peildatum: date
    retour_codes: tuple[str, ...]
    fouten: tuple[Fout, ...] = ()


class Statusmelding(IjwModel):
    """What the hub tells a GI about one bepaling (GI102); which fields a status needs is rule GB040."""

    bepaling_id: str
    status: str
    status_datum: date
    toewijzing_nummer: int | None = None
    aanbieder: str | None = None
    product: Product | None = None
    begindatum: date | None = None
    toelichting: str | None = None


class Gi001(IjwModel):
    """Bepaling jeugdhulp."""

    bericht: Literal["GI001"] = "GI001"
    header: Header
    client: BepalingClient


class Gi002(IjwModel):
    """Maatregel-voortgang."""

    bericht: Literal["GI002"] = "GI002"
    header: Header
    client: VoortgangClient


class Gi003(IjwModel):
    """Capaciteit."""

    bericht: Literal["GI003"] = "GI003"
    header: Header
    capaciteiten: tuple[Capaciteit, ...]


class Gi101(IjwModel):
    """Ontvangstbevestiging: one of the three part lists, for the message type it answers."""

    bericht: Literal["GI101"] = "GI101"
    header: OntvangstHeader
    bepalingen: tuple[BepalingOntvangst, ...] = ()
    maatregelen: tuple[MaatregelOntvangst, ...] = ()
    capaciteiten: tuple[CapaciteitOntvangst, ...] = ()


class Gi102(IjwModel):
    """Statusmelding."""

    bericht: Literal["GI102"] = "GI102"
    header: Header
    statusmelding: Statusmelding


GiBericht: TypeAlias = Annotated[Gi001 | Gi002 | Gi003 | Gi101 | Gi102, Field(discriminator="bericht")]
