"""The `regio` label from the gemeente list (hub.monitor.registry.Regios): a gemeente the list does not know, or
one it knows without a jeugdregio, is "onbekend" (docs/definities.md 1.5)."""

from __future__ import annotations

from pathlib import Path

from hub.monitor.registry import Regios


def test_a_gemeente_without_a_jeugdregio_is_onbekend(tmp_path: Path) -> None:
    lijst = tmp_path / "gemeenten.csv"
    lijst.write_text(
        "gemeentecode,gemeentenaam,provincie,jeugdregio\n"
        "0200,Apeldoorn,Gelderland,Midden IJssel-Oost Veluwe\n"
        "0202,Arnhem,Gelderland,\n"
    )
    regio = Regios.from_file(lijst)
    assert regio("0200") == "Midden IJssel-Oost Veluwe"
    assert regio("0202") == "onbekend"  # known, without a jeugdregio
    assert regio("9999") == regio(None) == "onbekend"
    assert regio.alle() == ("Midden IJssel-Oost Veluwe", "onbekend")  # no empty regio's series at 0
