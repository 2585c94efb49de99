"""Deliberately wrong declaraties (JW323) and declaratie-antwoorden (JW325), each breaking one rule.

As in hub.synth.fouten, a wrong message is a variant of the valid one about to be sent. The hub judges a JW323
per Prestatie (hub.oordeel): a finding on one line rejects only that line, so a variant that breaks a rule on
a line keeps that line alone (one Client, one Prestatie, the total adjusted) and is rejected as a whole. A
rejected JW323 counts as not sent and a rejected JW325 changes nothing, so the valid message after the variant
is judged as if it never came. The gemeente answers only the valid JW323: a JW325 about lines the hub rejected
would fail TR366, since the hub keeps only the lines it granted.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from hub.synth.build import Spec, edit
from hub.synth.declaratie import signed, totaal_bedrag
from hub.synth.fouten import ONBEKEND_NUMMER, Fout, Gelegenheid, Maker, identificatie, verkeerd_bsn

CLIENT = "Declaratie/Clienten/Client"
ANTWOORD = "DeclaratieAntwoord"
NIET_GEBRUIKT = "X"  # appended to a DeclaratieNummer or ReferentieNummer: the simulator never makes these


def declaratienummer(bericht: str, spec: Spec) -> str | None:
    """The DeclaratieNummer of a JW323 (for a TR333 variant later), None for other messages."""
    return str(spec["Declaratie"]["DeclaratieNummer"]) if bericht == "JW323" else None


def _clienten(spec: Spec) -> list[dict[str, Any]]:
    c = spec["Declaratie"]["Clienten"]["Client"]
    return c if isinstance(c, list) else [c]


def _prestaties(client: Mapping[str, Any]) -> list[dict[str, Any]]:
    p = client["Prestaties"]["Prestatie"]
    return p if isinstance(p, list) else [p]


def _lijn(p: Mapping[str, Any]) -> tuple[Any, ...]:
    """The period, product and toewijzing of a line: what a credit shares with its debet (TR389)."""
    periode = p["ProductPeriode"]
    return (
        p["ToewijzingNummer"],
        p["ProductCategorie"],
        p["ProductCode"],
        periode["Begindatum"],
        periode["Einddatum"],
    )


def _eerste_debet(spec: Spec) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(Client, Prestatie) of the first debet line that has a ProductTarief, or None.

    Not a corrected line that travels with the credit of the earlier one: kept alone, without its credit, it
    would break TR389 besides the rule its variant is made for.
    """
    for client in _clienten(spec):
        prestaties = _prestaties(client)
        gecrediteerd = {_lijn(p) for p in prestaties if p["IngediendBedrag"]["DebetCredit"] == "C"}
        for p in prestaties:
            if (
                p["IngediendBedrag"]["DebetCredit"] == "D"
                and p.get("ProductTarief") is not None
                and _lijn(p) not in gecrediteerd
            ):
                return client, p
    return None


def _met(spec: Spec, client: Mapping[str, Any], prestaties: list[dict[str, Any]]) -> Spec:
    """The JW323 with only this Client and these Prestaties, its TotaalIngediendBedrag adding up (TR358)."""
    out = copy.deepcopy(spec)
    out["Declaratie"]["Clienten"] = {
        "Client": [{**copy.deepcopy(dict(client)), "Prestaties": {"Prestatie": copy.deepcopy(prestaties)}}]
    }
    out["Declaratie"]["TotaalIngediendBedrag"] = totaal_bedrag(
        sum(signed(p["IngediendBedrag"]) for p in prestaties)
    )
    return out


# ---- JW323 ---------------------------------------------------------------------------------------------


def bsn(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """CS002: the first Client's BSN fails the 11-proef (that Client alone, so every BSN in it is wrong)."""
    client = _clienten(g.spec)[0]
    spec = _met(g.spec, {**client, "Bsn": verkeerd_bsn(client["Bsn"], rng)}, _prestaties(client))
    return Fout("CS002", "Client/Bsn fails the elfproef", spec)


def totaal(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR358: TotaalIngediendBedrag is not the signed sum of the lines."""
    echt = signed(g.spec["Declaratie"]["TotaalIngediendBedrag"])
    spec = edit(g.spec, "Declaratie/TotaalIngediendBedrag", totaal_bedrag(echt + rng.randint(1, 50) * 100))
    return Fout("TR358", "TotaalIngediendBedrag does not add up", spec)


def declaratienummer_hergebruikt(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR333: the DeclaratieNummer of an earlier accepted declaratie of this aanbieder."""
    if g.eerder_declaratienummer is None:
        return None
    spec = edit(g.spec, "Declaratie/DeclaratieNummer", g.eerder_declaratienummer)
    return Fout("TR333", "DeclaratieNummer used before by this aanbieder", spec)


def onbekende_toewijzing(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR338: a line on a ToewijzingNummer the gemeente never assigned."""
    eerste = _eerste_debet(g.spec)
    if eerste is None:
        return None
    client, p = eerste
    spec = _met(g.spec, client, [{**p, "ToewijzingNummer": ONBEKEND_NUMMER + rng.randrange(999_999)}])
    return Fout("TR338", "Prestatie on a ToewijzingNummer that was never assigned", spec)


def bedrag(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR346: IngediendBedrag is not GeleverdVolume x ProductTarief."""
    eerste = _eerste_debet(g.spec)
    if eerste is None:
        return None
    client, p = eerste
    fout = {**p["IngediendBedrag"], "Bedrag": p["IngediendBedrag"]["Bedrag"] + rng.randint(1, 99)}
    spec = _met(g.spec, client, [{**p, "IngediendBedrag": fout}])
    return Fout("TR346", "IngediendBedrag is not GeleverdVolume x ProductTarief", spec)


def tweede_debet(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR389: a line declared again in another declaratie, sent after the valid one (not credited)."""
    eerste = _eerste_debet(g.spec)
    if eerste is None:
        return None
    client, p = eerste
    ref = p["ProductReferentie"]
    nieuw = {**p, "ProductReferentie": {**ref, "ReferentieNummer": ref["ReferentieNummer"] + NIET_GEBRUIKT}}
    spec = _met(g.spec, client, [nieuw])
    spec["Declaratie"]["DeclaratieNummer"] += NIET_GEBRUIKT
    return Fout("TR389", "a second debet line for a period, product and toewijzing", spec, na=True)


# ---- JW325 ---------------------------------------------------------------------------------------------


def andere_dagtekening(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR337: DeclaratieIdentificatie names the JW323's Identificatie with another Dagtekening."""
    d = g.spec["Header"]["DeclaratieIdentificatie"]["Dagtekening"]
    spec = edit(g.spec, "Header/DeclaratieIdentificatie/Dagtekening", d - timedelta(days=rng.randint(1, 3)))
    return Fout("TR337", "DeclaratieIdentificatie names no JW323 of this aanbieder", spec)


def ander_declaratienummer(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR376: DeclaratieNummer is not that of the JW323 it answers."""
    nummer = str(g.spec[ANTWOORD]["DeclaratieNummer"]) + NIET_GEBRUIKT
    return Fout(
        "TR376",
        "DeclaratieNummer differs from the JW323's",
        edit(g.spec, f"{ANTWOORD}/DeclaratieNummer", nummer),
    )


def toegekend_klopt_niet(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR342: TotaalToegekendBedrag is not explained by the returned lines."""
    toegekend = signed(g.spec[ANTWOORD]["TotaalToegekendBedrag"]) - rng.randint(1, 50) * 100
    spec = edit(g.spec, f"{ANTWOORD}/TotaalToegekendBedrag", totaal_bedrag(toegekend))
    return Fout("TR342", "TotaalToegekendBedrag inconsistent with the rejected lines", spec)


def andere_xsd_versie(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR371: XsdVersieDeclaratie is not the XsdVersie the JW323 was sent with."""
    spec = edit(g.spec, "Header/XsdVersieDeclaratie/BerichtXsdVersie", "0.9.9")
    return Fout("TR371", "XsdVersieDeclaratie differs from the JW323's XsdVersie", spec)


def ander_volume(g: Gelegenheid, rng: random.Random) -> Fout | None:
    """TR367: a returned Prestatie with another GeleverdVolume than the JW323 declared."""
    clienten = (g.spec[ANTWOORD].get("Clienten") or {}).get("Client") or []
    if not clienten:
        return None
    p = _prestaties(clienten[0])[0]
    spec = edit(
        g.spec,
        f"{ANTWOORD}/Clienten/Client[1]/Prestaties/Prestatie[1]/GeleverdVolume",
        p["GeleverdVolume"] + rng.randint(1, 5),
    )
    return Fout("TR367", "a returned Prestatie differs from the declared line", spec)


MAKERS: dict[str, tuple[Maker, ...]] = {
    "JW323": (
        bsn,
        totaal,
        declaratienummer_hergebruikt,
        onbekende_toewijzing,
        bedrag,
        tweede_debet,
        identificatie,
    ),
    "JW325": (
        andere_dagtekening,
        ander_declaratienummer,
        toegekend_klopt_niet,
        andere_xsd_versie,
        ander_volume,
        identificatie,
    ),
}
