"""Each deliberately wrong twin (hub.synth.fouten, hub.synth.fouten_declaratie) breaks its rule and no other.

A simulation with many twins, each maker taking its turn, goes through the intake in order: every valid message
is accepted without a finding, every twin rejected with exactly the rule its maker names.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from typing import Any

import pytest
from sqlalchemy import Engine

from hub.synth import fouten, fouten_declaratie
from hub.synth.build import edit
from hub.synth.fouten import Fout, Foutenmaker, Gelegenheid, Maker
from hub.synth.persons import is_elfproef
from hub.synth.simulate import ACCEPTED, REJECTED, SimBericht, SimConfig, Simulator
from tests.hub.intake_helpers import new_intake

TOT = date(2026, 11, 20)
CONFIG = SimConfig(
    seed=5, regios=("Arnhem",), aanbieders=4, clienten=80, tot=TOT
)  # its twins come from ElkeMaker below

# The rule and reason each maker's twin carries (the reason goes into the manifest of `hub simulate`).
REGELS: dict[tuple[str, str], tuple[str, str]] = {
    ("fouten", "bsn"): ("CS002", "Client/Bsn fails the elfproef"),
    ("fouten", "identificatie"): ("TR056", "Identificatie used before by this sender for this message type"),
    ("fouten", "frequentie_zonder_einde"): ("CD076", "Frequentie per week without an end date"),
    ("fouten", "einde_voor_ingang"): ("CS003", "Einddatum before Ingangsdatum"),
    ("fouten", "onbekende_toewijzing"): ("TR019", "start for a ToewijzingNummer that was never assigned"),
    ("fouten", "begin_na_dagtekening"): ("TR134", "Begindatum after the Dagtekening"),
    ("fouten", "tweede_start"): ("TR326", "second start while the toegewezen product has a current start"),
    ("fouten", "stop_voor_start"): ("TR069", "stop for a toewijzing without a start in force"),
    ("fouten", "stop_andere_begindatum"): ("TR382", "stop does not copy the Begindatum of its start"),
    ("fouten", "einde_voor_begin"): ("TR018", "stop Einddatum before its Begindatum"),
    ("fouten", "onbekende_gemeente"): ("TR378", "Ontvanger 0999 is not a CBS gemeentecode"),
    ("fouten", "referentie_hergebruikt"): ("TR347", "ReferentieAanbieder used before by this aanbieder"),
    ("fouten", "afwijzing_zonder_reden"): ("CD085", "rejection without a reason"),
    ("fouten", "tweede_onderzoek"): ("TR360", "a second 'in onderzoek' for the same verzoek"),
    ("fouten", "nieuw_product_vandaag"): (
        "TR380",
        "NieuwProduct GewensteIngangsdatum not after the Dagtekening",
    ),
    ("fouten_declaratie", "bsn"): ("CS002", "Client/Bsn fails the elfproef"),
    ("fouten_declaratie", "totaal"): ("TR358", "TotaalIngediendBedrag does not add up"),
    ("fouten_declaratie", "declaratienummer_hergebruikt"): (
        "TR333",
        "DeclaratieNummer used before by this aanbieder",
    ),
    ("fouten_declaratie", "onbekende_toewijzing"): (
        "TR338",
        "Prestatie on a ToewijzingNummer that was never assigned",
    ),
    ("fouten_declaratie", "bedrag"): ("TR346", "IngediendBedrag is not GeleverdVolume x ProductTarief"),
    ("fouten_declaratie", "tweede_debet"): (
        "TR389",
        "a second debet line for a period, product and toewijzing",
    ),
    ("fouten_declaratie", "andere_dagtekening"): (
        "TR337",
        "DeclaratieIdentificatie names no JW323 of this aanbieder",
    ),
    ("fouten_declaratie", "ander_declaratienummer"): ("TR376", "DeclaratieNummer differs from the JW323's"),
    ("fouten_declaratie", "toegekend_klopt_niet"): (
        "TR342",
        "TotaalToegekendBedrag inconsistent with the rejected lines",
    ),
    ("fouten_declaratie", "andere_xsd_versie"): (
        "TR371",
        "XsdVersieDeclaratie differs from the JW323's XsdVersie",
    ),
    ("fouten_declaratie", "ander_volume"): ("TR367", "a returned Prestatie differs from the declared line"),
}


def naam(maker: Maker) -> tuple[str, str]:
    return maker.__module__.rsplit(".", 1)[-1], maker.__name__


class ElkeMaker(Foutenmaker):
    """A Foutenmaker that gives each (message type, maker) its turn, least used first, and records its choice."""

    def __init__(self, rng: random.Random, rate: float, makers: dict[str, tuple[Maker, ...]]) -> None:
        super().__init__(rng, rate, makers)
        self.per_maker: Counter[tuple[str, str, str]] = Counter()
        self.gekozen: list[tuple[tuple[str, str, str], Fout]] = []
        self.gelegenheden: list[Gelegenheid] = []  # every valid message, for the makers to be tried on

    def misschien(self, g: Gelegenheid) -> Fout | None:
        self.gelegenheden.append(copy.deepcopy(g))
        if self.rng.random() >= self.rate:
            return None
        kandidaten = [
            ((g.bericht, *naam(maker)), f)
            for maker in self.makers.get(g.bericht, ())
            if (f := maker(g, self.rng)) is not None
        ]
        if not kandidaten:
            return None
        minst = min(self.per_maker[k] for k, _ in kandidaten)
        sleutel, fout = self.rng.choice([(k, f) for k, f in kandidaten if self.per_maker[k] == minst])
        self.per_maker[sleutel] += 1
        self.gekozen.append((sleutel, fout))
        return fout


@cache
def simulatie() -> tuple[
    tuple[SimBericht, ...], tuple[tuple[tuple[str, str, str], Fout], ...], list[Gelegenheid]
]:
    """The messages; per twin (message type, module, maker) and its Fout; the valid messages' Gelegenheden."""
    sim = Simulator(CONFIG)
    # The seeds the Simulator gives its own Foutenmakers; the stories draw from sim.rng alone.
    sim.fouten = gewoon = ElkeMaker(random.Random(f"{CONFIG.seed}:fouten"), 0.9, fouten.MAKERS)
    sim.fouten_declaratie = declaratie = ElkeMaker(
        random.Random(f"{CONFIG.seed}:fouten:declaratie"), 0.9, fouten_declaratie.MAKERS
    )
    berichten = tuple(sim.run())
    return berichten, (*gewoon.gekozen, *declaratie.gekozen), [*gewoon.gelegenheden, *declaratie.gelegenheden]


def test_every_maker_of_every_message_type_made_twins() -> None:
    _, gekozen, _ = simulatie()
    gemaakt = Counter(k for k, _ in gekozen)
    alle = {
        (b, *naam(m)) for mk in (fouten.MAKERS, fouten_declaratie.MAKERS) for b, ms in mk.items() for m in ms
    }
    assert set(gemaakt) == alle, alle - set(gemaakt)


def test_each_twin_carries_its_makers_rule_and_reason() -> None:
    _, gekozen, _ = simulatie()
    for (bericht, module, maker), fout in gekozen:
        rule, reason = REGELS[(module, maker)]
        if bericht.startswith("GI"):
            rule = "GB001"  # the GI 11-proef
        assert (fout.rule, fout.reason) == (rule, reason), (bericht, module, maker)


def test_the_intake_rejects_each_twin_on_its_rule_alone_and_accepts_the_rest(db: Engine) -> None:
    berichten, gekozen, _ = simulatie()
    twins = [b for b in berichten if b.expected == REJECTED]
    assert Counter(b.rule for b in twins) == Counter(f.rule for _, f in gekozen)
    intake = new_intake(db, TOT)
    mismatches = []
    for b in berichten:
        result = intake.verwerk(b.xml)
        rules = sorted({v.rule for v in result.errors})
        verwacht = [] if b.expected == ACCEPTED else [b.rule]
        if result.outcome != b.expected or rules != verwacht:
            mismatches.append((b.bestandsnaam, b.rule, result.outcome, rules))
    assert mismatches == []


def gelegenheden(bericht: str) -> list[Gelegenheid]:
    return [g for g in simulatie()[2] if g.bericht == bericht]


def _lijn(p: dict[str, Any]) -> tuple[object, ...]:
    periode = p["ProductPeriode"]
    return p["ToewijzingNummer"], p["ProductCode"], periode["Begindatum"], periode["Einddatum"]


def test_a_line_twin_is_never_a_corrected_line_without_its_credit() -> None:
    """A corrected debet kept alone, without the credit beside it, would break TR389 besides its own rule."""
    gecorrigeerd = 0
    for g in gelegenheden("JW323"):
        clienten = g.spec["Declaratie"]["Clienten"]["Client"]
        lijnen = [p for c in clienten for p in c["Prestaties"]["Prestatie"]]
        credits = {_lijn(p) for p in lijnen if p["IngediendBedrag"]["DebetCredit"] == "C"}
        if not credits:
            continue
        gecorrigeerd += 1
        fout = fouten_declaratie.bedrag(g, random.Random(1))
        assert fout is not None
        (client,) = fout.spec["Declaratie"]["Clienten"]["Client"]
        (p,) = client["Prestaties"]["Prestatie"]
        assert _lijn(p) not in credits
    assert gecorrigeerd >= 1


# ---- the parts on their own --------------------------------------------------------------------------


def test_a_wrong_bsn_changes_only_the_check_digit_and_fails_the_elfproef() -> None:
    goed = "999990019"
    assert is_elfproef(goed)
    for seed in range(30):
        fout = fouten.verkeerd_bsn(goed, random.Random(seed))
        assert (len(fout), fout[:8]) == (9, goed[:8]) and fout[8] != goed[8], fout
        assert not is_elfproef(fout)


def _twee_regels(g: Gelegenheid, rng: random.Random) -> Fout | None:
    return Fout("R1", "een", {}) if g.spec.get("R1", True) else None


def _regel_twee(g: Gelegenheid, rng: random.Random) -> Fout | None:
    return Fout("R2", "twee", {})


def test_rates_outside_zero_to_one_are_refused() -> None:
    for rate in (-0.01, 1.0, 1.5):
        with pytest.raises(ValueError, match="error rate"):
            Foutenmaker(random.Random(1), rate)
    assert Foutenmaker(random.Random(1), 0.0).rate == 0.0


def test_rate_zero_makes_no_twin_and_draws_nothing() -> None:
    rng = random.Random(1)
    voor = rng.getstate()
    maker = Foutenmaker(rng, 0.0, {"X": (_regel_twee,)})
    assert maker.misschien(Gelegenheid("X", {})) is None
    assert rng.getstate() == voor


def test_rules_are_taken_in_turns_least_used_first() -> None:
    maker = Foutenmaker(random.Random(3), 0.999, {"X": (_twee_regels, _regel_twee)})
    regels = [f.rule for _ in range(40) if (f := maker.misschien(Gelegenheid("X", {}))) is not None]
    assert len(regels) >= 30
    assert all(abs(regels[:n].count("R1") - regels[:n].count("R2")) <= 1 for n in range(len(regels)))
    assert maker.gebruikt == Counter(regels)


def test_a_message_type_without_makers_or_without_candidates_gets_no_twin() -> None:
    maker = Foutenmaker(random.Random(3), 0.999, {"X": (_twee_regels,)})
    assert maker.misschien(Gelegenheid("Y", {})) is None
    assert maker.misschien(Gelegenheid("X", {"R1": False})) is None
    assert maker.gebruikt == Counter()


def test_a_maker_leaves_other_message_types_and_messages_without_its_lines_alone() -> None:
    """The guards: a maker asked about a message it is not made for makes nothing (and does not crash)."""
    rng = random.Random(1)
    jw301 = gelegenheden("JW301")[0]
    for maker in (
        fouten.onbekende_toewijzing,
        fouten.begin_na_dagtekening,
        fouten.tweede_start,
        fouten.stop_voor_start,
        fouten.stop_andere_begindatum,
        fouten.einde_voor_begin,
        fouten.nieuw_product_vandaag,
    ):
        assert maker(jw301, rng) is None, maker.__name__
        assert maker(replace(jw301, kenmerken=frozenset({fouten.EERSTE_START})), rng) is None, maker.__name__
    for bericht, pad, makers in (
        (
            "JW305",
            "StartProducten",
            (
                fouten.onbekende_toewijzing,
                fouten.begin_na_dagtekening,
                fouten.tweede_start,
                fouten.stop_voor_start,
            ),
        ),
        ("JW307", "StopProducten", (fouten.stop_andere_begindatum, fouten.einde_voor_begin)),
        ("JW317", "Verzoek", (fouten.nieuw_product_vandaag,)),
    ):
        g = gelegenheden(bericht)[0]
        client = {k: v for k, v in g.spec["Client"].items() if k != pad}
        zonder = replace(g, spec={**g.spec, "Client": client}, kenmerken=frozenset({fouten.EERSTE_START}))
        for maker in makers:
            assert maker(zonder, rng) is None, (bericht, maker.__name__)
    zonder_bsn = replace(jw301, spec={**jw301.spec, "Client": {}})
    assert fouten.bsn(zonder_bsn, rng) is None


def test_a_second_start_begins_before_the_first_so_not_after_the_dagtekening() -> None:
    """Moved later, a start reported on its first day would break TR134 besides TR326."""
    for g in gelegenheden("JW305")[:5]:
        dag = g.spec["Header"]["BerichtIdentificatie"]["Dagtekening"]
        spec = edit(g.spec, f"{fouten.START}[1]/Begindatum", dag)
        fout = fouten.tweede_start(replace(g, spec=spec), random.Random(1))
        assert fout is not None
        assert fout.spec["Client"]["StartProducten"]["StartProduct"][0]["Begindatum"] < dag


def test_a_returned_line_with_another_volume_keeps_a_volume_of_at_least_one() -> None:
    """A volume moved down could reach 0 or below, which the XSD refuses (another finding than TR367)."""
    antwoorden = [g for g in gelegenheden("JW325") if fouten_declaratie.ander_volume(g, random.Random(1))]
    assert antwoorden
    for g in antwoorden[:5]:
        pad = "DeclaratieAntwoord/Clienten/Client[1]/Prestaties/Prestatie[1]/GeleverdVolume"
        spec = edit(g.spec, pad, 1)
        for seed in range(10):
            fout = fouten_declaratie.ander_volume(replace(g, spec=spec), random.Random(seed))
            assert fout is not None
            (client, *_) = fout.spec["DeclaratieAntwoord"]["Clienten"]["Client"]
            assert fout_volume(client) > 1


def fout_volume(client: dict[str, Any]) -> int:
    prestaties = client["Prestaties"]["Prestatie"]
    eerste = prestaties[0] if isinstance(prestaties, list) else prestaties
    return int(eerste["GeleverdVolume"])


def test_a_stop_with_another_begindatum_moves_it_earlier_so_not_after_its_einddatum() -> None:
    """Moved later, the Begindatum of a stop ending on its first day would break TR018 besides TR382."""
    stops = gelegenheden("JW307")[:5]
    assert stops
    for g in stops:
        begin = g.spec["Client"]["StopProducten"]["StopProduct"][0]["Begindatum"]
        spec = edit(g.spec, "Client/StopProducten/StopProduct[1]/Einddatum", begin)
        fout = fouten.stop_andere_begindatum(replace(g, spec=spec), random.Random(1))
        assert fout is not None
        (stop,) = fout.spec["Client"]["StopProducten"]["StopProduct"]
        assert stop["Begindatum"] < begin == stop["Einddatum"]


def _waarde(spec: Any, pad: str, *, alle: bool = False) -> Any:
    """The value at a path of `edit`'s kind (the first of a list), or with `alle` the whole list at its end."""
    node = spec
    stappen = pad.split("/")
    for n, stap in enumerate(stappen):
        node = node[stap]
        if isinstance(node, list) and not (alle and n == len(stappen) - 1):
            node = node[0]
    return node


def _dag(spec: Any) -> Any:
    return spec["Header"]["BerichtIdentificatie"]["Dagtekening"]


# (maker, message type, whether a twin's spec is wrong, given the valid spec); each moves a value by an offset
VERSCHUIVINGEN: list[tuple[Maker, str, Callable[[Any, Any], bool]]] = [
    (
        fouten.einde_voor_ingang,
        "JW301",
        lambda f, _: any(
            p.get("Einddatum") is not None and p["Einddatum"] < p["Ingangsdatum"]
            for p in _waarde(f, fouten.TOEGEWEZEN, alle=True)
        ),
    ),
    (fouten.begin_na_dagtekening, "JW305", lambda f, _: _waarde(f, f"{fouten.START}/Begindatum") > _dag(f)),
    (
        fouten.einde_voor_begin,
        "JW307",
        lambda f, _: _waarde(f, f"{fouten.STOP}/Einddatum") < _waarde(f, f"{fouten.STOP}/Begindatum"),
    ),
    (
        fouten.onbekende_toewijzing,
        "JW305",
        lambda f, _: _waarde(f, f"{fouten.START}/ToewijzingNummer") >= fouten.ONBEKEND_NUMMER,
    ),
    *(
        (maker, bericht, lambda f, g, pad=pad: _waarde(f, pad) != _waarde(g, pad))
        for maker, bericht, pad in (
            (fouten_declaratie.totaal, "JW323", "Declaratie/TotaalIngediendBedrag"),
            (fouten_declaratie.andere_dagtekening, "JW325", "Header/DeclaratieIdentificatie/Dagtekening"),
            (fouten_declaratie.toegekend_klopt_niet, "JW325", "DeclaratieAntwoord/TotaalToegekendBedrag"),
        )
    ),
]


def test_a_random_shift_is_never_zero_so_every_twin_is_wrong() -> None:
    """The offsets are drawn from ranges without 0: a 0 would make a twin that breaks nothing."""
    for maker, bericht, fout_is in VERSCHUIVINGEN:
        g = next(g for g in gelegenheden(bericht) if maker(g, random.Random(0)) is not None)
        for seed in range(400):
            fout = maker(g, random.Random(seed))
            assert fout is not None
            assert fout_is(fout.spec, g.spec), (maker.__name__, seed)
    # The changed line of a JW323 is the one line left in the twin; the valid one is the first debet line.
    g = next(g for g in gelegenheden("JW323") if fouten_declaratie.bedrag(g, random.Random(0)) is not None)
    for seed in range(400):
        fout = fouten_declaratie.bedrag(g, random.Random(seed))
        assert fout is not None
        (client,) = fout.spec["Declaratie"]["Clienten"]["Client"]
        (p,) = client["Prestaties"]["Prestatie"]
        assert p["IngediendBedrag"]["Bedrag"] != p["GeleverdVolume"] * p["ProductTarief"], seed


def test_an_einddatum_before_ingangsdatum_goes_on_a_product_that_is_not_a_change() -> None:
    g = next(g for g in gelegenheden("JW301") if fouten.einde_voor_ingang(g, random.Random(1)))
    eerste = g.spec["Client"]["ToegewezenProducten"]["ToegewezenProduct"][0]
    # The change begins later than the product the twin should take: its Einddatum is judged by its own start.
    later = {**eerste, "RedenWijziging": "01", "Ingangsdatum": eerste["Ingangsdatum"] + timedelta(days=60)}
    producten = [later, eerste]
    spec = edit(g.spec, fouten.TOEGEWEZEN, producten)
    fout = fouten.einde_voor_ingang(replace(g, spec=spec), random.Random(1))
    assert fout is not None
    gewijzigd, fout_product = fout.spec["Client"]["ToegewezenProducten"]["ToegewezenProduct"]
    assert gewijzigd == producten[0]
    assert fout_product["Einddatum"] < fout_product["Ingangsdatum"]


def test_no_identificatie_twin_for_gi_messages() -> None:
    """TR056 is the iJw rule; a GI message with a used Identificatie is GB101's (not made here)."""
    g = gelegenheden("GI001")[0]
    assert fouten.identificatie(replace(g, eerdere_identificatie="X1"), random.Random(1)) is None
    jw = gelegenheden("JW301")[0]
    fout = fouten.identificatie(replace(jw, eerdere_identificatie="X1"), random.Random(1))
    assert fout is not None and fout.spec["Header"]["BerichtIdentificatie"]["Identificatie"] == "X1"


def test_toewijzingnummers_for_unknown_toewijzingen_are_above_every_assigned_one() -> None:
    """TR019 and TR338 twins draw from ONBEKEND_NUMMER on: the simulator's own numbers stay below it."""
    toegewezen = [
        int(p["ToewijzingNummer"])
        for g in gelegenheden("JW301")
        for p in g.spec["Client"]["ToegewezenProducten"]["ToegewezenProduct"]
    ]
    assert toegewezen and max(toegewezen) < fouten.ONBEKEND_NUMMER
    assert fouten.ONBEKEND_NUMMER + 999_999 <= 999_999_999  # LDT_Nummer's maxInclusive


def test_no_cd085_twin_for_a_rejection_on_the_woonplaatsbeginsel_or_for_another_message() -> None:
    g = next(g for g in gelegenheden("JW319") if fouten.afwijzing_zonder_reden(g, random.Random(1)))
    antwoord = {**g.spec["Antwoord"], "Woonplaatsbeginsel": {"Postcode": "6811AA"}}
    assert (
        fouten.afwijzing_zonder_reden(replace(g, spec={**g.spec, "Antwoord": antwoord}), random.Random(1))
        is None
    )
    assert fouten.einde_voor_ingang(gelegenheden("JW305")[0], random.Random(1)) is None


def test_a_per_week_product_without_end_date_is_not_a_change() -> None:
    g = next(g for g in gelegenheden("JW301") if fouten.frequentie_zonder_einde(g, random.Random(1)))
    per_week = next(
        p
        for p in g.spec["Client"]["ToegewezenProducten"]["ToegewezenProduct"]
        if p["Omvang"]["Frequentie"] == "2"
    )
    producten = [{**per_week, "RedenWijziging": "01"}, per_week]
    spec = edit(g.spec, fouten.TOEGEWEZEN, producten)
    fout = fouten.frequentie_zonder_einde(replace(g, spec=spec), random.Random(1))
    assert fout is not None
    gewijzigd, fout_product = fout.spec["Client"]["ToegewezenProducten"]["ToegewezenProduct"]
    assert gewijzigd == producten[0] and "Einddatum" not in fout_product


def test_referenties_and_declaratienummer_read_the_messages_they_are_for() -> None:
    """The ReferentieAanbieders and DeclaratieNummers later TR347 and TR333 twins reuse."""
    jw315, jw317 = gelegenheden("JW315")[0], gelegenheden("JW317")[0]
    producten = jw315.spec["Client"]["AangevraagdeProducten"]["AangevraagdProduct"]
    verzoeken = jw317.spec["Client"]["Verzoek"]
    verzoeken = verzoeken if isinstance(verzoeken, list) else [verzoeken]
    assert list(fouten.referenties("JW315", jw315.spec)) == [str(p["ReferentieAanbieder"]) for p in producten]
    assert list(fouten.referenties("JW317", jw317.spec)) == [str(v["ReferentieAanbieder"]) for v in verzoeken]
    assert list(fouten.referenties("JW301", jw315.spec)) == []
    assert list(fouten.referenties("JW315", jw317.spec)) == []
    jw323 = gelegenheden("JW323")[0]
    nummer = str(jw323.spec["Declaratie"]["DeclaratieNummer"])
    assert fouten_declaratie.declaratienummer("JW323", jw323.spec) == nummer
    assert fouten_declaratie.declaratienummer("JW325", jw323.spec) is None
