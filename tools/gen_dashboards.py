"""Write the Grafana dashboards of the iJw hub to deploy/grafana/dashboards/<slug>.json.

Tooling, not runtime: panels are built from a few helpers so that every dashboard uses the same datasource,
units and layout, and queries use the recorded series of deploy/prometheus/recording_rules.yml where one
exists. `--check` exits 1 when a committed file differs from what would be written.
Metric names and labels are the contract of issues 3 and 5; tests/deploy/test_dashboards.py runs every query.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script from a checkout: tools/ is on sys.path, the repository root (for `tools.generated`) is not.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.generated import arguments, write_or_check  # noqa: E402
from tools.generated import stale as stale  # noqa: E402  (the tests check the committed files with it)

DEFAULT_OUT = ROOT / "deploy" / "grafana" / "dashboards"
DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
SCHEMA_VERSION = 39  # Grafana 10.4 / 11.0; newer Grafana migrates on load
TAG = "ijw-hub"
GRID_WIDTH = 24

Json = dict[str, Any]

NORMEN = (
    ("jeugdbeschermer_5_werkdagen", "Vaste jeugdbeschermer binnen 5 werkdagen"),
    ("gedragen_koers_6_weken", "Gedragen koers binnen 6 weken"),
    ("passende_hulp_3_maanden", "Passende hulp binnen 3 maanden"),
    ("antwoord_verzoek_5_werkdagen", "Antwoord op verzoek binnen 5 werkdagen"),
)
CAPACITEIT = (
    ("jeugdbeschermers_fte", "Jeugdbeschermers (fte)"),
    ("caseload", "Caseload"),
    ("beschikbaar", "Beschikbaar"),
    ("wachtlijst", "Wachtlijst"),
)
DOORLOOPTIJD_BUCKETS = "fase_regio_productcategorie_le:jeugdhulp_doorlooptijd_seconds_bucket:increase30d"
DOORLOOPTIJD_COUNT = "fase_regio_productcategorie:jeugdhulp_doorlooptijd_seconds_count:increase30d"
WACHTEND = "fase_regio_productcategorie_aanbieder:jeugdhulp_wachtend:sum"
BOVEN_NORM = "fase_regio_productcategorie:jeugdhulp_wachtend_boven_norm:sum"
IN_ZORG = "regio_productcategorie_aanbieder:jeugdhulp_in_zorg:sum"
NORM_30D = "norm_uitkomst_regio:jeugdhulp_norm:increase30d"
CAPACITEIT_NU = "gi_regio_soort:gi_capaciteit:max"
BEPALINGEN_30D = "gi_regio_productcategorie:gi_bepalingen:increase30d"
BEPALING_LABELS = "gi, regio, productcategorie"  # gi_bepalingen_total's contract labels
MAATREGELEN_WACHTEND = "norm_regio:gi_maatregelen_wachtend:sum"
MAATREGELEN_BOVEN = "norm_regio:gi_maatregelen_wachtend_boven_norm:sum"
MAATREGELEN_BOVEN_GI = "norm_gi_regio:gi_maatregelen_wachtend_boven_norm:max"
VERZOEKEN_ONBEANTWOORD = "norm_regio:jeugdhulp_verzoeken_onbeantwoord_boven_norm:sum"
VERZOEKEN_ONBEANTWOORD_PC = "norm_regio_productcategorie:jeugdhulp_verzoeken_onbeantwoord_boven_norm:sum"
NORM_MAAND = "norm_uitkomst_regio_maand:jeugdhulp_norm_maand:max"
NORM_MAAND_BINNEN = "norm_regio_maand:jeugdhulp_norm_maand_binnen:ratio"


# --- building blocks --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""
    instant: bool = False
    table: bool = False


@dataclass(frozen=True)
class Panel:
    title: str
    kind: str  # timeseries, stat, bargauge, table
    queries: tuple[Query, ...]
    description: str = ""
    unit: str = "short"
    width: int = 12
    height: int = 8
    stacked: bool = False
    decimals: int | None = None
    thresholds: tuple[tuple[str, float | None], ...] = (("green", None),)
    transformations: tuple[Json, ...] = ()
    overrides: tuple[Json, ...] = ()  # per field (a table's column), e.g. another unit


@dataclass(frozen=True)
class Row:
    title: str
    panels: tuple[Panel, ...]


@dataclass(frozen=True)
class Variable:
    name: str
    label: str
    query: str  # label_values(metric{...}, label)


@dataclass
class Layout:
    """Flows panels left to right, wrapping at the grid width; ids are assigned in order."""

    next_id: int = 1
    x: int = 0
    y: int = 0
    line_height: int = 0
    placed: list[Json] = field(default_factory=list)

    def row(self, title: str) -> None:
        self._newline()
        self.placed.append(
            {
                "type": "row",
                "title": title,
                "collapsed": False,
                "panels": [],
                "id": self._id(),
                "gridPos": {"h": 1, "w": GRID_WIDTH, "x": 0, "y": self.y},
            }
        )
        self.y += 1

    def panel(self, body: Json, width: int, height: int) -> None:
        if self.x + width > GRID_WIDTH:
            self._newline()
        body["id"] = self._id()
        body["gridPos"] = {"h": height, "w": width, "x": self.x, "y": self.y}
        self.placed.append(body)
        self.x += width
        self.line_height = max(self.line_height, height)

    def _newline(self) -> None:
        self.y += self.line_height
        self.x, self.line_height = 0, 0

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1


def target(query: Query, ref_id: str) -> Json:
    return {
        "refId": ref_id,
        "datasource": DATASOURCE,
        "editorMode": "code",
        "expr": query.expr,
        "legendFormat": query.legend or "__auto",
        "range": not (query.instant or query.table),
        "instant": query.instant or query.table,
        "format": "table" if query.table else "time_series",
    }


def field_config(panel: Panel) -> Json:
    defaults: Json = {
        "unit": panel.unit,
        "color": {"mode": "thresholds" if panel.kind in ("stat", "bargauge") else "palette-classic"},
        "thresholds": {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in panel.thresholds]},
    }
    if panel.decimals is not None:
        defaults["decimals"] = panel.decimals
    if panel.kind == "timeseries":
        defaults["min"] = 0
        defaults["custom"] = {
            "drawStyle": "line",
            "lineWidth": 1,
            "fillOpacity": 20 if panel.stacked else 5,
            "showPoints": "never",
            "spanNulls": False,
            "stacking": {"mode": "normal" if panel.stacked else "none", "group": "A"},
        }
    return {"defaults": defaults, "overrides": list(panel.overrides)}


REDUCE_LAST = {"calcs": ["lastNotNull"], "fields": "", "values": False}


def panel_options(kind: str) -> Json:
    if kind == "timeseries":
        return {
            "legend": {
                "displayMode": "table",
                "placement": "bottom",
                "showLegend": True,
                "calcs": ["lastNotNull", "max"],
            },
            "tooltip": {"mode": "multi", "sort": "desc"},
        }
    if kind == "stat":
        return {
            "reduceOptions": REDUCE_LAST,
            "colorMode": "value",
            "graphMode": "area",
            "justifyMode": "auto",
            "orientation": "auto",
            "textMode": "auto",
        }
    if kind == "bargauge":
        return {
            "reduceOptions": REDUCE_LAST,
            "displayMode": "gradient",
            "orientation": "horizontal",
            "showUnfilled": True,
            "valueMode": "color",
            "namePlacement": "auto",
            "sizing": "auto",
        }
    return {
        "showHeader": True,
        "cellHeight": "sm",
        "footer": {"show": False, "reducer": ["sum"], "fields": ""},
    }


def render_panel(panel: Panel) -> Json:
    return {
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "targets": [target(q, chr(ord("A") + i)) for i, q in enumerate(panel.queries)],
        "fieldConfig": field_config(panel),
        "options": panel_options(panel.kind),
        "transformations": list(panel.transformations),
    }


def render_variable(var: Variable) -> Json:
    return {
        "name": var.name,
        "label": var.label,
        "type": "query",
        "datasource": DATASOURCE,
        "query": {"query": var.query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
        "definition": var.query,
        "refresh": 2,
        "regex": "",
        "sort": 1,
        "hide": 0,
        "multi": True,
        "includeAll": True,
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "options": [],
    }


def dashboard(
    uid: str, title: str, description: str, variables: Iterable[Variable], rows: Iterable[Row]
) -> Json:
    layout = Layout()
    for row in rows:
        layout.row(row.title)
        for panel in row.panels:
            layout.panel(render_panel(panel), panel.width, panel.height)
    return {
        "id": None,
        "uid": uid,
        "title": title,
        "description": description,
        "tags": [TAG],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "refresh": "1m",
        "time": {"from": "now-24h", "to": "now"},
        "timepicker": {},
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "weekStart": "",
        "annotations": {
            "list": [
                {
                    "builtIn": 1,
                    "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                    "enable": True,
                    "hide": True,
                    "iconColor": "rgba(0, 211, 255, 1)",
                    "name": "Annotations & Alerts",
                    "type": "dashboard",
                }
            ]
        },
        "links": [
            {
                "type": "dashboards",
                "tags": [TAG],
                "asDropdown": True,
                "title": "iJw hub",
                "includeVars": False,
                "keepTime": True,
                "icon": "external link",
                "targetBlank": False,
                "tooltip": "",
                "url": "",
            }
        ],
        "templating": {"list": [render_variable(v) for v in variables]},
        "panels": layout.placed,
    }


def matrix(row_field: str, column_field: str) -> tuple[Json, ...]:
    """Table transformation: one row per row_field value, one column per column_field value."""
    return (
        {
            "id": "groupingToMatrix",
            "options": {"rowField": row_field, "columnField": column_field, "valueField": "Value"},
        },
    )


def ratio_binnen(series: str, by: str, selector: str) -> str:
    """Share within the norm; 0 (not missing) where only buiten was counted, nothing where nothing was."""
    binnen = f'sum by ({by}) ({series}{{uitkomst="binnen",{selector}}})'
    alles = f"sum by ({by}) ({series}{{{selector}}})"
    return f"({binnen} or {alles} * 0) / ({alles} > 0)"


def doorlooptijd_quantile(q: float, by: str, selector: str) -> str:
    """Quantile of the 30-day doorlooptijd histogram, only for groups with observations (no NaN)."""
    groups = f"{by}, " if by else ""
    quantile = f"histogram_quantile({q}, sum by ({groups}le) ({DOORLOOPTIJD_BUCKETS}{{{selector}}}))"
    return f"{quantile} and on ({by}) (sum by ({by}) ({DOORLOOPTIJD_COUNT}{{{selector}}}) > 0)"


def store_total_increase(metric: str, selector: str, by: str, window: str) -> str:
    """The exact count over the window of a store-total counter, per contract label set (replicas once).

    As the 30-day recording rules do (deploy/prometheus/recording_rules.yml, ijw-hub-domein-30d): increase()
    extrapolates and misses a series' first value; a store total never resets, so now minus the last value in
    the day before the window, or the whole total for a series that did not exist then.
    """
    now = f"max by ({by}) ({metric}{{{selector}}})"
    then = f"max by ({by}) (last_over_time({metric}{{{selector}}}[1d] offset {window}))"
    return f"({now} - {then}) or {now}"


# --- Berichtenverkeer ---------------------------------------------------------------------------------------

BERICHT = 'bericht=~"$bericht"'


def berichtenverkeer() -> Json:
    rate = "bericht_outcome:hub_messages:rate5m"
    return dashboard(
        "ijw-berichtenverkeer",
        "Berichtenverkeer",
        "Berichten door de hub: doorvoer, acceptatie, afkeuringen per regel, retourberichten en de pijplijn.",
        [Variable("bericht", "Bericht", "label_values(hub_messages_total, bericht)")],
        [
            Row(
                "Nu",
                (
                    Panel(
                        "Berichten per seconde",
                        "stat",
                        (Query(f"sum({rate}{{{BERICHT}}})"),),
                        "Beoordeelde berichten per seconde (5 minuten gemiddeld), alle uitkomsten.",
                        unit="short",
                        width=6,
                        height=4,
                        decimals=2,
                    ),
                    Panel(
                        "Geaccepteerd",
                        "stat",
                        (
                            Query(
                                f'(sum({rate}{{outcome="accepted",{BERICHT}}}) or sum({rate}{{{BERICHT}}}) * 0)'
                                f' / (sum({rate}{{outcome!="duplicate",{BERICHT}}}) > 0)'
                            ),
                        ),
                        "Deel van de berichten dat geaccepteerd is; duplicaten (herleveringen) tellen niet mee.",
                        unit="percentunit",
                        width=6,
                        height=4,
                        decimals=1,
                        thresholds=(("red", None), ("orange", 0.8), ("green", 0.95)),
                    ),
                    Panel(
                        "Retourberichten wachtend op aflevering",
                        "stat",
                        (Query("max(hub_retour_pending)"),),
                        "Retourberichten en GI-statusmeldingen (GI102) op de retour-topic die nog niet zijn "
                        "afgeleverd.",
                        width=6,
                        height=4,
                        thresholds=(("green", None), ("orange", 1), ("red", 100)),
                    ),
                    Panel(
                        "Dead letters (1 uur)",
                        "stat",
                        (Query("sum(reason:hub_dead_letters:increase1h)"),),
                        "Berichten die na herhaalde pogingen op de dead-letter topic zijn gezet.",
                        width=6,
                        height=4,
                        decimals=0,
                        thresholds=(("green", None), ("red", 1)),
                    ),
                ),
            ),
            Row(
                "Doorvoer",
                (
                    Panel(
                        "Doorvoer per bericht",
                        "timeseries",
                        (Query(f"sum by (bericht) ({rate}{{{BERICHT}}})", "{{bericht}}"),),
                        "Beoordeelde berichten per seconde, per berichttype.",
                        unit="short",
                        stacked=True,
                        width=8,
                    ),
                    Panel(
                        "Uitkomst",
                        "timeseries",
                        (Query(f"sum by (outcome) ({rate}{{{BERICHT}}})", "{{outcome}}"),),
                        "accepted, rejected (retour met foutcodes), duplicate (herlevering), malformed "
                        "(niet well-formed, onveilig of niet XSD-geldig).",
                        unit="short",
                        stacked=True,
                        width=8,
                    ),
                    Panel(
                        "Acceptatiegraad per bericht",
                        "timeseries",
                        (Query(f"bericht:hub_messages_accepted:ratio_rate5m{{{BERICHT}}}", "{{bericht}}"),),
                        "Geaccepteerd / (geaccepteerd + afgekeurd + malformed) per berichttype.",
                        unit="percentunit",
                        width=8,
                    ),
                ),
            ),
            Row(
                "Afkeuringen",
                (
                    Panel(
                        "Afkeuringen per regel (gekozen periode)",
                        "bargauge",
                        (
                            Query(
                                f"topk(15, sum by (rule) (increase(hub_rule_violations_total{{{BERICHT}}}[$__range])))",
                                "{{rule}}",
                                instant=True,
                            ),
                        ),
                        "De 15 regels die het vaakst zijn overtreden. Per afzender kan nog niet: "
                        "hub_rule_violations_total heeft (nog) geen afzender-label.",
                        width=8,
                        height=10,
                        decimals=0,
                    ),
                    Panel(
                        "Regelovertredingen per regel",
                        "timeseries",
                        (
                            Query(
                                f"topk(10, sum by (rule) (bericht_rule:hub_rule_violations:rate5m{{{BERICHT}}}))",
                                "{{rule}}",
                            ),
                        ),
                        "Overtredingen per seconde van de 10 meest overtreden regels.",
                        width=8,
                        height=10,
                    ),
                    Panel(
                        "Overtredingen per bericht en regel (gekozen periode)",
                        "table",
                        (
                            Query(
                                f"sum by (bericht, rule) (increase(hub_rule_violations_total{{{BERICHT}}}[$__range])) > 0",
                                table=True,
                            ),
                        ),
                        "Aantal overtredingen per berichttype en regelcode.",
                        width=8,
                        height=10,
                        decimals=0,
                        transformations=(
                            {
                                "id": "organize",
                                "options": {
                                    "excludeByName": {"Time": True},
                                    "renameByName": {
                                        "bericht": "Bericht",
                                        "rule": "Regel",
                                        "Value": "Aantal",
                                    },
                                },
                            },
                        ),
                    ),
                ),
            ),
            Row(
                "Retourberichten",
                (
                    Panel(
                        "Retourberichten geproduceerd en afgeleverd",
                        "timeseries",
                        (
                            Query("sum(bericht:hub_retour:rate5m)", "geproduceerd"),
                            Query("sum(bericht:hub_retour_delivered:rate5m)", "afgeleverd"),
                        ),
                        "Retourberichten per seconde.",
                        width=12,
                    ),
                    Panel(
                        "Retourberichten wachtend op aflevering",
                        "timeseries",
                        (Query("max(hub_retour_pending)", "wachtend"),),
                        "Blijft dit boven 0 terwijl er niets wordt afgeleverd, dan vuurt RetourberichtenNietAfgeleverd.",
                        width=12,
                    ),
                ),
            ),
            Row(
                "Pijplijn",
                (
                    Panel(
                        "Verwerkingstijd per stap",
                        "timeseries",
                        (
                            Query("stage:hub_processing_seconds:p50_rate5m", "{{stage}} p50"),
                            Query("stage:hub_processing_seconds:p95_rate5m", "{{stage}} p95"),
                        ),
                        "Mediaan en 95e percentiel van hub_processing_seconds per stap.",
                        unit="s",
                        width=8,
                    ),
                    Panel(
                        "Consumer lag",
                        "timeseries",
                        (Query("group_topic:hub_consumer_lag:sum", "{{group}} {{topic}}"),),
                        "Records die nog niet verwerkt zijn, per consumer group en topic.",
                        width=8,
                    ),
                    Panel(
                        "Dead letters per reden (1 uur)",
                        "timeseries",
                        (Query("reason:hub_dead_letters:increase1h", "{{reason}}"),),
                        "Berichten op de dead-letter topic in het afgelopen uur, per reden.",
                        width=8,
                    ),
                ),
            ),
        ],
    )


# --- Wachttijden en beschikbaarheid ------------------------------------------------------------------------

REGIO = 'regio=~"$regio"'
REGIO_PC = 'regio=~"$regio",productcategorie=~"$productcategorie"'


def wachttijden() -> Json:
    return dashboard(
        "ijw-wachttijden",
        "Wachttijden en beschikbaarheid",
        "Wie wacht, hoe lang het duurt van verzoek tot toewijzing tot start, en wie in zorg is, per regio.",
        [
            Variable("regio", "Regio", "label_values(jeugdhulp_wachtend, regio)"),
            Variable(
                "productcategorie",
                "Productcategorie",
                'label_values(jeugdhulp_wachtend{regio=~"$regio"}, productcategorie)',
            ),
        ],
        [
            Row(
                "Nu",
                (
                    Panel(
                        "Wachtend",
                        "stat",
                        (Query(f"sum({WACHTEND}{{{REGIO_PC}}})"),),
                        "Openstaande hulpvragen, elk één keer geteld in de laatste fase (bepaling, verzoek, toewijzing).",
                        width=6,
                        height=4,
                        decimals=0,
                    ),
                    Panel(
                        "Wachtend langer dan 3 maanden",
                        "stat",
                        (Query(f"sum({BOVEN_NORM}{{{REGIO_PC}}})"),),
                        "Wachtend langer dan 3 maanden, gerekend vanaf het vroegste moment van de keten.",
                        width=6,
                        height=4,
                        decimals=0,
                        thresholds=(("green", None), ("red", 1)),
                    ),
                    Panel(
                        "In zorg",
                        "stat",
                        (Query(f"sum({IN_ZORG}{{{REGIO_PC}}})"),),
                        "Toegewezen producten met een lopende start.",
                        width=6,
                        height=4,
                        decimals=0,
                    ),
                    Panel(
                        "Verzoek tot toewijzing, mediaan (30 dagen)",
                        "stat",
                        (Query(doorlooptijd_quantile(0.5, "", f'fase="verzoek_tot_toewijzing",{REGIO_PC}')),),
                        "Mediaan van de doorlooptijd van JW315 Dagtekening tot Toewijzingsdatum.",
                        unit="s",
                        width=6,
                        height=4,
                    ),
                ),
            ),
            Row(
                "Wachtend",
                (
                    Panel(
                        "Wachtend per fase",
                        "timeseries",
                        (Query(f"sum by (fase) ({WACHTEND}{{{REGIO_PC}}})", "{{fase}}"),),
                        "bepaling: GI-bepaling zonder toewijzing; verzoek: aangevraagd product zonder toewijzing of "
                        "afwijzing (in onderzoek wacht nog); toewijzing: toegewezen, nog niet gestart.",
                        stacked=True,
                    ),
                    Panel(
                        "Wachtend per regio",
                        "bargauge",
                        (Query(f"sum by (regio) ({WACHTEND}{{{REGIO_PC}}})", "{{regio}}", instant=True),),
                        "Openstaande hulpvragen per jeugdregio.",
                        decimals=0,
                    ),
                    Panel(
                        "Wachtend langer dan 3 maanden per fase",
                        "timeseries",
                        (Query(f"sum by (fase) ({BOVEN_NORM}{{{REGIO_PC}}})", "{{fase}}"),),
                        "Het deel van de wachtenden dat langer dan 3 maanden wacht.",
                        stacked=True,
                    ),
                    Panel(
                        "Wachtend per productcategorie",
                        "bargauge",
                        (
                            Query(
                                f"sum by (productcategorie) ({WACHTEND}{{{REGIO_PC}}})",
                                "{{productcategorie}}",
                                instant=True,
                            ),
                        ),
                        "Productcategorie (JZ020); onbekend als de toewijzing er geen heeft.",
                        decimals=0,
                    ),
                    Panel(
                        "Toegewezen, nog niet gestart, per aanbieder",
                        "bargauge",
                        (
                            Query(
                                f'topk(20, sum by (aanbieder) ({WACHTEND}{{fase="toewijzing",{REGIO_PC}}}))',
                                "{{aanbieder}}",
                                instant=True,
                            ),
                        ),
                        "De 20 aanbieders (AGB-code) met de meeste toewijzingen zonder start: een teken van "
                        "te weinig plek.",
                        width=24,
                        height=10,
                        decimals=0,
                    ),
                ),
            ),
            Row(
                "Doorlooptijden (laatste 30 dagen)",
                (
                    Panel(
                        "Mediaan per fase",
                        "timeseries",
                        (Query(doorlooptijd_quantile(0.5, "fase", REGIO_PC), "{{fase}}"),),
                        "verzoek_tot_toewijzing, toewijzing_tot_start en bepaling_tot_start; waarnemingen van de "
                        "laatste 30 dagen.",
                        unit="s",
                    ),
                    Panel(
                        "90e percentiel per fase",
                        "timeseries",
                        (Query(doorlooptijd_quantile(0.9, "fase", REGIO_PC), "{{fase}}"),),
                        "De lange staart: 1 op de 10 wacht langer dan dit.",
                        unit="s",
                    ),
                    Panel(
                        "Per fase en regio",
                        "table",
                        (
                            # max by drops the two rules' names: merge joins rows only on equal labels.
                            Query(
                                f"max by (fase, regio) (fase_regio:jeugdhulp_doorlooptijd_seconds:p50_increase30d{{{REGIO}}})",
                                table=True,
                            ),
                            Query(
                                f"max by (fase, regio) (fase_regio:jeugdhulp_doorlooptijd_seconds:p90_increase30d{{{REGIO}}})",
                                table=True,
                            ),
                        ),
                        "Mediaan en 90e percentiel per fase en regio, alle productcategorieën.",
                        unit="s",
                        transformations=(
                            {"id": "merge", "options": {}},
                            {
                                "id": "organize",
                                "options": {
                                    "excludeByName": {"Time": True},
                                    "renameByName": {
                                        "fase": "Fase",
                                        "regio": "Regio",
                                        "Value #A": "Mediaan",
                                        "Value #B": "90e percentiel",
                                    },
                                },
                            },
                        ),
                    ),
                    Panel(
                        "Mediaan per productcategorie",
                        "bargauge",
                        (
                            Query(
                                doorlooptijd_quantile(0.5, "fase, productcategorie", REGIO_PC),
                                "{{fase}} {{productcategorie}}",
                                instant=True,
                            ),
                        ),
                        "Mediaan per fase en productcategorie.",
                        unit="s",
                    ),
                    Panel(
                        "Waarnemingen per fase (30 dagen)",
                        "timeseries",
                        (Query(f"sum by (fase) ({DOORLOOPTIJD_COUNT}{{{REGIO_PC}}})", "{{fase}}"),),
                        "Aantal doorlooptijden waarop de percentielen rusten; weinig waarnemingen maakt ze onzeker.",
                        width=24,
                    ),
                ),
            ),
            Row(
                "In zorg en uitstroom",
                (
                    Panel(
                        "In zorg per aanbieder",
                        "bargauge",
                        (
                            Query(
                                f"topk(20, sum by (aanbieder) ({IN_ZORG}{{{REGIO_PC}}}))",
                                "{{aanbieder}}",
                                instant=True,
                            ),
                        ),
                        "De 20 aanbieders (AGB-code) met de meeste toegewezen producten in zorg; een kind kan er meer hebben.",
                        height=10,
                        decimals=0,
                    ),
                    Panel(
                        "In zorg per productcategorie",
                        "timeseries",
                        (
                            Query(
                                f"sum by (productcategorie) ({IN_ZORG}{{{REGIO_PC}}})", "{{productcategorie}}"
                            ),
                        ),
                        "Toegewezen producten met een lopende start.",
                        stacked=True,
                        height=10,
                    ),
                    Panel(
                        "Beëindigd per reden (30 dagen)",
                        "bargauge",
                        (
                            Query(
                                f"sum by (reden) (regio_productcategorie_reden:jeugdhulp_beeindigd:increase30d{{{REGIO_PC}}})",
                                "{{reden}}",
                                instant=True,
                            ),
                        ),
                        "Nieuwe stopregels (JW307) per RedenBeeindiging (JZ588); zie docs/definities.md.",
                        width=24,
                        decimals=0,
                    ),
                ),
            ),
        ],
    )


def per_kalendermaand() -> Panel:
    """hub normen's figures of this month and the one before (jeugdhulp_norm_maand): one row per month, norm and
    regio, with binnen, buiten and % binnen as columns (three table queries merged on their labels)."""
    by = "maand, norm, regio"
    kolommen = {"maand": "Maand", "norm": "Norm", "regio": "Regio"}
    waarden = {"Value #A": "Binnen", "Value #B": "Buiten", "Value #C": "% binnen"}
    return Panel(
        "Per kalendermaand (deze en vorige maand)",
        "table",
        (
            Query(f'sum by ({by}) ({NORM_MAAND}{{uitkomst="binnen",{REGIO}}})', table=True),
            Query(f'sum by ({by}) ({NORM_MAAND}{{uitkomst="buiten",{REGIO}}})', table=True),
            # max by drops the rule's name, which the other two have not: merge joins rows on equal labels.
            Query(f"max by ({by}) ({NORM_MAAND_BINNEN}{{{REGIO}}})", table=True),
        ),
        "De cijfers van hub normen (naar einddatum) voor deze en vorige kalendermaand: elke uitkomst telt in de "
        "maand van de tweede datum van de norm (antwoord, start, datum vaste jeugdbeschermer of gedragen koers), "
        "niet naar het moment van verwerking. Alleen regio's met een uitkomst in die maand; een maand zonder "
        "uitkomsten (de nieuwe maand op de 1e) heeft geen regels. Een later bericht kan een maand nog veranderen; "
        "oudere maanden en cohorten (naar begindatum) geeft hub normen. docs/definities.md 4.5.",
        width=24,
        height=10,
        decimals=0,
        transformations=(
            {"id": "merge", "options": {}},
            {
                "id": "organize",
                "options": {
                    "excludeByName": {"Time": True},
                    "indexByName": {name: i for i, name in enumerate([*kolommen, *waarden])},
                    "renameByName": kolommen | waarden,
                },
            },
            {"id": "sortBy", "options": {"sort": [{"field": "Maand", "desc": True}]}},
        ),
        overrides=(
            {
                "matcher": {"id": "byName", "options": "% binnen"},
                "properties": [{"id": "unit", "value": "percentunit"}, {"id": "decimals", "value": 1}],
            },
        ),
    )


# --- Normen jeugdbescherming -------------------------------------------------------------------------------


def normen() -> Json:
    stats = tuple(
        Panel(
            titel,
            "stat",
            (Query(ratio_binnen(NORM_30D, "norm", f'norm="{norm}",{REGIO}')),),
            f"Deel binnen de norm van wat in de laatste 30 dagen is gemeten (norm {norm}).",
            unit="percentunit",
            width=6,
            height=5,
            decimals=1,
            thresholds=(("blue", None),),
        )
        for norm, titel in NORMEN
    )
    return dashboard(
        "ijw-normen",
        "Normen jeugdbescherming",
        "De normen van de Inspectie (vaste jeugdbeschermer, gedragen koers, passende hulp) en het antwoord op "
        "verzoeken, per regio.",
        [Variable("regio", "Regio", "label_values(jeugdhulp_norm_total, regio)")],
        [
            Row("Binnen de norm, laatste 30 dagen", stats),
            Row(
                "Per regio",
                (
                    Panel(
                        "Binnen de norm per regio (30 dagen)",
                        "table",
                        (
                            Query(
                                f"norm_regio:jeugdhulp_norm_binnen:ratio_increase30d{{{REGIO}}}", table=True
                            ),
                        ),
                        "Deel binnen de norm per norm (kolom) en regio (rij).",
                        unit="percentunit",
                        decimals=1,
                        transformations=matrix("regio", "norm"),
                    ),
                    Panel(
                        "Binnen de norm door de tijd",
                        "timeseries",
                        (Query(ratio_binnen(NORM_30D, "norm", REGIO), "{{norm}}"),),
                        "Voortschrijdend over 30 dagen, voor de gekozen regio's samen.",
                        unit="percentunit",
                    ),
                    Panel(
                        "Buiten de norm (30 dagen)",
                        "bargauge",
                        (
                            Query(
                                f'sum by (regio, norm) ({NORM_30D}{{uitkomst="buiten",{REGIO}}})',
                                "{{regio}}: {{norm}}",
                                instant=True,
                            ),
                        ),
                        "Aantal keer buiten de norm per regio en norm.",
                        decimals=0,
                        height=10,
                    ),
                    Panel(
                        "Binnen de norm sinds het begin",
                        "table",
                        (Query(f"norm_regio:jeugdhulp_norm_binnen:ratio{{{REGIO}}}", table=True),),
                        "Alle metingen in de store, niet alleen de laatste 30 dagen.",
                        unit="percentunit",
                        decimals=1,
                        height=10,
                        transformations=matrix("regio", "norm"),
                    ),
                ),
            ),
            Row("Per kalendermaand, naar de tweede datum van de norm", (per_kalendermaand(),)),
            Row(
                "Boven de norm (wie nu langer wacht dan de termijn)",
                (
                    Panel(
                        "Boven de norm",
                        "stat",
                        (Query(f"sum(regio:jeugdhulp_wachtend_boven_norm:sum{{{REGIO}}})"),),
                        "Aanvragen (producten, verzoeken, bepalingen) die nu langer dan 3 maanden op hulp wachten; een kind kan er meer hebben.",
                        width=6,
                        decimals=0,
                        thresholds=(("green", None), ("red", 1)),
                    ),
                    Panel(
                        "Maatregelen over de termijn",
                        "stat",
                        (Query(f"sum by (norm) ({MAATREGELEN_BOVEN}{{{REGIO}}})", "{{norm}}"),),
                        "Lopende maatregelen die nu meer dan 5 werkdagen na de uitspraak nog geen vaste "
                        "jeugdbeschermer hebben, of meer dan 6 weken na de uitspraak nog geen gedragen koers, "
                        "volgens de GI002's tot nu.",
                        width=6,
                        decimals=0,
                        thresholds=(("green", None), ("red", 1)),
                    ),
                    Panel(
                        "Boven de norm per regio",
                        "bargauge",
                        (
                            Query(
                                f"regio:jeugdhulp_wachtend_boven_norm:sum{{{REGIO}}}",
                                "{{regio}}",
                                instant=True,
                            ),
                        ),
                        "Per jeugdregio; de alert JeugdhulpWachtendBovenNorm vuurt voor elke regio boven 0.",
                        width=6,
                        decimals=0,
                        thresholds=(("green", None), ("red", 1)),
                    ),
                    Panel(
                        "Boven de norm per fase",
                        "timeseries",
                        (Query(f"sum by (fase) ({BOVEN_NORM}{{{REGIO}}})", "{{fase}}"),),
                        "In welke fase de aanvragen wachten.",
                        width=6,
                        stacked=True,
                    ),
                    Panel(
                        "Bepaling tot start, mediaan per regio (alle bepalingen)",
                        "timeseries",
                        (
                            Query(
                                f'fase_regio:jeugdhulp_doorlooptijd_seconds:p50{{fase="bepaling_tot_start",{REGIO}}}',
                                "{{regio}}",
                            ),
                        ),
                        "Van datum bepaling door de GI tot de Begindatum van de hulp.",
                        unit="s",
                        width=24,
                    ),
                ),
            ),
            Row(
                "Maatregelen zonder vaste jeugdbeschermer of gedragen koers (nu)",
                (
                    Panel(
                        "Nog zonder datum, per norm",
                        "timeseries",
                        (
                            Query(
                                f"sum by (norm) ({MAATREGELEN_WACHTEND}{{{REGIO}}})", "{{norm}}: zonder datum"
                            ),
                            Query(
                                f"sum by (norm) ({MAATREGELEN_BOVEN}{{{REGIO}}})", "{{norm}}: over de termijn"
                            ),
                        ),
                        "Lopende maatregelen met een bekende uitspraak waarvan de GI de datum vaste jeugdbeschermer "
                        "of gedragen koers nog niet heeft gemeld, en het deel daarvan dat over de termijn is.",
                        width=8,
                    ),
                    Panel(
                        "Over de termijn per regio",
                        "bargauge",
                        (
                            Query(
                                f"sum by (regio, norm) ({MAATREGELEN_BOVEN}{{{REGIO}}})",
                                "{{regio}}: {{norm}}",
                                instant=True,
                            ),
                        ),
                        "Per jeugdregio van de gemeente van de maatregel; de alert MaatregelWachtendBovenNorm vuurt "
                        "voor elke regio en norm boven 0.",
                        width=8,
                        decimals=0,
                        thresholds=(("green", None), ("red", 1)),
                    ),
                    Panel(
                        "Over de termijn per GI",
                        "bargauge",
                        (
                            Query(
                                f"sum by (gi, norm) ({MAATREGELEN_BOVEN_GI}{{{REGIO}}})",
                                "{{gi}}: {{norm}}",
                                instant=True,
                            ),
                        ),
                        "Per gecertificeerde instelling (AGB-code, de Afzender van de GI002).",
                        width=8,
                        decimals=0,
                        thresholds=(("green", None), ("red", 1)),
                    ),
                ),
            ),
            Row(
                "Verzoeken om toewijzing na 5 werkdagen nog zonder antwoord (nu)",
                (
                    Panel(
                        "Zonder antwoord over de termijn",
                        "timeseries",
                        (Query(f"sum by (regio) ({VERZOEKEN_ONBEANTWOORD}{{{REGIO}}})", "{{regio}}"),),
                        "Aangevraagde producten (JW315) die meer dan 5 werkdagen na de Dagtekening nog geen "
                        "toewijzing en geen antwoordbericht (JW319, ook niet in onderzoek) hebben. Een antwoord met "
                        "de datum van vandaag of later telt als buiten de norm antwoord_verzoek_5_werkdagen.",
                        width=8,
                        stacked=True,
                    ),
                    Panel(
                        "Zonder antwoord per regio",
                        "bargauge",
                        (
                            Query(
                                f"sum by (regio) ({VERZOEKEN_ONBEANTWOORD}{{{REGIO}}})",
                                "{{regio}}",
                                instant=True,
                            ),
                        ),
                        "Per jeugdregio van de gemeente van het verzoek; de alert VerzoekOnbeantwoordBovenNorm vuurt "
                        "voor elke regio boven 0.",
                        width=8,
                        decimals=0,
                        thresholds=(("green", None), ("red", 1)),
                    ),
                    Panel(
                        "Zonder antwoord per productcategorie",
                        "bargauge",
                        (
                            Query(
                                f"sum by (productcategorie) ({VERZOEKEN_ONBEANTWOORD_PC}{{{REGIO}}})",
                                "{{productcategorie}}",
                                instant=True,
                            ),
                        ),
                        "Productcategorie (JZ020) van het aangevraagde product; onbekend als het er geen heeft.",
                        width=8,
                        decimals=0,
                        thresholds=(("green", None), ("red", 1)),
                    ),
                ),
            ),
        ],
    )


# --- GI capaciteit -----------------------------------------------------------------------------------------

REGIO_GI = 'regio=~"$regio",gi=~"$gi"'


def caseload_per_fte(by: str) -> str:
    """Caseload per fte jeugdbeschermer; nothing (not +Inf) where a GI reports no fte."""

    def soort(s: str) -> str:
        return f'sum by ({by}) ({CAPACITEIT_NU}{{soort="{s}",{REGIO_GI}}})'

    return f"{soort('caseload')} / ({soort('jeugdbeschermers_fte')} > 0)"


def gi_capaciteit() -> Json:
    stats = tuple(
        Panel(
            titel,
            "stat",
            (Query(f'sum({CAPACITEIT_NU}{{soort="{soort}",{REGIO_GI}}})'),),
            f"gi_capaciteit soort {soort}, laatste peildatum, opgeteld over de gekozen GI's en regio's.",
            width=5,
            height=4,
            decimals=1 if soort.endswith("fte") else 0,
        )
        for soort, titel in CAPACITEIT
    )
    return dashboard(
        "ijw-gi-capaciteit",
        "GI capaciteit",
        "Capaciteit van de gecertificeerde instellingen (fte, caseload, beschikbaar, wachtlijst) en hun bepalingen.",
        [
            Variable("regio", "Regio", "label_values(gi_capaciteit, regio)"),
            Variable("gi", "GI", 'label_values(gi_capaciteit{regio=~"$regio"}, gi)'),
        ],
        [
            Row(
                "Capaciteit nu",
                (
                    *stats,
                    Panel(
                        "Caseload per fte",
                        "stat",
                        (Query(caseload_per_fte("")),),
                        "Caseload gedeeld door het aantal fte jeugdbeschermers.",
                        width=4,
                        height=4,
                        decimals=1,
                    ),
                ),
            ),
            Row(
                "Per GI",
                (
                    Panel(
                        "Capaciteit per GI",
                        "table",
                        (Query(f"sum by (gi, soort) ({CAPACITEIT_NU}{{{REGIO_GI}}})", table=True),),
                        "Laatste peildatum per GI (AGB-code), opgeteld over de gekozen regio's.",
                        transformations=matrix("gi", "soort"),
                    ),
                    Panel(
                        "Caseload per fte per GI",
                        "bargauge",
                        (Query(caseload_per_fte("gi"), "{{gi}}", instant=True),),
                        "Hoeveel jeugdigen één fte jeugdbeschermer gemiddeld heeft.",
                        decimals=1,
                    ),
                    Panel(
                        "Wachtlijst per GI",
                        "timeseries",
                        (Query(f'sum by (gi) ({CAPACITEIT_NU}{{soort="wachtlijst",{REGIO_GI}}})', "{{gi}}"),),
                        "Jeugdigen op de wachtlijst van de GI.",
                    ),
                    Panel(
                        "Beschikbaar per GI",
                        "timeseries",
                        (
                            Query(
                                f'sum by (gi) ({CAPACITEIT_NU}{{soort="beschikbaar",{REGIO_GI}}})', "{{gi}}"
                            ),
                        ),
                        "Beschikbare plekken volgens de GI.",
                    ),
                ),
            ),
            Row(
                "Bepalingen",
                (
                    Panel(
                        "Bepalingen per GI (30 dagen)",
                        "bargauge",
                        (Query(f"sum by (gi) ({BEPALINGEN_30D}{{{REGIO_GI}}})", "{{gi}}", instant=True),),
                        "Bepalingen van jeugdhulp door de GI in de laatste 30 dagen.",
                        width=8,
                        decimals=0,
                    ),
                    Panel(
                        "Bepalingen per productcategorie (30 dagen)",
                        "bargauge",
                        (
                            Query(
                                f"sum by (productcategorie) ({BEPALINGEN_30D}{{{REGIO_GI}}})",
                                "{{productcategorie}}",
                                instant=True,
                            ),
                        ),
                        "Welke hulp de GI's bepalen.",
                        width=8,
                        decimals=0,
                    ),
                    Panel(
                        "Bepalingen per dag per regio",
                        "timeseries",
                        (
                            Query(
                                f"sum by (regio) ({store_total_increase('gi_bepalingen_total', REGIO_GI, BEPALING_LABELS, '1d')})",
                                "{{regio}}",
                            ),
                        ),
                        "Voortschrijdend over 24 uur.",
                        width=8,
                    ),
                    Panel(
                        "Bepalingen zonder toewijzing per regio",
                        "bargauge",
                        (
                            Query(
                                f'sum by (regio) (fase_regio:jeugdhulp_wachtend:sum{{fase="bepaling",{REGIO}}})',
                                "{{regio}}",
                                instant=True,
                            ),
                        ),
                        "GI-bepalingen zonder toewijzing en zonder gekoppeld verzoek dat nog wacht (dat telt in fase "
                        "verzoek); geen GI-filter.",
                        width=24,
                        decimals=0,
                    ),
                ),
            ),
        ],
    )


# --- files -------------------------------------------------------------------------------------------------

DASHBOARDS = {
    "berichtenverkeer.json": berichtenverkeer,
    "wachttijden-en-beschikbaarheid.json": wachttijden,
    "normen-jeugdbescherming.json": normen,
    "gi-capaciteit.json": gi_capaciteit,
}


def build() -> dict[str, str]:
    return {
        name: json.dumps(make(), indent=2, ensure_ascii=False) + "\n" for name, make in DASHBOARDS.items()
    }


def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__, DEFAULT_OUT).parse_args(argv)
    return write_or_check(args.out, build(), check=args.check, what="dashboards", remedy="make dashboards")


if __name__ == "__main__":
    raise SystemExit(main())
