"""GB010-GB017: the Bepalingen of a GI001."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hub.gi.synth import bepaling, maatregel_ref, spec
from hub.synth.berichten import DEFAULT_DAGTEKENING, omvang
from hub.synth.build import Spec, edit
from tests.hub.gi.helpers import edited, locations, violations

DAG = DEFAULT_DAGTEKENING
B1 = "Client/Bepalingen/Bepaling[1]"
LOC1 = "/Bericht/Client/Bepalingen/Bepaling"  # the Locatie of the only Bepaling
LOC = "/Bericht/Client/Bepalingen/Bepaling[{}]"


def met_bepalingen(*bepalingen: Spec) -> Spec:
    return edit(spec("GI001"), "Client/Bepalingen/Bepaling", list(bepalingen))


def b(bepaling_id: str = "B1", status: str = "1", **kwargs: object) -> Spec:
    kwargs.setdefault("datum_bepaling", DAG - timedelta(days=3))
    kwargs.setdefault("gewenste_ingangsdatum", DAG)
    # Kwargs are bepaling()'s keywords, typed object here.
    return bepaling(bepaling_id, status=status, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", ["2", "9"])
def test_gb010_status_aanlevering_1_or_3(status: str) -> None:
    found = violations("GI001", edited("GI001", (f"{B1}/StatusAanlevering", status)), "GB010")
    assert [v.location for v in found] == [f"{LOC1}/StatusAanlevering"]
    assert found[0].klasse is not None  # reported on its Bepaling


@pytest.mark.parametrize("status", ["1", "3"])
def test_gb010_passes_1_and_3(status: str) -> None:
    assert locations("GI001", edited("GI001", (f"{B1}/StatusAanlevering", status)), "GB010") == []


def test_gb011_duplicate_id_with_the_same_status() -> None:
    s = met_bepalingen(b("B1"), b("B2"), b("B1"))
    assert locations("GI001", s, "GB011") == [f"{LOC.format(3)}/BepalingId"]


def test_gb011_withdrawal_plus_new_is_a_correction() -> None:
    assert locations("GI001", met_bepalingen(b("B1", "3"), b("B1", "1")), "GB011") == []
    assert locations("GI001", met_bepalingen(b("B1", "3"), b("B1", "3")), "GB011") == [
        f"{LOC.format(2)}/BepalingId"
    ]


def test_gb012_datum_bepaling_not_after_dagtekening() -> None:
    assert locations("GI001", edited("GI001", (f"{B1}/DatumBepaling", DAG)), "GB012") == []
    later = edited("GI001", (f"{B1}/DatumBepaling", DAG + timedelta(days=1)))
    assert locations("GI001", later, "GB012") == [f"{LOC1}/DatumBepaling"]


def test_gb013_datum_bepaling_not_before_birth() -> None:
    s = spec("GI001")
    geboren: date = s["Client"]["Geboortedatum"]["Datum"]
    ok = edit(edit(s, f"{B1}/DatumBepaling", geboren), f"{B1}/GewensteIngangsdatum", geboren)
    assert locations("GI001", ok, "GB013") == []
    bad = edit(
        edit(s, f"{B1}/DatumBepaling", geboren - timedelta(days=1)), f"{B1}/GewensteIngangsdatum", geboren
    )
    found = violations("GI001", bad, "GB013")
    assert [v.location for v in found] == [f"{LOC1}/DatumBepaling"]
    assert geboren.isoformat() not in found[0].message


def test_gb014_gewenste_ingangsdatum_not_before_bepaling() -> None:
    bepaald = DAG - timedelta(days=3)
    assert locations("GI001", edited("GI001", (f"{B1}/GewensteIngangsdatum", bepaald)), "GB014") == []
    bad = edited("GI001", (f"{B1}/GewensteIngangsdatum", bepaald - timedelta(days=1)))
    assert locations("GI001", bad, "GB014") == [f"{LOC1}/GewensteIngangsdatum"]


@pytest.mark.parametrize("categorie", ["31", "38", "47", "48", "49"])
def test_gb015_categorie_not_2015_or_justice(categorie: str) -> None:
    bad = edited("GI001", (f"{B1}/Product/Categorie", categorie))
    assert locations("GI001", bad, "GB015") == [f"{LOC1}/Product/Categorie"]


@pytest.mark.parametrize("categorie", ["40", "43", "45", "46", "50", "54", "55"])
def test_gb015_jeugdhulp_categories_pass(categorie: str) -> None:
    assert locations("GI001", edited("GI001", (f"{B1}/Product/Categorie", categorie)), "GB015") == []


def test_gb016_omvang_needs_a_code() -> None:
    assert locations("GI001", spec("GI001"), "GB016") == []  # default: code and omvang
    bad = edited("GI001", (f"{B1}/Product/Code", None))
    assert locations("GI001", bad, "GB016") == [f"{LOC1}/Omvang"]
    assert locations("GI001", edit(bad, f"{B1}/Omvang", None), "GB016") == []


def test_gb017_one_type_per_maatregel_id() -> None:
    s = met_bepalingen(
        b("B1", maatregel=maatregel_ref("M1", "02")),
        b("B2", maatregel=maatregel_ref("M1", "02")),
        b("B3", maatregel=maatregel_ref("M1", "04")),
        b("B4", maatregel=maatregel_ref("M2", "04")),
    )
    assert locations("GI001", s, "GB017") == [f"{LOC.format(3)}/Maatregel/MaatregelType"]


def test_every_finding_is_anchored_on_its_bepaling() -> None:
    s = met_bepalingen(b("B1"), b("B2", omvang_spec=omvang(4), code=None))
    found = violations("GI001", s)
    assert [v.rule for v in found] == ["GB016"]
    assert found[0].klasse is not None and found[0].location is not None
    assert found[0].location.startswith(LOC.format(2))
