"""The normalised, versioned events the hub publishes: one event per accepted heenbericht, JSON on the wire.

Privacy by construction: the models have no field for a BSN, a name, a birth date, an address, a phone
number, an e-mail address or a Commentaar, so no caller can put one in. A client is known only by its
pseudonym (hub.privacy), which is also the Kafka key. Codes stay strings (leading zeros), amounts are
euro cents. A breaking change gets a new `schema_version` and a new schema file, never an edit of v1.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Annotated, Literal, TypeAlias

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, WithJsonSchema

# Fixed forever: changing it changes every event_id, and consumers deduplicate on event_id.
EVENT_NAMESPACE = uuid.UUID("6f0d1d8e-4a53-5c2e-9b7a-3f1e0c2a9d41")


def make_event_id(bericht_id: str, event_type: str) -> uuid.UUID:
    """The event's id: uuid5 of the hub's message id and the event type, so a redelivery yields the same id."""
    return uuid.uuid5(EVENT_NAMESPACE, f"{bericht_id}/{event_type}")


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
Gemeente = Annotated[str, Field(pattern=r"^[0-9]{4}$", description="CBS gemeentecode")]
Aanbieder = Annotated[str, Field(pattern=r"^[0-9]{8}$", description="AGB code of the aanbieder")]
Pseudonym = Annotated[
    str,
    Field(pattern=r"^[0-9a-f]{64}$", description="Client pseudonym (keyed HMAC of the BSN); the Kafka key"),
]
Cents = Annotated[int, Field(description="Amount in euro cents")]
# JSON Schema's format "time" is RFC 3339's full-time, which requires a UTC offset; an iJw time has none (LDT_Tijd),
# so a consumer that checks formats would refuse every value. Written out as a pattern instead.
LokaleTijd = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?$",
            "description": "Local time without a UTC offset (iJw LDT_Tijd): hh:mm:ss with up to 6 decimals",
        }
    ),
]


class EventModel(BaseModel):
    # Frozen: an event is a fact. Forbid: a field not in the schema (personal data) cannot sneak in.
    # Defaults count as required in the JSON Schema because the hub always writes them.
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_serialization_defaults_required=True)


class Omvang(EventModel):
    volume: int
    eenheid: str
    frequentie: str


class HubEvent(EventModel):
    """The envelope every normalised event shares."""

    schema_version: Literal[1] = 1
    type: str
    event_id: uuid.UUID = Field(description="uuid5 of bericht_id and type: the same for a redelivery")
    bericht_id: str = Field(description="The hub's id of the message")
    bericht: str = Field(description="The iJw message, e.g. JW301")
    afzender: str
    ontvanger: str
    gemeente: Gemeente
    aanbieder: Aanbieder
    identificatie: str = Field(description="Header/BerichtIdentificatie/Identificatie")
    dagtekening: date = Field(description="Header/BerichtIdentificatie/Dagtekening")
    # Optional here only for AntwoordOntvangen; every event with its own client narrows this to required.
    client: Pseudonym | None
    ontvangen_op: UtcDatetime = Field(description="When the hub received the message, UTC")

    @property
    def kafka_key(self) -> str | None:
        """The Kafka key of the event: the client pseudonym, so one client's events stay in order."""
        return self.client

    @staticmethod
    def parse_event(data: str | bytes) -> NormalisedEvent:
        """The event a topic value (or a stored event) holds, as its own class; see parse_event()."""
        return parse_event(data)


# --- JW301 ----------------------------------------------------------------------------------------


class ToegewezenProductRegel(EventModel):
    """One ToegewezenProduct, without its Commentaar."""

    toewijzing_nummer: int
    referentie_aanbieder: str | None = None
    categorie: str | None = None
    code: str | None = None
    toewijzingsdatum: date
    toewijzingstijd: LokaleTijd
    ingangsdatum: date
    einddatum: date | None = None
    reden_wijziging: str | None = None
    omvang: Omvang | None = None
    budget: Cents | None = None


class ToewijzingOntvangen(HubEvent):
    """An accepted JW301 Toewijzing."""

    type: Literal["ToewijzingOntvangen"] = "ToewijzingOntvangen"
    bericht: Literal["JW301"] = "JW301"
    client: Pseudonym
    producten: tuple[ToegewezenProductRegel, ...] = ()


# --- JW305 / JW307 --------------------------------------------------------------------------------


class StartRegel(EventModel):
    """One StartProduct."""

    toewijzing_nummer: int | None = None
    categorie: str | None = None
    code: str | None = None
    toewijzing_ingangsdatum: date | None = None
    begindatum: date
    status_aanlevering: str


class StartOntvangen(HubEvent):
    """An accepted JW305 Start zorg."""

    type: Literal["StartOntvangen"] = "StartOntvangen"
    bericht: Literal["JW305"] = "JW305"
    client: Pseudonym
    regels: tuple[StartRegel, ...] = ()


class StopRegel(EventModel):
    """One StopProduct."""

    toewijzing_nummer: int | None = None
    categorie: str | None = None
    code: str | None = None
    toewijzing_ingangsdatum: date | None = None
    begindatum: date
    einddatum: date
    reden_beeindiging: str
    status_aanlevering: str


class StopOntvangen(HubEvent):
    """An accepted JW307 Stop zorg."""

    type: Literal["StopOntvangen"] = "StopOntvangen"
    bericht: Literal["JW307"] = "JW307"
    client: Pseudonym
    regels: tuple[StopRegel, ...] = ()


# --- JW315 ----------------------------------------------------------------------------------------


class AangevraagdProductRegel(EventModel):
    """One AangevraagdProduct, without the Verwijzer's Naam and the Commentaar."""

    referentie_aanbieder: str
    categorie: str | None = None
    code: str | None = None
    toewijzing_ingangsdatum: date
    toewijzing_einddatum: date | None = None
    omvang: Omvang | None = None
    budget: Cents | None = None
    verwijzer_type: str
    # An AGB code names a practice or professional, not the client: it may travel.
    verwijzer_zorgverlener_code: str | None = None


class VerzoekOmToewijzingOntvangen(HubEvent):
    """An accepted JW315 Verzoek om toewijzing."""

    type: Literal["VerzoekOmToewijzingOntvangen"] = "VerzoekOmToewijzingOntvangen"
    bericht: Literal["JW315"] = "JW315"
    client: Pseudonym
    producten: tuple[AangevraagdProductRegel, ...] = ()


# --- JW317 ----------------------------------------------------------------------------------------


class OngewijzigdProductRegel(EventModel):
    toewijzing_nummer: int


class TeWijzigenProductRegel(EventModel):
    toewijzing_nummer: int
    gewenste_ingangsdatum: date
    einddatum: date | None = None
    omvang: Omvang | None = None
    budget: Cents | None = None


class NieuwProductRegel(EventModel):
    categorie: str | None = None
    code: str | None = None
    gewenste_ingangsdatum: date
    einddatum: date | None = None
    omvang: Omvang | None = None
    budget: Cents | None = None


class VerzoekOmWijzigingOntvangen(HubEvent):
    """An accepted JW317 Verzoek om wijziging."""

    type: Literal["VerzoekOmWijzigingOntvangen"] = "VerzoekOmWijzigingOntvangen"
    bericht: Literal["JW317"] = "JW317"
    client: Pseudonym
    referentie_aanbieder: str
    reden_verzoek: str
    ongewijzigde_producten: tuple[OngewijzigdProductRegel, ...] = ()
    te_wijzigen_producten: tuple[TeWijzigenProductRegel, ...] = ()
    nieuwe_producten: tuple[NieuwProductRegel, ...] = ()


# --- JW319 ----------------------------------------------------------------------------------------


class AntwoordOntvangen(HubEvent):
    """An accepted JW319 Antwoordbericht; client is that of the verzoek it answers, None when unknown."""

    type: Literal["AntwoordOntvangen"] = "AntwoordOntvangen"
    bericht: Literal["JW319"] = "JW319"
    client: Pseudonym | None = None  # JW319 names no client itself
    referentie_aanbieder: str
    verzoek_antwoord: str
    reden_afwijzing: str | None = Field(default=None, description="Antwoord/RedenAfwijzingVerzoek")
    woonplaatsbeginsel_gemeente: Gemeente | None = None


# --- GI001 / GI002 / GI003 / GI102 (issue 4) -------------------------------------------------------
# The hub's own GI messages. The envelope's `aanbieder` is the GI's AGB code (the GI sends in the aanbieder's
# role); Toelichting is free text that may name people and never travels.


class BepalingRegel(EventModel):
    """One accepted Bepaling of a GI001: a new one (StatusAanlevering 1) or a withdrawal (3)."""

    bepaling_id: str
    status_aanlevering: str
    maatregel_id: str
    maatregel_type: str = Field(description="GIC01")
    datum_bepaling: date
    categorie: str = Field(description="JZ020 productcategorie of the needed help")
    code: str | None = None
    omvang: Omvang | None = None
    gewenste_ingangsdatum: date
    urgentie: str = Field(description="GIC02")
    voorkeur_aanbieder: Aanbieder | None = None


class BepalingOntvangen(HubEvent):
    """An accepted GI001 Bepaling jeugdhulp: its accepted bepalingen (level-3 rejected ones are left out)."""

    type: Literal["BepalingOntvangen"] = "BepalingOntvangen"
    bericht: Literal["GI001"] = "GI001"
    client: Pseudonym
    bepalingen: tuple[BepalingRegel, ...] = ()


class MaatregelRegel(EventModel):
    """One accepted Maatregel of a GI002, with the dates this message brings (absent: not sent now)."""

    maatregel_id: str
    maatregel_type: str = Field(description="GIC01")
    datum_uitspraak: date | None = None
    datum_vaste_jeugdbeschermer: date | None = None
    datum_gedragen_koers: date | None = None
    einddatum: date | None = None


class MaatregelVoortgangOntvangen(HubEvent):
    """An accepted GI002 Maatregel-voortgang: its accepted maatregelen."""

    type: Literal["MaatregelVoortgangOntvangen"] = "MaatregelVoortgangOntvangen"
    bericht: Literal["GI002"] = "GI002"
    client: Pseudonym
    maatregelen: tuple[MaatregelRegel, ...] = ()


class CapaciteitRegel(EventModel):
    """One Capaciteit of a GI003: a GI's capacity in one jeugdregio on one peildatum."""

    jeugdregio: str = Field(description="As sent by the GI")
    regio: str = Field(description="The jeugdregio as the gemeente list spells it (the metrics' regio label)")
    peildatum: date
    jeugdbeschermers: Decimal = Field(description="Formation in fte, exact as sent")
    caseload: int
    beschikbare_plaatsen: int
    wachtlijst: int


class CapaciteitOntvangen(HubEvent):
    """An accepted GI003 Capaciteit; it is about no client, so its Kafka key is the GI's AGB code."""

    type: Literal["CapaciteitOntvangen"] = "CapaciteitOntvangen"
    bericht: Literal["GI003"] = "GI003"
    client: None = None
    capaciteiten: tuple[CapaciteitRegel, ...] = ()

    @property
    def kafka_key(self) -> str | None:
        return self.aanbieder


class StatusmeldingVerstuurd(HubEvent):
    """A GI102 Statusmelding the hub sent to a GI about one of its bepalingen (afzender: the gemeente).

    `bericht_id` is the hub's id of the statusmelding and `ontvangen_op` the moment the hub wrote it.
    """

    type: Literal["StatusmeldingVerstuurd"] = "StatusmeldingVerstuurd"
    bericht: Literal["GI102"] = "GI102"
    client: Pseudonym
    bepaling_id: str
    status: str = Field(description="GIC03")
    status_datum: date
    toewijzing_nummer: int | None = None
    zorgaanbieder: Aanbieder | None = Field(
        default=None, description="AGB code of the aanbieder of the verzoek, toewijzing or start"
    )
    categorie: str | None = None
    code: str | None = None
    begindatum: date | None = None


# --- the union, the topics, the dead letters ------------------------------------------------------

NormalisedEvent: TypeAlias = Annotated[
    ToewijzingOntvangen
    | StartOntvangen
    | StopOntvangen
    | VerzoekOmToewijzingOntvangen
    | VerzoekOmWijzigingOntvangen
    | AntwoordOntvangen
    | BepalingOntvangen
    | MaatregelVoortgangOntvangen
    | CapaciteitOntvangen
    | StatusmeldingVerstuurd,
    Field(discriminator="type"),
]

NORMALISED_EVENT: TypeAdapter[NormalisedEvent] = TypeAdapter(NormalisedEvent)

# The suffix of each event's topic name; the names themselves are configuration (hub.settings).
IJW_TOPIC_KIND: dict[type[HubEvent], str] = {
    ToewijzingOntvangen: "toewijzing",
    StartOntvangen: "start",
    StopOntvangen: "stop",
    VerzoekOmToewijzingOntvangen: "verzoek-om-toewijzing",
    VerzoekOmWijzigingOntvangen: "verzoek-om-wijziging",
    AntwoordOntvangen: "antwoord",
}
GI_TOPIC_KIND: dict[type[HubEvent], str] = {
    BepalingOntvangen: "gi.bepaling",
    MaatregelVoortgangOntvangen: "gi.maatregel-voortgang",
    CapaciteitOntvangen: "gi.capaciteit",
    StatusmeldingVerstuurd: "gi.status",
}
TOPIC_KIND: dict[type[HubEvent], str] = {**IJW_TOPIC_KIND, **GI_TOPIC_KIND}


def parse_event(data: str | bytes) -> NormalisedEvent:
    """The event a topic value holds; raises pydantic.ValidationError for anything else."""
    return NORMALISED_EVENT.validate_json(data)


class DeadLetter(EventModel):
    """The value on the dead-letter topic: why a raw message could not be processed, never its content."""

    schema_version: Literal[1] = 1
    type: Literal["DeadLetter"] = "DeadLetter"
    reason: str = Field(
        description="Machine-readable cause: malformed or processing-failed (intake), unreadable-event or "
        "processor-failed (processors)"
    )
    # The producer keeps message content out: parser messages can quote element values (a BSN, a name).
    error: str = Field(max_length=2000, description="What went wrong, without message content")
    bericht_id: str | None = Field(default=None, description="The hub's id of the message, when it has one")
    raw_size: int = Field(ge=0, description="Size of the raw message in bytes")
    first_seen: UtcDatetime
    attempts: int = Field(ge=1)


# Every model with a published JSON Schema (tools/gen_event_schemas.py), in a stable order.
SCHEMA_MODELS: tuple[type[EventModel], ...] = (*TOPIC_KIND, DeadLetter)
