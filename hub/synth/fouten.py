"""Deliberately wrong messages, so dashboards show rejections by rule: each breaks one rule of a valid
message.

A wrong message is a variant of a valid one the simulator is about to send, sent just before it on the same
day (a sender whose message is rejected sends a corrected one); the hub rejects it and it changes no state
(OP286), so the valid message after it is judged as if it never came. Variants that need the valid message's
state (a second start, a second 'in onderzoek') go right after it. Rules are taken in turns, least used
first.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hub.ijw.catalog import BERICHTEN
from hub.reference.gemeenten import gemeentecodes
from hub.synth.build import Spec, edit

TOEGEWEZEN = "Client/ToegewezenProducten/ToegewezenProduct"
AANGEVRAAGD = "Client/AangevraagdeProducten/AangevraagdProduct"
START = "Client/StartProducten/StartProduct"
STOP = "Client/StopProducten/StopProduct"
NIEUW = "Client/Verzoek/NieuweProducten/NieuwProduct"
IDENTIFICATIE = "Header/BerichtIdentificatie/Identificatie"
EERSTE_START = "eerste-start"  # the JW305 starts a toewijzing that never had a start
ONBEKEND_NUMMER = 999_000_000  # ToewijzingNummers from here on are never assigned by the simulator


@dataclass(frozen=True, slots=True)
class Fout:
    rule: str
    reason: str
    spec: Spec
    na: bool = False  # sent after the valid message: it needs the state that message creates
    hergebruikt_identificatie: bool = False  # TR056: keeps the Identificatie it was given
    bericht: str | None = None  # another message type than the valid one (a stop made from a start)


@dataclass(frozen=True, slots=True)
class Gelegenheid:
    """A valid message about to be sent, and what the simulator knows of the sender's earlier messages."""

    bericht: str
    spec: Spec
    eerdere_identificatie: str | None = None  # of an accepted message, same sender, type and receiver
    eerdere_referentie: str | None = None  # a ReferentieAanbieder this aanbieder sent to this gemeente
    kenmerken: frozenset[str] = frozenset()  # what the story knows, e.g. EERSTE_START
    eerder_declaratienummer: str | None = None  # of an accepted JW323 of this aanbieder


Maker = Callable[[Gelegenheid, random.Random], Fout | None]


def _lijst(spec: Spec, path: str) -> list[dict[str, Any]]:
    node: Any = spec
    for step in path.split("/"):
        node = node.get(step) if isinstance(node, dict) else None
        if node is None:
            return []
    return node if isinstance(node, list) else [node]


def _eerste(spec: Spec, path: str, past: Callable[[dict[str, Any]], bool]) -> int | None:
    """The 1-based position of the first element at `path` that fits, as an edit path wants it."""
    return next((i + 1 for i, el in enumerate(_lijst(spec, path)) if past(el)), None)


def _per_week(el: dict[str, Any]) -> bool:
    omvang = el.get("Omvang")
    return isinstance(omvang, dict) and omvang.get("Frequentie") == "2" and el.get("RedenWijziging") is None


def _dagtekening(spec: Spec) -> date:
    d = spec["Header"]["BerichtIdentificatie"]["Dagtekening"]
    assert isinstance(d, date)
    return d


# ---- one maker per rule ------------------------------------------------------------------------------


def bsn(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """CS002 (iJw) or GB001 (GI): a changed check digit fails the 11-proef; the BSN stays in 99999xxxx."""
    waarde = _lijst(g.spec, "Client/Bsn")
    if not waarde or not isinstance(waarde[0], str):
        return None
    rule = "GB001" if g.bericht.startswith("GI") else "CS002"
    return Fout(
        rule, "Client/Bsn fails the elfproef", edit(g.spec, "Client/Bsn", verkeerd_bsn(waarde[0], rng))
    )


def verkeerd_bsn(goed: str, rng: random.Random) -> str:
    """The BSN with another check digit: it fails the 11-proef and stays in the 99999xxxx test range."""
    return goed[:8] + str((int(goed[8]) + rng.randint(1, 9)) % 10)


def identificatie(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR056: the Identificatie of an earlier accepted message of this sender and type, other content."""
    if g.eerdere_identificatie is None or g.bericht.startswith("GI"):
        return None
    spec = edit(g.spec, IDENTIFICATIE, g.eerdere_identificatie)
    return Fout(
        "TR056",
        "Identificatie used before by this sender for this message type",
        spec,
        hergebruikt_identificatie=True,
    )


def frequentie_zonder_einde(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """CD076: Frequentie 2 (per week) without an end date."""
    path, einde = {"JW301": (TOEGEWEZEN, "Einddatum"), "JW315": (AANGEVRAAGD, "ToewijzingEinddatum")}.get(
        g.bericht, ("", "")
    )
    i = _eerste(g.spec, path, _per_week) if path else None
    if i is None:
        return None
    return Fout(
        "CD076", "Frequentie per week without an end date", edit(g.spec, f"{path}[{i}]/{einde}", None)
    )


def einde_voor_ingang(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """CS003: the Einddatum of a toegewezen product before its Ingangsdatum."""
    i = _eerste(g.spec, TOEGEWEZEN, lambda el: el.get("RedenWijziging") is None)
    if g.bericht != "JW301" or i is None:
        return None
    ingang = _lijst(g.spec, TOEGEWEZEN)[i - 1]["Ingangsdatum"]
    spec = edit(g.spec, f"{TOEGEWEZEN}[{i}]/Einddatum", ingang - timedelta(days=rng.randint(1, 30)))
    return Fout("CS003", "Einddatum before Ingangsdatum", spec)


def onbekende_toewijzing(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR019: a start for a ToewijzingNummer the gemeente never assigned."""
    if g.bericht != "JW305" or not _lijst(g.spec, START):
        return None
    nummer = ONBEKEND_NUMMER + rng.randrange(999_999)
    return Fout(
        "TR019",
        "start for a ToewijzingNummer that was never assigned",
        _alleen_eerste(g.spec, START, ToewijzingNummer=nummer),
    )


def begin_na_dagtekening(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR134: a start reported before it began."""
    if g.bericht != "JW305" or not _lijst(g.spec, START):
        return None
    begin = _dagtekening(g.spec) + timedelta(days=rng.randint(1, 5))
    return Fout("TR134", "Begindatum after the Dagtekening", _alleen_eerste(g.spec, START, Begindatum=begin))


def tweede_start(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR326: another start for a toegewezen product that has a current start (sent after that start)."""
    regels = _lijst(g.spec, START)
    if g.bericht != "JW305" or not regels:
        return None
    begin = regels[0]["Begindatum"] - timedelta(days=1)
    spec = _alleen_eerste(g.spec, START, Begindatum=begin)
    return Fout("TR326", "second start while the toegewezen product has a current start", spec, na=True)


def stop_voor_start(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR069: a stop for a toewijzing whose start is not in force yet (sent before that start)."""
    regels = _lijst(g.spec, START)
    if g.bericht != "JW305" or not regels or EERSTE_START not in g.kenmerken:
        return None  # after an earlier start of the same toewijzing it would be TR382's
    start = regels[0]
    stop = {
        **{k: v for k, v in start.items() if k != "StatusAanlevering"},
        "RedenBeeindiging": "31",
        "Einddatum": start["Begindatum"],
        "StatusAanlevering": "1",
    }
    client = {k: v for k, v in g.spec["Client"].items() if k != "StartProducten"}
    header = dict(g.spec["Header"], BerichtCode=BERICHTEN["JW307"].code)
    spec = copy.deepcopy({"Header": header, "Client": {**client, "StopProducten": {"StopProduct": [stop]}}})
    return Fout("TR069", "stop for a toewijzing without a start in force", spec, bericht="JW307")


def stop_andere_begindatum(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR382: a stop that does not copy the Begindatum of the start in force."""
    regels = _lijst(g.spec, STOP)
    if g.bericht != "JW307" or not regels:
        return None
    begin = regels[0]["Begindatum"] - timedelta(days=1)
    spec = _alleen_eerste(g.spec, STOP, Begindatum=begin)
    return Fout("TR382", "stop does not copy the Begindatum of its start", spec)


def einde_voor_begin(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR018: a stop ending before its Begindatum."""
    regels = _lijst(g.spec, STOP)
    if g.bericht != "JW307" or not regels:
        return None
    einde = regels[0]["Begindatum"] - timedelta(days=rng.randint(1, 10))
    return Fout(
        "TR018", "stop Einddatum before its Begindatum", _alleen_eerste(g.spec, STOP, Einddatum=einde)
    )


def onbekende_gemeente(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR378: a verzoek sent to a gemeentecode that is not in the CBS list."""
    if g.bericht != "JW315":
        return None
    code = next(c for c in ("0999", "0001", "9999", "0000") if c not in gemeentecodes())
    return Fout(
        "TR378", f"Ontvanger {code} is not a CBS gemeentecode", edit(g.spec, "Header/Ontvanger", code)
    )


def referentie_hergebruikt(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR347: a ReferentieAanbieder this aanbieder already used in an earlier verzoek."""
    if g.bericht != "JW315" or g.eerdere_referentie is None:
        return None
    spec = edit(g.spec, f"{AANGEVRAAGD}[1]/ReferentieAanbieder", g.eerdere_referentie)
    return Fout("TR347", "ReferentieAanbieder used before by this aanbieder", spec)


def afwijzing_zonder_reden(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """CD085: a rejection (VerzoekAntwoord 1) without RedenAfwijzingVerzoek."""
    antwoord = g.spec.get("Antwoord") or {}
    if g.bericht != "JW319" or antwoord.get("VerzoekAntwoord") != "1" or antwoord.get("Woonplaatsbeginsel"):
        return None
    return Fout("CD085", "rejection without a reason", edit(g.spec, "Antwoord/RedenAfwijzingVerzoek", None))


def tweede_onderzoek(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR360: 'in onderzoek' again for the same ReferentieAanbieder (sent after the first)."""
    antwoord = g.spec.get("Antwoord") or {}
    if g.bericht != "JW319" or antwoord.get("VerzoekAntwoord") != "2":
        return None
    return Fout(
        "TR360", "a second 'in onderzoek' for the same verzoek", edit(g.spec, "Antwoord", antwoord), na=True
    )


def nieuw_product_vandaag(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR380: a NieuwProduct in a VOW whose GewensteIngangsdatum is not after the Dagtekening."""
    if g.bericht != "JW317" or not _lijst(g.spec, NIEUW):
        return None
    spec = edit(g.spec, f"{NIEUW}[1]/GewensteIngangsdatum", _dagtekening(g.spec))
    return Fout("TR380", "NieuwProduct GewensteIngangsdatum not after the Dagtekening", spec)


def _alleen_eerste(spec: Spec, path: str, **wijziging: Any) -> Spec:
    """The message with only its first line at `path`, changed; one line breaks the rule, no other finding."""
    eerste = dict(_lijst(spec, path)[0], **wijziging)
    return edit(spec, path, [eerste])


MAKERS: dict[str, tuple[Maker, ...]] = {
    "JW301": (bsn, frequentie_zonder_einde, einde_voor_ingang, identificatie),
    "JW305": (bsn, onbekende_toewijzing, begin_na_dagtekening, tweede_start, stop_voor_start, identificatie),
    "JW307": (bsn, stop_andere_begindatum, einde_voor_begin, identificatie),
    "JW315": (bsn, frequentie_zonder_einde, onbekende_gemeente, referentie_hergebruikt, identificatie),
    "JW317": (bsn, nieuw_product_vandaag),
    "JW319": (afwijzing_zonder_reden, tweede_onderzoek, identificatie),
    "GI001": (bsn,),
    "GI002": (bsn,),
}


def referenties(bericht: str, spec: Spec) -> Iterator[str]:
    """The ReferentieAanbieders a JW315 or JW317 uses (for TR347 variants later)."""
    if bericht == "JW315":
        yield from (str(p["ReferentieAanbieder"]) for p in _lijst(spec, AANGEVRAAGD))
    elif bericht == "JW317":
        yield from (str(v["ReferentieAanbieder"]) for v in _lijst(spec, "Client/Verzoek"))


class Foutenmaker:
    """Decides, with its own rng, which valid messages get a wrong twin and which rule that twin breaks."""

    def __init__(
        self, rng: random.Random, rate: float, makers: Mapping[str, tuple[Maker, ...]] = MAKERS
    ) -> None:
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"error rate {rate} is not in [0, 1)")
        self.rng = rng
        self.rate = rate
        self.makers = makers
        self.gebruikt: Counter[str] = Counter()

    def misschien(self, g: Gelegenheid) -> Fout | None:
        if self.rate == 0.0 or self.rng.random() >= self.rate:
            return None
        kandidaten = [f for maker in self.makers.get(g.bericht, ()) if (f := maker(g, self.rng)) is not None]
        if not kandidaten:
            return None
        minst = min(self.gebruikt[f.rule] for f in kandidaten)
        fout = self.rng.choice([f for f in kandidaten if self.gebruikt[f.rule] == minst])
        self.gebruikt[fout.rule] += 1
        return fout
