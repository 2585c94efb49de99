"""GB020-GB025: the Maatregelen of a GI002."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.gi.rules.voortgang import VOLGORDE
from hub.gi.synth import maatregel, spec
from hub.ijw.doc import local
from hub.synth.berichten import DEFAULT_DAGTEKENING
from hub.synth.build import Spec, edit
from tests.hub.gi.helpers import locations, violations

DAG = DEFAULT_DAGTEKENING
UITSPRAAK = DAG - timedelta(weeks=4)
LOC1 = "/Bericht/Client/Maatregelen/Maatregel"
DAG1 = timedelta(days=1)


def met(*maatregelen: Spec) -> Spec:
    return edit(spec("GI002"), "Client/Maatregelen/Maatregel", list(maatregelen))


@pytest.mark.parametrize("name", ["DatumUitspraak", "DatumVasteJeugdbeschermer", "DatumGedragenKoers"])
def test_gb020_dates_not_after_dagtekening(name: str) -> None:
    ok = met(maatregel(uitspraak=UITSPRAAK))
    assert locations("GI002", edit(ok, f"Client/Maatregelen/Maatregel[1]/{name}", DAG), "GB020") == []
    bad = edit(ok, f"Client/Maatregelen/Maatregel[1]/{name}", DAG + timedelta(days=1))
    assert locations("GI002", bad, "GB020") == [f"{LOC1}/{name}"]


def test_gb020_einddatum_may_lie_ahead() -> None:
    assert (
        locations("GI002", met(maatregel(uitspraak=UITSPRAAK, einddatum=DAG + timedelta(days=300))), "GB020")
        == []
    )


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("GB021", "DatumVasteJeugdbeschermer"),
        ("GB022", "DatumGedragenKoers"),
        ("GB023", "Einddatum"),
    ],
)
def test_gb021_to_gb023_not_before_uitspraak(code: str, name: str) -> None:
    path = f"Client/Maatregelen/Maatregel[1]/{name}"
    assert locations("GI002", edit(met(maatregel(uitspraak=UITSPRAAK)), path, UITSPRAAK), code) == []
    bad = edit(met(maatregel(uitspraak=UITSPRAAK)), path, UITSPRAAK - timedelta(days=1))
    assert locations("GI002", bad, code) == [f"{LOC1}/{name}"]
    alleen = edit(met(maatregel()), path, UITSPRAAK - timedelta(days=1))  # no uitspraak here: GB105's job
    assert locations("GI002", alleen, code) == []


def test_gb024_at_least_one_date() -> None:
    assert locations("GI002", met(maatregel()), "GB024") == [f"{LOC1}/MaatregelId"]
    assert locations("GI002", met(maatregel(einddatum=DAG)), "GB024") == []


def test_gb025_maatregel_id_once() -> None:
    s = met(
        maatregel("M1", uitspraak=UITSPRAAK),
        maatregel("M2", uitspraak=UITSPRAAK),
        maatregel("M1", einddatum=DAG),
    )
    assert locations("GI002", s, "GB025") == ["/Bericht/Client/Maatregelen/Maatregel[3]/MaatregelId"]


@pytest.mark.parametrize(("later", "eerder", "code"), VOLGORDE)
def test_volgorde_names_the_rule_that_checks_each_pair(later: str, eerder: str, code: str) -> None:
    """GB105 judges the same pairs against earlier dates: the table must say which rule owns which pair."""
    s = edit(
        met(maatregel(uitspraak=UITSPRAAK)), f"Client/Maatregelen/Maatregel[1]/{later}", UITSPRAAK - DAG1
    )
    assert [(v.location, v.message) for v in violations("GI002", s, code)] == [
        (f"{LOC1}/{later}", f"{later} 2026-10-04 is before {eerder} 2026-10-05.")
    ]


def test_gb020_finding_text_and_part() -> None:
    s = met(maatregel(uitspraak=DAG + DAG1))
    found = violations("GI002", s, "GB020")
    assert [v.message for v in found] == ["DatumUitspraak 2026-11-03 is after the Dagtekening 2026-11-02."]
    assert found[0].klasse is not None and local(found[0].klasse) == "Maatregel"  # rejects its Maatregel


def test_gb024_and_gb025_finding_texts() -> None:
    assert [v.message for v in violations("GI002", met(maatregel()), "GB024")] == [
        "Maatregel has none of the four dates."
    ]
    twee = met(maatregel("M1", uitspraak=UITSPRAAK), maatregel("M1", einddatum=DAG))
    assert [v.message for v in violations("GI002", twee, "GB025")] == [
        "MaatregelId M1 occurs more than once."
    ]
