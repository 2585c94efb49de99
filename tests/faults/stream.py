"""A coherent message stream for the fault tests: per client a JW301, then its JW305 and JW307, some JW315/JW319.

Several gemeente/aanbieder pairs, so the inbound key spreads the stream over several partitions; every message
is accepted when it arrives in order. Message ids are derived from the header, so two runs of the same stream
(an undisturbed one and a disturbed one) give the same ids, events and retouren.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from hub.ijw.catalog import BERICHTEN
from hub.synth.berichten import spec
from hub.synth.build import Spec, edit, to_xml
from hub.synth.persons import Persoon, persoon
from hub.topics import inbound_key

# Valid gemeentecodes (the shipped CBS list) with made-up AGB codes; the first three land on three partitions.
PAIRS = (("0200", "12345678"), ("0599", "34567890"), ("0344", "45678901"), ("0363", "23456789"))
_ID_NAMESPACE = uuid.UUID("0f5c3a52-61d4-4c3f-9a57-2b3d3c1f7e10")


@dataclass(frozen=True, slots=True)
class Bericht:
    """One message of the stream, with what the tests check against (never logged)."""

    bericht: str
    identificatie: str
    afzender: str
    data: bytes
    key: str  # the inbound key gemeente:aanbieder
    bericht_id: str
    persoon: Persoon | None  # None for a JW319, which names no client


def dagtekening() -> date:
    """Three weeks before today: `hub run` judges with the real date, so the stream moves along with it."""
    return date.today() - timedelta(days=21)


def bericht_id(afzender: str, bericht: str, identificatie: str) -> str:
    return uuid.uuid5(_ID_NAMESPACE, f"{afzender}/{bericht}/{identificatie}").hex


def _make(bericht: str, s: Spec, p: Persoon | None) -> Bericht:
    header = s["Header"]
    identificatie = header["BerichtIdentificatie"]["Identificatie"]
    key = inbound_key(BERICHTEN[bericht], header["Afzender"], header["Ontvanger"])
    return Bericht(
        bericht, identificatie, header["Afzender"], to_xml(bericht, s), key,
        bericht_id(header["Afzender"], bericht, identificatie), p,
    )  # fmt: skip


def _client(rng: random.Random, seen: set[str], dag: date) -> Persoon:
    """A new child with a BSN no other client of the stream has (the test range is small)."""
    while True:
        p = persoon(rng, dag, min_leeftijd=4, max_leeftijd=15)
        if p.bsn not in seen:
            seen.add(p.bsn)
            return p


def client_berichten(
    p: Persoon, tag: str, nummer: int, gemeente: str, aanbieder: str, dag: date, *, verzoek: bool
) -> list[Bericht]:
    """JW301 (two products), JW305 (both started), JW307 (one stopped) and with `verzoek` a JW315 + JW319."""

    def make(bericht: str, who: Persoon | None = p) -> Spec:
        return spec(
            bericht, persoon=who, identificatie=f"T{bericht[2:]}{tag}", gemeente=gemeente, aanbieder=aanbieder,
            dagtekening=dag,
        )  # fmt: skip

    nr1, nr2 = 400_000 + nummer * 10 + 1, 400_000 + nummer * 10 + 2  # TR332: unique within the gemeente
    s301, s305, s307 = make("JW301"), make("JW305"), make("JW307")
    for i, nr in enumerate((nr1, nr2), start=1):
        s301 = edit(s301, f"Client/ToegewezenProducten/ToegewezenProduct[{i}]/ToewijzingNummer", nr)
        s305 = edit(s305, f"Client/StartProducten/StartProduct[{i}]/ToewijzingNummer", nr)
    s307 = edit(s307, "Client/StopProducten/StopProduct[1]/ToewijzingNummer", nr1)
    out = [_make("JW301", s301, p), _make("JW305", s305, p), _make("JW307", s307, p)]
    if verzoek:
        referentie = f"VOT{tag}A"  # unique per aanbieder (OP361)
        s315 = make("JW315")
        s315 = edit(
            s315, "Client/AangevraagdeProducten/AangevraagdProduct[1]/ReferentieAanbieder", referentie
        )
        s315 = edit(
            s315, "Client/AangevraagdeProducten/AangevraagdProduct[2]/ReferentieAanbieder", f"VOT{tag}B"
        )
        s319 = edit(make("JW319", None), "Antwoord/ReferentieAanbieder", referentie)
        out += [_make("JW315", s315, p), _make("JW319", s319, None)]
    return out


def coherent_stream(
    clients_per_pair: int = 5, pairs: tuple[tuple[str, str], ...] = PAIRS, seed: int = 11
) -> list[Bericht]:
    """The stream in publish order: client by client across the pairs, so every partition is busy at once."""
    rng = random.Random(seed)
    dag = dagtekening()
    seen: set[str] = set()
    out: list[Bericht] = []
    for c in range(clients_per_pair):
        for p_index, (gemeente, aanbieder) in enumerate(pairs):
            client = _client(rng, seen, dag)
            nummer, tag = c * len(pairs) + p_index, f"{p_index}{c:02d}"
            out += client_berichten(
                client, tag, nummer, gemeente, aanbieder, dag, verzoek=(c + p_index) % 2 == 0
            )
    return out
