"""Linking GI bepalingen to the verzoeken, toewijzingen and starts that follow them (docs/gi-koppeling.md).

Pure functions over one client at one gemeente: the store glue (hub.store.gi_link) loads the candidates, the
processors write the result. The outcome depends on the dates in the messages and on store row ids only,
never on the order in which the hub happened to receive messages of different senders, so every replica and
every replay links alike. Withdrawn bepalingen and deleted toewijzingen (RedenWijziging 13) are not candidates:
removing one undoes its links, and whatever it held is free for the others again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time

from hub.dates import plus_dagen, plus_maanden
from hub.gi.codes import (
    STATUS_BEPALING_INGETROKKEN,
    STATUS_HULP_GESTART,
    STATUS_NORM_OVERSCHREDEN,
    STATUS_TOEWIJZING_AFGEGEVEN,
    STATUS_TOEWIJZING_VERVALLEN,
    STATUS_VERZOEK_ONTVANGEN,
)
from hub.monitor.norms import wacht_boven_norm

GI_VERWIJZER = "04"  # COD327: gecertificeerde instelling
DEFAULT_TERMIJN_DAGEN = 365


@dataclass(frozen=True, slots=True)
class KoppelRegels:
    """A verzoek or toewijzing links when dated from the DatumBepaling up to `termijn_dagen` days after it."""

    termijn_dagen: int = DEFAULT_TERMIJN_DAGEN

    def binnen(self, bepaling: Bepaling, datum: date) -> bool:
        # A term reaching beyond date.max holds every later date.
        return bepaling.datum <= datum <= plus_dagen(bepaling.datum, self.termijn_dagen)


@dataclass(frozen=True, slots=True)
class Bepaling:
    """A bepaling in force (not withdrawn); `sleutel` is its store row id."""

    sleutel: int
    gi: str
    categorie: str
    datum: date  # DatumBepaling

    @property
    def volgorde(self) -> tuple[date, int]:
        """Oldest first: by DatumBepaling, then by acceptance (row id)."""
        return (self.datum, self.sleutel)


@dataclass(frozen=True, slots=True)
class Verzoek:
    """A JW315 requested product; verwijzer_type None when the hub did not record its Verwijzer."""

    aanbieder: str
    referentie: str
    categorie: str | None
    dagtekening: date
    verwijzer_type: str | None
    zorgverlener_code: str | None
    sleutel: int  # store row id

    def van(self, gi: str) -> bool:
        """Requested by this GI: Verwijzer Type 04 and, when the aanbieder named one, the GI's own AGB code."""
        return self.verwijzer_type == GI_VERWIJZER and self.zorgverlener_code in (None, gi)

    @property
    def onderwerp(self) -> str:
        return f"verzoek:{self.aanbieder}:{self.referentie}"


@dataclass(frozen=True, slots=True)
class Toewijzing:
    """A toewijzing (gemeente, ToewijzingNummer) of the client: its first version's data, and whether deleted."""

    aanbieder: str
    nummer: int
    categorie: str | None
    code: str | None
    datum: date  # Toewijzingsdatum of the first version
    tijd: time
    referentie: str | None  # the ReferentieAanbieder a version carried: the verzoek it answers
    verwijderd_op: date | None = None  # Toewijzingsdatum of the version that deleted it (RedenWijziging 13)

    @property
    def verwijderd(self) -> bool:
        return self.verwijderd_op is not None

    @property
    def onderwerp(self) -> str:
        return f"toewijzing:{self.nummer}"


@dataclass(frozen=True, slots=True)
class Start:
    """A start line in force of a toewijzing."""

    nummer: int
    begindatum: date
    sleutel: int  # store row id


@dataclass(frozen=True, slots=True)
class Koppeling:
    """What one bepaling is linked to."""

    bepaling: int
    verzoek: Verzoek | None = None
    toewijzing: Toewijzing | None = None
    start: Start | None = None


def _mag_verzoek(regels: KoppelRegels, b: Bepaling, v: Verzoek) -> bool:
    return v.categorie == b.categorie and v.van(b.gi) and regels.binnen(b, v.dagtekening)


def _mag_toewijzing(regels: KoppelRegels, b: Bepaling, t: Toewijzing, verzoek: Verzoek | None) -> bool:
    """Same categorie, in the window, and not the answer to a request another referrer made."""
    if t.verwijderd or t.categorie != b.categorie or not regels.binnen(b, t.datum):
        return False
    return verzoek is None or verzoek.verwijzer_type is None or verzoek.van(b.gi)


def koppel(
    bepalingen: Iterable[Bepaling],
    verzoeken: Iterable[Verzoek],
    toewijzingen: Iterable[Toewijzing],
    starts: Iterable[Start],
    regels: KoppelRegels = KoppelRegels(),
) -> dict[int, Koppeling]:
    """The links of one client at one gemeente, per bepaling that has any (docs/gi-koppeling.md, K1-K6).

    Verzoeken, then toewijzingen, are taken in date order; each goes to the oldest bepaling that matches and has
    none of its kind yet. A toewijzing answering a linked verzoek goes to that verzoek's bepaling first.
    """
    open_ = sorted(bepalingen, key=lambda b: b.volgorde)
    alle_verzoeken = list(verzoeken)
    per_referentie = {(v.aanbieder, v.referentie): v for v in alle_verzoeken}
    verzoek_van: dict[int, Verzoek] = {}
    bepaling_van_verzoek: dict[tuple[str, str], Bepaling] = {}
    for v in sorted(alle_verzoeken, key=lambda v: (v.dagtekening, v.sleutel)):
        b = next((b for b in open_ if b.sleutel not in verzoek_van and _mag_verzoek(regels, b, v)), None)
        if b is not None:
            verzoek_van[b.sleutel] = v
            bepaling_van_verzoek[(v.aanbieder, v.referentie)] = b
    toewijzing_van: dict[int, Toewijzing] = {}
    for t in sorted(toewijzingen, key=lambda t: (t.datum, t.tijd, t.nummer)):
        ref = (t.aanbieder, t.referentie) if t.referentie is not None else None
        verzoek = per_referentie.get(ref) if ref is not None else None
        voorkeur = bepaling_van_verzoek.get(ref) if ref is not None else None
        kandidaten = [voorkeur] if voorkeur is not None else []
        kandidaten += open_
        b = next(
            (
                b
                for b in kandidaten
                if b.sleutel not in toewijzing_van and _mag_toewijzing(regels, b, t, verzoek)
            ),
            None,
        )
        if b is not None:
            toewijzing_van[b.sleutel] = t
    eerste_start: dict[int, Start] = {}
    for s in sorted(starts, key=lambda s: (s.begindatum, s.sleutel)):
        eerste_start.setdefault(s.nummer, s)
    out: dict[int, Koppeling] = {}
    for b in open_:
        gekozen = toewijzing_van.get(b.sleutel)
        if b.sleutel in verzoek_van or gekozen is not None:
            start = eerste_start.get(gekozen.nummer) if gekozen is not None else None
            out[b.sleutel] = Koppeling(b.sleutel, verzoek_van.get(b.sleutel), gekozen, start)
    return out


# ---- statusmeldingen -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Melding:
    """One status to tell the GI (GIC03) about a bepaling; (bepaling, status, onderwerp) is sent at most once."""

    bepaling: int
    status: str
    onderwerp: str
    datum: date  # StatusDatum: the day it happened
    toewijzing_nummer: int | None = None
    aanbieder: str | None = None
    categorie: str | None = None
    code: str | None = None
    begindatum: date | None = None


def meldingen(koppelingen: Mapping[int, Koppeling]) -> list[Melding]:
    """Statuses 01 (verzoek), 02 (toewijzing) and 03 (start) that the current links imply."""
    out: list[Melding] = []
    for k in koppelingen.values():
        if k.verzoek is not None:
            v = k.verzoek
            out.append(
                Melding(
                    k.bepaling, STATUS_VERZOEK_ONTVANGEN, v.onderwerp, v.dagtekening, aanbieder=v.aanbieder
                )
            )
        t = k.toewijzing
        if t is None:
            continue
        out.append(
            Melding(
                k.bepaling,
                STATUS_TOEWIJZING_AFGEGEVEN,
                t.onderwerp,
                t.datum,
                toewijzing_nummer=t.nummer,
                aanbieder=t.aanbieder,
                categorie=t.categorie,
                code=t.code,
            )
        )
        if k.start is not None:
            out.append(
                Melding(
                    k.bepaling,
                    STATUS_HULP_GESTART,
                    t.onderwerp,
                    k.start.begindatum,
                    toewijzing_nummer=t.nummer,
                    aanbieder=t.aanbieder,
                    begindatum=k.start.begindatum,
                )
            )
    return out


def vervallen(
    gemeld: Iterable[tuple[int, str, str]], lopend: Iterable[int], toewijzingen: Iterable[Toewijzing]
) -> list[Melding]:
    """Status 05 for a toewijzing the GI was told of (02) that is now deleted, before the help started (no 03).

    `gemeld` holds the (bepaling, status, onderwerp) already sent; only bepalingen in force get a 05.
    """
    sent = set(gemeld)
    in_force = set(lopend)
    per_onderwerp = {t.onderwerp: t for t in toewijzingen}
    out: list[Melding] = []
    for bepaling, status, onderwerp in sorted(sent):
        t = per_onderwerp.get(onderwerp)
        if (
            status != STATUS_TOEWIJZING_AFGEGEVEN
            or bepaling not in in_force
            or t is None
            or t.verwijderd_op is None
            or (bepaling, STATUS_HULP_GESTART, onderwerp) in sent
        ):
            continue
        out.append(
            Melding(
                bepaling,
                STATUS_TOEWIJZING_VERVALLEN,
                onderwerp,
                t.verwijderd_op,
                toewijzing_nummer=t.nummer,
                aanbieder=t.aanbieder,
            )
        )
    return out


def ingetrokken(bepaling: int, op: date) -> Melding:
    """Status 06: the GI's withdrawal is processed; nothing follows about this bepaling."""
    return Melding(bepaling, STATUS_BEPALING_INGETROKKEN, "", op)


def norm_verstreken(datum_bepaling: date) -> date:
    """The first day on which help not started is above the 3-month norm (the day after the deadline).

    Held at date.max when the deadline is: then no day is above the norm, so no caller asks.
    """
    return plus_dagen(plus_maanden(datum_bepaling, 3), 1)


def norm_overschreden(bepaling: int, datum_bepaling: date, gestart: bool, vandaag: date) -> Melding | None:
    """Status 04 when, as of vandaag, 3 months have passed since the DatumBepaling and the help has not started."""
    if gestart or not wacht_boven_norm(datum_bepaling, vandaag):
        return None
    return Melding(bepaling, STATUS_NORM_OVERSCHREDEN, "", norm_verstreken(datum_bepaling))
