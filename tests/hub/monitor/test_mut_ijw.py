"""The iJw observers (hub/monitor/ijw.py): what a mutation pass found no test pinning.

- A generiek toewijzing (no Product, budget only) has no Categorie: its verzoek_tot_toewijzing,
  toewijzing_tot_start and beëindiging count under `onbekend` (docs/definities.md 1.5, 2.1, 2.2, 4.1), also when
  the start and stop lines carry a Categorie of their own.
- A stop line of a known toewijzing counts under the Categorie of the toewijzing's first version, not its own
  (4.1), so a stop line without a Product still counts under the toewijzing's.
- A reference or ToewijzingNummer the store has nothing for is skipped; the event's other references and
  toewijzingen are still observed. The intake lets through only references of a VOT or VOW (TR379) and starts of
  a known toewijzing (TR019), so these events are built from accepted ones.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Engine

from hub.events.models import StartOntvangen, ToewijzingOntvangen
from hub.monitor.norms import ANTWOORD_VERZOEK
from hub.synth import berichten as b
from hub.synth.build import edit, to_xml
from tests.hub.monitor import scenario as sc
from tests.hub.monitor.helpers import accept_all, observations, processor

G, A, R = sc.GEMEENTE, sc.AANBIEDER, sc.REGIO
GENERIEK = 500501  # a toewijzing number no builder uses
INGANG = date(2026, 10, 1)
TW = date(2026, 10, 6)  # Toewijzingsdatum of the generiek toewijzing: 5 days after the JW315 of 1 October
BEGIN = date(2026, 10, 12)


def test_a_generiek_toewijzing_counts_its_chain_under_onbekend(db: Engine) -> None:
    # The JW315's product B (Categorie 43) is answered with a generiek toewijzing; its start and stop lines
    # name Categorie 43 themselves, but the toewijzing has none.
    jw301 = edit(
        b.spec("JW301", dagtekening=TW, identificatie="TW9"),
        "Client/ToegewezenProducten/ToegewezenProduct",
        [
            b.toegewezen_product(
                GENERIEK,
                categorie=None,
                toewijzingsdatum=TW,
                ingangsdatum=INGANG,
                einddatum=b.einde(TW),
                budget=250000,
                referentie_aanbieder=sc.REF_B,
            )
        ],
    )
    jw305 = edit(
        b.spec("JW305", dagtekening=date(2026, 10, 14), identificatie="ST9"),
        "Client/StartProducten/StartProduct",
        [b.start_product(GENERIEK, categorie="43", toewijzing_ingangsdatum=INGANG, begindatum=BEGIN)],
    )
    jw307 = edit(
        b.spec("JW307", dagtekening=date(2026, 11, 2), identificatie="SP9"),
        "Client/StopProducten/StopProduct",
        [
            b.stop_product(
                GENERIEK,
                categorie="43",
                toewijzing_ingangsdatum=INGANG,
                begindatum=BEGIN,
                einddatum=date(2026, 10, 31),
            )
        ],
    )
    events = accept_all(
        db,
        [
            ("vot", to_xml("JW315", sc.jw315())),
            ("tw", to_xml("JW301", jw301)),
            ("st", to_xml("JW305", jw305)),
            ("sp", to_xml("JW307", jw307)),
        ],
    )
    p = processor(db)
    for event in events:
        assert p.verwerk(event)
    assert observations(db) == {
        ("d", "verzoek_tot_toewijzing", f"{A}:{sc.REF_B}", R, "onbekend", 5 * 86400),
        ("n", ANTWOORD_VERZOEK, f"{A}:{sc.REF_B}", "binnen", R),  # Thu 1 Oct -> Tue 6 Oct: 3 working days
        ("d", "toewijzing_tot_start", f"{G}:{GENERIEK}", R, "onbekend", 6 * 86400),
        ("b", "31", R, "onbekend"),
    }


def test_a_stop_line_without_product_counts_under_its_toewijzings_categorie(db: Engine) -> None:
    # 300201 (Categorie 45) is started and stopped with lines that carry no Product.
    jw305 = edit(sc.jw305_a(), "Client/StartProducten/StartProduct[1]/Product", None)
    jw307 = edit(sc.jw307_a(), "Client/StopProducten/StopProduct[1]/Product", None)
    events = accept_all(
        db,
        [
            ("vot", to_xml("JW315", sc.jw315())),
            ("tw", to_xml("JW301", sc.jw301_a())),
            ("st", to_xml("JW305", jw305)),
            ("sp", to_xml("JW307", jw307)),
        ],
    )
    p = processor(db)
    for event in events:
        p.verwerk(event)
    assert observations(db) == {
        ("d", "verzoek_tot_toewijzing", f"{A}:{sc.REF_A}", R, "45", 7 * 86400),
        ("n", ANTWOORD_VERZOEK, f"{A}:{sc.REF_A}", "binnen", R),
        ("d", "toewijzing_tot_start", f"{G}:300201", R, "45", 4 * 86400),
        ("b", "31", R, "45"),
    }


def test_a_reference_without_request_or_toewijzing_is_skipped_and_the_next_still_counts(db: Engine) -> None:
    vot, tw = accept_all(db, [("vot", to_xml("JW315", sc.jw315())), ("tw", to_xml("JW301", sc.jw301_a()))])
    assert isinstance(tw, ToewijzingOntvangen)
    beantwoord = next(p for p in tw.producten if p.referentie_aanbieder == sc.REF_A)
    # First a reference no JW315 has (a VOW's), then product B's (requested, but no toewijzing carries it), then
    # A's: only A has both a request and a toewijzing.
    event = tw.model_copy(
        update={
            "event_id": uuid.uuid4(),
            "producten": (
                beantwoord.model_copy(update={"referentie_aanbieder": "VOW20261001X"}),
                beantwoord.model_copy(update={"referentie_aanbieder": sc.REF_B}),
                beantwoord,
            ),
        }
    )
    p = processor(db)
    assert p.verwerk(vot) and p.verwerk(event)
    assert observations(db) == {
        ("d", "verzoek_tot_toewijzing", f"{A}:{sc.REF_A}", R, "45", 7 * 86400),
        ("n", ANTWOORD_VERZOEK, f"{A}:{sc.REF_A}", "binnen", R),
    }


def test_a_toewijzing_without_version_or_start_is_skipped_and_the_next_still_counts(db: Engine) -> None:
    *_, st = accept_all(
        db,
        [
            ("vot", to_xml("JW315", sc.jw315())),
            ("tw", to_xml("JW301", sc.jw301_a())),
            ("st", to_xml("JW305", sc.jw305_a())),
        ],
    )
    assert isinstance(st, StartOntvangen)
    (regel,) = st.regels
    # 777001 is no toewijzing of the store; 300202 is one, but nothing started it; then 300201's own line.
    event = st.model_copy(
        update={
            "event_id": uuid.uuid4(),
            "regels": (
                regel.model_copy(update={"toewijzing_nummer": 777001}),
                regel.model_copy(update={"toewijzing_nummer": 300202}),
                regel,
            ),
        }
    )
    assert processor(db).verwerk(event)  # the start's event alone: no other observer runs
    assert observations(db) == {("d", "toewijzing_tot_start", f"{G}:300201", R, "45", 4 * 86400)}
