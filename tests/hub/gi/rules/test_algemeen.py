"""GB001-GB004: Bsn, Geboortedatum, Dagtekening and gemeentecode of every GI message."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from hub.gi.synth import GI_BERICHTEN_MET_SPEC, spec
from hub.synth.berichten import DEFAULT_DAGTEKENING
from tests.hub.gi.helpers import CTX, TODAY, edited, locations, violations

DAG = DEFAULT_DAGTEKENING


@pytest.mark.parametrize("bericht", GI_BERICHTEN_MET_SPEC)
def test_default_messages_pass_every_level2_rule(bericht: str) -> None:
    assert violations(bericht, spec(bericht)) == []


@pytest.mark.parametrize("bericht", ["GI001", "GI002"])
def test_gb001_bsn_elfproef(bericht: str) -> None:
    bad = edited(bericht, ("Client/Bsn", "123456789"))
    found = violations(bericht, bad, "GB001")
    assert [v.location for v in found] == ["/Bericht/Client/Bsn"]
    assert "123456789" not in found[0].message  # never repeat a BSN
    assert found[0].retourcode == "0001"


@pytest.mark.parametrize("bericht", ["GI001", "GI002"])
def test_gb002_geboortedatum_not_after_dagtekening(bericht: str) -> None:
    morgen = DAG + timedelta(days=1)
    found = violations(bericht, edited(bericht, ("Client/Geboortedatum/Datum", morgen)), "GB002")
    assert [v.location for v in found] == ["/Bericht/Client/Geboortedatum/Datum"]
    assert morgen.isoformat() not in found[0].message  # a birth date is personal data
    assert locations(bericht, edited(bericht, ("Client/Geboortedatum/Datum", DAG)), "GB002") == []


@pytest.mark.parametrize("bericht", GI_BERICHTEN_MET_SPEC)
def test_gb003_dagtekening_not_after_today(bericht: str) -> None:
    s = spec(bericht, dagtekening=TODAY)
    assert locations(bericht, s, "GB003") == []
    later = spec(bericht, dagtekening=TODAY + timedelta(days=1))
    assert locations(bericht, later, "GB003") == ["/Bericht/Header/BerichtIdentificatie/Dagtekening"]


@pytest.mark.parametrize(
    ("bericht", "path"),
    [
        ("GI001", "Header/Ontvanger"),
        ("GI002", "Header/Ontvanger"),
        ("GI003", "Header/Ontvanger"),
        ("GI102", "Header/Afzender"),
    ],
)
def test_gb004_gemeentecode_known(bericht: str, path: str) -> None:
    bad = edited(bericht, (path, "9999"))
    assert locations(bericht, bad, "GB004") == [f"/Bericht/{path}"]
    assert locations(bericht, bad, "GB004", ctx=replace(CTX, gemeenten=frozenset({"9999"}))) == []
    assert (
        locations(bericht, bad, "GB004", ctx=replace(CTX, gemeenten=None)) == []
    )  # not configured: not checked


# The finding texts below are contracts (docs/gi-berichten.md 5.1): a GI reads them in its GI101.


@pytest.mark.parametrize("bericht", ["GI001", "GI002"])
def test_gb001_to_gb002_finding_texts(bericht: str) -> None:
    bsn = violations(bericht, edited(bericht, ("Client/Bsn", "123456789")), "GB001")
    assert [v.message for v in bsn] == ["Client/Bsn does not pass the 11-proef."]
    geboren = edited(bericht, ("Client/Geboortedatum/Datum", DAG + timedelta(days=1)))
    assert [v.message for v in violations(bericht, geboren, "GB002")] == [
        f"Client/Geboortedatum/Datum is after the Dagtekening {DAG.isoformat()}."
    ]


def test_gb003_finding_text_names_both_dates() -> None:
    later = spec("GI003", dagtekening=TODAY + timedelta(days=1))
    assert [v.message for v in violations("GI003", later, "GB003")] == [
        "Dagtekening 2026-11-24 is later than the receiver's date 2026-11-23."
    ]


@pytest.mark.parametrize(("bericht", "path"), [("GI002", "Header/Ontvanger"), ("GI102", "Header/Afzender")])
def test_gb004_finding_text_names_the_header_field(bericht: str, path: str) -> None:
    found = violations(bericht, edited(bericht, (path, "9999")), "GB004")
    veld = path.split("/")[1]
    assert [v.message for v in found] == [f"Gemeentecode 9999 ({veld}) is not in the gemeente list."]
