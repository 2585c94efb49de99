"""Duplicate lines inside one message (rules.md 4.7 TR101, 4.5 TR383), on XSD-valid messages."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

import hub.rules.duplicates  # noqa: F401  (registers the rules under test)
from hub.synth.berichten import adres, contact, declaratie_antwoord, spec, telefoon
from hub.synth.build import Spec, edit
from tests.hub.rules.level2 import edited, locations, violations

RELATIE = "Client/Relaties/Relatie"
CONTACT = "Client/Contactgegevens/Contact"
TOEGEWEZEN = "Client/ToegewezenProducten/ToegewezenProduct"
START = "Client/StartProducten/StartProduct"
STOP = "Client/StopProducten/StopProduct"
AANGEVRAAGD = "Client/AangevraagdeProducten/AangevraagdProduct"
ONGEWIJZIGD = "Client/Verzoek/OngewijzigdeProducten/OngewijzigdProduct"
TE_WIJZIGEN = "Client/Verzoek/TeWijzigenProducten/TeWijzigenProduct"
NIEUW = "Client/Verzoek/NieuweProducten/NieuwProduct"
CLIENT_323 = "Declaratie/Clienten/Client"
CLIENT_325 = "DeclaratieAntwoord/Clienten/Client"


def _items(s: Spec, path: str) -> list[Any]:
    """The list of repeated elements at `path` in a spec (made a list if it is a single dict)."""
    *parents, name = path.split("/")
    node: Any = s
    for step in parents:
        node = node[step][0] if isinstance(node[step], list) else node[step]
    if not isinstance(node[name], list):
        node[name] = [node[name]]
    items: list[Any] = node[name]
    return items


def with_copy(bericht: str, path: str, times: int = 1, **changes: Any) -> Spec:
    """The default spec with the first element at `path` repeated `times` more, `changes` applied to the copies."""
    s = spec(bericht)
    items = _items(s, path)
    for _ in range(times):
        items.append({**copy.deepcopy(items[0]), **changes})
    return s


def jw325(jw323: Spec) -> Spec:
    """A JW325 that returns every Prestatie of this JW323 rejected (so its Clients and Prestaties repeat)."""
    referenties = [
        p["ProductReferentie"]["ReferentieNummer"]
        for client in jw323["Declaratie"]["Clienten"]["Client"]
        for p in client["Prestaties"]["Prestatie"]
    ]
    return declaratie_antwoord(
        jw323,
        dagtekening=date(2026, 11, 2),
        identificatie="JW325A",
        afgewezen=dict.fromkeys(referenties, "9338"),
    )


def twee_clienten_323(tweede_bsn: str | None = None) -> Spec:
    """The default JW323 with its client repeated (the same Bsn unless another is given)."""
    s = spec("JW323")
    clienten = s["Declaratie"]["Clienten"]["Client"]
    tweede = copy.deepcopy(clienten[0])
    if tweede_bsn is not None:
        tweede["Bsn"] = tweede_bsn
    clienten.append(tweede)
    return s


def dubbele_prestatie_323() -> Spec:
    """The default JW323 whose second Prestatie repeats the ProductReferentie of the first."""
    s = spec("JW323")
    prestaties = s["Declaratie"]["Clienten"]["Client"][0]["Prestaties"]["Prestatie"]
    prestaties[1]["ProductReferentie"] = dict(prestaties[0]["ProductReferentie"])
    return s


def twee_clienten_325() -> Spec:
    """A JW325 whose Client (with its rejected Prestaties) is repeated under the same Bsn."""
    s = jw325(spec("JW323"))
    clienten = s["DeclaratieAntwoord"]["Clienten"]["Client"]
    clienten.append(copy.deepcopy(clienten[0]))
    return s


def loc(path: str, n: int | None = None) -> str:
    return f"/Bericht/{path}" + (f"[{n}]" if n is not None else "")


def jw305_start_zonder_product() -> Spec:
    """Two StartProducts with the same ToewijzingNummer and Begindatum, both without Product (absent = equal)."""
    s = spec("JW305")
    starts = s["Client"]["StartProducten"]["StartProduct"]
    starts[0]["Product"] = None
    starts[1] = copy.deepcopy(starts[0])
    return s


# (bericht, spec, expected TR101 locations)
TR101_BREAKS = [
    pytest.param("JW301", with_copy("JW301", RELATIE), [loc(RELATIE, 2)], id="JW301-relatie"),
    pytest.param(
        "JW301", with_copy("JW301", RELATIE, times=2), [loc(RELATIE, 3)], id="JW301-drie-relaties-een-melding"
    ),
    pytest.param(
        "JW301",
        edited(
            "JW301",
            (CONTACT, [contact("01", adres=adres()), contact("01", adres=adres(huisnummer=14))]),
        ),
        [loc(CONTACT, 2)],
        id="JW301-contact-zelfde-soort",
    ),
    pytest.param(
        "JW301",
        edited("JW301", (f"{TOEGEWEZEN}[2]/ToewijzingNummer", 300201)),
        [loc(TOEGEWEZEN, 2)],
        id="JW301-toewijzingnummer",
    ),
    pytest.param("JW305", with_copy("JW305", START), [loc(START, 3)], id="JW305-startproduct"),
    pytest.param(
        "JW305",
        with_copy("JW305", START, StatusAanlevering="3"),
        [loc(START, 3)],
        id="JW305-verwijderen-en-opnieuw",
    ),
    pytest.param("JW305", jw305_start_zonder_product(), [loc(START, 2)], id="JW305-product-afwezig-in-beide"),
    pytest.param(
        "JW305",
        with_copy("JW305", START, ToewijzingIngangsdatum=date(2026, 10, 15)),
        [loc(START, 3)],
        id="JW305-niet-sleutel-verschilt",
    ),
    pytest.param("JW307", with_copy("JW307", STOP), [loc(STOP, 2)], id="JW307-stopproduct"),
    pytest.param(
        "JW307",
        with_copy("JW307", STOP, StatusAanlevering="3"),
        [loc(STOP, 2)],
        id="JW307-status-niet-in-sleutel",
    ),
    pytest.param(
        "JW315", with_copy("JW315", AANGEVRAAGD), [loc(AANGEVRAAGD, 3)], id="JW315-aangevraagd-product"
    ),
    pytest.param("JW317", with_copy("JW317", ONGEWIJZIGD), [loc(ONGEWIJZIGD, 2)], id="JW317-ongewijzigd"),
    pytest.param("JW317", with_copy("JW317", TE_WIJZIGEN), [loc(TE_WIJZIGEN, 2)], id="JW317-te-wijzigen"),
    pytest.param("JW317", with_copy("JW317", NIEUW, Budget=None), [loc(NIEUW, 2)], id="JW317-nieuw"),
    pytest.param("JW323", twee_clienten_323(), [loc(CLIENT_323, 2)], id="JW323-client"),
    pytest.param(
        "JW323", dubbele_prestatie_323(), [loc(CLIENT_323 + "/Prestaties/Prestatie", 2)], id="JW323-prestatie"
    ),
    pytest.param("JW325", twee_clienten_325(), [loc(CLIENT_325, 2)], id="JW325-client"),
    pytest.param(
        "JW325",
        jw325(dubbele_prestatie_323()),
        [loc(CLIENT_325 + "/Prestaties/Prestatie", 2)],
        id="JW325-prestatie",
    ),
]

TR101_PASSES = [
    *[
        pytest.param(b, spec(b), id=f"{b}-default")
        for b in ("JW301", "JW305", "JW307", "JW315", "JW317", "JW323")
    ],
    pytest.param("JW325", jw325(spec("JW323")), id="JW325-twee-prestaties"),
    pytest.param(
        "JW301",
        edited("JW301", (CONTACT, [contact("01", adres=adres()), contact("02", telefoon=telefoon())])),
        id="JW301-contacten-andere-soort",
    ),
    # Exact text: a leading zero makes another key.
    pytest.param(
        "JW305",
        edit(with_copy("JW305", START), f"{START}[3]/ToewijzingNummer", "0300201"),
        id="JW305-voorloopnul-verschilt",
    ),
    # Exact text: whitespace counts too (the string type keeps it, so both are XSD-valid).
    pytest.param(
        "JW301",
        edit(with_copy("JW301", RELATIE), f"{RELATIE}[2]/Nummer", "1 "),
        id="JW301-spatie-verschilt",
    ),
    # Absent in one and present in the other differs.
    pytest.param(
        "JW305",
        edit(with_copy("JW305", START), f"{START}[3]/Product/Code", None),
        id="JW305-code-afwezig-in-een",
    ),
    # A temporary stop (20) and a definitive stop with the same dates are different lines (verified).
    pytest.param(
        "JW307", with_copy("JW307", STOP, RedenBeeindiging="20"), id="JW307-andere-reden-beeindiging"
    ),
    pytest.param(
        "JW307", with_copy("JW307", STOP, Einddatum=date(2026, 10, 30)), id="JW307-andere-einddatum"
    ),
    pytest.param(
        "JW317",
        with_copy("JW317", NIEUW, GewensteIngangsdatum=date(2026, 12, 2)),
        id="JW317-nieuw-andere-ingangsdatum",
    ),
    # Prestaties are compared per client only: the same ReferentieNummer under another client is TR314's business.
    pytest.param("JW323", twee_clienten_323("999990019"), id="JW323-zelfde-referentie-andere-client"),
    pytest.param("JW325", jw325(twee_clienten_323("999990019")), id="JW325-zelfde-referentie-andere-client"),
]


@pytest.mark.parametrize(("bericht", "bericht_spec", "expected"), TR101_BREAKS)
def test_tr101_breaks(bericht: str, bericht_spec: Spec, expected: list[str]) -> None:
    assert locations(bericht, bericht_spec, "TR101") == expected


@pytest.mark.parametrize(("bericht", "bericht_spec"), TR101_PASSES)
def test_tr101_passes(bericht: str, bericht_spec: Spec) -> None:
    assert locations(bericht, bericht_spec, "TR101") == []


def test_tr101_message_names_earlier_members_but_no_bsn() -> None:
    s = twee_clienten_323()
    bsn = s["Declaratie"]["Clienten"]["Client"][0]["Bsn"]
    s["Declaratie"]["Clienten"]["Client"].append(copy.deepcopy(s["Declaratie"]["Clienten"]["Client"][0]))
    [found] = violations("JW323", s, "TR101")
    assert found.location == loc(CLIENT_323, 3)
    assert "Client 3" in found.message and "Client 1, 2" in found.message
    assert bsn not in found.message


def test_tr101_two_groups_give_two_findings() -> None:
    s = with_copy("JW301", RELATIE)
    s = edit(s, f"{TOEGEWEZEN}[2]/ToewijzingNummer", 300201)
    assert locations("JW301", s, "TR101") == [loc(RELATIE, 2), loc(TOEGEWEZEN, 2)]


REFERENTIE = AANGEVRAAGD + "[{}]/ReferentieAanbieder"

TR383_CASES = [
    pytest.param(
        edited(
            "JW315",
            (
                REFERENTIE.format(2),
                spec("JW315")["Client"]["AangevraagdeProducten"]["AangevraagdProduct"][0][
                    "ReferentieAanbieder"
                ],
            ),
        ),
        [loc(REFERENTIE.format(1))],
        id="tweede-herhaalt-eerste",
    ),
    pytest.param(
        with_copy("JW315", AANGEVRAAGD, times=2), [loc(REFERENTIE.format(1))] * 2, id="twee-herhalingen"
    ),
    pytest.param(spec("JW315"), [], id="default-ok"),
    pytest.param(
        edited(
            "JW315",
            (
                REFERENTIE.format(2),
                spec("JW315")["Client"]["AangevraagdeProducten"]["AangevraagdProduct"][0][
                    "ReferentieAanbieder"
                ].lower(),
            ),
        ),
        [],
        id="hoofdletters-tellen-ok",
    ),
]


@pytest.mark.parametrize(("bericht_spec", "expected"), TR383_CASES)
def test_tr383(bericht_spec: Spec, expected: list[str]) -> None:
    assert locations("JW315", bericht_spec, "TR383") == expected


def test_tr383_comes_with_tr101() -> None:
    s = with_copy("JW315", AANGEVRAAGD)
    assert locations("JW315", s, "TR383") == [loc(REFERENTIE.format(1))]
    assert locations("JW315", s, "TR101") == [loc(AANGEVRAAGD, 3)]
