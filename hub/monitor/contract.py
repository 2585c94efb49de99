"""The domain metric families of issue 5: names, types, labels and help texts, fixed by the contract.

Dashboards, alert rules and other tools depend on these names and labels; change them only with the issue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hub.monitor.norms import ANTWOORD_VERZOEK, DAG_SECONDEN, GEDRAGEN_KOERS, JEUGDBESCHERMER, PASSENDE_HULP

Soort = Literal["counter", "gauge", "histogram"]

# The labels a deployment may drop to bound the cardinality (HubSettings.metrics_drop_labels).
DROPPABLE = frozenset({"aanbieder", "gemeente"})

BUCKET_DAGEN = (1, 2, 3, 5, 7, 10, 14, 21, 28, 42, 56, 91, 182, 365)
BUCKETS_SECONDEN = tuple(d * DAG_SECONDEN for d in BUCKET_DAGEN)

FASEN_DOORLOOPTIJD = ("verzoek_tot_toewijzing", "toewijzing_tot_start", "bepaling_tot_start")
FASEN_WACHTEND = ("bepaling", "verzoek", "toewijzing")
NORMEN = (ANTWOORD_VERZOEK, PASSENDE_HULP, JEUGDBESCHERMER, GEDRAGEN_KOERS)
GI_CAPACITEIT_SOORTEN = ("jeugdbeschermers_fte", "caseload", "beschikbaar", "wachtlijst")


@dataclass(frozen=True, slots=True)
class Family:
    name: str  # as exposed; a counter's name ends in _total
    soort: Soort
    labels: tuple[str, ...]
    help: str

    def kept(self, drop: frozenset[str]) -> tuple[str, ...]:
        """The labels exposed when the deployment drops `drop` (only DROPPABLE ones are ever dropped)."""
        return tuple(label for label in self.labels if label not in (drop & DROPPABLE))


DOORLOOPTIJD = Family(
    "jeugdhulp_doorlooptijd_seconds",
    "histogram",
    ("fase", "regio", "productcategorie"),
    "Doorlooptijd per fase in seconds (calendar days × 86400), observed once per pair when the later message "
    "is processed: verzoek_tot_toewijzing, toewijzing_tot_start, bepaling_tot_start.",
)
WACHTEND = Family(
    "jeugdhulp_wachtend",
    "gauge",
    ("fase", "regio", "gemeente", "productcategorie", "aanbieder"),
    "Open requests for help as of today, each counted once at its latest stage (bepaling, verzoek, toewijzing).",
)
WACHTEND_BOVEN_NORM = Family(
    "jeugdhulp_wachtend_boven_norm",
    "gauge",
    ("fase", "regio", "gemeente", "productcategorie"),
    "The part of jeugdhulp_wachtend waiting longer than 3 months since the earliest known moment of its chain.",
)
IN_ZORG = Family(
    "jeugdhulp_in_zorg",
    "gauge",
    ("regio", "gemeente", "productcategorie", "aanbieder"),
    "Toegewezen products with a current start (Begindatum not in the future, no stop ended before today).",
)
BEEINDIGD = Family(
    "jeugdhulp_beeindigd_total",
    "counter",
    ("regio", "productcategorie", "reden"),
    "Accepted first stop lines (JW307, StatusAanlevering 1), by RedenBeeindiging.",
)
NORM = Family(
    "jeugdhulp_norm_total",
    "counter",
    ("norm", "uitkomst", "regio"),
    "Norm outcomes (binnen, buiten), counted once when the later date becomes known.",
)
NORM_MAAND = Family(
    "jeugdhulp_norm_maand",
    "gauge",
    ("norm", "uitkomst", "regio", "maand"),
    "The outcomes of jeugdhulp_norm_total whose second date (einddatum) lies in the calendar month maand (YYYY-MM), "
    "as hub normen counts them: the current month and the one before as of today, per regio with an outcome "
    "that month (binnen and buiten, 0 included).",
)
VERZOEKEN_ONBEANTWOORD_BOVEN_NORM = Family(
    "jeugdhulp_verzoeken_onbeantwoord_boven_norm",
    "gauge",
    ("norm", "regio", "gemeente", "productcategorie"),
    "JW315 requested products without the answer antwoord_verzoek_5_werkdagen counts (a toewijzing or a JW319 "
    "of any VerzoekAntwoord) as of today whose term (5 working days after the JW315's Dagtekening) has passed; "
    "a series exists while any requested product of its gemeente and productcategorie is unanswered.",
)
GI_BEPALINGEN = Family(
    "gi_bepalingen_total",
    "counter",
    ("gi", "regio", "productcategorie"),
    "Bepalingen jeugdhulp received from gecertificeerde instellingen.",
)
GI_CAPACITEIT = Family(
    "gi_capaciteit",
    "gauge",
    ("gi", "regio", "soort"),
    "Capacity of a gecertificeerde instelling per regio at its latest peildatum "
    "(jeugdbeschermers_fte, caseload, beschikbaar, wachtlijst).",
)
GI_MAATREGELEN_WACHTEND = Family(
    "gi_maatregelen_wachtend",
    "gauge",
    ("norm", "gi", "regio"),
    "Maatregelen in force as of today whose DatumUitspraak is known and whose date of the norm is not: "
    "DatumVasteJeugdbeschermer (jeugdbeschermer_5_werkdagen) or DatumGedragenKoers (gedragen_koers_6_weken).",
)
GI_MAATREGELEN_WACHTEND_BOVEN_NORM = Family(
    "gi_maatregelen_wachtend_boven_norm",
    "gauge",
    ("norm", "gi", "regio"),
    "The part of gi_maatregelen_wachtend whose term (5 working days, 6 weeks after the DatumUitspraak) has "
    "passed as of today.",
)

FAMILIES: tuple[Family, ...] = (
    DOORLOOPTIJD,
    WACHTEND,
    WACHTEND_BOVEN_NORM,
    IN_ZORG,
    BEEINDIGD,
    NORM,
    NORM_MAAND,
    VERZOEKEN_ONBEANTWOORD_BOVEN_NORM,
    GI_BEPALINGEN,
    GI_CAPACITEIT,
    GI_MAATREGELEN_WACHTEND,
    GI_MAATREGELEN_WACHTEND_BOVEN_NORM,
)
