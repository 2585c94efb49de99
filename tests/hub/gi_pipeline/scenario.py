"""One GI story as message files, shared by the metric tests and the end-to-end `hub process` test.

GI 87654321, gemeente 0200 (regio Midden IJssel-Oost Veluwe), aanbieder 12345678; as of 2027-01-15:
  A  bepaling B-A1 (45, 2026-08-28); JW315 2026-09-07 by the GI (45) and by a huisarts (43); JW301 300201
     answers the GI's request on 2026-09-14; started 2026-09-21 (24 days: within 3 months).
     Maatregel M-A: uitspraak 2026-08-03, vaste jeugdbeschermer 2026-08-07 (4 working days), in a later GI002
     the gedragen koers 2026-09-21 (49 days).
  B  bepalingen B-B1 (45) and B-B2 (43) of 2026-06-01; B-B2 withdrawn; B-B1 never followed up: waiting, above
     the norm. Maatregel M-B: uitspraak 2026-05-04, jeugdbeschermer 2026-05-18 (9 working days), koers 2026-06-01.
  C  bepaling B-C1 (45, 2026-05-01); JW301 500101 straight from the gemeente on 2026-06-15, started 2026-09-10
     (132 days: too late).
  D  bepaling B-D1 (45, 2026-10-01); JW301 600101 on 2026-10-20, not started: waiting at the toewijzing stage,
     above the norm counted from the datum bepaling (the toewijzing itself is less than 3 months old).
  Capaciteit of the GI in the regio on 2026-09-01 and (spelled in lower case) on 2026-10-01.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from hub.synth import berichten as ijw
from hub.synth.build import Spec
from tests.hub.gi_pipeline import berichten as m
from tests.hub.gi_pipeline.helpers import xml

A, B, C, D = m.kind(1), m.kind(2), m.kind(3), m.kind(4)
VOT_A = date(2026, 9, 7)
REF_A, REF_A_HUISARTS = f"VOT{VOT_A:%Y%m%d}A", f"VOT{VOT_A:%Y%m%d}B"
TW_A, START_A = date(2026, 9, 14), date(2026, 9, 21)
TW_C, START_C = date(2026, 6, 15), date(2026, 9, 10)
TW_D = date(2026, 10, 20)

# name -> (message, spec); `hub process` replays them in Dagtekening order, then by name.
BERICHTEN: dict[str, tuple[str, Spec]] = {
    "gi-a-bepaling": (
        "GI001",
        m.gi001(A, date(2026, 9, 1), "GA1", m.bepaling("B-A1", date(2026, 8, 28), maatregel_id="M-A")),
    ),
    "gi-a-voortgang-1": (
        "GI002",
        m.gi002(
            A,
            date(2026, 8, 10),
            "VA1",
            m.maatregel("M-A", uitspraak=date(2026, 8, 3), vaste_jeugdbeschermer=date(2026, 8, 7)),
        ),
    ),
    "gi-a-voortgang-2": (
        "GI002",
        m.gi002(A, date(2026, 9, 22), "VA2", m.maatregel("M-A", gedragen_koers=date(2026, 9, 21))),
    ),
    "gi-b-bepaling": (
        "GI001",
        m.gi001(
            B,
            date(2026, 6, 1),
            "GB1",
            m.bepaling("B-B1", date(2026, 6, 1), maatregel_id="M-B"),
            m.bepaling("B-B2", date(2026, 6, 1), categorie=m.CAT_B, maatregel_id="M-B"),
        ),
    ),
    "gi-b-intrekking": (
        "GI001",
        m.gi001(
            B,
            date(2026, 7, 1),
            "GB2",
            m.intrekking("B-B2", date(2026, 6, 1), categorie=m.CAT_B, maatregel_id="M-B"),
        ),
    ),
    "gi-b-voortgang": (
        "GI002",
        m.gi002(
            B,
            date(2026, 6, 2),
            "VB1",
            m.maatregel(
                "M-B",
                uitspraak=date(2026, 5, 4),
                vaste_jeugdbeschermer=date(2026, 5, 18),
                gedragen_koers=date(2026, 6, 1),
            ),
        ),
    ),
    "gi-c-bepaling": (
        "GI001",
        m.gi001(C, date(2026, 5, 4), "GC1", m.bepaling("B-C1", date(2026, 5, 1), maatregel_id="M-C")),
    ),
    "gi-d-bepaling": (
        "GI001",
        m.gi001(D, date(2026, 10, 2), "GD1", m.bepaling("B-D1", date(2026, 10, 1), maatregel_id="M-D")),
    ),
    "gi-capaciteit-1": (
        "GI003",
        m.gi003(date(2026, 9, 1), "C1", m.capaciteit(date(2026, 9, 1), "40.00", 600, 10, 12)),
    ),
    "gi-capaciteit-2": (
        "GI003",
        m.gi003(
            date(2026, 10, 1),
            "C2",
            m.capaciteit(date(2026, 10, 1), "42.50", 610, 12, 8, regio="midden ijssel-oost veluwe"),
        ),
    ),
    "ijw-a-vot": ("JW315", ijw.spec("JW315", dagtekening=VOT_A, identificatie="VOTA", persoon=A)),
    "ijw-a-toewijzing": ("JW301", m.jw301(A, TW_A, "TWA", m.toegewezen(300201, TW_A, referentie=REF_A))),
    "ijw-a-start": ("JW305", m.jw305(A, date(2026, 9, 22), "STA", 300201, TW_A, START_A)),
    "ijw-c-toewijzing": ("JW301", m.jw301(C, TW_C, "TWC", m.toegewezen(500101, TW_C))),
    "ijw-c-start": ("JW305", m.jw305(C, date(2026, 9, 11), "STC", 500101, TW_C, START_C)),
    "ijw-d-toewijzing": ("JW301", m.jw301(D, TW_D, "TWD", m.toegewezen(600101, TW_D))),
}

GI_BESTANDEN = tuple(name for name, (bericht, _) in BERICHTEN.items() if bericht.startswith("GI"))

# (BepalingId, Status) of every statusmelding the story gives as of 2027-01-15, and its StatusDatum.
STATUSSEN: dict[tuple[str, str], date] = {
    ("B-A1", "01"): VOT_A,
    ("B-A1", "02"): TW_A,
    ("B-A1", "03"): START_A,
    ("B-B1", "04"): date(2026, 9, 2),  # 1 Jun + 3 months = 1 Sep; the day after
    ("B-B2", "06"): date(2026, 7, 1),
    ("B-C1", "02"): TW_C,
    ("B-C1", "03"): START_C,
    ("B-D1", "02"): TW_D,
    ("B-D1", "04"): date(2027, 1, 2),
}


def in_volgorde() -> list[tuple[str, str, Spec]]:
    """The messages in the order `hub process` sends them: Dagtekening, then name."""

    def dagtekening(spec: Spec) -> date:
        value: date = spec["Header"]["BerichtIdentificatie"]["Dagtekening"]
        return value

    return sorted(((n, b, s) for n, (b, s) in BERICHTEN.items()), key=lambda t: (dagtekening(t[2]), t[0]))


def write(directory: Path) -> Path:
    """The story as files in `directory`, one message per file."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, (bericht, spec) in BERICHTEN.items():
        (directory / f"{name}.xml").write_bytes(xml(bericht, spec))
    return directory


# ---- the metric values the story gives as of 2027-01-15 ------------------------------------------------

R, G, CAT, AGB = m.REGIO, m.GEMEENTE, m.CAT, m.AANBIEDER
DAG = 86400
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def domain_samples(exposition: str) -> Samples:
    """Every sample of the domain families (jeugdhulp_*, gi_*) in a Prometheus exposition."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(exposition)
        if family.name.startswith(("jeugdhulp_", "gi_"))
        for s in family.samples
    }


def check_metrics(values: Samples) -> None:
    """Assert the exact values of the GI side of the contract (and the iJw values the story touches)."""

    def v(name: str, **labels: str) -> float | None:
        return values.get((name, tuple(sorted(labels.items()))))

    hist = "jeugdhulp_doorlooptijd_seconds"
    bts = {"fase": "bepaling_tot_start", "regio": R, "productcategorie": CAT}
    assert v(f"{hist}_count", **bts) == 2 and v(f"{hist}_sum", **bts) == (24 + 132) * DAG
    assert v(f"{hist}_bucket", **bts, le="1.8144e+06") == 0  # 21 days
    assert v(f"{hist}_bucket", **bts, le="2.4192e+06") == 1  # 28 days: A after 24
    assert v(f"{hist}_bucket", **bts, le="7.8624e+06") == 1  # 91 days
    assert v(f"{hist}_bucket", **bts, le="1.57248e+07") == 2  # 182 days: C after 132
    tts = {"fase": "toewijzing_tot_start", "regio": R, "productcategorie": CAT}
    assert v(f"{hist}_count", **tts) == 2 and v(f"{hist}_sum", **tts) == (7 + 87) * DAG
    vtt = {"fase": "verzoek_tot_toewijzing", "regio": R, "productcategorie": CAT}
    assert v(f"{hist}_count", **vtt) == 1 and v(f"{hist}_sum", **vtt) == 7 * DAG

    norm = "jeugdhulp_norm_total"
    uitkomsten = {
        ("passende_hulp_3_maanden", "binnen"): 1,  # A
        ("passende_hulp_3_maanden", "buiten"): 1,  # C
        ("jeugdbeschermer_5_werkdagen", "binnen"): 1,  # A: 4 working days
        ("jeugdbeschermer_5_werkdagen", "buiten"): 1,  # B: 9 working days
        ("gedragen_koers_6_weken", "binnen"): 1,  # B: 28 days
        ("gedragen_koers_6_weken", "buiten"): 1,  # A: 49 days
        ("antwoord_verzoek_5_werkdagen", "binnen"): 1,  # A's request answered after 5 working days
        ("antwoord_verzoek_5_werkdagen", "buiten"): 0,
    }
    for (n, u), count in uitkomsten.items():
        assert v(norm, norm=n, uitkomst=u, regio=R) == count, (n, u)
    assert sum(x for k, x in values.items() if k[0] == norm) == 7  # nothing counted in another regio

    assert v("gi_bepalingen_total", gi=m.GI, regio=R, productcategorie=CAT) == 4
    assert (
        v("gi_bepalingen_total", gi=m.GI, regio=R, productcategorie=m.CAT_B) == 1
    )  # withdrawn, still received
    capaciteit = {"jeugdbeschermers_fte": 42.5, "caseload": 610, "beschikbaar": 12, "wachtlijst": 8}
    for soort, value in capaciteit.items():
        assert v("gi_capaciteit", gi=m.GI, regio=R, soort=soort) == value, soort
    assert len([k for k in values if k[0] == "gi_capaciteit"]) == 4  # one regio: both spellings are one

    wachtend = {k: x for k, x in values.items() if k[0] == "jeugdhulp_wachtend"}
    assert wachtend == {
        (
            "jeugdhulp_wachtend",
            tuple(
                sorted({"fase": f, "regio": R, "gemeente": G, "productcategorie": c, "aanbieder": a}.items())
            ),
        ): 1.0
        for f, c, a in (("bepaling", CAT, "onbekend"), ("verzoek", m.CAT_B, AGB), ("toewijzing", CAT, AGB))
    }
    boven = "jeugdhulp_wachtend_boven_norm"
    for fase, cat in (("bepaling", CAT), ("verzoek", m.CAT_B), ("toewijzing", CAT)):
        # The toewijzing (2026-10-20) is not 3 months old; its chain began with the bepaling of 2026-10-01.
        assert v(boven, fase=fase, regio=R, gemeente=G, productcategorie=cat) == 1, fase
    assert v("jeugdhulp_in_zorg", regio=R, gemeente=G, productcategorie=CAT, aanbieder=AGB) == 2
    # The huisarts's request (43) of 2026-09-07 never got an answer: long past its 5 working days.
    onbeantwoord = "jeugdhulp_verzoeken_onbeantwoord_boven_norm"
    assert {k: x for k, x in values.items() if k[0] == onbeantwoord} == {
        (onbeantwoord, tuple(sorted({"norm": "antwoord_verzoek_5_werkdagen", "regio": R, "gemeente": G,
                                     "productcategorie": m.CAT_B}.items()))): 1.0
    }  # fmt: skip
    # M-A and M-B have both dates; M-C and M-D are known from a GI001 only, without an uitspraak: none waits.
    assert [k for k in values if k[0].startswith("gi_maatregelen_wachtend")] == []
