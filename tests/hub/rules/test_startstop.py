"""Start and stop rules inside one message (rules.md 4.6: CS058, TR018), on XSD-valid messages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import hub.rules.startstop  # noqa: F401  (registers the rules under test)
from hub.synth.berichten import spec
from hub.synth.build import Spec, edit
from tests.hub.rules.level2 import edited, loc, locations

START = "Client/StartProducten/StartProduct"
STOP = "Client/StopProducten/StopProduct"


def status(bericht: str, pad: str, waarde: str, *, gemeld: bool) -> pytest.ParameterSet:
    """The StatusAanlevering of the product at `pad` set to `waarde`; when `gemeld`, CS058 reports it there."""
    path = f"{pad}/StatusAanlevering"
    expected, ok = ([loc(path)], "") if gemeld else ([], "-ok")
    return pytest.param(
        bericht, edited(bericht, (path, waarde)), expected, id=f"{bericht}-status-{waarde}{ok}"
    )


CS058_CASES = [
    status("JW305", f"{START}[1]", "2", gemeld=True),
    status("JW305", f"{START}[2]", "9", gemeld=True),
    status("JW307", STOP, "9", gemeld=True),
    status("JW307", STOP, "2", gemeld=True),
    pytest.param("JW305", spec("JW305"), [], id="JW305-status-1-ok"),
    status("JW305", f"{START}[1]", "3", gemeld=False),
    pytest.param("JW307", spec("JW307"), [], id="JW307-status-1-ok"),
    status("JW307", STOP, "3", gemeld=False),
]


@pytest.mark.parametrize(("bericht", "bericht_spec", "expected"), CS058_CASES)
def test_cs058(bericht: str, bericht_spec: Spec, expected: list[str]) -> None:
    assert locations(bericht, bericht_spec, "CS058") == expected


def stop_met_einddatum(delta_days: int) -> Spec:
    """The default JW307 with its Einddatum `delta_days` after its Begindatum."""
    s = spec("JW307")
    begin: date = s["Client"]["StopProducten"]["StopProduct"][0]["Begindatum"]
    return edit(s, f"{STOP}/Einddatum", begin + timedelta(days=delta_days))


TR018_CASES = [
    pytest.param(stop_met_einddatum(-1), [f"/Bericht/{STOP}/Begindatum"], id="einde-dag-voor-begin"),
    pytest.param(stop_met_einddatum(0), [], id="einde-gelijk-aan-begin-ok"),
    pytest.param(stop_met_einddatum(1), [], id="einde-na-begin-ok"),
    pytest.param(spec("JW307"), [], id="default-ok"),
]


@pytest.mark.parametrize(("bericht_spec", "expected"), TR018_CASES)
def test_tr018(bericht_spec: Spec, expected: list[str]) -> None:
    assert locations("JW307", bericht_spec, "TR018") == expected
