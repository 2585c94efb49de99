"""One small trajectory story as message files, shared by the processor tests and the end-to-end test.

Client A (the default client) at gemeente 0200 (regio Midden IJssel-Oost Veluwe) and aanbieder 12345678:
  2026-10-01 JW315 asks for product A (45/45A53) and product B (43)
  2026-10-08 JW301 assigns 300201 (45) answering A, and 300202 (43) without a reference: it stays waiting
  2026-10-12 JW319 answers B with VerzoekAntwoord 2 (in onderzoek): B stays waiting at the verzoek stage
  2026-10-14 JW305 starts 300201 on 2026-10-12
  2026-11-02 JW307 stops 300201 on 2026-10-31 (RedenBeeindiging 31)
Client B: 2026-10-08 JW301 assigns 400101 (45), 2026-10-21 JW305 starts it on 2026-10-20 (still in zorg).
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from hub.synth import berichten as b
from hub.synth.build import Spec, edit, to_xml
from hub.synth.persons import persoon

GEMEENTE, AANBIEDER = "0200", "12345678"
REGIO = "Midden IJssel-Oost Veluwe"
CLIENT_B = persoon(random.Random(99), b.DEFAULT_DAGTEKENING, min_leeftijd=4, max_leeftijd=15)

VOT_DAG = date(2026, 10, 1)
TOEWIJZING_DAG = date(2026, 10, 8)
ANTWOORD_DAG = date(2026, 10, 12)
START_A, START_B = date(2026, 10, 12), date(2026, 10, 20)
STOP_EINDE = date(2026, 10, 31)
REF_A, REF_B = f"VOT{VOT_DAG:%Y%m%d}A", f"VOT{VOT_DAG:%Y%m%d}B"
INGANG = b.ingang(TOEWIJZING_DAG)  # 2026-09-01
NUMMER_B = 400101


def jw315() -> Spec:
    return b.spec("JW315", dagtekening=VOT_DAG, identificatie="VOT1")


def jw301_a() -> Spec:
    s = b.spec("JW301", dagtekening=TOEWIJZING_DAG, identificatie="TW1")
    return edit(s, "Client/ToegewezenProducten/ToegewezenProduct[1]/ReferentieAanbieder", REF_A)


def jw319_b() -> Spec:
    s = b.spec("JW319", dagtekening=ANTWOORD_DAG, identificatie="AW1")
    return edit(s, "Antwoord", b.antwoord(REF_B, verzoek_antwoord="2", reden_afwijzing=None))


def jw305_a() -> Spec:
    nr, cat, code = b.SPECIFIEK
    s = b.spec("JW305", dagtekening=date(2026, 10, 14), identificatie="ST1")
    regel = b.start_product(nr, categorie=cat, code=code, toewijzing_ingangsdatum=INGANG, begindatum=START_A)
    return edit(s, "Client/StartProducten/StartProduct", [regel])


def jw307_a() -> Spec:
    nr, cat, code = b.SPECIFIEK
    s = b.spec("JW307", dagtekening=date(2026, 11, 2), identificatie="SP1")
    regel = b.stop_product(
        nr, categorie=cat, code=code, toewijzing_ingangsdatum=INGANG, begindatum=START_A, einddatum=STOP_EINDE
    )
    return edit(s, "Client/StopProducten/StopProduct", [regel])


def jw301_b() -> Spec:
    _, cat, code = b.SPECIFIEK
    s = b.spec("JW301", dagtekening=TOEWIJZING_DAG, identificatie="TW2", persoon=CLIENT_B)
    product = b.toegewezen_product(
        NUMMER_B,
        categorie=cat,
        code=code,
        toewijzingsdatum=TOEWIJZING_DAG,
        ingangsdatum=INGANG,
        einddatum=b.einde(TOEWIJZING_DAG),
        omvang=b.omvang(4),
    )
    return edit(s, "Client/ToegewezenProducten/ToegewezenProduct", [product])


def jw305_b() -> Spec:
    _, cat, code = b.SPECIFIEK
    s = b.spec("JW305", dagtekening=date(2026, 10, 21), identificatie="ST2", persoon=CLIENT_B)
    regel = b.start_product(
        NUMMER_B, categorie=cat, code=code, toewijzing_ingangsdatum=INGANG, begindatum=START_B
    )
    return edit(s, "Client/StartProducten/StartProduct", [regel])


# In the order the intake must see them (Dagtekening, then name: the order `hub process` replays files in).
BERICHTEN: tuple[tuple[str, str, Spec], ...] = (
    ("01-vot", "JW315", jw315()),
    ("02-toewijzing-a", "JW301", jw301_a()),
    ("03-toewijzing-b", "JW301", jw301_b()),
    ("04-antwoord", "JW319", jw319_b()),
    ("05-start-a", "JW305", jw305_a()),
    ("06-start-b", "JW305", jw305_b()),
    ("07-stop-a", "JW307", jw307_a()),
)


def xml_berichten() -> list[tuple[str, bytes]]:
    return [(name, to_xml(bericht, s)) for name, bericht, s in BERICHTEN]


def write(directory: Path) -> Path:
    """The story as files in `directory`, one message per file."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in xml_berichten():
        (directory / f"{name}.xml").write_bytes(data)
    return directory
