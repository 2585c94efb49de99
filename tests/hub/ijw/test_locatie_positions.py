"""Doc.locatie of repeated elements: the same Locatie as the module-level locatie(), whether it scans or indexes."""

from __future__ import annotations

from datetime import date

import pytest

from hub.ijw.catalog import BERICHTEN
from hub.ijw.doc import Doc, locatie
from hub.synth.berichten import spec
from hub.synth.build import to_tree
from hub.synth.toewijzing import toegewezen_product

TP = "/Bericht/Client/ToegewezenProducten/ToegewezenProduct"


def doc_with(n: int) -> Doc:
    s = spec("JW301")
    s["Client"]["ToegewezenProducten"]["ToegewezenProduct"] = [
        toegewezen_product(
            i + 1, categorie="43", toewijzingsdatum=date(2026, 1, 1), ingangsdatum=date(2026, 1, 1)
        )
        for i in range(n)
    ]
    return Doc(to_tree("JW301", s), BERICHTEN["JW301"])


def test_the_third_of_five_siblings() -> None:
    doc = doc_with(5)
    derde = doc.all("Client/ToegewezenProducten/ToegewezenProduct")[2]
    assert doc.locatie(derde) == locatie(derde) == f"{TP}[3]"
    ingang = doc.child(derde, "Ingangsdatum")
    assert ingang is not None
    assert doc.locatie(ingang) == f"{TP}[3]/Ingangsdatum"


@pytest.mark.parametrize("n", [16, 17, 200])
def test_every_sibling_of_many_has_its_position(n: int) -> None:
    doc = doc_with(n)
    producten = doc.all("Client/ToegewezenProducten/ToegewezenProduct")
    for _ in range(2):  # the second round answers from the index the first made
        assert [doc.locatie(p) for p in reversed(producten)] == [f"{TP}[{i}]" for i in range(n, 0, -1)]
    assert doc.locatie(producten[-1]) == locatie(producten[-1])


@pytest.mark.parametrize("n", [5, 40])
def test_positie_numbers_siblings_as_locatie_does(n: int) -> None:
    doc = doc_with(n)
    producten = doc.all("Client/ToegewezenProducten/ToegewezenProduct")
    assert [doc.positie(p) for p in producten] == list(range(1, n + 1))
    assert doc.positie(doc.root) == 1
    ingang = doc.child(producten[2], "Ingangsdatum")
    assert ingang is not None and doc.positie(ingang) == 1
